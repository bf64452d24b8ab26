"""Every number Chapter 1's prose states, asserted: if the text starts to lie, this fails."""

import itertools
import math
import re
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from reading import assert_reader_path, glued_values, unresolved_chapter_references

from book.calculus import (
    EPS,
    default_step,
    derivative,
    difference_errors,
    difference_quotients,
    error_model,
    optimal_step,
    second_derivative,
    taylor_polynomial,
)
from book.explore import parameter_grid
from book.figures import ch01
from book.functions import LINE_X, LINE_Y, line_loss, sigmoid

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapters" / "01_derivatives.ipynb"
METHOD_ORDER = {"forward": "f''", "central": "f'''"}


def test_difference_quotients_of_x_squared_at_3_are_6_plus_h():
    steps = np.array([1.0, 0.1, 0.01, 0.001])
    assert difference_quotients(ch01.square, 3.0, steps) == pytest.approx(6 + steps, abs=1e-9)


def test_secant_gap_shrinks_in_proportion_to_h():
    gaps = np.abs(difference_quotients(ch01.wave, 1.0, np.array([0.1, 0.01])) - ch01.wave_slope(1.0))
    assert gaps[0] / gaps[1] == pytest.approx(10, rel=0.1)
    assert ch01.wave_slope(1.0) == pytest.approx(1.040302, abs=1e-6)
    assert derivative(ch01.wave, 1.0) == pytest.approx(ch01.wave_slope(1.0), abs=1e-9)


@pytest.mark.parametrize(
    ("fn", "dfn"),
    [
        (lambda x: np.sin(x) * np.exp(x), lambda x: np.cos(x) * np.exp(x) + np.sin(x) * np.exp(x)),
        (lambda x: np.sin(x) / np.exp(x), lambda x: (np.cos(x) - np.sin(x)) / np.exp(x)),
        (lambda x: np.sin(x**2), lambda x: 2 * x * np.cos(x**2)),
        (np.log, lambda x: 1 / x),
        (sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x))),
        (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    ],
)
def test_every_rule_agrees_with_central_differences_to_1e_8(fn, dfn):
    xs = np.linspace(0.2, 3.0, 41)
    assert np.max(np.abs(derivative(fn, xs) - dfn(xs)) / np.maximum(1, np.abs(dfn(xs)))) < 1e-8


def test_sigmoid_derivative_is_at_most_a_quarter_at_zero():
    grid = np.linspace(-4, 4, 200)
    assert np.max(sigmoid(grid) * (1 - sigmoid(grid))) == pytest.approx(0.249975, abs=1e-6)
    assert np.max(sigmoid(grid) * (1 - sigmoid(grid))) <= 0.25
    assert sigmoid(0.0) * (1 - sigmoid(0.0)) == pytest.approx(0.25, abs=1e-15)


# Section 4: the Taylor primer.


def _sine_remainder(n: int, h: float) -> float:
    derivatives = [d(ch01.TAYLOR_POINT) for d in ch01.FUNCTIONS["sin"]]
    return abs(np.sin(ch01.TAYLOR_POINT + h) - taylor_polynomial(derivatives[: n + 1], h))


@pytest.mark.parametrize(("n", "ratio"), [(1, 4.04), (2, 7.84), (3, 16.10)])
def test_halving_h_divides_the_taylor_remainder_by_about_two_to_the_n_plus_1(n, ratio):
    assert _sine_remainder(n, 0.1) / _sine_remainder(n, 0.05) == pytest.approx(ratio, abs=0.005)
    assert _sine_remainder(n, 0.01) / _sine_remainder(n, 0.005) == pytest.approx(2 ** (n + 1), rel=0.02)


def test_halving_h_divides_by_2_to_the_n_plus_1_only_where_that_derivative_is_non_zero():
    """sin at 0: sin''(0) = 0, so the degree-1 remainder sin h − h is −h³/6 + h⁵/120 − ...: halving divides by 8, not
    4."""
    ratio = (np.sin(0.1) - 0.1) / (np.sin(0.05) - 0.05)
    series = lambda h: -(h**3) / 6 + h**5 / 120 - h**7 / 5040
    assert ratio == pytest.approx(series(0.1) / series(0.05), rel=1e-9)
    assert ratio == pytest.approx(8, abs=0.05) and abs(ratio - 4) > 3
    assert _glued()["ch01-sin0-ratio"] == round(ratio, 1)
    text = _markdown()
    assert "is $O(h^{n+1})$: halving" not in text  # the old, unconditional sentence
    assert "When $f^{(n+1)}(x_0) \\ne 0$ it is close to" in text


