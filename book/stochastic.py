"""Stochastic gradients of finite-sum objectives f(w) = (1/n) Σᵢ fᵢ(w): mini-batches, their variance, the noise
ball of constant-step SGD, and mini-batch training by epochs.

The objectives are the linear models of :mod:`book.functions` (``LeastSquares``, ``LogisticRegression``) and the
:class:`SoftmaxRegression` defined here. Every random draw comes from a ``numpy.random.Generator`` built from a
seed, and a leading axis of ``runs`` (many independent chains at once) costs one numpy call per step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np

from book._validate import require_choice, require_positive
from book.functions import LeastSquares, LogisticRegression, Objective, _design_matrix, _require_real, _scalar, sigmoid
from book.optim import run, sgd

__all__ = [
    "SoftmaxRegression",
    "sample_batch",
    "batches",
    "minibatch_gradient",
    "example_gradients",
    "gradient_covariance",
    "minibatch_variance",
    "minibatch_draws",
    "running_mean",
    "measured_variance",
    "stochastic_gradient",
    "noise_ball",
    "additive_noise_ball",
    "noise_ball_slope",
    "mean_square_limit",
    "stationary_distance",
    "train",
    "accuracy",
]

SCHEMES = ("shuffle", "replace")
"""How an epoch visits the data: a fresh permutation each epoch, or independent draws with replacement."""


class SoftmaxRegression(Objective):
    """Mean cross-entropy of a linear softmax classifier, plus (l2/2)‖W‖²; the d×k weights W flattened to d·k.

    >>> f = SoftmaxRegression([[1.0, 0.0], [0.0, 1.0]], [0, 1], classes=2)
    >>> round(f(np.zeros(4)), 6)  # log 2: both classes equally likely
    0.693147
    """

    argument: ClassVar[str] = "w"

    def __init__(self, X: Any, y: Any, classes: int, l2: float = 0.0) -> None:
        self.X = _design_matrix(X)
        labels = np.asarray(y)
        if labels.shape != (self.X.shape[0],) or not np.all((labels == np.round(labels)) & (labels >= 0) & (labels < classes)):
            raise ValueError(f"y must hold one integer label in 0..{classes - 1} per row of X, got shape {labels.shape}")
        self.y = labels.astype(int)
        self.classes = int(classes)
        self.l2 = _require_real("l2", l2, nonnegative=True)
        self.n, self.features = self.X.shape
        self.dim = self.features * self.classes

    def __repr__(self) -> str:
        return f"SoftmaxRegression(n={self.n}, features={self.features}, classes={self.classes}, l2={self.l2:g})"

    def weights(self, w: Any) -> np.ndarray:
        """The flat parameters as weight matrices, shape ``(..., features, classes)``."""
        return self._points(w).reshape(*np.shape(w)[:-1], self.features, self.classes)

    def scores(self, w: Any, X: np.ndarray | None = None) -> np.ndarray:
        """The class scores X W of every row (the training rows by default), shape ``(..., rows, classes)``."""
        return (self.X if X is None else np.asarray(X, dtype=float)) @ self.weights(w)

    def value(self, w: np.ndarray) -> np.ndarray | float:
        """Mean of log Σⱼ e^(zⱼ) − z_y over the rows, plus (l2/2)‖W‖²; shape ``(...)``."""
        scores = self.scores(w)
        picked = np.take_along_axis(scores, np.broadcast_to(self.y[:, None], scores.shape[:-1] + (1,)), axis=-1)[..., 0]
        loss = np.mean(np.logaddexp.reduce(scores, axis=-1) - picked, axis=-1)
        return _scalar(loss + 0.5 * self.l2 * np.sum(self._points(w) ** 2, axis=-1))

    def grad(self, w: np.ndarray) -> np.ndarray:
        """Xᵀ(softmax(X W) − onehot(y)) / n + l2 W, flattened: shape ``(..., dim)``."""
        return minibatch_gradient(self, w, np.arange(self.n))


def _residuals(f: Objective, scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """∂ loss / ∂ score for each example: the error signal every linear model multiplies by its input row."""
    if isinstance(f, LeastSquares):
        return scores - targets
    if isinstance(f, LogisticRegression):
        return sigmoid(scores) - targets
    probabilities = np.exp(scores - np.logaddexp.reduce(scores, axis=-1, keepdims=True))
    return probabilities - np.eye(f.classes)[targets]


def minibatch_gradient(f: Objective, w: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """(1/B) Σ_{i in batch} ∇fᵢ(w) for the rows ``indices`` (shape ``(..., B)``, one batch per point w ``(..., dim)``).

    >>> f = LeastSquares([[1.0], [2.0], [3.0]], [1.0, 1.0, 1.0])
    >>> minibatch_gradient(f, np.array([1.0]), np.array([1, 2]))  # (2·(2 − 1) + 3·(3 − 1)) / 2
    array([4.])
    """
    if not isinstance(f, (LeastSquares, LogisticRegression, SoftmaxRegression)):
        raise ValueError(f"f must be a LeastSquares, LogisticRegression or SoftmaxRegression objective, got {type(f).__name__}")
    indices = np.asarray(indices)
    rows = f.X[indices]  # (..., B, features)
    with np.errstate(over="ignore", invalid="ignore"):
        if isinstance(f, SoftmaxRegression):
            weights = f.weights(w)
            signal = _residuals(f, rows @ weights, f.y[indices])  # (..., B, classes)
            data_part = (np.swapaxes(rows, -1, -2) @ signal / indices.shape[-1]).reshape(*weights.shape[:-2], f.dim)
        else:
            points = f._points(w)
            signal = _residuals(f, np.einsum("...bd,...d->...b", rows, points), f.y[indices])
            data_part = np.einsum("...b,...bd->...d", signal, rows) / indices.shape[-1]
        return data_part + getattr(f, "l2", 0.0) * f._points(w)


def example_gradients(f: Objective, w: np.ndarray) -> np.ndarray:
    """∇fᵢ(w) for every example i (each a batch of one), shape ``(n, dim)``."""
    w = f._points(w)
    return minibatch_gradient(f, np.broadcast_to(w, (f.n, w.size)), np.arange(f.n)[:, None])


def gradient_covariance(f: Objective, w: np.ndarray) -> np.ndarray:
    """Σ = (1/n) Σᵢ (∇fᵢ − ∇f)(∇fᵢ − ∇f)ᵀ at w: the covariance of one uniformly drawn example's gradient."""
    deviations = example_gradients(f, w) - f.grad(w)
    return deviations.T @ deviations / f.n


