"""Test objectives with exact value, gradient and Hessian: the landscapes every optimizer in the book runs on.

Every objective takes a point of shape ``(d,)`` or a batch of points of shape ``(..., d)``:

* ``value(x)`` returns an array of shape ``(...)``, and a Python ``float`` for a single point of shape ``(d,)``;
* ``grad(x)`` returns shape ``(..., d)``;
* ``hessian(x)`` returns shape ``(..., d, d)``.

All three are vectorised, so a leading axis of 1 000 starting points costs one numpy call, not a Python loop.
Calling an objective, ``f(x)``, is the same as ``f.value(x)``; ``f.dim`` is d.

Constructors validate their data; the three evaluations accept any real point, infinite or NaN included, and
return inf/nan there without a warning: an optimizer that diverges (or one diverging start in a batch) must be
able to look at where it went. ``sigmoid``, the logistic function every chapter uses, is re-exported from
:mod:`book.numerics`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from book._validate import require_finite_array, require_nonnegative, require_real, require_real_array
from book.numerics import float_if_scalar, log_sigmoid, log_softmax, sigmoid, softmax

__all__ = [
    "sigmoid",
    "design_matrix",
    "Objective",
    "Quadratic",
    "Rosenbrock",
    "Himmelblau",
    "LeastSquares",
    "LogisticRegression",
    "SoftmaxRegression",
    "Saddle",
    "LINE_X",
    "LINE_Y",
    "line_loss",
]

SYMMETRY_RTOL = 1e-10


def _frozen(array: np.ndarray) -> np.ndarray:
    """A read-only copy of ``array``, so an objective cannot be changed after it is built."""
    array = np.array(array, dtype=float)
    array.setflags(write=False)
    return array


def design_matrix(X: Any) -> np.ndarray:
    """``X`` checked and frozen: a finite n×d float matrix with at least one row and one column, read-only."""
    matrix = require_finite_array("X", X, ndim=2)
    if 0 in matrix.shape:
        raise ValueError(f"X must have at least one row and one column, got shape {matrix.shape}")
    return _frozen(matrix)


def _targets(y: Any, rows: int) -> np.ndarray:
    """``y`` as a finite vector with one entry per row of X."""
    targets = require_finite_array("y", y)
    if targets.shape != (rows,):
        raise ValueError(f"y must be a 1-D array with one entry per row of X ({rows}), got shape {targets.shape}")
    return targets


def _silent(evaluate: Callable) -> Callable:
    """``evaluate`` with numpy's overflow and invalid-value warnings off: at a diverged point the answer is inf/nan."""

    @functools.wraps(evaluate)
    def wrapper(self, x):
        with np.errstate(over="ignore", invalid="ignore"):
            return evaluate(self, x)

    return wrapper


class Objective:
    """Base of the objectives: ``value``, ``grad`` and ``hessian`` on points shaped ``(..., dim)``."""

    dim: int
    argument: ClassVar[str] = "x"  # the name error messages give the point

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("value", "grad", "hessian"):
            if name in vars(cls):
                setattr(cls, name, _silent(vars(cls)[name]))

    def value(self, x: np.ndarray) -> np.ndarray | float:
        """f(x), shape ``(...)``; a float for a single point."""
        raise NotImplementedError

    def grad(self, x: np.ndarray) -> np.ndarray:
        """∇f(x), shape ``(..., dim)``."""
        raise NotImplementedError

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """∇²f(x), shape ``(..., dim, dim)``."""
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray | float:
        """Same as ``value(x)``."""
        return self.value(x)

    def points(self, x: Any) -> np.ndarray:
        """``x`` as a float array (inf and nan allowed) whose last axis has length ``dim``."""
        points = require_real_array(self.argument, x)
        if points.ndim == 0 or points.shape[-1] != self.dim:
            raise ValueError(f"{self.argument} must have last dimension {self.dim}, got shape {points.shape}")
        return points


