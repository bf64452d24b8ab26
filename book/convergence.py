"""How fast iterative methods converge, measured and predicted: rates and iteration counts, the contraction of one
step on a quadratic (gradient descent's factor max|1 − ηλ|, momentum's 2×2 iteration matrices and their spectral
radius), conditioning and smoothness constants, the best step sizes and momenta, and basins of attraction.

The optimizers themselves live in :mod:`book.optim`; this module measures what they do. On a quadratic with curvature
λ along one eigen-direction, a momentum method maps the pair (x_k, x_(k−1)) of that coordinate linearly to
(x_(k+1), x_k): the error shrinks per step, asymptotically, by the spectral radius of the 2×2 matrix (the largest
modulus of its eigenvalues). The functions broadcast over arrays of parameters, so a whole map of rates is one call.

>>> lr, beta = optimal_heavy_ball(L=100.0, mu=1.0)
>>> round(lr, 6), round(beta, 6), round(float(heavy_ball_rate(lr, beta, [1.0, 100.0])), 6)
(0.033058, 0.669421, 0.818182)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from book._validate import require_count, require_positive
from book.functions import LeastSquares, LogisticRegression, Objective
from book.numerics import float_if_scalar
from book.optim import backtracking_line_search, run, sgd

__all__ = [
    "asymptotic_rate",
    "iterations_to",
    "iteration_bound",
    "quadratic_rate",
    "steps_to",
    "curvature_along",
    "smoothness_constant",
    "basins",
    "basin_grid",
    "line_search_descent",
    "measured_rates",
    "heavy_ball_matrix",
    "nesterov_matrix",
    "spectral_radius",
    "heavy_ball_rate",
    "nesterov_rate",
    "optimal_heavy_ball",
    "nesterov_parameters",
    "optimal_nesterov",
    "residual_polynomial",
    "fitted_rate",
]


def asymptotic_rate(errors: np.ndarray, tail: int) -> float:
    """The mean factor per step by which ``errors`` shrink over their last ``tail`` steps: (e_K / e_(K−tail))^(1/tail).

    >>> round(asymptotic_rate(np.array([8.0, 4.0, 2.0, 1.0]), 2), 12)
    0.5
    """
    errors = np.asarray(errors, dtype=float)
    if not 0 < tail < errors.size:
        raise ValueError(f"tail must be between 1 and len(errors) - 1 = {errors.size - 1}, got {tail}")
    return float((errors[-1] / errors[-1 - tail]) ** (1.0 / tail))


def iterations_to(errors: np.ndarray, tol: float) -> int | None:
    """The first k with errors[k] <= tol · errors[0], or None if the run never gets there.

    >>> iterations_to(np.array([1.0, 0.1, 0.01, 0.001]), 0.01)
    2
    """
    errors = np.asarray(errors, dtype=float)
    reached = np.flatnonzero(errors <= require_positive("tol", tol) * errors[0])
    return int(reached[0]) if reached.size else None


def iteration_bound(kappa: float, tol: float) -> int:
    """Steps after which ρᵏ <= tol for ρ = (κ − 1)/(κ + 1): ⌈log(tol) / log ρ⌉ (1 when κ = 1).

    >>> iteration_bound(10.0, 1e-6)
    69
    """
    if require_positive("kappa", kappa) < 1:
        raise ValueError(f"kappa must be at least 1, got {kappa!r}")
    return steps_to((kappa - 1) / (kappa + 1), tol)


def quadratic_rate(eigenvalues: np.ndarray, lr: float) -> float:
    """max_i |1 − η λ_i|: the factor per step by which GD with step η shrinks the error on a quadratic, at worst.

    >>> quadratic_rate(np.array([1.0, 10.0]), 0.1)  # η = 1/L: the steep direction vanishes, the flat one keeps 0.9
    0.9
    """
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    return float(np.max(np.abs(1 - require_positive("lr", lr) * eigenvalues)))


def steps_to(rate: float, tol: float) -> int:
    """The first k >= 1 with rateᵏ <= tol: ⌈log(tol) / log(rate)⌉, or 1 when rate = 0.

    >>> steps_to(0.5, 0.125)
    3
    """
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be in [0, 1), got {rate!r}")
    tol = require_positive("tol", tol)
    return 1 if rate == 0 else max(1, math.ceil(math.log(tol) / math.log(rate)))


def curvature_along(f: Objective, x: np.ndarray, direction: np.ndarray) -> np.ndarray | float:
    """dᵀ∇²f(x) d / ‖d‖²: the curvature of f along d at x, the second derivative a line search along d sees."""
    d = np.asarray(direction, dtype=float)
    return float_if_scalar(np.einsum("...i,...ij,...j->...", d, f.hessian(x), d) / np.sum(d**2, axis=-1))


def smoothness_constant(f: LeastSquares | LogisticRegression) -> float:
    """L = the largest curvature anywhere: λ_max(XᵀX/n) for least squares, λ_max(XᵀX/n)/4 + l2 for logistic loss."""
    if not isinstance(f, (LeastSquares, LogisticRegression)):
        raise ValueError(f"f must be a LeastSquares or LogisticRegression objective, got {type(f).__name__}")
    curvature = float(np.linalg.eigvalsh(f.X.T @ f.X / f.n)[-1])
    return curvature if isinstance(f, LeastSquares) else curvature / 4 + f.l2  # σ(1 − σ) <= 1/4


def basins(
    f: Objective, minimizers: np.ndarray, starts: np.ndarray, lr: float, steps: int, tol: float = 1e-3
) -> np.ndarray:
    """For each start, the index of the minimizer plain GD ends within ``tol`` of, or −1; one batched run."""
    trajectory = run(sgd(lr), f.grad, np.asarray(starts, dtype=float), steps)
    ends = trajectory.x[-1]
    gaps = np.linalg.norm(ends[..., None, :] - np.asarray(minimizers), axis=-1)
    with np.errstate(invalid="ignore"):
        nearest = np.argmin(np.where(np.isnan(gaps), np.inf, gaps), axis=-1)
        close = np.take_along_axis(gaps, nearest[..., None], axis=-1)[..., 0] <= tol
    return np.where(close, nearest, -1)


@functools.cache
def basin_grid(f: Objective, low: float, high: float, count: int, lr: float, steps: int) -> np.ndarray:
    """:func:`basins` of ``f.minimizers`` for a count × count grid of starts over [low, high]² (row = y), read-only."""
    axis = np.linspace(low, high, count)
    starts = np.stack(np.meshgrid(axis, axis), axis=-1)
    labels = basins(f, f.minimizers, starts, lr, steps)
    labels.setflags(write=False)
    return labels


def line_search_descent(f: Objective, x0: np.ndarray, steps: int, **armijo) -> tuple[np.ndarray, np.ndarray]:
    """GD whose every step length comes from Armijo backtracking: the iterates (steps + 1, d) and the steps taken.

    Not an :class:`book.optim.Optimizer`: backtracking evaluates f at trial points along the direction, and an
    optimizer's step sees only x and the gradient there.
    """
    path, lengths = [np.asarray(x0, dtype=float)], []
    for _ in range(steps):
        x = path[-1]
        direction = -f.grad(x)
        lengths.append(backtracking_line_search(f, f.grad, x, direction, **armijo))
        path.append(x + lengths[-1] * direction)
    return np.array(path), np.array(lengths)


def measured_rates(f: Objective, lrs: np.ndarray, x0: np.ndarray, steps: int, tail: int) -> np.ndarray:
    """For each learning rate, the :func:`asymptotic_rate` of ‖x_k − x*‖ over a GD run of ``steps`` steps from x0."""
    rates = []
    for lr in np.asarray(lrs, dtype=float):
        trajectory = run(sgd(float(lr)), f.grad, np.asarray(x0, dtype=float), steps)
        rates.append(asymptotic_rate(np.linalg.norm(trajectory.x - f.minimizer, axis=-1), tail))
    return np.array(rates)


def _matrix(trace: np.ndarray, det: np.ndarray) -> np.ndarray:
    """The companion matrix [[trace, −det], [1, 0]], shape (..., 2, 2): its eigenvalues solve z² − trace·z + det = 0."""
    trace, det = np.broadcast_arrays(np.asarray(trace, dtype=float), np.asarray(det, dtype=float))
    return np.stack(
        [np.stack([trace, -det], axis=-1), np.stack([np.ones_like(trace), np.zeros_like(trace)], axis=-1)], axis=-2
    )


def heavy_ball_matrix(lr: Any, beta: Any, curvature: Any) -> np.ndarray:
    """[[1 − ηλ + β, −β], [1, 0]]: heavy ball x_(k+1) = x_k − ηλ x_k + β(x_k − x_(k−1)) on (x_k, x_(k−1)).

    >>> heavy_ball_matrix(0.1, 0.5, 2.0)
    array([[ 1.3, -0.5],
           [ 1. ,  0. ]])
    """
    lr, beta, curvature = (np.asarray(v, dtype=float) for v in (lr, beta, curvature))
    return _matrix(1 - lr * curvature + beta, beta)


def nesterov_matrix(lr: Any, momentum: Any, curvature: Any) -> np.ndarray:
    """Nesterov's y_k = x_k + β(x_k − x_(k−1)), x_(k+1) = y_k − ηλ y_k on (x_k, x_(k−1)):
    [[(1 + β)(1 − ηλ), −β(1 − ηλ)], [1, 0]]."""
    lr, momentum, curvature = (np.asarray(v, dtype=float) for v in (lr, momentum, curvature))
    shrink = 1 - lr * curvature
    return _matrix((1 + momentum) * shrink, momentum * shrink)


def spectral_radius(matrix: Any) -> np.ndarray | float:
    """The largest |eigenvalue| of each square matrix in ``matrix`` (shape (..., n, n)); a float for one matrix."""
    radius = np.max(np.abs(np.linalg.eigvals(np.asarray(matrix, dtype=float))), axis=-1)
    return float_if_scalar(radius)


def _worst(matrix_fn: Callable, a: Any, b: Any, curvatures: Any) -> np.ndarray | float:
    """The largest spectral radius over ``curvatures`` (the last axis), broadcasting ``a`` and ``b``."""
    a, b = np.asarray(a, dtype=float)[..., None], np.asarray(b, dtype=float)[..., None]
    radius = np.max(spectral_radius(matrix_fn(a, b, np.asarray(curvatures, dtype=float))), axis=-1)
    return float_if_scalar(radius)


def heavy_ball_rate(lr: Any, beta: Any, curvatures: Any) -> np.ndarray | float:
    """The asymptotic factor per step of heavy ball on a quadratic with these curvatures (≥ 1: no convergence)."""
    return _worst(heavy_ball_matrix, lr, beta, curvatures)


def nesterov_rate(lr: Any, momentum: Any, curvatures: Any) -> np.ndarray | float:
    """The asymptotic factor per step of Nesterov's method on a quadratic with these curvatures."""
    return _worst(nesterov_matrix, lr, momentum, curvatures)


