"""Chapter 8's checkers recognise the typical mistakes and show the hint written for each."""

import numpy as np
import pytest
from conftest import assert_fails_with_hint

from book import schedules
from book.exercises import ch08 as check
from exercises.solutions import ch08 as solutions

def _t(t):
    return np.asarray(t, dtype=float)


def _against_first_loss(lrs, losses):
    for lr, loss in zip(lrs[1:], losses[1:]):
        if not loss <= 4 * losses[0]:
            return lr / 10


TYPICAL_MISTAKES = [
    (check.linear_warmup, lambda t, p, w: np.minimum(p * (_t(t) + 1) / w, p), "use t / W, not (t + 1) / W"),
    (check.linear_warmup, lambda t, p, w: p * _t(t) / w, "the rate stays at peak_lr"),
    (check.linear_warmup, lambda t, p, w: np.minimum(p * _t(t) / (w - 1), p), "not at t = W − 1"),
    (check.cosine_decay, lambda t, lr, T, m: m + 0.5 * lr * (1 + np.cos(np.pi * np.minimum(_t(t), T) / T)), "scale it by (lr − min_lr)"),
    (check.cosine_decay, lambda t, lr, T, m: m + 0.5 * (lr - m) * (1 + np.cos(np.pi * _t(t) / T)), "climbs back up"),
    (check.cosine_decay, lambda t, lr, T, m: m + 0.5 * (lr - m) * (1 + np.cos(2 * np.pi * np.minimum(_t(t), T) / T)), "half a period"),
    (check.cosine_decay, lambda t, lr, T, m: np.maximum(m, 0.5 * lr * (1 + np.cos(np.pi * np.minimum(_t(t), T) / T))), "gives a kink"),
    (check.step_decay, lambda t, lr, s, g: lr * g ** (_t(t) / s), "decays smoothly"),
    (check.step_decay, lambda t, lr, s, g: lr * g ** (_t(t) // s + 1), "which is 0 at t = 0"),
    (check.step_decay, lambda t, lr, s, g: lr * g ** np.ceil(_t(t) / s), "round down, not up"),
    (check.warmup_cosine, lambda t, p, w, T, m: np.where(_t(t) < w, p * _t(t) / w, solutions.cosine_decay(_t(t) - w, p, T, m)), "divide t − W by T − W"),
    (check.warmup_cosine, lambda t, p, w, T, m: np.where(_t(t) < w, p * _t(t) / w, solutions.cosine_decay(_t(t), p, T, m)), "start the cosine at the end of the warmup"),
    (check.warmup_cosine, lambda t, p, w, T, m: np.where(_t(t) < w, p * (_t(t) + 1) / w, solutions.cosine_decay(_t(t) - w, p, T - w, m)), "not (t + 1) / W"),
    (check.pick_lr, lambda lrs, losses: 10 * solutions.pick_lr(lrs, losses), "divide it by 10"),
    (check.pick_lr, lambda lrs, losses: lrs[np.argmin(losses)] / 10, "the rate at the lowest loss is not the blow-up"),
    (check.pick_lr, _against_first_loss, "not with the first loss"),
]


@pytest.mark.parametrize(("checker", "answer", "hint"), TYPICAL_MISTAKES)
def test_typical_mistake_fails_with_its_hint(checker, answer, hint):
    assert_fails_with_hint(checker(answer), hint)


def test_an_almost_right_answer_is_still_wrong():
    assert not check.linear_warmup(lambda *a: 1.0001 * solutions.linear_warmup(*a)).passed
    assert not check.cosine_decay(lambda *a: solutions.cosine_decay(*a) + 1e-7).passed
    assert not check.step_decay(lambda *a: 1.0001 * solutions.step_decay(*a)).passed


def test_the_references_agree_with_independent_formulas():
    t = np.arange(0, 400)
    np.testing.assert_allclose(schedules.cosine(0.1, 200, 0.01)(t),
                               [0.01 + 0.045 * (1 + np.cos(np.pi * min(k, 200) / 200)) for k in t], rtol=1e-12)
    np.testing.assert_allclose(schedules.step_decay(1.0, 3, 0.5)(t), [0.5 ** (k // 3) for k in t], rtol=1e-12)
    assert solutions.pick_lr(np.asarray(check._RANGE_LRS), np.asarray(check._RANGE)) == pytest.approx(1.0)
    assert solutions.pick_lr(np.asarray(check._RISE_LRS), np.asarray(check._RISE)) == pytest.approx(0.1)  # 1.7 > 4 × 0.4
    assert solutions.pick_lr(np.asarray(check._LATE_LRS), np.asarray(check._LATE)) == pytest.approx(0.5)  # inf at 5.0
