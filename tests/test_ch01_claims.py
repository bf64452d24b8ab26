"""Every number Chapter 1's prose states, asserted: if the text starts to lie, this fails."""

import numpy as np
import pytest

from book.calculus import EPS, default_step, derivative, difference_errors, optimal_step, second_derivative
from book.figures import ch01


def test_difference_quotients_of_x_squared_at_3_are_6_plus_h():
    for h in (1.0, 0.1, 0.01, 0.001):
        assert (ch01.square(3 + h) - 9) / h == pytest.approx(6 + h, abs=1e-9)


def test_secant_gap_shrinks_in_proportion_to_h():
    f = lambda x: np.sin(x) + x**2 / 4
    tangent = np.cos(1) + 0.5
    gaps = [abs((f(1 + h) - f(1)) / h - tangent) for h in (0.1, 0.01)]
    assert gaps[0] / gaps[1] == pytest.approx(10, rel=0.1)
    assert tangent == pytest.approx(1.040302, abs=1e-6)


@pytest.mark.parametrize(
    ("fn", "dfn"),
    [
        (lambda x: np.sin(x) * np.exp(x), lambda x: np.cos(x) * np.exp(x) + np.sin(x) * np.exp(x)),
        (lambda x: np.sin(x) / np.exp(x), lambda x: (np.cos(x) - np.sin(x)) / np.exp(x)),
        (lambda x: np.sin(x**2), lambda x: 2 * x * np.cos(x**2)),
        (np.log, lambda x: 1 / x),
        (ch01.sigmoid, lambda x: ch01.sigmoid(x) * (1 - ch01.sigmoid(x))),
        (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    ],
)
def test_every_rule_agrees_with_central_differences_to_1e_8(fn, dfn):
    xs = np.linspace(0.2, 3.0, 41)
    assert np.max(np.abs(derivative(fn, xs) - dfn(xs)) / np.maximum(1, np.abs(dfn(xs)))) < 1e-8


def test_sigmoid_derivative_is_at_most_a_quarter_at_zero():
    grid = np.linspace(-4, 4, 200)
    assert np.max(ch01.sigmoid(grid) * (1 - ch01.sigmoid(grid))) <= 0.25
    assert ch01.sigmoid(0.0) * (1 - ch01.sigmoid(0.0)) == 0.25


def test_best_steps_match_theory_and_central_is_a_thousand_times_better():
    forward = difference_errors(np.exp, np.exp, 1.0, ch01.STEPS, "forward")
    central = difference_errors(np.exp, np.exp, 1.0, ch01.STEPS, "central")
    best_forward, best_central = ch01.STEPS[forward.argmin()], ch01.STEPS[central.argmin()]
    assert optimal_step("forward", np.e, np.e) == pytest.approx(2.98e-8, rel=0.01)
    assert optimal_step("central", np.e, np.e) == pytest.approx(8.73e-6, rel=0.01)
    assert 1e-9 < best_forward < 1e-7  # "about 1e-8"
    assert 1e-6 < best_central < 1e-4  # "about 1e-5"
    assert abs(np.log10(best_forward / optimal_step("forward", np.e, np.e))) < 0.7  # "within a factor of a few"
    assert abs(np.log10(best_central / optimal_step("central", np.e, np.e))) < 0.7
    assert forward.min() / central.min() > 1000  # "more than a thousand times"
    assert 1e-9 < forward.min() < 1e-8  # "a few 1e-9": about 8 correct digits on e
    assert 1e-12 < central.min() < 1e-11  # "a few 1e-12": about 12 correct digits


def test_default_step_lands_in_the_flat_bottom():
    assert default_step(1.0) == pytest.approx(EPS ** (1 / 3))
    assert abs(derivative(np.exp, 1.0) - np.e) < 1e-10


def test_one_descent_step_from_zero():
    assert ch01.loss(0.0) == pytest.approx(20.25)
    slope = derivative(ch01.loss, 0.0)
    assert slope == pytest.approx(-58 / 3, rel=1e-8)
    w1 = 0.0 - 0.1 * slope
    assert w1 == pytest.approx(1.9333, abs=1e-4)
    assert ch01.loss(w1) == pytest.approx(0.3152, abs=1e-4)  # "from about 20 to about 0.3"
    w_best = ch01.INPUTS @ ch01.TARGETS / (ch01.INPUTS @ ch01.INPUTS)
    assert w_best == pytest.approx(29 / 14)
    assert abs(derivative(ch01.loss, w_best)) < 1e-8


def test_learning_rate_threshold_is_two_over_curvature():
    curvature = second_derivative(ch01.loss, 1.0)
    assert curvature == pytest.approx(28 / 3, rel=1e-6)
    assert 2 / curvature == pytest.approx(0.2143, abs=1e-4)
    w_best = 29 / 14
    for lr, factor, converges in ((0.1, 0.067, True), (0.2, 0.867, True), (0.25, 1.333, False)):
        assert abs(1 - lr * curvature) == pytest.approx(factor, abs=1e-3)
        w = 0.0
        for _ in range(200):
            w = w - lr * derivative(ch01.loss, w)
        assert (abs(w - w_best) < 1e-6) is converges
    just_below, just_above = 0.99 * 2 / curvature, 1.01 * 2 / curvature
    for lr, converges in ((just_below, True), (just_above, False)):
        w = 0.0
        for _ in range(3000):
            w = w - lr * derivative(ch01.loss, w)
        assert (abs(w - w_best) < 1e-3) is converges


def test_a_vanishing_error_term_beats_the_order():
    h = 1e-3
    forward_sin = abs(np.sin(h) / h - 1)  # sin''(0) = 0: the error is h²/6, not h/2
    assert forward_sin == pytest.approx(h**2 / 6, rel=1e-3)
    central_cube = abs(((1 + h) ** 3 - (1 - h) ** 3) / (2 * h) - 3)  # f''' = 6: exactly h²
    assert central_cube == pytest.approx(h**2, rel=1e-6)