def _curvatures(L: float, mu: float) -> tuple[float, float]:
    """(L, μ) checked: 0 < μ <= L."""
    L, mu = require_positive("L", L), require_positive("mu", mu)
    if mu > L:
        raise ValueError(f"mu must be at most L, got mu={mu!r} > L={L!r}")
    return L, mu


def optimal_heavy_ball(L: float, mu: float) -> tuple[float, float]:
    """Polyak's best heavy-ball parameters (η, β) for curvatures in [μ, L]: η = (2/(√L + √μ))², β = ((√κ − 1)/(√κ +
    1))²."""
    L, mu = _curvatures(L, mu)
    root = math.sqrt(L / mu)
    return (2 / (math.sqrt(L) + math.sqrt(mu))) ** 2, ((root - 1) / (root + 1)) ** 2


def nesterov_parameters(L: float, mu: float) -> tuple[float, float]:
    """The usual Nesterov tuning for curvatures in [μ, L]: η = 1/L and β = (√κ − 1)/(√κ + 1)."""
    L, mu = _curvatures(L, mu)
    root = math.sqrt(L / mu)
    return 1 / L, (root - 1) / (root + 1)


def optimal_nesterov(L: float, mu: float) -> tuple[float, float]:
    """Nesterov's parameters with the smallest rate 1 − 2/√(3κ + 1) on quadratics with curvatures in [μ, L] (Lessard,
    Recht and Packard, 2016): η = 4/(3L + μ), β = (√(3κ + 1) − 2)/(√(3κ + 1) + 2)."""
    L, mu = _curvatures(L, mu)
    root = math.sqrt(3 * L / mu + 1)
    return 4 / (3 * L + mu), (root - 2) / (root + 2)