@pytest.mark.parametrize("n", [1, 2, 3])
def test_taylor_remainder_stays_below_the_theorem_bound_and_has_slope_n_plus_1(n):
    hs = np.logspace(-3, 0, 31)
    remainders = np.array([_sine_remainder(n, h) for h in hs])
    assert np.all(remainders <= hs ** (n + 1) / math.factorial(n + 1))  # M <= 1 for sin
    slope = np.polyfit(np.log(hs[:11]), np.log(remainders[:11]), 1)[0]
    assert slope == pytest.approx(n + 1, abs=0.02)


def test_second_derivative_of_sin_at_1_is_minus_sin_1():
    assert second_derivative(np.sin, ch01.TAYLOR_POINT) == pytest.approx(-np.sin(1.0), abs=1e-7)
    assert f"{second_derivative(np.sin, 1.0):.6f}" == f"{-np.sin(1.0):.6f}" == "-0.841471"


# Section 5: truncation versus rounding.


def _numerical_minimum(model, low=1e-12, high=1.0):
    """(h, model(h)) at the minimum of a unimodal model, by a grid and golden-section refinement in log h."""
    grid = np.logspace(np.log10(low), np.log10(high), 2001)
    k = int(np.argmin(model(grid)))
    a, b = np.log(grid[max(k - 1, 0)]), np.log(grid[min(k + 1, grid.size - 1)])
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(100):
        c, d = b - ratio * (b - a), a + ratio * (b - a)
        a, b = (a, d) if model(np.exp(c)) < model(np.exp(d)) else (c, b)
    h = float(np.exp((a + b) / 2))
    return h, float(model(h))


@pytest.mark.parametrize("method", ["forward", "central"])
@pytest.mark.parametrize(
    ("f_value", "higher", "x", "slope"),
    [
        (np.e, np.e, 1.0, np.e),
        (1.0, 1.0, 0.0, 3.0),
        (0.3, -7.0, -2.0, 0.5),
        (150.0, 2.0, 5.0, -40.0),
        (0.0, -1.0, 1.0, 1.0),
    ],
)
def test_optimal_step_minimises_the_error_model_the_text_states(method, f_value, higher, x, slope):
    def stated_model(h):  # the prose: h/2 |f''| + ε(|f| + ½|x f'|)/h, and h²/6 |f'''| + ε(|f| + |x f'|)/(2h)
        if method == "central":
            return h**2 / 6 * abs(higher) + EPS * (abs(f_value) + abs(x * slope)) / (2 * h)
        return h / 2 * abs(higher) + EPS * (abs(f_value) + abs(x * slope) / 2) / h

    h_best, error_best = _numerical_minimum(stated_model)
    point = {"x": x, "slope": slope}
    assert optimal_step(method, f_value, higher, **point) == pytest.approx(h_best, rel=1e-6)
    assert error_model(method, h_best, f_value, higher, **point) == pytest.approx(error_best, rel=1e-12)
    at_best = h_best * abs(higher) if method == "forward" else h_best**2 * abs(higher) / 2
    assert error_best == pytest.approx(at_best, rel=1e-9)  # the text's E(h*) = h*|f''| and ½ h*² |f'''|


def test_the_old_forward_formula_was_not_the_minimiser():
    h_best, _ = _numerical_minimum(lambda h: h / 2 * np.e + EPS * np.e / h)
    assert abs(2 * np.sqrt(EPS) / h_best - 1) > 0.4


def test_model_digits_for_exp_at_1_are_about_8_and_10_to_11():
    at_one = {"x": 1.0, "slope": np.e}
    forward = -np.log10(_numerical_minimum(lambda h: h / 2 * np.e + EPS * 1.5 * np.e / h)[1] / np.e)
    central = -np.log10(_numerical_minimum(lambda h: h**2 / 6 * np.e + EPS * 2 * np.e / (2 * h))[1] / np.e)
    assert 7.5 <= forward <= 8.5 and 10 <= central <= 11  # "about 8", "10 to 11 correct digits"
    for method, digits in (("forward", forward), ("central", central)):
        model = error_model(method, optimal_step(method, np.e, np.e, **at_one), np.e, np.e, **at_one)
        assert -np.log10(model / np.e) == pytest.approx(digits, abs=1e-6)


