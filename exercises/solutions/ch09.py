"""Solutions to the exercises of Chapter 9 (language models and the transformer)."""

import numpy as np


def softmax_jacobian(z):
    """∂p_i/∂z_j = p_i(δ_ij − p_j): diag(p) − ppᵀ, with p computed after subtracting the largest score."""
    e = np.exp(z - z.max())
    p = e / e.sum()
    return np.diag(p) - np.outer(p, p)


def layernorm_backward(x, g):
    """(g − mean(g) − y·mean(g·y)) / ρ row by row: the mean and the spread ρ both depend on every x_i."""
    centred = x - x.mean(axis=-1, keepdims=True)
    s = np.sqrt(np.mean(centred**2, axis=-1, keepdims=True))
    y = centred / s
    return (g - g.mean(axis=-1, keepdims=True) - y * np.mean(g * y, axis=-1, keepdims=True)) / s


def causal_weights(scores):
    """Scores of the future set to −∞, then a softmax along each row (largest score subtracted first)."""
    future = np.triu(np.ones(scores.shape, dtype=bool), k=1)
    masked = np.where(future, -np.inf, scores)
    e = np.exp(masked - masked.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def parameter_count(vocab_size, block_size, n_layer, n_head, n_embd):
    """Embeddings, n_layer blocks (two LayerNorms, attention, MLP) and the final LayerNorm; the head is tied."""
    d = n_embd
    layernorm = 2 * d  # a gain and a shift
    attention = (3 * d * d + 3 * d) + (d * d + d)  # q, k, v for all heads together, then the output projection
    mlp = (d * 4 * d + 4 * d) + (4 * d * d + d)
    block = 2 * layernorm + attention + mlp
    return (vocab_size + block_size) * d + n_layer * block + layernorm  # the head reuses the token embedding


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


def saturating_dimension():
    """Measure the median ‖diag(p) − ppᵀ‖ of unscaled scores for d = 1, 2, … and return the first d below 0.05."""
    rng = np.random.default_rng(2024)
    for d in range(1, 257):
        q, k = rng.standard_normal((2000, 1, d)), rng.standard_normal((2000, 8, d))
        scores = (q * k).sum(axis=2)  # q·k_j, not divided by √d
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        jacobians = p[:, :, None] * np.eye(8) - p[:, :, None] * p[:, None, :]
        if np.median(np.linalg.norm(jacobians, axis=(1, 2))) < 0.05:
            return d
