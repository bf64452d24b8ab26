"""Every number Chapter 11's prose states, asserted: if the text starts to lie, this fails."""

import collections
import math

import numpy as np
import pytest

from book import lm
from book.autodiff import Tensor, check_grad, logsumexp
from book.figures import ch11
from book.optim import adamw
from book.schedules import warmup_cosine


@pytest.fixture(scope="module")
def corpus():
    return ch11.corpus()


@pytest.fixture(scope="module")
def training():
    return ch11.trained()


@pytest.fixture(scope="module")
def bigram(corpus):
    """The best add-α bigram's held-out cross-entropy, re-derived with a Counter over the text's character pairs."""
    train_text = corpus.vocab.decode(corpus.train_ids)
    held_text = corpus.vocab.decode(corpus.held_out_ids)
    pairs, firsts = collections.Counter(zip(train_text, train_text[1:])), collections.Counter(train_text[:-1])
    V = corpus.vocab.size
    targets = list(zip(held_text[ch11.CONTEXT - 1:-1], held_text[ch11.CONTEXT:]))

    def cross_entropy(alpha):
        return -np.mean([math.log((pairs[a, b] + alpha) / (firsts[a] + alpha * V)) for a, b in targets])

    return {alpha: cross_entropy(alpha) for alpha in ch11.ALPHAS}


# Section 1
def test_corpus_sizes(corpus):
    assert len(corpus.train_ids) + len(corpus.held_out_ids) == 18948
    assert corpus.vocab.size == 61
    assert (len(corpus.train_ids), len(corpus.held_out_ids)) == (17053, 1895)
    assert len(corpus.held_out_ids) == pytest.approx(0.1 * 18948, abs=3)  # the last 10 % of every poem


def test_bigram_baseline_by_counting(corpus, bigram):
    assert min(bigram, key=bigram.get) == 0.1
    assert bigram[0.1] == pytest.approx(2.475, abs=0.003)  # "2.48"
    table = lm.bigram_log_probs(corpus.train_ids, corpus.vocab.size, 0.1)
    assert lm.bigram_cross_entropy(table, *_last_and_next(corpus.held_out_pairs)) == pytest.approx(bigram[0.1], rel=1e-12)
    assert lm.bigram_cross_entropy(table, *_last_and_next(corpus.train_pairs)) == pytest.approx(2.38, abs=0.005)
    assert math.log(corpus.vocab.size) == pytest.approx(4.11, abs=0.005)


def _last_and_next(pairs):
    X, y = pairs
    return X[:, -1], y


def test_eight_character_contexts_are_too_many_to_count(corpus):
    assert corpus.vocab.size**8 == pytest.approx(2e14, rel=0.05)
    distinct = {tuple(row) for row in corpus.train_pairs[0]}
    assert len(distinct) < 1e-9 * corpus.vocab.size**8  # "almost none of which occur"


# Section 2
def test_model_size_and_untrained_loss(corpus):
    params = lm.init_params(corpus.vocab.size, ch11.CONTEXT, ch11.EMBED, ch11.HIDDEN, seed=ch11.SEED)
    assert params["W1"].shape == (8 * 16, 128)
    assert sum(v.size for v in params.values()) == 25357
    assert lm.evaluate(params, *corpus.held_out_pairs) == pytest.approx(math.log(61), abs=0.005)


def test_logsumexp_overflow_threshold():
    assert np.log(np.finfo(float).max) == pytest.approx(709.78, abs=0.005)
    with np.errstate(over="ignore"):
        assert np.isinf(np.log(np.exp(np.array([1.0, 2.0, 3.0]) * 237).sum()))
        assert np.isfinite(np.log(np.exp(np.array([1.0, 2.0, 3.0]) * 236).sum()))
    assert np.isfinite(logsumexp(Tensor([400.0, 800.0, 1200.0])).data).all()