def test_machine_epsilon_is_the_gap_after_1():
    assert np.nextafter(1.0, 2.0) - 1.0 == EPS
    assert 1.0 + EPS / 2 == 1.0 and 1.0 + EPS > 1.0


def _digits_near_best_step(f, df, higher, xs, method):
    """Correct digits of the median relative error over the steps within a factor 3 of each point's best step."""
    errors = []
    for x in xs:
        h_star = optimal_step(method, f(x), higher(x), x=x, slope=df(x))
        steps = ch01.STEPS[(ch01.STEPS > h_star / 3) & (ch01.STEPS < 3 * h_star)]
        errors.extend(difference_errors(f, df, x, steps, method) / abs(df(x)))
    return -np.log10(np.median(errors))


def test_measured_digits_for_exp_match_the_notebook():
    xs = np.linspace(0.0, 2.0, 21)
    forward = _digits_near_best_step(np.exp, np.exp, np.exp, xs, "forward")
    central = _digits_near_best_step(np.exp, np.exp, np.exp, xs, "central")
    assert round(forward) == _glued()["ch01-forward-digits"] == 8  # printed "about 8"
    assert round(central) == _glued()["ch01-central-digits"] == 11  # printed "about 11"
    assert 7.6 < forward < 8.4 and 10.6 < central < 11.4  # not at a rounding edge


@pytest.mark.parametrize(
    ("name", "f", "df", "d2f", "d3f", "x"),
    [
        ("sin", np.sin, np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x), 1.0),
        ("sin", np.sin, np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x), 2.0),
        ("log", np.log, lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3, 2.0),
        (
            "tanh",
            np.tanh,
            lambda x: 1 - np.tanh(x) ** 2,
            lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2),
            lambda x: (6 * np.tanh(x) ** 2 - 2) * (1 - np.tanh(x) ** 2),
            0.5,
        ),
        ("exp", np.exp, np.exp, np.exp, np.exp, 1.0),
    ],
)
def test_at_its_best_step_a_central_difference_gives_10_to_11_digits(name, f, df, d2f, d3f, x):
    assert 10.0 <= _digits_near_best_step(f, df, d3f, [x], "central") <= 11.5
    assert 7.3 <= _digits_near_best_step(f, df, d2f, [x], "forward") <= 8.5


def test_the_smallest_error_on_the_exp_curve_is_a_lucky_few_1e_12():
    central = difference_errors(np.exp, np.exp, 1.0, ch01.STEPS, "central")
    assert 1e-12 < central.min() < 1e-11  # "a few 1e-12"
    assert -np.log10(central.min() / np.e) > 11.5  # better than the model's 10.6 digits: luck, not the rule


@pytest.mark.parametrize("method", ["forward", "central"])
def test_measured_best_step_for_exp_at_1_is_near_the_prediction(method):
    errors = difference_errors(np.exp, np.exp, 1.0, ch01.STEPS, method)
    assert abs(np.log10(ch01.STEPS[errors.argmin()] / optimal_step(method, np.e, np.e, x=1.0, slope=np.e))) < np.log10(
        3
    )
    left, right = ch01.STEPS < 1e-12, ch01.STEPS > 1e-2
    assert np.polyfit(np.log(ch01.STEPS[left]), np.log(errors[left]), 1)[0] == pytest.approx(-1, abs=0.2)
    slope = np.polyfit(np.log(ch01.STEPS[right]), np.log(errors[right]), 1)[0]
    assert slope == pytest.approx(1 if method == "forward" else 2, abs=0.1)


def test_default_step_lands_in_the_flat_bottom():
    assert default_step(1.0) == pytest.approx(EPS ** (1 / 3))
    h = EPS ** (1 / 3)
    estimate = error_model("central", default_step(1.0), np.e, np.e, x=1.0, slope=np.e)
    assert estimate == pytest.approx(h**2 / 6 * np.e + EPS * 2 * np.e / (2 * h), rel=1e-12)
    assert abs(derivative(np.exp, 1.0) - np.e) <= estimate / 2


def test_a_vanishing_error_term_beats_the_order():
    h = 1e-3
    forward_sin = abs(np.sin(h) / h - 1)  # sin''(0) = 0: the error is h²/6, not h/2
    assert forward_sin == pytest.approx(h**2 / 6, rel=1e-3)
    central_cube = abs(((1 + h) ** 3 - (1 - h) ** 3) / (2 * h) - 3)  # f''' = 6: exactly h²
    assert central_cube == pytest.approx(h**2, rel=1e-6)