def minibatch_variance(f: Objective, w: np.ndarray, batch_size: int, replace: bool = True) -> float:
    """E‖g_B − ∇f(w)‖² in theory: tr Σ / B with replacement, times (n − B)/(n − 1) without."""
    if not 1 <= batch_size <= f.n:
        raise ValueError(f"batch_size must be between 1 and n = {f.n}, got {batch_size!r}")
    variance = float(np.trace(gradient_covariance(f, w))) / batch_size
    if replace:
        return variance
    return 0.0 if batch_size == f.n else variance * (f.n - batch_size) / (f.n - 1)


def sample_batch(n: int, batch_size: int, rng: np.random.Generator, replace: bool = True, runs: tuple = ()) -> np.ndarray:
    """Indices of one mini-batch per run, shape ``(*runs, batch_size)``: uniform draws, with or without replacement.

    >>> sample_batch(10, 3, np.random.default_rng(0), replace=False, runs=(2,)).shape
    (2, 3)
    """
    if batch_size < 1 or (not replace and batch_size > n):
        raise ValueError(f"batch_size must be at least 1 (and at most n = {n} without replacement), got {batch_size!r}")
    if replace:
        return rng.integers(0, n, size=(*runs, batch_size))
    return np.argsort(rng.random((*runs, n)), axis=-1)[..., :batch_size]


def minibatch_draws(f: Objective, w: np.ndarray, batch_size: int, draws: int, seed: int, replace: bool = True) -> np.ndarray:
    """``draws`` independent seeded mini-batch gradients at w, shape ``(draws, dim)``."""
    indices = sample_batch(f.n, batch_size, np.random.default_rng(seed), replace, runs=(draws,))
    return minibatch_gradient(f, np.broadcast_to(f._points(w), (draws, f.dim)), indices)


def running_mean(samples: np.ndarray) -> np.ndarray:
    """The mean of the first k samples for every k = 1, 2, ...: shape like ``samples``.

    >>> running_mean(np.array([2.0, 4.0, 0.0]))
    array([2., 3., 2.])
    """
    samples = np.asarray(samples, dtype=float)
    counts = np.arange(1, samples.shape[0] + 1).reshape(-1, *([1] * (samples.ndim - 1)))
    return np.cumsum(samples, axis=0) / counts


