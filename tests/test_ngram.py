"""book.ngram: the counted models against brute-force counting on a tiny text, the validation-tuned weights against a
grid, and the test-set table of Tiny Shakespeare."""

import itertools
import math

import numpy as np
import pytest

from book import ngram

TRAIN = "the cat sat on the mat. the rat ate the hat; a cat and a rat."
VALID = "the mat sat on a cat. oh!"
TEST = "a hat on the rat, the cat at the mat."
CHARS = "".join(sorted(set(TRAIN + VALID + TEST)))


def ids(s):
    return np.array([CHARS.index(c) for c in s])


def brute_force_probability(train, history, c, weights, V):
    """P_k(c | history) by the recursion, each P_ML from str.count-style loops over the training text."""
    p = 1 / V
    for k, lam in enumerate(weights, start=1):
        context = history[len(history) - (k - 1) :] if k > 1 else ""
        windows = [train[i : i + k] for i in range(len(train) - k + 1)]
        context_count = sum(w[:-1] == context for w in windows)
        if context_count:
            p = lam * sum(w == context + c for w in windows) / context_count + (1 - lam) * p
    return p


@pytest.mark.parametrize("order", [0, 1, 2, 3])
def test_probabilities_match_brute_force_counting(order):
    V = len(CHARS)
    model = ngram.fit(ids(TRAIN), V, order, ids(VALID))
    got = ngram.probabilities(model, ids(TEST))
    expected = [brute_force_probability(TRAIN, TEST[:t], TEST[t], model.weights, V) for t in range(2, len(TEST))]
    assert np.allclose(got, expected, rtol=1e-13, atol=0)
    assert ngram.cross_entropy(model, ids(TEST)) == pytest.approx(-np.mean(np.log(expected)), rel=1e-13)


def test_every_model_is_a_probability_distribution_over_the_next_character():
    V = len(CHARS)
    model = ngram.fit(ids(TRAIN), V, 3, ids(VALID))
    for history in ["th", "oh", " a", "!.", ",!"]:  # seen and unseen contexts
        total = sum(ngram.probabilities(model, ids(history + c))[0] for c in CHARS)
        assert total == pytest.approx(1.0, rel=1e-13)


def test_counts_are_the_occurrences_of_every_tuple():
    V = len(CHARS)
    model = ngram.fit(ids(TRAIN), V, 3, ids(VALID))
    for a, b, c in itertools.product("th a", repeat=3):
        expected = sum(TRAIN[i : i + 3] == a + b + c for i in range(len(TRAIN) - 2))
        assert model.counts[2][CHARS.index(a), CHARS.index(b), CHARS.index(c)] == expected
    assert model.counts[0].sum() == len(TRAIN) and model.counts[1].sum() == len(TRAIN) - 1


def test_uniform_scores_log_v_and_weights_are_the_best_on_validation():
    V = len(CHARS)
    assert ngram.cross_entropy(ngram.fit(ids(TRAIN), V, 0), ids(TEST)) == pytest.approx(math.log(V), rel=1e-15)
    for order in (1, 2, 3):
        model = ngram.fit(ids(TRAIN), V, order, ids(VALID))
        best = ngram.cross_entropy(model, ids(VALID))
        for k in range(order):
            for step in (-0.02, 0.02):
                weights = list(model.weights)
                weights[k] = min(max(weights[k] + step, 0.0), 1.0)
                moved = ngram.NGramModel(V, model.counts, tuple(weights))
                assert ngram.cross_entropy(moved, ids(VALID)) >= best - 1e-12
        assert all(0.0 <= w <= 1.0 for w in model.weights)


def test_bad_input_is_refused():
    V = len(CHARS)
    with pytest.raises(ValueError, match="validation_ids are needed"):
        ngram.fit(ids(TRAIN), V, 2)
    with pytest.raises(ValueError, match="train_ids must be a 1-D array of integer ids in 0..4"):
        ngram.fit(np.array([0, 5]), 5, 1, np.array([0]))
    model = ngram.fit(ids(TRAIN), V, 3, ids(VALID))
    with pytest.raises(ValueError, match="start must be at least order − 1 = 2"):
        ngram.probabilities(model, ids(TEST), start=1)


@pytest.fixture(scope="module")
def table():
    return ngram.baseline_table()


def test_test_set_table_of_tiny_shakespeare(table):
    assert list(table) == ["uniform", "unigram", "bigram", "trigram"]
    assert table["uniform"] == pytest.approx(math.log(65), rel=1e-14)
    # each longer context pays, by a margin far beyond round-off
    values = list(table.values())
    assert all(a - b > 0.3 for a, b in zip(values, values[1:]))
    assert 1.9 < table["trigram"] < 2.3 and 2.3 < table["bigram"] < 2.7 and 3.2 < table["unigram"] < 3.5


def test_unigram_of_the_table_is_the_entropy_of_training_frequencies_on_test(table):
    from book.text import load_splits

    splits = load_splits()
    freq = {c: splits.train.count(c) / len(splits.train) for c in set(splits.train)}
    # λ_1 is ≈ 1 (every character occurs in training): the unigram is the frequencies themselves
    cross = -np.mean([math.log(freq[c]) for c in splits.test[2:]])
    assert table["unigram"] == pytest.approx(cross, rel=1e-6)