@pytest.mark.parametrize("name", ["sin", "x³"])
@pytest.mark.parametrize("method", ["forward", "central"])
def test_where_f_and_x_are_zero_there_is_no_rounding_term_and_no_v(name, method):
    f, df, _, d3f = ch01.FUNCTIONS[name]
    errors = difference_errors(f, df, 0.0, ch01.STEPS, method)
    small = ch01.STEPS <= 1e-3
    truncation = ch01.STEPS[small] ** 2 * abs(d3f(0.0)) / 6  # both methods: h²|f'''|/6 here
    assert np.all(errors[small] <= truncation * (1 + 1e-9) + 2 * EPS * abs(df(0.0)))
    assert np.max(errors[ch01.STEPS <= 1e-8]) < 1e-15
    if name == "sin":  # sin h rounds to h below about 1e-8: the difference is exact
        assert np.all(errors[ch01.STEPS <= 1e-8] == 0)
    else:
        assert errors[ch01.STEPS <= 1e-8] == pytest.approx(ch01.STEPS[ch01.STEPS <= 1e-8] ** 2, rel=1e-12)
    with pytest.raises(ValueError, match="must not both be zero"):
        optimal_step(method, f(0.0), d3f(0.0), x=0.0, slope=df(0.0))


@pytest.mark.parametrize("method", ["forward", "central"])
def test_log_at_1_has_a_v_although_f_is_zero(method):
    """f(1) = 0, but 1 + h is rounded: the error falls, bottoms out, and climbs again like 1/h (the old text said no
    V)."""
    errors = difference_errors(np.log, lambda x: 1 / x, 1.0, ch01.STEPS, method)
    tiny = (ch01.STEPS >= 1e-15) & (ch01.STEPS <= 1e-11)
    assert np.polyfit(np.log(ch01.STEPS[tiny]), np.log(errors[tiny]), 1)[0] == pytest.approx(-1, abs=0.2)
    text = _markdown()
    assert "Where $f(x) = 0$ there is no rounding term and no best step" not in text  # the old summary
    assert "Only where $f(x) = 0$ *and* $x = 0$ is there no rounding term" in text
    bottom = errors[(ch01.STEPS > 1e-9) & (ch01.STEPS < 1e-4)].min()
    assert errors[ch01.STEPS <= 1e-13].min() > 100 * bottom  # a V, not a fall to h = 0
    if method == "forward":  # independently: the rounding error is all in the point, (1 + h) − 1 ≠ h
        hs = ch01.STEPS[ch01.STEPS <= 1e-9]
        from_the_point = np.abs(((1.0 + hs) - 1.0) - hs) / hs
        assert errors[ch01.STEPS <= 1e-9] == pytest.approx(from_the_point, rel=1e-3, abs=1e-9)


@pytest.mark.parametrize("method", ["forward", "central"])
@pytest.mark.parametrize(
    ("name", "x"), [("exp", 0.0), ("exp", 1.0), ("exp", 2.0), ("exp", 5.0), ("log", 1.0), ("log", 3.0)]
)
def test_the_rounding_term_bounds_the_measured_rounding_error(method, name, x):
    """Where truncation is negligible, h·error/ε stays below the model's R, which counts the rounded point x ± h."""
    f, df = ch01.FUNCTIONS[name][:2]
    hs = np.logspace(-14, -11, 301)
    measured = np.max(difference_errors(f, df, x, hs, method) * hs / EPS)
    moved = abs(x * df(x))
    bound = abs(f(x)) + moved / 2 if method == "forward" else (abs(f(x)) + moved) / 2
    assert measured <= bound * 1.01
    h, higher = 1e-12, ch01.FUNCTIONS[name][2 if method == "forward" else 3](x)
    truncation = h / 2 * abs(higher) if method == "forward" else h**2 / 6 * abs(higher)
    library = (error_model(method, h, f(x), higher, x=x, slope=df(x)) - truncation) * h / EPS  # the library's R
    assert library == pytest.approx(bound, rel=1e-6) and measured <= library * 1.01
    without_the_point = abs(f(x)) if method == "forward" else abs(f(x)) / 2
    if (name, x) in (("exp", 5.0), ("log", 1.0)):
        assert measured > 1.5 * without_the_point


def test_exp_at_1_rounding_does_blow_up_at_tiny_steps():
    tiny = ch01.STEPS[ch01.STEPS <= 1e-8]
    assert difference_errors(np.exp, np.exp, 1.0, tiny, "central").max() > 1e-15


