"""Unit tests of book.calculus: every estimate against an exact derivative, with tolerances that catch real errors."""

import numpy as np
import pytest

from book import calculus
from book.calculus import (
    EPS,
    default_step,
    derivative,
    difference_errors,
    difference_quotients,
    directional_derivative,
    error_model,
    gradient,
    hessian,
    jacobian,
    optimal_step,
    second_derivative,
    taylor_polynomial,
)

POINTS = np.array([-2.0, -0.3, 0.0, 0.7, 1.0, 3.5, 40.0])


@pytest.mark.parametrize(
    ("f", "df"),
    [
        (np.sin, np.cos),
        (np.exp, np.exp),
        (lambda x: x**3 - 2 * x, lambda x: 3 * x**2 - 2),
        (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    ],
)
def test_central_difference_agrees_to_ten_digits(f, df):
    x = POINTS[np.abs(POINTS) < 10]  # at |x| = 40 the step scales to 2e-4 and the error to ~1e-8: see below
    assert np.allclose(derivative(f, x), df(x), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("method", ["forward", "backward"])
def test_one_sided_differences_agree_to_seven_digits_and_not_ten(method):
    estimate = derivative(np.exp, 1.0, method=method)
    assert abs(estimate - np.e) < 1e-7
    assert abs(estimate - np.e) > 1e-12  # one-sided: genuinely less accurate than central
    sign = 1 if method == "forward" else -1
    h = 0.1
    expected_bias = sign * h / 2 * np.e  # leading truncation term: +h/2 f'' forward, −h/2 f'' backward
    assert derivative(np.exp, 1.0, h=h, method=method) - np.e == pytest.approx(expected_bias, rel=0.05)


def test_explicit_step_is_used_exactly():
    assert derivative(lambda x: x**2, 3.0, h=0.1, method="forward") == pytest.approx(6.1, abs=1e-12)
    assert derivative(lambda x: x**2, 3.0, h=0.5) == pytest.approx(6.0, abs=1e-12)


def test_scalar_in_float_out_and_array_in_array_out():
    assert isinstance(derivative(np.sin, 0.5), float)
    out = derivative(np.sin, np.array([[0.0, 1.0], [2.0, 3.0]]))
    assert out.shape == (2, 2)
    assert np.allclose(out, np.cos([[0.0, 1.0], [2.0, 3.0]]), rtol=1e-9)


def test_default_step_follows_the_error_analysis():
    assert default_step(0.0, "forward") == pytest.approx(np.sqrt(EPS))
    assert default_step(0.0, "central") == pytest.approx(EPS ** (1 / 3))
    assert default_step(1e6, "central") == pytest.approx(1e6 * EPS ** (1 / 3))
    assert default_step(-1e6, "forward") == pytest.approx(1e6 * np.sqrt(EPS))


def test_large_x_still_accurate_because_h_scales_with_x():
    assert derivative(lambda x: x**2, 1e8) == pytest.approx(2e8, rel=1e-8)


def test_second_derivative():
    assert second_derivative(np.exp, 1.0) == pytest.approx(np.e, rel=1e-6)
    assert second_derivative(np.sin, 0.5) == pytest.approx(-np.sin(0.5), rel=1e-6)
    assert np.allclose(second_derivative(lambda x: x**3, np.array([1.0, 2.0])), [6.0, 12.0], rtol=1e-6)
    assert isinstance(second_derivative(np.exp, 0.0), float)


def test_gradient_of_the_books_opening_example():
    f = lambda v: v[0] ** 2 + v[1] ** 2
    assert np.allclose(gradient(f, np.array([1.0, 1.0])), [2.0, 2.0], atol=1e-9)
    assert gradient(f, np.array([1.0, 1.0])).shape == (2,)


def test_gradient_hessian_jacobian_directional_on_a_known_function():
    f = lambda v: np.exp(v[0]) * np.sin(v[1]) + v[0] * v[2] ** 2
    x = np.array([0.3, -1.2, 0.8])
    grad = np.array([np.exp(x[0]) * np.sin(x[1]) + x[2] ** 2, np.exp(x[0]) * np.cos(x[1]), 2 * x[0] * x[2]])
    hess = np.array(
        [
            [np.exp(x[0]) * np.sin(x[1]), np.exp(x[0]) * np.cos(x[1]), 2 * x[2]],
            [np.exp(x[0]) * np.cos(x[1]), -np.exp(x[0]) * np.sin(x[1]), 0.0],
            [2 * x[2], 0.0, 2 * x[0]],
        ]
    )
    assert np.allclose(gradient(f, x), grad, rtol=1e-9, atol=1e-9)
    assert np.allclose(hessian(f, x), hess, rtol=1e-5, atol=1e-6)
    v = np.array([0.5, -1.0, 2.0])
    assert directional_derivative(f, x, v) == pytest.approx(grad @ v, rel=1e-9)


def test_jacobian_rows_are_outputs():
    f = lambda v: np.array([v[0] * v[1], np.sin(v[0]), v[1] ** 3])
    x = np.array([0.4, 2.0])
    expected = np.array([[x[1], x[0]], [np.cos(x[0]), 0.0], [0.0, 3 * x[1] ** 2]])
    result = jacobian(f, x)
    assert result.shape == (3, 2)
    assert np.allclose(result, expected, rtol=1e-9, atol=1e-9)


def test_difference_errors_and_optimal_step():
    steps = np.logspace(-16, 0, 161)
    forward = difference_errors(np.exp, np.exp, 1.0, steps, "forward")
    central = difference_errors(np.exp, np.exp, 1.0, steps, "central")
    assert abs(np.log10(steps[forward.argmin()] / optimal_step("forward", np.e, np.e, x=1.0, slope=np.e))) < 0.7
    assert abs(np.log10(steps[central.argmin()] / optimal_step("central", np.e, np.e, x=1.0, slope=np.e))) < 0.7
    assert central.min() < forward.min() / 100


@pytest.mark.parametrize("method", ["forward", "backward", "central"])
def test_optimal_step_is_where_the_error_model_is_smallest(method):
    point = {"x": -3.0, "slope": 0.5}  # |x f'| = 1.5
    h_star = optimal_step(method, 2.0, -5.0, **point)
    neighbours = error_model(method, h_star * np.array([0.999, 1.001]), 2.0, -5.0, **point)
    assert np.all(neighbours > error_model(method, h_star, 2.0, -5.0, **point))
    if method == "central":  # at the best step the truncation term is half the rounding term
        assert h_star**2 / 6 * 5 == pytest.approx(EPS * (2 + 1.5) / (2 * h_star) / 2, rel=1e-12)
    else:  # ... and equal to it for a one-sided difference
        assert h_star / 2 * 5 == pytest.approx(EPS * (2 + 1.5 / 2) / h_star, rel=1e-12)


def test_error_model_scales_as_the_text_says():
    assert error_model("forward", 1e-8, 1.0, 2.0, x=0.0, slope=7.0) == pytest.approx(1e-8 + EPS / 1e-8)
    assert error_model("central", 1e-5, 4.0, 6.0, x=0.0, slope=7.0) == pytest.approx(1e-10 + 2 * EPS / 1e-5)
    assert error_model("central", np.array([1e-5, 1e-4]), 0.0, 6.0, x=0.0, slope=1.0) == pytest.approx([1e-10, 1e-8])
    # the rounded point: ½ε|x f'| per rounded point, one point one-sided, two points central
    assert error_model("forward", 1e-8, 0.0, 2.0, x=2.0, slope=-3.0) == pytest.approx(1e-8 + EPS * 3 / 1e-8)
    assert error_model("central", 1e-5, 0.0, 6.0, x=2.0, slope=-3.0) == pytest.approx(1e-10 + EPS * 6 / (2e-5))
    assert error_model("backward", 1e-8, 0.0, 2.0, x=2.0, slope=-3.0) == error_model(
        "forward", 1e-8, 0.0, 2.0, x=2.0, slope=-3.0
    )


def test_difference_quotients_accept_negative_steps_and_match_derivative():
    steps = np.array([0.5, -0.5, 1e-6])
    quotients = difference_quotients(np.exp, 0.0, steps, "forward")
    assert quotients[:2] == pytest.approx([(np.exp(0.5) - 1) / 0.5, (np.exp(-0.5) - 1) / -0.5], rel=1e-14)
    assert difference_quotients(np.sin, 1.0, np.array([1e-4]), "central")[0] == pytest.approx(
        derivative(np.sin, 1.0, 1e-4)
    )


def test_taylor_polynomial_matches_exp_and_its_remainder_order():
    hs = np.array([0.1, -0.2, 0.05])
    for n in range(5):
        remainder = np.abs(np.exp(hs) - taylor_polynomial(np.ones(n + 1), hs))
        exact_sum = sum(hs**k / np.prod(np.arange(1, k + 1)) for k in range(n + 1))
        assert taylor_polynomial(np.ones(n + 1), hs) == pytest.approx(exact_sum, rel=1e-14)
        assert np.all(remainder <= np.exp(np.abs(hs)) * np.abs(hs) ** (n + 1) / np.prod(np.arange(1, n + 2)))
    assert isinstance(taylor_polynomial([1.0, 2.0], 0.5), float)
    assert taylor_polynomial([1.0, 2.0], 0.5) == 2.0


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: derivative(3, 1.0), TypeError, "f must be a callable"),
        (lambda: derivative(np.sin, 1.0, h=0), ValueError, "h must be a positive number, got 0"),
        (lambda: derivative(np.sin, 1.0, h=-0.1), ValueError, "h must be a positive number, got -0.1"),
        (
            lambda: derivative(np.sin, 1.0, method="sideways"),
            ValueError,
            "method must be one of 'forward', 'backward', 'central', got 'sideways'",
        ),
        (lambda: derivative(np.sin, float("nan")), ValueError, "x must contain only finite real numbers"),
        (lambda: derivative(np.sin, np.array([1.0, np.inf])), ValueError, "x must contain only finite real numbers"),
        (lambda: derivative(np.sin, "one"), TypeError, "x must be a real number or an array of real numbers"),
        (lambda: second_derivative(np.sin, 1.0, h=-1.0), ValueError, "h must be a positive number"),
        (lambda: gradient(np.sum, np.array([[1.0, 2.0]])), ValueError, "x must be a 1-D array, got shape \\(1, 2\\)"),
        (lambda: hessian("f", np.array([1.0])), TypeError, "f must be a callable"),
        (lambda: directional_derivative(np.sum, np.ones(2), np.ones(3)), ValueError, "v must have the same shape as x"),
        (lambda: optimal_step("central", 1.0, 0.0, x=1.0, slope=1.0), ValueError, "higher_derivative must be non-zero"),
        (lambda: optimal_step("forward", 0.0, 1.0, x=0.0, slope=1.0), ValueError, "must not both be zero"),
        (lambda: optimal_step("forward", 0.0, 1.0, x=np.nan, slope=1.0), ValueError, "x must contain only finite"),
        (lambda: error_model("forward", 0.0, 1.0, 1.0, x=1.0, slope=1.0), ValueError, "steps must all be positive"),
        (lambda: error_model("sideways", 1e-3, 1.0, 1.0, x=1.0, slope=1.0), ValueError, "method must be one of"),
        (lambda: difference_quotients(np.sin, 1.0, np.array([0.1, 0.0])), ValueError, "steps must all be non-zero"),
        (lambda: difference_quotients(np.sin, np.nan, np.array([0.1])), ValueError, "x must contain only finite"),
        (lambda: taylor_polynomial([], 0.1), ValueError, "derivatives must hold at least f\\(x0\\)"),
        (lambda: taylor_polynomial([1.0, np.inf], 0.1), ValueError, "derivatives must contain only finite"),
        (
            lambda: difference_errors(np.exp, np.exp, 1.0, np.array([0.1, -1.0])),
            ValueError,
            "steps must all be positive",
        ),
    ],
)
def test_bad_input_gives_one_clear_sentence(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_public_names_exist():
    for name in calculus.__all__:
        assert callable(getattr(calculus, name)) or name in {"EPS", "METHODS"}


def test_far_from_zero_the_relative_step_keeps_eight_digits():
    assert derivative(np.sin, 40.0) == pytest.approx(np.cos(40.0), abs=1e-8)