def residual_polynomial(lr: float, beta: float, curvatures: Any, steps: int) -> np.ndarray:
    """p_k(λ) for k = 0..steps: heavy ball's error along curvature λ after k steps, as a multiple of the start
    (x_(−1) = x_0).

    >>> residual_polynomial(0.5, 0.0, [1.0], 2)[:, 0]
    array([1.  , 0.5 , 0.25])
    """
    curvatures = np.asarray(curvatures, dtype=float)
    previous = current = np.ones_like(curvatures)
    values = [current]
    for _ in range(require_count("steps", steps)):
        previous, current = current, (1 + beta - lr * curvatures) * current - beta * previous
        values.append(current)
    return np.stack(values)


def fitted_rate(errors: Any, start: int) -> float:
    """exp(slope) of the least-squares line through log(errors[start:]): a rate that oscillating errors don't upset.

    >>> round(fitted_rate(3 * 0.5 ** np.arange(10), 0), 12)
    0.5
    """
    tail = np.asarray(errors, dtype=float)[start:]
    if tail.size < 2 or not np.all(tail > 0) or not np.all(np.isfinite(tail)):
        raise ValueError(f"errors[start:] must hold at least two positive finite values, got {tail.size} values")
    slope = np.polyfit(np.arange(tail.size), np.log(tail), 1)[0]
    return float(np.exp(slope))
