"""Gradient noise and mini-batches: stochastic gradients of finite-sum objectives f(w) = (1/n) Σᵢ fᵢ(w), their
variance, the noise ball of constant-step SGD, mini-batch training by epochs, the gradient noise scale and the
batch-size trade-off it sets, and gradient accumulation over micro-batches.

The objectives are the models of :mod:`book.functions` (``LeastSquares``, ``LogisticRegression``,
``SoftmaxRegression``). Every random draw comes from a ``numpy.random.Generator`` built from a seed, and a leading
axis of ``runs`` (many independent chains at once) costs one numpy call per step.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from book._validate import require_choice, require_count, require_positive
from book.functions import LeastSquares, LogisticRegression, Objective, SoftmaxRegression
from book.numerics import float_if_scalar, sigmoid, softmax
from book.optim import Optimizer, run, sgd

__all__ = [
    "SCHEMES",
    "minibatch_gradient",
    "example_gradients",
    "gradient_covariance",
    "minibatch_variance",
    "sample_batch",
    "minibatch_draws",
    "running_mean",
    "measured_variance",
    "batches",
    "stochastic_gradient",
    "noise_ball",
    "additive_noise_ball",
    "mean_square_limit",
    "noise_ball_slope",
    "settled_distance",
    "stationary_distance",
    "train",
    "accuracy",
    "noise_scale",
    "batch_size_tradeoff",
    "accumulated_gradient",
    "micro_batch_costs",
]


SCHEMES = ("shuffle", "replace")
"""How an epoch visits the data: a fresh permutation each epoch, or independent draws with replacement."""


def _batch_size(batch_size: Any, n: int | None = None) -> int:
    """``batch_size`` as an integer >= 1, and at most ``n`` when given (a batch that cannot repeat a row), else
    raise."""
    if n is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or not 1 <= batch_size <= n
    ):
        raise ValueError(f"batch_size must be an integer between 1 and n = {n}, got {batch_size!r}")
    return require_count("batch_size", batch_size, minimum=1)


def _residuals(f: Objective, scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """∂ loss / ∂ score for each example: the error signal every linear model multiplies by its input row."""
    if isinstance(f, LeastSquares):
        return scores - targets
    if isinstance(f, LogisticRegression):
        return sigmoid(scores) - targets
    return softmax(scores) - np.eye(f.classes)[targets]


def minibatch_gradient(f: Objective, w: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """(1/B) Σ_{i in batch} ∇fᵢ(w) for the rows ``indices`` (shape ``(..., B)``, one batch per point w ``(..., dim)``).

    >>> f = LeastSquares([[1.0], [2.0], [3.0]], [1.0, 1.0, 1.0])
    >>> minibatch_gradient(f, np.array([1.0]), np.array([1, 2]))  # (2·(2 − 1) + 3·(3 − 1)) / 2
    array([4.])
    """
    if not isinstance(f, (LeastSquares, LogisticRegression, SoftmaxRegression)):
        raise ValueError(
            f"f must be a LeastSquares, LogisticRegression or SoftmaxRegression objective, got {type(f).__name__}"
        )
    indices = np.asarray(indices)
    rows = f.X[indices]  # (..., B, features)
    with np.errstate(over="ignore", invalid="ignore"):
        if isinstance(f, SoftmaxRegression):
            weights = f.weights(w)
            signal = _residuals(f, rows @ weights, f.y[indices])  # (..., B, classes)
            data_part = (np.swapaxes(rows, -1, -2) @ signal / indices.shape[-1]).reshape(*weights.shape[:-2], f.dim)
        else:
            points = f.points(w)
            signal = _residuals(f, np.einsum("...bd,...d->...b", rows, points), f.y[indices])
            data_part = np.einsum("...b,...bd->...d", signal, rows) / indices.shape[-1]
        return data_part + getattr(f, "l2", 0.0) * f.points(w)


def example_gradients(f: Objective, w: np.ndarray) -> np.ndarray:
    """∇fᵢ(w) for every example i (each a batch of one), shape ``(n, dim)``."""
    w = f.points(w)
    return minibatch_gradient(f, np.broadcast_to(w, (f.n, w.size)), np.arange(f.n)[:, None])


def gradient_covariance(f: Objective, w: np.ndarray) -> np.ndarray:
    """Σ = (1/n) Σᵢ (∇fᵢ − ∇f)(∇fᵢ − ∇f)ᵀ at w: the covariance of one uniformly drawn example's gradient."""
    deviations = example_gradients(f, w) - f.grad(w)
    return deviations.T @ deviations / f.n


def minibatch_variance(f: Objective, w: np.ndarray, batch_size: int, replace: bool = True) -> float:
    """E‖g_B − ∇f(w)‖² in theory: tr Σ / B with replacement, times (n − B)/(n − 1) without."""
    batch_size = _batch_size(batch_size, f.n)
    variance = float(np.trace(gradient_covariance(f, w))) / batch_size
    if replace:
        return variance
    return 0.0 if batch_size == f.n else variance * (f.n - batch_size) / (f.n - 1)


