"""Measuring gradient descent: rates, iteration counts, basins of attraction, and the landscapes Chapter 4 runs on.

The optimizers themselves live in :mod:`book.optim`; this module only measures what they do.
"""

from __future__ import annotations

import functools
import math
from typing import ClassVar

import numpy as np

from book._validate import require_positive
from book.functions import LeastSquares, LogisticRegression, Objective, _scalar
from book.optim import backtracking_line_search, run, sgd

__all__ = [
    "Saddle",
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
    "two_blobs",
    "linear_data",
    "measured_rates",
]


class Saddle(Objective):
    """f(x, y) = x² + (y² − 1)²/4: a saddle at the origin between two minima (0, ±1), with f = 0 there.

    >>> Saddle()(np.array([0.0, 1.0]))
    0.0
    >>> Saddle().hessian(np.zeros(2))
    array([[ 2.,  0.],
           [ 0., -1.]])
    """

    dim: ClassVar[int] = 2
    minimizers: ClassVar[np.ndarray] = np.array([[0.0, 1.0], [0.0, -1.0]])

    def value(self, x: np.ndarray) -> np.ndarray | float:
        """x² + (y² − 1)²/4, shape ``(...)``; a float for a single point."""
        points = self._points(x)
        return _scalar(points[..., 0] ** 2 + (points[..., 1] ** 2 - 1) ** 2 / 4)

    def grad(self, x: np.ndarray) -> np.ndarray:
        """(2x, y³ − y), shape ``(..., 2)``."""
        points = self._points(x)
        return np.stack([2 * points[..., 0], points[..., 1] ** 3 - points[..., 1]], axis=-1)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """[[2, 0], [0, 3y² − 1]], shape ``(..., 2, 2)``."""
        points = self._points(x)
        zero = np.zeros_like(points[..., 0])
        rows = [np.stack([zero + 2, zero], axis=-1), np.stack([zero, 3 * points[..., 1] ** 2 - 1], axis=-1)]
        return np.stack(rows, axis=-2)


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
    return _scalar(np.einsum("...i,...ij,...j->...", d, f.hessian(x), d) / np.sum(d**2, axis=-1))


def smoothness_constant(f: LeastSquares | LogisticRegression) -> float:
    """L = the largest curvature anywhere: λ_max(XᵀX/n) for least squares, λ_max(XᵀX/n)/4 + l2 for logistic loss."""
    if not isinstance(f, (LeastSquares, LogisticRegression)):
        raise ValueError(f"f must be a LeastSquares or LogisticRegression objective, got {type(f).__name__}")
    curvature = float(np.linalg.eigvalsh(f.X.T @ f.X / f.n)[-1])
    return curvature if isinstance(f, LeastSquares) else curvature / 4 + f.l2  # σ(1 − σ) <= 1/4


def basins(f: Objective, minimizers: np.ndarray, starts: np.ndarray, lr: float, steps: int, tol: float = 1e-3) -> np.ndarray:
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
    """GD whose every step length comes from Armijo backtracking: the iterates (steps + 1, d) and the steps taken."""
    path, lengths = [np.asarray(x0, dtype=float)], []
    for _ in range(steps):
        x = path[-1]
        direction = -f.grad(x)
        lengths.append(backtracking_line_search(f, f.grad, x, direction, **armijo))
        path.append(x + lengths[-1] * direction)
    return np.array(path), np.array(lengths)


def two_blobs(n: int, seed: int = 0, separation: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """n points in the plane, half around (−s/2, −s/2) with label 0 and half around (s/2, s/2) with label 1.

    Returns the design matrix with a leading column of ones (the bias) and the labels.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    centres = (labels[:, None] - 0.5) * separation
    points = centres + rng.standard_normal((n, 2))
    return np.column_stack([np.ones(n), points]), labels.astype(float)


def linear_data(n: int, weights: np.ndarray, noise: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A design matrix (a column of ones, then standard normal features) and targets X·weights + noise·N(0, 1)."""
    rng = np.random.default_rng(seed)
    weights = np.asarray(weights, dtype=float)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, weights.size - 1))])
    return X, X @ weights + noise * rng.standard_normal(n)


def measured_rates(f: Objective, lrs: np.ndarray, x0: np.ndarray, steps: int, tail: int) -> np.ndarray:
    """For each learning rate, the :func:`asymptotic_rate` of ‖x_k − x*‖ over a GD run of ``steps`` steps from x0."""
    rates = []
    for lr in np.asarray(lrs, dtype=float):
        trajectory = run(sgd(float(lr)), f.grad, np.asarray(x0, dtype=float), steps)
        rates.append(asymptotic_rate(np.linalg.norm(trajectory.x - f.minimizer, axis=-1), tail))
    return np.array(rates)
