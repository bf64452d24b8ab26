"""Chapter 11's checkers recognise the typical mistakes and show the hint written for each."""

import numpy as np
import pytest
from conftest import assert_fails_with_hint

from book.exercises import ch11 as check
from exercises.solutions import ch11 as solution


def _bigram(probabilities, log=np.log):
    def answer(train_ids, held_ids, V, alpha):
        counts = np.zeros((V, V))
        np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
        return -np.mean(log(probabilities(counts, V, alpha)[held_ids[:-1], held_ids[1:]]))

    return answer


def _naive_loss(E, W1, b1, W2, b2, X, y):
    s = np.tanh(E[X].reshape(len(X), -1) @ W1 + b1) @ W2 + b2
    return float(np.mean(np.log(np.exp(s).sum(axis=1)) - s[np.arange(len(y)), y]))


TYPICAL_MISTAKES = [
    (check.encode, lambda text: np.array([list(dict.fromkeys(text)).index(c) for c in text]), "order characters first appear"),
    (check.encode, lambda text: solution.encode(text) + 1, "ids start at 0"),
    (check.encode, lambda text: np.array([ord(c) for c in text]), "code point"),
    (check.bigram_cross_entropy, _bigram(lambda c, V, a: (c + a) / (c.sum(axis=1, keepdims=True) + a)), "one α for each"),
    (check.bigram_cross_entropy, _bigram(lambda c, V, a: (c + a) / (c.sum() + a * V * V)), "*current* character's row"),
    (check.bigram_cross_entropy, _bigram(lambda c, V, a: (c + a) / (c.sum(axis=0, keepdims=True) + a * V)), "divides by the column"),
    (check.bigram_cross_entropy, _bigram(lambda c, V, a: (c + a) / (c.sum(axis=1, keepdims=True) + a * V), np.log2), "nats"),
    (check.sample_next, lambda s, T, u: solution.sample_next(s * T * T, T, u), "do not multiply"),
    (check.sample_next, lambda s, T, u: solution.sample_next(s, 1.0, u), "temperature is ignored"),
    (check.sample_next, lambda s, T, u: int(np.argmax(s)), "most likely index"),
    (check.model_loss, lambda *args: 6 * solution.model_loss(*args), "sum over the batch"),
    (check.model_loss, lambda E, W1, b1, W2, b2, X, y: solution.model_loss(E, W1, 0 * b1, W2, 0 * b2, X, y), "biases"),
    (check.fast_recipe, lambda: (3e-3, 100), "never reached"),
    (check.fast_recipe, lambda: (1.0, 0), "never reached"),
    (check.fast_recipe, lambda: (1e-2, 100), "too little of a short run"),
    (check.fast_recipe, lambda: (1e-1, 10), "bounces"),
    (check.fast_recipe, lambda: (3e-2, 250), "shorten it"),
]


@pytest.mark.parametrize(("checker", "answer", "hint"), TYPICAL_MISTAKES)
def test_typical_mistake_fails_with_its_hint(checker, answer, hint):
    with np.errstate(all="ignore"):
        assert_fails_with_hint(checker(answer), hint)


def test_an_almost_right_answer_is_still_wrong():
    assert not check.bigram_cross_entropy(lambda *args: solution.bigram_cross_entropy(*args) * (1 + 1e-6)).passed
    assert not check.sample_next(lambda s, T, u: solution.sample_next(s, T, 1 - u)).passed
    assert not check.model_loss(lambda *args: solution.model_loss(*args) + 1e-6).passed


def test_log_sum_exp_is_needed_for_large_scores():
    with np.errstate(all="ignore"):
        result = check.model_loss(_naive_loss)
    assert not result.passed and "W2 300 times larger" in result.message and "not a finite number" in result.message


def test_the_challenge_is_a_real_target():
    """The chapter's recipe misses it; other reasonable recipes pass it, not only the published one."""
    assert not check.fast_recipe(lambda: (3e-3, 100)).passed
    assert not check.fast_recipe(lambda: (1e-2, 10)).passed  # 200 steps: a better recipe, not good enough
    assert check.fast_recipe(lambda: (3e-2, 0)).passed
    assert check.fast_recipe(lambda: [0.03, 10]).passed