class Quadratic(Objective):
    """f(x) = ½ xᵀAx + bᵀx + c with A symmetric: the model problem whose curvature is the same everywhere.

    >>> f = Quadratic(np.diag([1.0, 10.0]), b=[-1.0, 0.0])
    >>> f.L, f.mu, f.condition_number
    (10.0, 1.0, 10.0)
    >>> f.minimizer
    array([1., 0.])
    >>> f(np.array([1.0, 0.0]))
    -0.5
    >>> f.grad(np.array([[0.0, 0.0], [1.0, 1.0]]))
    array([[-1.,  0.],
           [ 0., 10.]])
    """

    def __init__(self, A: Any, b: Any = None, c: float = 0.0) -> None:
        matrix = require_finite_array("A", A)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.size == 0:
            raise ValueError(f"A must be a symmetric square matrix, got shape {matrix.shape}")
        asymmetry = float(np.max(np.abs(matrix - matrix.T)))
        if asymmetry > SYMMETRY_RTOL * max(1.0, float(np.max(np.abs(matrix)))):
            raise ValueError(f"A must be a symmetric matrix, got max |A - Aᵀ| = {asymmetry:.3g}")
        self.dim = matrix.shape[0]
        self.A = _frozen((matrix + matrix.T) / 2)
        if b is None:
            self.b = _frozen(np.zeros(self.dim))
        else:
            vector = require_finite_array("b", b)
            if vector.shape != (self.dim,):
                message = f"b must be a 1-D array of length {self.dim} (the size of A), got shape {vector.shape}"
                raise ValueError(message)
            self.b = _frozen(vector)
        self.c = require_real("c", c)
        self.eigenvalues = _frozen(np.linalg.eigvalsh(self.A))

    def __repr__(self) -> str:
        return f"Quadratic(dim={self.dim}, L={self.L:.4g}, mu={self.mu:.4g})"

    @property
    def L(self) -> float:
        """Largest eigenvalue of A: the smoothness constant, ‖∇f(x) − ∇f(y)‖ ≤ L‖x − y‖."""
        return float(self.eigenvalues[-1])

    @property
    def mu(self) -> float:
        """Smallest eigenvalue of A: the strong-convexity constant when it is positive."""
        return float(self.eigenvalues[0])

    @property
    def condition_number(self) -> float:
        """κ = L / mu, and ``inf`` when mu <= 0 (A not positive definite: no unique minimiser)."""
        return self.L / self.mu if self.mu > 0 else float("inf")

    @property
    def minimizer(self) -> np.ndarray:
        """The unique minimiser x* solving A x = −b; raises ``ValueError`` unless A is positive definite."""
        if self.mu <= 0:
            raise ValueError(f"A must be positive definite for a unique minimizer, got smallest eigenvalue {self.mu:g}")
        return np.linalg.solve(self.A, -self.b) + 0.0  # + 0.0 turns -0 into 0

    def value(self, x: np.ndarray) -> np.ndarray | float:
        """½ xᵀAx + bᵀx + c, shape ``(...)``; a float for a single point."""
        points = self.points(x)
        return float_if_scalar(0.5 * np.einsum("...i,ij,...j->...", points, self.A, points) + points @ self.b + self.c)

    def grad(self, x: np.ndarray) -> np.ndarray:
        """A x + b, shape ``(..., d)``."""
        return self.points(x) @ self.A + self.b

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """A, repeated over the batch: shape ``(..., d, d)``."""
        points = self.points(x)
        return np.broadcast_to(self.A, points.shape + (self.dim,)).copy()


@dataclass(frozen=True)
class Rosenbrock(Objective):
    """f(x, y) = (a − x)² + b (y − x²)²: a curved narrow valley with its minimum 0 at (a, a²).

    >>> f = Rosenbrock()
    >>> f.grad(np.array([1.0, 1.0]))
    array([0., 0.])
    >>> f(np.array([[1.0, 1.0], [0.0, 0.0]]))
    array([0., 1.])
    >>> f.hessian(np.array([1.0, 1.0]))
    array([[ 802., -400.],
           [-400.,  200.]])
    """

    a: float = 1.0
    b: float = 100.0
    dim: ClassVar[int] = 2

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", require_real("a", self.a))
        object.__setattr__(self, "b", require_real("b", self.b))

    @property
    def minimizer(self) -> np.ndarray:
        """The global minimiser (a, a²), where f = 0."""
        return np.array([self.a, self.a**2])

    def value(self, x: np.ndarray) -> np.ndarray | float:
        """(a − x)² + b (y − x²)², shape ``(...)``; a float for a single point."""
        points = self.points(x)
        u, v = points[..., 0], points[..., 1]
        return float_if_scalar((self.a - u) ** 2 + self.b * (v - u**2) ** 2)

    def grad(self, x: np.ndarray) -> np.ndarray:
        """(2(x − a) − 4b x (y − x²), 2b (y − x²)), shape ``(..., 2)``."""
        points = self.points(x)
        u, v = points[..., 0], points[..., 1]
        valley = v - u**2
        return np.stack([2 * (u - self.a) - 4 * self.b * u * valley, 2 * self.b * valley], axis=-1)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """[[2 − 4b y + 12b x², −4b x], [−4b x, 2b]], shape ``(..., 2, 2)``."""
        points = self.points(x)
        u, v = points[..., 0], points[..., 1]
        xx = 2 - 4 * self.b * v + 12 * self.b * u**2
        xy = -4 * self.b * u
        yy = np.full_like(u, 2 * self.b)
        return np.stack([np.stack([xx, xy], axis=-1), np.stack([xy, yy], axis=-1)], axis=-2)