def sample_batch(
    n: int, batch_size: int, rng: np.random.Generator, replace: bool = True, runs: tuple = ()
) -> np.ndarray:
    """Indices of one mini-batch per run, shape ``(*runs, batch_size)``: uniform draws, with or without replacement.

    >>> sample_batch(10, 3, np.random.default_rng(0), replace=False, runs=(2,)).shape
    (2, 3)
    """
    batch_size = _batch_size(batch_size, None if replace else n)
    if replace:
        return rng.integers(0, n, size=(*runs, batch_size))
    return np.argsort(rng.random((*runs, n)), axis=-1)[..., :batch_size]


def minibatch_draws(
    f: Objective, w: np.ndarray, batch_size: int, draws: int, seed: int, replace: bool = True
) -> np.ndarray:
    """``draws`` independent seeded mini-batch gradients at w, shape ``(draws, dim)``."""
    indices = sample_batch(f.n, batch_size, np.random.default_rng(seed), replace, runs=(draws,))
    return minibatch_gradient(f, np.broadcast_to(f.points(w), (draws, f.dim)), indices)


def running_mean(samples: np.ndarray) -> np.ndarray:
    """The mean of the first k samples for every k = 1, 2, ...: shape like ``samples``.

    >>> running_mean(np.array([2.0, 4.0, 0.0]))
    array([2., 3., 2.])
    """
    samples = np.asarray(samples, dtype=float)
    counts = np.arange(1, samples.shape[0] + 1).reshape(-1, *([1] * (samples.ndim - 1)))
    return np.cumsum(samples, axis=0) / counts


def measured_variance(
    f: Objective, w: np.ndarray, batch_size: int, draws: int, seed: int, replace: bool = True
) -> float:
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


def stochastic_gradient(
    f: Objective, batch_size: int, seed: int, scheme: str = "shuffle", runs: tuple = ()
) -> Callable:
    """A gradient function for :func:`book.optim.run` that answers each call with the next mini-batch's gradient."""
    _batch_size(batch_size, f.n)
    stream = batches(f.n, batch_size, seed, scheme, runs)
    return lambda w: minibatch_gradient(f, w, next(stream))


def _second_moment_map(f: LeastSquares, lr: float, batch_size: int) -> np.ndarray:
    """The d²×d² matrix M of one SGD step on the error's second moment: vec C_{t+1} = M vec C_t + η² vec Σ*/B.

    With e = w − w* and B examples drawn with replacement, the step is e ← (I − ηH)e − ηξ, and the noise ξ given e has
    covariance (1/B)[(1/n) Σᵢ xᵢxᵢᵀ e eᵀ xᵢxᵢᵀ − H e eᵀ H + Σ*] (the mean of e is 0 once settled): it grows with ‖e‖.
    """
    lr = require_positive("lr", lr)
    batch_size = _batch_size(batch_size)
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
        raise ValueError(
            f"lr must be below the mean-square limit {mean_square_limit(f, batch_size):.4g} for batch_size "
            f"{batch_size}, got {lr!r}: E‖w − w*‖² grows without bound"
        )
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
    if not isinstance(f, LeastSquares):
        raise ValueError(f"f must be a LeastSquares objective, got {type(f).__name__}")
    low, high = 0.0, 2 / float(np.linalg.eigvalsh(f.gram)[-1])
    while high - low > tol:
        middle = (low + high) / 2
        low, high = (middle, high) if _growth(f, middle, batch_size) < 1 else (low, middle)
    return low


def noise_ball_slope(f: LeastSquares) -> float:
    """½ tr(H⁻¹Σ*), the constant c in noise_ball(f, η, B) ≈ c·η/B for small η (both models agree there)."""
    return 0.5 * float(np.trace(np.linalg.solve(f.gram, gradient_covariance(f, f.minimizer))))


