"""Solutions to the exercises of Chapter 11 (the capstone language model)."""

import numpy as np

from book import lm


def encode(text):
    """A character's id is its position in the sorted list of the characters the text uses."""
    chars = sorted(set(text))
    return np.array([chars.index(c) for c in text])


def bigram_cross_entropy(train_ids, held_ids, V, alpha):
    """Count the training pairs, add α to every count, normalise each row, average −ln p over the held-out pairs."""
    counts = np.zeros((V, V))
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)  # add.at counts repeated pairs, += would not
    p = (counts + alpha) / (counts.sum(axis=1, keepdims=True) + alpha * V)
    return -np.mean(np.log(p[held_ids[:-1], held_ids[1:]]))


def sample_next(scores, temperature, u):
    """Invert the cumulative distribution of softmax(scores / temperature) at the uniform number u."""
    z = scores / temperature
    p = np.exp(z - z.max())
    return int(np.searchsorted(np.cumsum(p / p.sum()), u))


def model_loss(E, W1, b1, W2, b2, X, y):
    """Embed, concatenate, tanh layer, scores; mean of logsumexp(scores) − score of the right character."""
    h = np.tanh(E[X].reshape(len(X), -1) @ W1 + b1)
    s = h @ W2 + b2
    m = s.max(axis=1, keepdims=True)
    logsumexp = m[:, 0] + np.log(np.exp(s - m).sum(axis=1))
    return float(np.mean(logsumexp - s[np.arange(len(y)), y]))


def fast_recipe():
    """Thirty times the chapter's peak rate and a short warmup: a 120-step run has no time to creep up."""
    return 0.1, 10


def best_smoothing():
    """Scan α on a logarithmic grid and keep the one with the lowest held-out cross-entropy."""
    corpus = lm.prepare(1)
    held = corpus.held_out_ids

    def held_out_loss(alpha):
        return lm.bigram_cross_entropy(lm.bigram_log_probs(corpus.train_ids, corpus.vocab.size, alpha), held[:-1], held[1:])

    alphas = np.geomspace(1e-3, 10, 81)
    return float(alphas[np.argmin([held_out_loss(alpha) for alpha in alphas])])