def measured_variance(f: Objective, w: np.ndarray, batch_size: int, draws: int, seed: int, replace: bool = True) -> float:
    """The mean of ‖g_B − ∇f(w)‖² over ``draws`` seeded mini-batches: the variance, measured."""
    deviations = minibatch_draws(f, w, batch_size, draws, seed, replace) - f.grad(w)
    return float(np.mean(np.sum(deviations**2, axis=-1)))


def batches(n: int, batch_size: int, seed: int, scheme: str = "shuffle", runs: tuple = ()) -> Iterator[np.ndarray]:
    """An endless stream of index batches ``(*runs, ≤ batch_size)``, epoch after epoch.

    ``"shuffle"``: each epoch is a fresh permutation cut into consecutive batches (the last one smaller when B does
    not divide n), so every example is used exactly once per epoch. ``"replace"``: every batch is B independent
    uniform draws, and an epoch is the same number of batches, ⌈n / B⌉.

    >>> stream = batches(5, 2, seed=0)
    >>> [next(stream).tolist() for _ in range(3)]
    [[3, 2], [1, 0], [4]]
    """
    require_choice("scheme", scheme, SCHEMES)
    rng = np.random.default_rng(seed)
    while True:
        if scheme == "replace":
            for _ in range(-(-n // batch_size)):
                yield sample_batch(n, batch_size, rng, replace=True, runs=runs)
        else:
            order = np.argsort(rng.random((*runs, n)), axis=-1)
            for start in range(0, n, batch_size):
                yield order[..., start : start + batch_size]


def stochastic_gradient(f: Objective, batch_size: int, seed: int, scheme: str = "shuffle", runs: tuple = ()) -> Callable:
    """A gradient function for :func:`book.optim.run` that answers each call with the next mini-batch's gradient."""
    if not 1 <= batch_size <= f.n:
        raise ValueError(f"batch_size must be between 1 and n = {f.n}, got {batch_size!r}")
    stream = batches(f.n, batch_size, seed, scheme, runs)
    return lambda w: minibatch_gradient(f, w, next(stream))


def _second_moment_map(f: LeastSquares, lr: float, batch_size: int) -> np.ndarray:
    """The d²×d² matrix M of one SGD step on the error's second moment: vec C_{t+1} = M vec C_t + η² vec Σ*/B.

    With e = w − w* and B examples drawn with replacement, the step is e ← (I − ηH)e − ηξ, and the noise ξ given e has
    covariance (1/B)[(1/n) Σᵢ xᵢxᵢᵀ e eᵀ xᵢxᵢᵀ − H e eᵀ H + Σ*] (the mean of e is 0 once settled): it grows with ‖e‖.
    """
    lr = require_positive("lr", lr)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not isinstance(f, LeastSquares):
        raise ValueError(f"f must be a LeastSquares objective, got {type(f).__name__}")
    pull = np.eye(f.dim) - lr * f.gram
    outer = np.einsum("ni,nj->nij", f.X, f.X)  # xᵢxᵢᵀ
    fourth = np.einsum("nij,nkl->ikjl", outer, outer).reshape(f.dim**2, f.dim**2) / f.n  # (1/n) Σ xᵢxᵢᵀ ⊗ xᵢxᵢᵀ
    return np.kron(pull, pull) + lr**2 / batch_size * (fourth - np.kron(f.gram, f.gram))


def _growth(f: LeastSquares, lr: float, batch_size: int) -> float:
    """The spectral radius of :func:`_second_moment_map`: below 1 exactly when SGD's E‖w − w*‖² settles."""
    return float(np.max(np.abs(np.linalg.eigvals(_second_moment_map(f, lr, batch_size)))))


def noise_ball(f: LeastSquares, lr: float, batch_size: int) -> float:
    """Exact settled E‖w − w*‖² of constant-step SGD on least squares, batches drawn with replacement.

    The stationary second moment C solves C = M(C) + η² Σ*/B (:func:`_second_moment_map`), a d²×d² linear system;
    the answer is tr C. It exists only while SGD is mean-square stable (:func:`mean_square_limit`), which needs more
    than 0 < η < 2/L: the noise grows with the distance to w*.
    """
    moment_map = _second_moment_map(f, lr, batch_size)
    if _growth(f, lr, batch_size) >= 1:
        raise ValueError(f"lr must be below the mean-square limit {mean_square_limit(f, batch_size):.4g} for batch_size "
                         f"{batch_size}, got {lr!r}: E‖w − w*‖² grows without bound")
    kicks = lr**2 * gradient_covariance(f, f.minimizer).ravel() / batch_size
    moment = np.linalg.solve(np.eye(f.dim**2) - moment_map, kicks).reshape(f.dim, f.dim)
    return float(np.trace(moment))


def additive_noise_ball(f: LeastSquares, lr: float, batch_size: int) -> float:
    """E‖w − w*‖² of the additive-noise model: noise of fixed covariance Σ*/B, as if it did not grow with ‖w − w*‖.

    C = (I − ηH) C (I − ηH) + η² Σ*/B; in H's eigenbasis Cᵢⱼ = η² Sᵢⱼ / (1 − (1 − ηλᵢ)(1 − ηλⱼ)). It underestimates
    :func:`noise_ball` once η is not small.
    """
    eigenvalues, basis = np.linalg.eigh(f.gram)
    lr = require_positive("lr", lr)
    if lr >= 2 / eigenvalues[-1]:
        raise ValueError(f"lr must be below 2/L = {2 / eigenvalues[-1]:.4g} for the pull to contract, got {lr!r}")
    noise = basis.T @ gradient_covariance(f, f.minimizer) @ basis / batch_size
    contraction = 1 - lr * eigenvalues
    return float(np.trace(lr**2 * noise / (1 - np.outer(contraction, contraction))))


def mean_square_limit(f: LeastSquares, batch_size: int, tol: float = 1e-10) -> float:
    """The largest η at which SGD's E‖w − w*‖² on least squares still settles, by bisection below 2/L."""
    low, high = 0.0, 2 / float(np.linalg.eigvalsh(f.gram)[-1])
    while high - low > tol:
        middle = (low + high) / 2
        low, high = (middle, high) if _growth(f, middle, batch_size) < 1 else (low, middle)
    return low


def noise_ball_slope(f: LeastSquares) -> float:
    """½ tr(H⁻¹Σ*), the constant c in noise_ball(f, η, B) ≈ c·η/B for small η (both models agree there)."""
    return 0.5 * float(np.trace(np.linalg.solve(f.gram, gradient_covariance(f, f.minimizer))))


def stationary_distance(f: LeastSquares, lr: float, batch_size: int, steps: int, runs: int, seed: int) -> float:
    """E‖w − w*‖² measured: ``runs`` seeded SGD chains from w*, averaged over chains and their last half of steps."""
    start = np.broadcast_to(f.minimizer, (runs, f.dim))
    trajectory = run(sgd(lr), stochastic_gradient(f, batch_size, seed, "replace", runs=(runs,)), start, steps)
    return float(np.mean(np.sum((trajectory.x[steps // 2 :] - f.minimizer) ** 2, axis=-1)))


def train(f: Objective, w0: np.ndarray, lr: float | Callable, batch_size: int, epochs: int, seed: int,
          scheme: str = "shuffle", progress: Callable[[int], Any] | None = None) -> np.ndarray:
    """Mini-batch SGD for ``epochs`` epochs; returns the weights at the start and after every epoch, ``(epochs + 1, dim)``.

    ``progress(epoch)`` is called after each epoch (a progress bar). A schedule's t counts steps from the first.
    """
    steps_per_epoch = -(-f.n // batch_size)

    def end_of_epoch(t: int, w: np.ndarray) -> None:
        if progress is not None and t % steps_per_epoch == 0:
            progress(t // steps_per_epoch)

    gradient = stochastic_gradient(f, batch_size, seed, scheme)
    trajectory = run(sgd(lr), gradient, f._points(w0), epochs * steps_per_epoch, callback=end_of_epoch)
    return trajectory.x[::steps_per_epoch]


def accuracy(f: SoftmaxRegression, w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray | float:
    """The fraction of rows of X whose highest-scoring class is the label y, shape ``(...)`` for weights ``(..., dim)``."""
    predictions = np.argmax(f.scores(w, X), axis=-1)
    return _scalar(np.mean(predictions == np.asarray(y), axis=-1))
