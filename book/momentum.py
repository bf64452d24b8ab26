"""Momentum measured: the 2×2 iteration matrices of heavy ball and Nesterov, their rates, the best parameters, and the
Sutskever and Polyak forms of momentum written out for comparison with PyTorch's (``book.optim.sgd``).

On a quadratic with curvature λ along one eigen-direction, a momentum method maps the pair (x_k, x_(k−1)) of that
coordinate linearly to (x_(k+1), x_k): the error shrinks per step, asymptotically, by the spectral radius of the 2×2
matrix (the largest modulus of its eigenvalues). The functions below broadcast over arrays of parameters, which is
how the chapter draws a whole map of rates in one call.

>>> lr, beta = optimal_heavy_ball(L=100.0, mu=1.0)
>>> round(lr, 6), round(beta, 6), round(float(heavy_ball_rate(lr, beta, [1.0, 100.0])), 6)
(0.033058, 0.669421, 0.818182)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from book._validate import require_callable, require_count, require_positive
from book.functions import LeastSquares
from book.optim import Optimizer, run
from book.stochastic import stochastic_gradient

__all__ = [
    "heavy_ball_matrix",
    "nesterov_matrix",
    "spectral_radius",
    "heavy_ball_rate",
    "nesterov_rate",
    "optimal_heavy_ball",
    "nesterov_parameters",
    "optimal_nesterov",
    "residual_polynomial",
    "settled_distance",
    "fitted_rate",
    "sutskever",
    "polyak",
]


def _matrix(trace: np.ndarray, det: np.ndarray) -> np.ndarray:
    """The companion matrix [[trace, −det], [1, 0]], shape (..., 2, 2): its eigenvalues solve z² − trace·z + det = 0."""
    trace, det = np.broadcast_arrays(np.asarray(trace, dtype=float), np.asarray(det, dtype=float))
    return np.stack([np.stack([trace, -det], axis=-1), np.stack([np.ones_like(trace), np.zeros_like(trace)], axis=-1)],
                    axis=-2)


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
    return float(radius) if radius.ndim == 0 else radius


def _worst(matrix_fn: Callable, a: Any, b: Any, curvatures: Any) -> np.ndarray | float:
    """The largest spectral radius over ``curvatures`` (the last axis), broadcasting ``a`` and ``b``."""
    a, b = np.asarray(a, dtype=float)[..., None], np.asarray(b, dtype=float)[..., None]
    radius = np.max(spectral_radius(matrix_fn(a, b, np.asarray(curvatures, dtype=float))), axis=-1)
    return float(radius) if np.ndim(radius) == 0 else radius


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
    """Polyak's best heavy-ball parameters (η, β) for curvatures in [μ, L]: η = (2/(√L + √μ))², β = ((√κ − 1)/(√κ + 1))²."""
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
    """p_k(λ) for k = 0..steps: heavy ball's error along curvature λ after k steps, as a multiple of the start (x_(−1) = x_0).

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


def settled_distance(f: LeastSquares, optimizer: Optimizer, batch_size: int, steps: int, runs: int, seed: int) -> float:
    """E‖w − w*‖² of ``optimizer`` on mini-batch gradients (drawn with replacement) of least squares, measured: ``runs``
    seeded chains from w*, averaged over chains and their last half of steps."""
    runs = require_count("runs", runs, minimum=1)
    start = np.broadcast_to(f.minimizer, (runs, f.dim))
    gradient = stochastic_gradient(f, batch_size, seed, "replace", runs=(runs,))
    trajectory = run(optimizer, gradient, start, require_count("steps", steps, minimum=2))
    return float(np.mean(np.sum((trajectory.x[steps // 2 :] - f.minimizer) ** 2, axis=-1)))


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


def _rate_at(lr: float | Callable, t: int) -> float:
    """The learning rate of step t (t = 0 the first): a schedule's value, or the number itself."""
    return lr(t) if callable(lr) else lr


def sutskever(grad_fn: Callable, x0: Any, lr: float | Callable, momentum: float, steps: int) -> np.ndarray:
    """Sutskever et al. (2013): v ← βv − η_t ∇f(x), x ← x + v, from v = 0; the iterates stacked, x0 first."""
    require_callable("grad_fn", grad_fn)
    x, v = np.array(x0, dtype=float), 0.0
    iterates = [x]
    for t in range(steps):
        v = momentum * v - _rate_at(lr, t) * grad_fn(x)
        x = x + v
        iterates.append(x)
    return np.stack(iterates)


def polyak(grad_fn: Callable, x0: Any, lr: float | Callable, momentum: float, steps: int) -> np.ndarray:
    """Polyak's heavy ball: x_(k+1) = x_k − η_k ∇f(x_k) + β(x_k − x_(k−1)), with x_(−1) = x_0; the iterates stacked."""
    require_callable("grad_fn", grad_fn)
    iterates = [np.array(x0, dtype=float)]
    previous = iterates[0]
    for t in range(steps):
        x = iterates[-1]
        iterates.append(x - _rate_at(lr, t) * grad_fn(x) + momentum * (x - previous))
        previous = x
    return np.stack(iterates)
