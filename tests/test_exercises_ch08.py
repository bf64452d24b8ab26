"""Chapter 8's checkers fail the wrong answers learners write, each with its own hint where the exercise names it."""

import numpy as np
import pytest

from book import schedules
from book.exercises import ch08 as check
from exercises.solutions import ch08 as solutions


def _t(t):
    return np.asarray(t, dtype=float)


def _against_first_loss(lrs, losses):
    for lr, loss in zip(lrs[1:], losses[1:]):
        if not loss <= 4 * losses[0]:
            return lr / 10


def _loop(blown, tenth=10, start=1):
    """A pick written as a loop: the first loss from index ``start`` that ``blown(loss, lowest)`` calls a blow-up."""

    def answer(lrs, losses):
        lowest = losses[0]
        for lr, loss in zip(lrs[start:], losses[start:]):
            if blown(loss, lowest):
                return lr / tenth
            lowest = min(lowest, loss)
        return lrs[-1] / tenth

    return answer


def _warmup(t, p, w):
    return np.where(_t(t) < w, p * _t(t) / w, p)


WRONG_ANSWERS = {
    "linear_warmup": [
        (lambda t, p, w: np.minimum(p * (_t(t) + 1) / w, p), "use t / W, not (t + 1) / W"),
        (lambda t, p, w: p * _t(t) / w, "the rate stays at peak_lr"),
        (lambda t, p, w: np.minimum(p * _t(t) / (w - 1), p), "not at t = W − 1"),
        (lambda t, p, w: np.where(_t(t) < w, p * _t(t) / w, 0.0), None),  # zero after the warmup
        (lambda t, p, w: np.minimum(p * _t(t) / w, 1.0), None),  # capped at 1, not at the peak
        (lambda t, p, w: np.where(_t(t) < w, _t(t) / w, p), None),  # the peak factor missing in the ramp
        (lambda t, p, w: np.where(_t(t) < w, p * (_t(t) / w) ** 2, p), None),  # a quadratic ramp
    ],
    "cosine_decay": [
        (
            lambda t, lr, T, m: m + 0.5 * lr * (1 + np.cos(np.pi * np.minimum(_t(t), T) / T)),
            "scale it by (lr − min_lr)",
        ),
        (lambda t, lr, T, m: m + 0.5 * (lr - m) * (1 + np.cos(np.pi * _t(t) / T)), "climbs back up"),
        (lambda t, lr, T, m: m + 0.5 * (lr - m) * (1 + np.cos(2 * np.pi * np.minimum(_t(t), T) / T)), "half a period"),
        (lambda t, lr, T, m: np.maximum(m, 0.5 * lr * (1 + np.cos(np.pi * np.minimum(_t(t), T) / T))), "gives a kink"),
        (lambda t, lr, T, m: m + (lr - m) * (1 + np.cos(np.pi * np.minimum(_t(t), T) / T)), None),  # the ½ missing
        (lambda t, lr, T, m: m + 0.5 * (lr - m) * (1 - np.cos(np.pi * np.minimum(_t(t), T) / T)), None),  # rises
        (lambda t, lr, T, m: m + 0.5 * (lr - m) * (1 + np.cos(np.pi * np.minimum(_t(t), T) / (T + 1))), None),  # T + 1
    ],
    "step_decay": [
        (lambda t, lr, s, g: lr * g ** (_t(t) / s), "decays smoothly"),
        (lambda t, lr, s, g: lr * g ** (_t(t) // s + 1), "which is 0 at t = 0"),
        (lambda t, lr, s, g: lr * g ** np.ceil(_t(t) / s), "round down, not up"),
        (lambda t, lr, s, g: lr * g ** np.maximum((_t(t) - 1) // s, 0), None),  # drops a step late
        (lambda t, lr, s, g: lr * g ** (_t(t) // (s + 1)), None),
        (lambda t, lr, s, g: lr * (1 - g) ** (_t(t) // s), None),  # 1 − γ for γ
        (lambda t, lr, s, g: lr * g * (_t(t) // s), None),  # times for to the power
    ],
    "warmup_cosine": [
        (
            lambda t, p, w, T, m: np.where(_t(t) < w, p * _t(t) / w, solutions.cosine_decay(_t(t) - w, p, T, m)),
            "divide t − W by T − W",
        ),
        (
            lambda t, p, w, T, m: np.where(_t(t) < w, p * _t(t) / w, solutions.cosine_decay(_t(t), p, T, m)),
            "start the cosine at the end of the warmup",
        ),
        (
            lambda t, p, w, T, m: np.where(
                _t(t) < w, p * (_t(t) + 1) / w, solutions.cosine_decay(_t(t) - w, p, T - w, m)
            ),
            "not (t + 1) / W",
        ),
        (
            lambda t, p, w, T, m: np.where(_t(t) < w, p * _t(t) / w, solutions.cosine_decay(_t(t) - w, p, T - w, 0.0)),
            None,
        ),  # floor lost
        (
            lambda t, p, w, T, m: np.where(
                _t(t) <= w, _warmup(t, p, w + 1), solutions.cosine_decay(_t(t) - w, p, T - w, m)
            ),
            None,
        ),
        (
            lambda t, p, w, T, m: np.minimum(_warmup(t, p, w), solutions.cosine_decay(_t(t), p, T, m)),
            None,
        ),  # the two overlaid
        (
            lambda t, p, w, T, m: np.where(
                _t(t) < w, p * _t(t) / w, solutions.cosine_decay(_t(t) - w, p - m, T - w, m)
            ),
            None,
        ),
    ],
    "pick_lr": [
        (lambda lrs, losses: 10 * solutions.pick_lr(lrs, losses), "divide it by 10"),
        (lambda lrs, losses: lrs[np.argmin(losses)] / 10, "the rate at the lowest loss is not the blow-up"),
        (_against_first_loss, "not with the first loss"),
        (_loop(lambda loss, lowest: loss > 4 * lowest), "nan counts as a blow-up"),
        (_loop(lambda loss, lowest: not loss < 4 * lowest), "(>, not >=)"),
        (_loop(lambda loss, lowest: not loss <= 4 * lowest, tenth=1), "divide it by 10"),
        (lambda lrs, losses: solutions.pick_lr(lrs[1:], losses[:-1]), None),  # rates and losses one apart
        (_loop(lambda loss, lowest: not loss <= 2 * lowest), None),  # twice, not four times
    ],
    "shortest_warmup": [
        (lambda: 28, "Warm up longer"),
        (lambda: 30, "not the shortest"),
        (lambda: 0, "Warm up longer"),
        (lambda: 3, "Warm up longer"),  # just enough for the first step from x = 10
        (lambda: 300, "not the shortest"),
        (lambda: 28.9, "Warm up longer"),
        (lambda: 150, "not the shortest"),
    ],
}


def test_the_exploration_edge_by_a_second_simulation():
    """An independent run of the schedule through book.schedules: a warmup of 29 steps survives, 28 blows up."""

    def blows_up(warmup):
        x = check.EXPLORE_START
        for t in range(check.EXPLORE_STEPS):
            rate = (
                schedules.warmup_cosine(check.EXPLORE_PEAK, warmup, 10**9, check.EXPLORE_PEAK)(t)
                if warmup
                else check.EXPLORE_PEAK
            )
            x -= float(rate) * x**3
            if not abs(x) <= 1e6:
                return True
        return False

    assert blows_up(28) and not blows_up(29)
    assert blows_up(0)  # no warmup: the rate 0.5 at curvature 3 · 10² = 300 is far past 2/300
    assert solutions.shortest_warmup() == 29


def test_an_almost_right_answer_is_still_wrong():
    assert not check.linear_warmup(lambda *a: 1.0001 * solutions.linear_warmup(*a)).passed
    assert not check.cosine_decay(lambda *a: solutions.cosine_decay(*a) + 1e-7).passed
    assert not check.step_decay(lambda *a: 1.0001 * solutions.step_decay(*a)).passed


def test_the_references_agree_with_independent_formulas():
    t = np.arange(0, 400)
    np.testing.assert_allclose(
        schedules.cosine(0.1, 200, 0.01)(t),
        [0.01 + 0.045 * (1 + np.cos(np.pi * min(k, 200) / 200)) for k in t],
        rtol=1e-12,
    )
    np.testing.assert_allclose(schedules.step_decay(1.0, 3, 0.5)(t), [0.5 ** (k // 3) for k in t], rtol=1e-12)
    assert solutions.pick_lr(np.asarray(check._RANGE_LRS), np.asarray(check._RANGE)) == pytest.approx(1.0)
    assert solutions.pick_lr(np.asarray(check._RISE_LRS), np.asarray(check._RISE)) == pytest.approx(
        0.1
    )  # 1.7 > 4 × 0.4
    assert solutions.pick_lr(np.asarray(check._LATE_LRS), np.asarray(check._LATE)) == pytest.approx(0.5)  # inf at 5.0
    assert solutions.pick_lr(np.asarray(check._EXACT_LRS), np.asarray(check._EXACT)) == 0.0008  # 2 = 4 × 0.5 exactly
    assert solutions.pick_lr(np.asarray(check._NAN_LRS), np.asarray(check._NAN)) == pytest.approx(0.01)  # nan at 0.1