@dataclass(frozen=True)
class Himmelblau(Objective):
    """f(x, y) = (x² + y − 11)² + (x + y² − 7)²: four global minima (f = 0), a maximum and four saddles.

    >>> Himmelblau()(np.array([3.0, 2.0]))
    0.0
    """

    dim: ClassVar[int] = 2

    @property
    def minimizers(self) -> np.ndarray:
        """The four global minimisers, shape (4, 2): (3, 2) exactly, the others to machine precision."""
        return np.array(
            [
                [3.0, 2.0],
                [-2.805118086952745, 3.131312518250573],
                [-3.779310253377747, -3.2831859912861696],
                [3.5844283403304917, -1.8481265269644036],
            ]
        )

    def value(self, x: np.ndarray) -> np.ndarray | float:
        """(x² + y − 11)² + (x + y² − 7)², shape ``(...)``; a float for a single point."""
        points = self.points(x)
        u, v = points[..., 0], points[..., 1]
        return float_if_scalar((u**2 + v - 11) ** 2 + (u + v**2 - 7) ** 2)

    def grad(self, x: np.ndarray) -> np.ndarray:
        """(4x p + 2q, 2p + 4y q) with p = x² + y − 11, q = x + y² − 7; shape ``(..., 2)``."""
        points = self.points(x)
        u, v = points[..., 0], points[..., 1]
        p, q = u**2 + v - 11, u + v**2 - 7
        return np.stack([4 * u * p + 2 * q, 2 * p + 4 * v * q], axis=-1)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """[[12x² + 4y − 42, 4x + 4y], [4x + 4y, 12y² + 4x − 26]], shape ``(..., 2, 2)``."""
        points = self.points(x)
        u, v = points[..., 0], points[..., 1]
        xx = 12 * u**2 + 4 * v - 42
        xy = 4 * u + 4 * v
        yy = 12 * v**2 + 4 * u - 26
        return np.stack([np.stack([xx, xy], axis=-1), np.stack([xy, yy], axis=-1)], axis=-2)


class LeastSquares(Objective):
    """f(w) = (1/2n) ‖X w − y‖² for an n×d design matrix X: linear regression's mean squared error, halved.

    >>> f = LeastSquares([[1.0, 0.0], [0.0, 2.0]], [1.0, 2.0])
    >>> f.minimizer
    array([1., 1.])
    >>> f(np.zeros(2))
    1.25
    """

    argument: ClassVar[str] = "w"

    def __init__(self, X: Any, y: Any) -> None:
        self.X = design_matrix(X)
        self.y = _frozen(_targets(y, self.X.shape[0]))
        self.n, self.dim = self.X.shape
        gram = self.X.T @ self.X / self.n
        self.gram = _frozen((gram + gram.T) / 2)

    def __repr__(self) -> str:
        return f"LeastSquares(n={self.n}, dim={self.dim})"

    @property
    def minimizer(self) -> np.ndarray:
        """A minimiser from ``np.linalg.lstsq`` (the one of least norm when XᵀX is singular)."""
        return np.linalg.lstsq(self.X, self.y, rcond=None)[0]

    def _residuals(self, w: Any) -> np.ndarray:
        """X w − y for every point, shape ``(..., n)``."""
        return self.points(w) @ self.X.T - self.y

    def value(self, w: np.ndarray) -> np.ndarray | float:
        """‖X w − y‖² / (2n), shape ``(...)``; a float for a single point."""
        residuals = self._residuals(w)
        return float_if_scalar(np.sum(residuals**2, axis=-1) / (2 * self.n))

    def grad(self, w: np.ndarray) -> np.ndarray:
        """Xᵀ(X w − y) / n, shape ``(..., d)``."""
        return self._residuals(w) @ self.X / self.n

    def hessian(self, w: np.ndarray) -> np.ndarray:
        """XᵀX / n, repeated over the batch: shape ``(..., d, d)``."""
        points = self.points(w)
        return np.broadcast_to(self.gram, points.shape + (self.dim,)).copy()


