"""Numerical derivatives by finite differences: the yardstick every other gradient in the book is checked against.

Default steps follow the error analysis of Chapter 1 (ε is machine epsilon; a rounded value is within ε/2 of itself,
relatively: the unit roundoff). Rounding enters twice: each computed f(x ± h) is off by ε|f|/2, and the rounded point
x + h is off by up to ε|x|/2, which moves f by ε|x f'|/2. A one-sided difference has truncation error ~ h·|f''|/2 and
rounding error ~ ε(|f| + |x f'|/2)/h, balanced at h ~ √ε; a central difference has truncation error ~ h²|f'''|/6 and
rounding error ~ ε(|f| + |x f'|)/(2h), balanced at h ~ ε^(1/3). Both steps scale with max(1, |x|), as the rounding of
x + h does.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from book._validate import require_callable, require_choice, require_finite_array, require_positive
from book.numerics import float_if_scalar

EPS = float(np.finfo(float).eps)
METHODS = ("forward", "backward", "central")

__all__ = [
    "EPS",
    "METHODS",
    "default_step",
    "derivative",
    "second_derivative",
    "gradient",
    "hessian",
    "jacobian",
    "directional_derivative",
    "difference_quotients",
    "difference_errors",
    "error_model",
    "optimal_step",
    "taylor_polynomial",
    "log_log_slope",
]


def default_step(x: np.ndarray | float, method: str = "central") -> np.ndarray:
    """Step h balancing truncation and rounding error: √ε·max(1,|x|) one-sided, ε^(1/3)·max(1,|x|) central.

    >>> float(default_step(0.0, "forward"))  # √ε
    1.4901161193847656e-08
    """
    require_choice("method", method, METHODS + ("second",))
    power = {"forward": 1 / 2, "backward": 1 / 2, "central": 1 / 3, "second": 1 / 4}[method]
    return EPS**power * np.maximum(1.0, np.abs(np.asarray(x, dtype=float)))


def _step(x: np.ndarray, h: float | None, method: str) -> np.ndarray | float:
    return default_step(x, method) if h is None else require_positive("h", h)


def derivative(
    f: Callable, x: float | np.ndarray, h: float | None = None, method: str = "central"
) -> float | np.ndarray:
    """f'(x) by a forward, backward or central difference; ``x`` a float or an array of points (f vectorised).

    >>> round(derivative(np.sin, 0.0), 10)
    1.0
    """
    require_callable("f", f)
    require_choice("method", method, METHODS)
    points = require_finite_array("x", x)
    return float_if_scalar(_difference(f, points, _step(points, h, method), method))


def _difference(f: Callable, x: np.ndarray | float, step: np.ndarray | float, method: str) -> np.ndarray:
    """The finite difference itself; ``x`` and ``step`` broadcast against each other."""
    if method == "forward":
        return (np.asarray(f(x + step)) - np.asarray(f(x))) / step
    if method == "backward":
        return (np.asarray(f(x)) - np.asarray(f(x - step))) / step
    return (np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * step)


def second_derivative(f: Callable, x: float | np.ndarray, h: float | None = None) -> float | np.ndarray:
    """f''(x) by the central difference (f(x+h) − 2f(x) + f(x−h)) / h², default h = ε^(1/4)·max(1,|x|).

    >>> round(second_derivative(np.exp, 0.0), 6)
    1.0
    """
    require_callable("f", f)
    points = require_finite_array("x", x)
    step = _step(points, h, "second")
    value = (np.asarray(f(points + step)) - 2 * np.asarray(f(points)) + np.asarray(f(points - step))) / step**2
    return float_if_scalar(value)


def _point(x: np.ndarray) -> np.ndarray:
    return require_finite_array("x", x, ndim=1)


def jacobian(f: Callable, x: np.ndarray, h: float | None = None) -> np.ndarray:
    """The m×d matrix J[i, j] = ∂fᵢ/∂xⱼ of f: ℝᵈ → ℝᵐ by central differences (rows are outputs).

    >>> jacobian(lambda v: np.array([v[0] * v[1], v[0] + v[1]]), np.array([1.0, 2.0])).round(8)
    array([[2., 1.],
           [1., 1.]])
    """
    require_callable("f", f)
    point = _point(x)
    steps = _step(point, h, "central") * np.ones_like(point)
    columns = []
    for j, step in enumerate(steps):
        shift = np.zeros_like(point)
        shift[j] = step
        columns.append((np.atleast_1d(f(point + shift)) - np.atleast_1d(f(point - shift))) / (2 * step))
    return np.stack(columns, axis=-1).astype(float)


def gradient(f: Callable, x: np.ndarray, h: float | None = None) -> np.ndarray:
    """∇f(x) of a scalar f: ℝᵈ → ℝ by central differences, shaped like ``x``.

    >>> gradient(lambda v: v[0] ** 2 + v[1] ** 2, np.array([1.0, 1.0])).round(8)
    array([2., 2.])
    """
    return jacobian(f, x, h)[0]


def hessian(f: Callable, x: np.ndarray, h: float | None = None) -> np.ndarray:
    """The d×d matrix of second partial derivatives of a scalar f, symmetrised, by central differences.

    >>> hessian(lambda v: v[0] ** 2 + 3 * v[0] * v[1], np.array([1.0, 2.0])).round(5)
    array([[2., 3.],
           [3., 0.]])
    """
    require_callable("f", f)
    point = _point(x)
    step = float(np.max(_step(point, h, "second")))
    d = point.size
    basis = np.eye(d) * step
    result = np.empty((d, d))
    for i in range(d):
        for j in range(i, d):
            ei, ej = basis[i], basis[j]
            value = (f(point + ei + ej) - f(point + ei - ej) - f(point - ei + ej) + f(point - ei - ej)) / (4 * step**2)
            result[i, j] = result[j, i] = float(value)
    return result


def directional_derivative(f: Callable, x: np.ndarray, v: np.ndarray, h: float | None = None) -> float:
    """D_v f(x) = d/dt f(x + t v) at t = 0 (equals ∇f(x)·v), by a central difference along ``v``.

    >>> round(directional_derivative(lambda p: p[0] ** 2 + p[1] ** 2, np.array([1.0, 1.0]), np.array([1.0, 0.0])), 8)
    2.0
    """
    require_callable("f", f)
    point = _point(x)
    direction = require_finite_array("v", v, ndim=1)
    if direction.shape != point.shape:
        raise ValueError(f"v must have the same shape as x {point.shape}, got {direction.shape}")
    return float(derivative(lambda t: f(point + t * direction), 0.0, h))


def difference_errors(f: Callable, df: Callable, x: float, steps: np.ndarray, method: str = "central") -> np.ndarray:
    """|D_h f(x) − f'(x)| for every h in ``steps``: the error curve of a finite difference (f vectorised).

    >>> difference_errors(np.exp, np.exp, 1.0, np.array([1e-1, 1e-2]), "forward").round(4)
    array([0.1406, 0.0136])
    """
    require_callable("df", df)
    hs = require_finite_array("steps", steps, ndim=1)
    if np.any(hs <= 0):
        raise ValueError(f"steps must all be positive, got minimum {hs.min()!r}")
    return np.abs(difference_quotients(f, x, hs, method) - df(float(x)))


def difference_quotients(f: Callable, x: float, steps: np.ndarray, method: str = "forward") -> np.ndarray:
    """D_h f(x) for every h in ``steps`` (non-zero; a negative h steps to the left), f vectorised.

    >>> difference_quotients(lambda t: t**2, 3.0, np.array([1.0, 0.1, -0.1])).round(12)
    array([7. , 6.1, 5.9])
    """
    require_callable("f", f)
    require_choice("method", method, METHODS)
    point = float(require_finite_array("x", x, ndim=0))
    hs = require_finite_array("steps", steps, ndim=1)
    if np.any(hs == 0):
        raise ValueError("steps must all be non-zero (a difference quotient divides by h), got 0")
    with np.errstate(all="ignore"):
        return _difference(f, point, hs, method)


def _model_terms(method: str, f_value: float, higher_derivative: float, x: float, slope: float) -> tuple[float, float]:
    """(a, b) of the error model a·hᵖ + b/h (p = 1 one-sided, 2 central), after checking the arguments."""
    require_choice("method", method, METHODS)
    size = abs(float(require_finite_array("f_value", f_value, ndim=0)))
    bound = abs(float(require_finite_array("higher_derivative", higher_derivative, ndim=0)))
    moved = abs(float(require_finite_array("x", x, ndim=0)) * float(require_finite_array("slope", slope, ndim=0)))
    if method == "central":
        return bound / 6, EPS * (size + moved) / 2
    return bound / 2, EPS * (size + moved / 2)


def error_model(
    method: str, steps: np.ndarray | float, f_value: float, higher_derivative: float, *, x: float, slope: float
) -> np.ndarray | float:
    """Truncation plus rounding error at x: ½h|f''| + ε(|f| + ½|x f'|)/h one-sided,
    h²|f'''|/6 + ε(|f| + |x f'|)/(2h) central.

    ``higher_derivative`` is f'' for forward/backward and f''' for central; ``slope`` is f'(x), which the rounding of
    the point x ± h brings in. For f = exp at x = 1, h = 1e-8:

    >>> f"{error_model('forward', 1e-8, np.e, np.e, x=1.0, slope=np.e):.3e}"
    '1.041e-07'
    """
    truncation, rounding = _model_terms(method, f_value, higher_derivative, x, slope)
    hs = require_finite_array("steps", steps)
    if np.any(hs <= 0):
        raise ValueError(f"steps must all be positive, got minimum {hs.min()!r}")
    power = 2 if method == "central" else 1
    return float_if_scalar(truncation * hs**power + rounding / hs)


def optimal_step(method: str, f_value: float, higher_derivative: float, *, x: float, slope: float) -> float:
    """The h minimising :func:`error_model`: √(2εR/|f''|), R = |f| + ½|x f'|, one-sided;
    (3εR/(2|f'''|))^(1/3), R = |f| + |x f'|, central.

    ``higher_derivative`` is f'' for forward/backward and f''' for central. For f = exp at x = 1:

    >>> forward = optimal_step("forward", np.e, np.e, x=1.0, slope=np.e)
    >>> central = optimal_step("central", np.e, np.e, x=1.0, slope=np.e)
    >>> f"{forward:.2e}", f"{central:.2e}"
    ('2.58e-08', '8.73e-06')
    """
    truncation, rounding = _model_terms(method, f_value, higher_derivative, x, slope)
    if truncation == 0:
        raise ValueError("higher_derivative must be non-zero (without truncation error no step is optimal), got 0")
    if rounding == 0:
        raise ValueError(
            "f_value and x·slope must not both be zero (then there is no rounding term and no best step), got 0"
        )
    if method == "central":
        return float((rounding / (2 * truncation)) ** (1 / 3))
    return float(np.sqrt(rounding / truncation))


def taylor_polynomial(derivatives: np.ndarray, steps: np.ndarray | float) -> np.ndarray | float:
    """Σₖ f⁽ᵏ⁾(x₀)·hᵏ/k! for ``derivatives`` = (f(x₀), f'(x₀), f''(x₀), ...): Taylor's approximation of f(x₀ + h).

    >>> round(taylor_polynomial([1.0, 1.0, 1.0], 0.1), 12)  # e^0.1 ≈ 1 + 0.1 + 0.1²/2
    1.105
    """
    coefficients = require_finite_array("derivatives", derivatives, ndim=1)
    if coefficients.size == 0:
        raise ValueError("derivatives must hold at least f(x0), got an empty array")
    hs = require_finite_array("steps", steps)
    terms = [c * hs**k / math.factorial(k) for k, c in enumerate(coefficients)]
    return float_if_scalar(np.sum(terms, axis=0))


def log_log_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Slope of the least-squares line through (log x, log y): the order p of an error y ≈ C·xᵖ.

    >>> round(log_log_slope(np.array([1.0, 2.0, 4.0]), np.array([3.0, 12.0, 48.0])), 12)
    2.0
    """
    xs, ys = require_finite_array("x", x, ndim=1), require_finite_array("y", y, ndim=1)
    if xs.shape != ys.shape or xs.size < 2 or np.any(xs <= 0) or np.any(ys <= 0):
        raise ValueError(
            f"x and y must be positive 1-D arrays of one length (at least 2), got shapes {xs.shape} and {ys.shape}"
        )
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])