ERROR_FRAMES = [
    dict(zip(ch01.ERROR_SLIDERS, v)) for v in itertools.product(*parameter_grid(ch01.ERROR_SLIDERS).values())
]


@pytest.mark.parametrize("frame", ERROR_FRAMES)
def test_every_error_frame_predicts_a_real_step_or_says_why_not(frame):
    fig, ax = plt.subplots()
    ch01.error_figure(ax=ax, **frame)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    f, df, d2f, d3f = ch01.FUNCTIONS[frame["function"]]
    for method, higher in (("forward", d2f), ("central", d3f)):
        said = [label for label in labels if label.startswith(f"{method}:")]
        assert len(said) == 1
        if f(frame["x0"]) == 0 and frame["x0"] == 0:
            assert "no rounding term" in said[0]
        elif higher(frame["x0"]) == 0:
            assert "leading term gone" in said[0]
        else:
            h_star = optimal_step(method, f(frame["x0"]), higher(frame["x0"]), x=frame["x0"], slope=df(frame["x0"]))
            assert said[0].endswith(f"{h_star:.1e}") and h_star > 1e-10
    assert not any("0.0e+00" in label for label in labels)
    low, high = ax.get_xlim()
    assert all(low <= line.get_xdata()[0] <= high for line in ax.lines if line.get_linestyle() == ":")
    plt.close(fig)


# Section 6: the first descent step.


def test_one_descent_step_from_zero():
    assert line_loss(0.0) == pytest.approx(20.25)
    assert line_loss(0.0) == pytest.approx(np.mean(LINE_Y**2))
    slope = derivative(line_loss, 0.0)
    assert slope == pytest.approx(-58 / 3, rel=1e-8)
    w1 = 0.0 - 0.1 * slope
    assert w1 == pytest.approx(1.9333, abs=1e-4)
    assert line_loss(w1) == pytest.approx(0.3152, abs=1e-4)
    glued = _glued()
    assert (glued["ch01-loss-before"], glued["ch01-loss-after"]) == (round(np.mean(LINE_Y**2), 1), 0.32)
    w_best = np.linalg.lstsq(LINE_X[:, None], LINE_Y, rcond=None)[0][0]
    assert abs(derivative(line_loss, w_best)) < 1e-9
    grid = np.linspace(-5, 5, 100001)
    assert grid[np.argmin(line_loss(grid))] == pytest.approx(w_best, abs=1e-4)


def test_learning_rate_threshold_is_two_over_curvature():
    curvature = second_derivative(line_loss, 1.0)
    assert curvature == pytest.approx(28 / 3, rel=1e-6)
    glued = _glued()
    assert glued["ch01-threshold"] == pytest.approx(3 / np.sum(LINE_X**2), abs=5e-4)  # 2 / ((2/n) Σx²)
    w_best = np.linalg.lstsq(LINE_X[:, None], LINE_Y, rcond=None)[0][0]
    for lr, converges in ((0.1, True), (0.2, True), (0.25, False)):
        factor = abs(1 - lr * 2 / 3 * np.sum(LINE_X**2))  # ℓ'' = (2/n) Σx², by hand
        assert glued[f"ch01-factor-{round(100 * lr)}"] == pytest.approx(factor, abs=0.005)
        w = 0.0
        for _ in range(200):
            w = w - lr * derivative(line_loss, w)
        assert bool(abs(w - w_best) < 1e-6) is converges
    just_below, just_above = 0.99 * 2 / curvature, 1.01 * 2 / curvature
    for lr, converges in ((just_below, True), (just_above, False)):
        w = 0.0
        for _ in range(3000):
            w = w - lr * derivative(line_loss, w)
        assert bool(abs(w - w_best) < 1e-3) is converges


def test_twenty_steps_at_each_printed_learning_rate():
    """Closed form: w_k − w* = (1 − ηℓ'')^k (w_0 − w*), with ℓ'' = (2/n)Σx² and w* = Σxy/Σx²."""
    curvature, w_best = 2 / LINE_X.size * np.sum(LINE_X**2), np.sum(LINE_X * LINE_Y) / np.sum(LINE_X**2)
    for lr, printed in ((0.2, 1.9530), (0.25, -651.1263)):
        closed_form = w_best + (1 - lr * curvature) ** 20 * (0.0 - w_best)
        assert closed_form == pytest.approx(printed, abs=1e-4)


def _bump(w):
    return np.sqrt(1 + w**2)