def settled_distance(f: LeastSquares, optimizer: Optimizer, batch_size: int, steps: int, runs: int, seed: int) -> float:
    """E‖w − w*‖² of ``optimizer`` on mini-batch gradients (drawn with replacement) of least squares, measured: ``runs``
    seeded chains from w*, averaged over chains and their last half of steps."""
    runs = require_count("runs", runs, minimum=1)
    start = np.broadcast_to(f.minimizer, (runs, f.dim))
    gradient = stochastic_gradient(f, batch_size, seed, "replace", runs=(runs,))
    trajectory = run(optimizer, gradient, start, require_count("steps", steps, minimum=2))
    return float(np.mean(np.sum((trajectory.x[steps // 2 :] - f.minimizer) ** 2, axis=-1)))


def stationary_distance(f: LeastSquares, lr: float, batch_size: int, steps: int, runs: int, seed: int) -> float:
    """:func:`settled_distance` of plain SGD with learning rate ``lr``: constant-step SGD's measured noise ball."""
    return settled_distance(f, sgd(lr), batch_size, steps, runs, seed)


def train(
    f: Objective,
    w0: np.ndarray,
    lr: float | Callable,
    batch_size: int,
    epochs: int,
    seed: int,
    scheme: str = "shuffle",
    progress: Callable[[int], Any] | None = None,
) -> np.ndarray:
    """Mini-batch SGD for ``epochs`` epochs; returns the weights at the start and after every epoch, ``(epochs + 1,
    dim)``.

    ``progress(epoch)`` is called after each epoch (a progress bar). A schedule's t counts steps from the first.
    """
    steps_per_epoch = -(-f.n // batch_size)

    def end_of_epoch(t: int, w: np.ndarray) -> None:
        if progress is not None and t % steps_per_epoch == 0:
            progress(t // steps_per_epoch)

    gradient = stochastic_gradient(f, batch_size, seed, scheme)
    trajectory = run(sgd(lr), gradient, f.points(w0), epochs * steps_per_epoch, callback=end_of_epoch)
    return trajectory.x[::steps_per_epoch]


def accuracy(f: SoftmaxRegression, w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray | float:
    """The fraction of rows of X whose highest-scoring class is the label y, shape ``(...)`` for weights ``(...,
    dim)``."""
    predictions = np.argmax(f.scores(w, X), axis=-1)
    return float_if_scalar(np.mean(predictions == np.asarray(y), axis=-1))


def noise_scale(example_gradients: Any) -> dict[str, float]:
    """The simple gradient noise scale B_simple = tr(Σ)/‖G‖² (McCandlish et al. 2018) from ``example_gradients``, one
    flattened per-example gradient per row (n ≥ 2 rows): tr(Σ) is the sum of the coordinates' sample variances, and
    ‖G‖² the unbiased ‖ḡ‖² − tr(Σ)/n (the mean's own noise removed; it can come out ≤ 0 when the noise swamps the
    mean of too few rows, and then B_simple means nothing).

    >>> noise_scale([[1.0, 0.0], [3.0, 0.0]])
    {'trace': 2.0, 'squared_norm': 3.0, 'b_simple': 0.6666666666666666}
    """
    g = np.asarray(example_gradients, dtype=float)
    if g.ndim != 2 or g.shape[0] < 2:
        raise ValueError(
            f"example_gradients must be a 2-D array with one gradient per row and at least 2 rows, got shape {g.shape}"
        )
    n = g.shape[0]
    mean = g.mean(axis=0)
    trace = float(((g - mean) ** 2).sum() / (n - 1))
    squared_norm = float(mean @ mean - trace / n)
    return {"trace": trace, "squared_norm": squared_norm, "b_simple": trace / squared_norm}


def batch_size_tradeoff(batch_size: Any, b_noise: float) -> dict[str, Any]:
    """McCandlish et al.'s model of steps and examples to reach a given loss with batch size B: S/S_min = 1 + B_noise/B
    and E/E_min = 1 + B/B_noise, so (S/S_min − 1)(E/E_min − 1) = 1 and B = B_noise costs twice the minimum of both.

    >>> batch_size_tradeoff(10, 10)
    {'steps': 2.0, 'examples': 2.0}
    """
    b = np.asarray(batch_size, dtype=float)
    if np.any(~(b > 0)):
        raise ValueError(f"batch_size must be positive, got {batch_size!r}")
    noise = require_positive("b_noise", b_noise)
    steps, examples = 1 + noise / b, 1 + b / noise
    return {
        "steps": float(steps) if steps.ndim == 0 else steps,
        "examples": float(examples) if b.ndim == 0 else examples,
    }


def accumulated_gradient(
    grad_fn: Callable, parameters: Any, inputs: np.ndarray, targets: np.ndarray, micro_batches: int
) -> dict[str, np.ndarray]:
    """The mean-loss gradient over the whole batch, from ``micro_batches`` slices: Σ (n_i / n) grad_fn(slice i)."""
    count = require_count("micro_batches", micro_batches, 1)
    if count > len(inputs):
        raise ValueError(f"micro_batches must be at most the batch size {len(inputs)}, got {micro_batches!r}")
    total: dict[str, np.ndarray] = {}
    for rows in np.array_split(np.arange(len(inputs)), count):
        part = grad_fn(parameters, inputs[rows], targets[rows])
        for name, g in part.items():
            total[name] = total.get(name, 0.0) + len(rows) / len(inputs) * g
    return total


def micro_batch_costs(batch_size: int, micro_batches: int, floats_per_example: int) -> dict[str, int]:
    """What k micro-batches cost: activations stored at once (floats), forward-backward passes in sequence, examples."""
    batch, count = require_count("batch_size", batch_size, 1), require_count("micro_batches", micro_batches, 1)
    per_example = require_count("floats_per_example", floats_per_example, 1)
    largest = -(-batch // count)
    return {"stored_activations": largest * per_example, "passes": count, "examples": batch}