class LogisticRegression(Objective):
    """f(w) = mean of log(1 + e^z) − y z over samples, z = X w, plus (l2/2)‖w‖²; labels y in {0, 1}.

    >>> f = LogisticRegression([[1.0], [-1.0]], [1, 0])
    >>> round(f(np.zeros(1)), 6)  # log 2
    0.693147
    """

    argument: ClassVar[str] = "w"

    def __init__(self, X: Any, y: Any, l2: float = 0.0) -> None:
        self.X = design_matrix(X)
        labels = _targets(y, self.X.shape[0])
        if not np.all((labels == 0) | (labels == 1)):
            raise ValueError(f"y must contain only 0/1 labels, got values {np.unique(labels).tolist()}")
        self.y = _frozen(labels)
        self.l2 = require_nonnegative("l2", require_real("l2", l2))
        self.n, self.dim = self.X.shape

    def __repr__(self) -> str:
        return f"LogisticRegression(n={self.n}, dim={self.dim}, l2={self.l2:g})"

    def value(self, w: np.ndarray) -> np.ndarray | float:
        """Mean cross-entropy plus (l2/2)‖w‖², via log(1 + e^z) = logaddexp(0, z); shape ``(...)``."""
        points = self.points(w)
        z = points @ self.X.T
        loss = np.mean(np.logaddexp(0.0, z) - self.y * z, axis=-1)
        return float_if_scalar(loss + 0.5 * self.l2 * np.sum(points**2, axis=-1))

    def grad(self, w: np.ndarray) -> np.ndarray:
        """Xᵀ(σ(X w) − y) / n + l2 w, shape ``(..., d)``."""
        points = self.points(w)
        probabilities = sigmoid(points @ self.X.T)
        return (probabilities - self.y) @ self.X / self.n + self.l2 * points

    def hessian(self, w: np.ndarray) -> np.ndarray:
        """Xᵀ diag(σ(1 − σ)) X / n + l2 I with σ = σ(X w), shape ``(..., d, d)``."""
        points = self.points(w)
        z = points @ self.X.T
        weights = np.exp(log_sigmoid(z) + log_sigmoid(-z))  # σ(z)·σ(−z) = σ(z)(1 − σ(z))
        curvature = (self.X.T * weights[..., None, :]) @ self.X / self.n
        return (curvature + np.swapaxes(curvature, -1, -2)) / 2 + self.l2 * np.eye(self.dim)


LINE_X = _frozen([1.0, 2.0, 3.0])
LINE_Y = _frozen([2.5, 3.5, 6.5])


def line_loss(w: Any) -> np.ndarray | float:
    """Chapter 1's loss L(w): the mean squared error of the line y = w·x on the points (LINE_X, LINE_Y).

    >>> line_loss(0.0)
    20.25
    """
    weights = np.asarray(w, dtype=float)
    return float_if_scalar(np.mean((weights[..., None] * LINE_X - LINE_Y) ** 2, axis=-1))


# Chapter 2's examples: the opening bowl, quadratics with chosen curvatures, and the polar-coordinates map.

bowl = Quadratic(2.0 * np.eye(2))
"""f(x, y) = x² + y² = ½ xᵀ(2I)x, Chapter 2's opening example: ``bowl(np.array([1.0, 1.0]))`` is 2.0."""


def rotated_quadratic(lambda1: float, lambda2: float, angle: float = 30.0) -> Quadratic:
    """f(x) = ½ xᵀAx with eigenvalues lambda1, lambda2 and the first eigenvector at ``angle`` degrees.

    >>> round(rotated_quadratic(1.0, 10.0).condition_number, 10)
    10.0
    """
    turn = np.radians(require_real("angle", angle))
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    eigenvalues = np.diag([require_real("lambda1", lambda1), require_real("lambda2", lambda2)])
    return Quadratic(rotation @ eigenvalues @ rotation.T)


def polar(p: Any) -> np.ndarray:
    """Polar to Cartesian coordinates, (r, θ) ↦ (r cos θ, r sin θ), on points shaped ``(..., 2)``.

    >>> polar(np.array([2.0, 0.0]))
    array([2., 0.])
    """
    points = require_real_array("p", p)
    if points.ndim == 0 or points.shape[-1] != 2:
        raise ValueError(f"p must have last dimension 2 (r, θ), got shape {points.shape}")
    r, theta = points[..., 0], points[..., 1]
    return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=-1)