def test_a_curvature_bound_everywhere_guarantees_descent_below_2_over_c():
    ws = np.linspace(-6, 6, 121)
    assert np.max(np.abs(second_derivative(_bump, ws))) == pytest.approx(1.0, abs=1e-6)  # C = 1, at w = 0
    for lr in np.linspace(0.05, 1.99, 40):
        slopes = ws / _bump(ws)
        after = _bump(ws - lr * slopes)
        assert np.all(after <= _bump(ws) - lr * (1 - lr / 2) * slopes**2 + 1e-12)  # the text's inequality
        assert np.all(after[slopes != 0] < _bump(ws)[slopes != 0])


def test_the_curvature_where_the_step_starts_is_not_enough():
    local = second_derivative(_bump, 3.0)
    assert 2 / local == pytest.approx(2 * (1 + 3.0**2) ** 1.5, rel=1e-6)  # ℓ'' = (1 + w²)^(-3/2) by hand
    assert _glued()["ch01-local-limit"] == round(2 * 10**1.5)
    big = 3.0 - 50.0 * derivative(_bump, 3.0)
    assert big == pytest.approx(-44.43, abs=0.005)
    assert (_bump(3.0), _bump(big)) == pytest.approx((3.16, 44.45), abs=0.005)  # "lands far uphill"
    small = 3.0 - 1.9 * derivative(_bump, 3.0)
    assert (small, _bump(small)) == pytest.approx((1.20, 1.56), abs=0.005)


def _descent_frames():
    grid = parameter_grid(ch01.DESCENT_SLIDERS)
    return [{"w0": w0, "lr": lr} for w0 in grid["w0"] for lr in grid["lr"]]


def test_the_descent_slider_has_frames_on_both_sides_and_past_the_threshold():
    frames = _descent_frames()
    w_best, threshold = np.sum(LINE_X * LINE_Y) / np.sum(LINE_X**2), 2 / second_derivative(line_loss, 1.0)
    assert any(f["w0"] < w_best for f in frames) and any(f["w0"] > w_best for f in frames)
    assert any(f["lr"] > threshold for f in frames) and any(f["lr"] < threshold for f in frames)


def test_every_descent_frame_shows_w0_and_w1_whole_and_clear_of_the_legend():
    fig, ax = plt.subplots()
    for frame in _descent_frames():
        ax.clear()
        ch01.descent_figure(ax=ax, **frame)
        fig.canvas.draw()
        legend = ax.get_legend().get_window_extent()
        points = [line for line in ax.lines if line.get_marker() in ("o", "s")]
        assert len(points) == 2
        for line in points:
            x, y = ax.transData.transform((line.get_xdata()[0], line.get_ydata()[0]))
            radius = line.get_markersize() / 72 * fig.dpi / 2
            inside = ax.bbox.x0 + radius <= x <= ax.bbox.x1 - radius and ax.bbox.y0 + radius <= y <= ax.bbox.y1 - radius
            assert inside, f"{frame}: marker {line.get_label()!r} is not fully on the axes"
            hidden = legend.x0 - radius <= x <= legend.x1 + radius and legend.y0 - radius <= y <= legend.y1 + radius
            assert not hidden, f"{frame}: marker {line.get_label()!r} is under the legend"
    plt.close(fig)


# The chapter's text.


def _markdown() -> str:
    notebook = nbformat.read(CHAPTER, as_version=4)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def _glued() -> dict:
    """The values the notebook glued into its prose, read back from its stored outputs."""
    return glued_values(CHAPTER)


def test_every_glued_name_in_the_prose_is_glued_by_a_cell():
    names = set(re.findall(r"\{glue:text\}`([\w-]+)", _markdown()))
    assert names and names <= set(_glued())


MAIN_PATH_BUDGET = 1720
"""Words outside dropdowns: 2103 before proofs and floating-point detail moved into dropdowns."""


def test_chapter_references_match_the_table_of_contents_or_the_plan():
    text = _markdown()
    assert re.search(r"Chapter \d+", text)
    assert not unresolved_chapter_references(text)
    assert unresolved_chapter_references("as Chapter 2 shows, and Chapters 4–5")  # the check can fail


def test_the_readers_path():
    assert_reader_path(CHAPTER, "01_derivatives.ipynb", MAIN_PATH_BUDGET)


def test_epsilon_is_machine_epsilon_and_log_is_natural():
    text = _markdown()
    assert re.search(r"\*\*machine epsilon\*\*\s+\$\\varepsilon = 2\^\{-52\}", text)
    assert "$\\log$ is the natural logarithm" in text
    assert EPS == 2.0**-52