def test_check_grad_passes_on_the_models_loss(corpus):
    params = lm.init_params(corpus.vocab.size, ch11.CONTEXT, ch11.EMBED, ch11.HIDDEN, seed=ch11.SEED)
    f, flat = lm.flat_loss(params, corpus.train_pairs[0][:32], corpus.train_pairs[1][:32])
    assert check_grad(f, flat, directions=5) < 1e-6


# Section 3
def test_recipe_is_the_large_model_recipe():
    r = ch11.RECIPE
    assert (r.steps, r.batch_size, r.peak_lr, r.warmup, r.weight_decay, r.max_norm) == (3000, 64, 3e-3, 100, 0.1, 1.0)
    schedule = warmup_cosine(3e-3, 100, 3000, min_lr=3e-4)
    assert schedule(3000) == pytest.approx(0.1 * schedule(100))  # cosine decay to 10 % of the peak

    def steps_of(optimizer):
        x, g = np.ones(3), np.array([1.0, -2.0, 0.5])
        state = optimizer.init(x)
        for t in range(200):
            x, state = optimizer.step(x, g * (1 + (t % 2)), state)
        return x

    ours = steps_of(r.optimizer())
    assert np.allclose(ours, steps_of(adamw(schedule, betas=(0.9, 0.95), weight_decay=0.1)), rtol=1e-14)
    assert not np.allclose(ours, steps_of(adamw(schedule, betas=(0.9, 0.999), weight_decay=0.1)), rtol=1e-6)


def test_trained_model_beats_the_bigram_on_held_out_text(training, bigram):
    final = training.held_out_loss[ch11.RECIPE.steps]
    assert final == pytest.approx(2.23, abs=0.01)
    assert 0.2 < bigram[0.1] - final < 0.3  # "more than 0.2", "about a quarter of a nat"
    crossing = min(t for t, loss in training.held_out_loss.items() if loss < bigram[0.1])
    assert crossing == 600  # "after about 600 steps", "within a few hundred steps"
    assert max(training.held_out_loss[t] for t in training.held_out_loss if t >= 2000) < 2.3  # levels off near 2.2


def test_model_memorises_the_training_text(corpus, training):
    on_training_text = lm.evaluate(training.final, *corpus.train_pairs)
    assert on_training_text == pytest.approx(1.7, abs=0.05)
    assert training.held_out_loss[ch11.RECIPE.steps] - on_training_text > 0.4  # "well below"


def test_clipping_is_active_nearly_all_the_time(training):
    norms = training.grad_norm
    assert round(np.mean(norms > 1) * 100) == 96
    assert norms[:100].mean() == pytest.approx(1.0, abs=0.1) and norms[-500:].mean() == pytest.approx(1.2, abs=0.05)
    assert 0.84 < norms.min() < 0.88 and 1.5 < norms.max() < 1.56  # the figure's alt text


# Section 4
def test_untrained_text_is_noise_and_trained_text_has_words(training):
    untrained = ch11.sample_text(0, ch11.CHECKPOINT_TEMPERATURE, 0)
    trained = ch11.sample_text(ch11.RECIPE.steps, ch11.CHECKPOINT_TEMPERATURE, 0)
    assert untrained.count(" ") / len(untrained) < 0.05  # about 1/61 of characters are spaces in noise
    assert trained.count(" ") / len(trained) > 0.12  # about one in six, as in English
    words = {w for seed in ch11.SAMPLE_SEEDS for w in ch11.sample_text(ch11.RECIPE.steps, 0.5, seed).split()}
    assert {"the", "my", "with"} <= words


def test_cold_samples_repeat_and_hot_samples_are_noisier(training):
    def distinct_words(temperature):
        words = [w for seed in ch11.SAMPLE_SEEDS for w in ch11.sample_text(ch11.RECIPE.steps, temperature, seed).split()]
        return len(set(words)) / len(words)

    assert distinct_words(0.3) < distinct_words(1.0) < distinct_words(2.0)