def polar_jacobian(p: Any) -> np.ndarray:
    """The exact Jacobian of :func:`polar`, [[cos θ, −r sin θ], [sin θ, r cos θ]] (rows are the outputs x, y).

    >>> polar_jacobian(np.array([2.0, 0.0]))
    array([[1., 0.],
           [0., 2.]])
    """
    points = require_real_array("p", p)
    if points.shape != (2,):
        raise ValueError(f"p must be one point (r, θ) of shape (2,), got shape {points.shape}")
    r, theta = points
    return np.array([[np.cos(theta), -r * np.sin(theta)], [np.sin(theta), r * np.cos(theta)]]) + 0.0  # + 0.0: no −0


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
        points = self.points(x)
        return float_if_scalar(points[..., 0] ** 2 + (points[..., 1] ** 2 - 1) ** 2 / 4)

    def grad(self, x: np.ndarray) -> np.ndarray:
        """(2x, y³ − y), shape ``(..., 2)``."""
        points = self.points(x)
        return np.stack([2 * points[..., 0], points[..., 1] ** 3 - points[..., 1]], axis=-1)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """[[2, 0], [0, 3y² − 1]], shape ``(..., 2, 2)``."""
        points = self.points(x)
        zero = np.zeros_like(points[..., 0])
        rows = [np.stack([zero + 2, zero], axis=-1), np.stack([zero, 3 * points[..., 1] ** 2 - 1], axis=-1)]
        return np.stack(rows, axis=-2)


class SoftmaxRegression(Objective):
    """Mean cross-entropy of a linear softmax classifier, plus (l2/2)‖W‖²; the d×k weights W flattened to d·k.

    >>> f = SoftmaxRegression([[1.0, 0.0], [0.0, 1.0]], [0, 1], classes=2)
    >>> round(f(np.zeros(4)), 6)  # log 2: both classes equally likely
    0.693147
    """

    argument: ClassVar[str] = "w"

    def __init__(self, X: Any, y: Any, classes: int, l2: float = 0.0) -> None:
        self.X = design_matrix(X)
        labels = np.asarray(y)
        if labels.shape != (self.X.shape[0],) or not np.all(
            (labels == np.round(labels)) & (labels >= 0) & (labels < classes)
        ):
            raise ValueError(
                f"y must hold one integer label in 0..{classes - 1} per row of X, got shape {labels.shape}"
            )
        self.y = labels.astype(int)
        self.classes = int(classes)
        self.l2 = require_nonnegative("l2", require_real("l2", l2))
        self.n, self.features = self.X.shape
        self.dim = self.features * self.classes

    def __repr__(self) -> str:
        return f"SoftmaxRegression(n={self.n}, features={self.features}, classes={self.classes}, l2={self.l2:g})"

    def weights(self, w: Any) -> np.ndarray:
        """The flat parameters as weight matrices, shape ``(..., features, classes)``."""
        return self.points(w).reshape(*np.shape(w)[:-1], self.features, self.classes)

    def scores(self, w: Any, X: np.ndarray | None = None) -> np.ndarray:
        """The class scores X W of every row (the training rows by default), shape ``(..., rows, classes)``."""
        return (self.X if X is None else np.asarray(X, dtype=float)) @ self.weights(w)

    def value(self, w: np.ndarray) -> np.ndarray | float:
        """Mean of −log softmax(z)_y (= log Σⱼ e^(zⱼ) − z_y) over the rows, plus (l2/2)‖W‖²; shape ``(...)``."""
        scores = self.scores(w)
        picked = np.take_along_axis(
            log_softmax(scores), np.broadcast_to(self.y[:, None], scores.shape[:-1] + (1,)), axis=-1
        )
        loss = -np.mean(picked[..., 0], axis=-1)
        return float_if_scalar(loss + 0.5 * self.l2 * np.sum(self.points(w) ** 2, axis=-1))

    def grad(self, w: np.ndarray) -> np.ndarray:
        """Xᵀ(softmax(X W) − onehot(y)) / n + l2 W, flattened: shape ``(..., dim)``."""
        weights = self.weights(w)
        with np.errstate(over="ignore", invalid="ignore"):
            signal = softmax(self.X @ weights) - np.eye(self.classes)[self.y]  # (..., n, classes)
            data_part = (np.swapaxes(self.X, -1, -2) @ signal / self.n).reshape(*weights.shape[:-2], self.dim)
            return data_part + self.l2 * self.points(w)
