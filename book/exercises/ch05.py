"""Checkers for Chapter 5's exercises (stochastic and mini-batch gradient descent): ``check.sgd_epoch(sgd_epoch)``.

The loss is least squares with one term per example, fᵢ(w) = ½ (xᵢᵀw − yᵢ)², and every reference answer comes
from :mod:`book.noise` and :mod:`book.optim`, the code the chapter runs.
"""

from __future__ import annotations

import numpy as np

from book import noise, schedules
from book.checks import Case, Mistake, Result, check_function, close_to, frozen, generated
from book.functions import LeastSquares
from book.optim import run, sgd

TIGHT = close_to(rtol=1e-9, atol=1e-12)

_rng = np.random.default_rng(5)
_X = frozen(np.column_stack([np.ones(6), _rng.standard_normal(6)]))
_Y = frozen(_X @ np.array([2.0, -1.0]) + 0.5 * _rng.standard_normal(6))
_X10 = frozen(np.column_stack([np.ones(10), _rng.standard_normal((10, 2))]))
_Y10 = frozen(_X10 @ np.array([1.0, 0.5, -2.0]) + _rng.standard_normal(10))
_W = frozen([0.5, 0.3])
_W10 = frozen([0.0, 1.0, -1.0])

_DATA6 = "the 6 examples of X (6 × 2), y"
_DATA10 = "the 10 examples of X (10 × 3), y"


def _data(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """n examples of d features drawn by the checker (a column of ones first), targets, a weight vector, and a label."""
    d = int(rng.integers(1, 4))
    X = np.round(np.column_stack([np.ones(n), rng.standard_normal((n, d - 1)) * 10.0 ** rng.uniform(-1, 1)]), 2)
    y, w = np.round(3 * rng.standard_normal(n), 2), np.round(rng.standard_normal(d), 2)
    return X, y, w, f"X {n}×{d}, y drawn by the checker, w = {np.array2string(w, separator=', ')}"


def _draw_batch(rng: np.random.Generator) -> Case:
    n = int(rng.integers(1, 20))
    X, y, w, label = _data(rng, n)
    indices = rng.integers(0, n, int(rng.integers(1, 2 * n + 1)))
    indices[0] = n - 1  # the last row, always: an off-by-one in the indices shows
    return Case((X, y, w, indices), f"{label}, indices = {np.array2string(indices, separator=', ')}")


def _gradient(X, y, w, indices) -> np.ndarray:
    return noise.minibatch_gradient(LeastSquares(X, y), w, np.asarray(indices))


# --- Exercise 1: a mini-batch gradient ------------------------------------------------------------------------


def minibatch_gradient(learner) -> Result:
    """Exercise 5.1: (1/B) Σ_{i in batch} (xᵢᵀw − yᵢ) xᵢ for the rows ``indices`` (repeats count twice)."""
    return check_function(
        learner,
        _gradient,
        [
            Case((_X, _Y, _W, np.array([0, 3, 4])), f"{_DATA6}, w = [0.5, 0.3], indices = [0, 3, 4]"),
            Case((_X, _Y, _W, np.array([2, 2, 5])), f"{_DATA6}, w = [0.5, 0.3], indices = [2, 2, 5] (example 2 twice)"),
            Case((_X10, _Y10, _W10, np.array([7])), f"{_DATA10}, w = [0, 1, -1], indices = [7]"),
            *generated(_draw_batch, seed=51),
        ],
        mistakes=[
            Mistake(
                lambda X, y, w, idx: X[idx].T @ (X[idx] @ w - y[idx]) / len(y),
                "divide by the batch size B = len(indices), not by n: the mini-batch gradient is an average over the "
                "batch.",
            ),
            Mistake(
                lambda X, y, w, idx: X[idx].T @ (X[idx] @ w - y[idx]),
                "average over the batch: divide the sum by B = len(indices).",
            ),
            Mistake(
                lambda X, y, w, idx: X.T @ (X @ w - y) / len(y),
                "that is the full gradient: use only the rows in the batch, X[indices] and y[indices].",
            ),
            Mistake(
                lambda X, y, w, idx: X[idx].T @ (y[idx] - X[idx] @ w) / len(idx),
                "the sign is flipped: the residual is xᵢᵀw − yᵢ (prediction minus target).",
            ),
            Mistake(
                lambda X, y, w, idx: _gradient(X, y, w, np.unique(idx)),
                "an index that appears twice counts twice: do not remove repeats (np.unique) from the batch.",
            ),
        ],
        hint="take the batch's rows Xb = X[indices] and targets yb = y[indices]; the answer is Xbᵀ(Xb w − yb) / B.",
        compare=TIGHT,
        name="minibatch_gradient",
    )


# --- Exercise 2: unbiased, by enumeration ---------------------------------------------------------------------


def _full_gradient(X, y, w, batch_size) -> np.ndarray:
    return LeastSquares(X, y).grad(w)


def _draw_enumeration(rng: np.random.Generator) -> Case:
    n, B = int(rng.integers(1, 6)), int(rng.integers(1, 4))  # at most 5³ = 125 batches
    X, y, w, label = _data(rng, n)
    return Case((X, y, w, B), f"{label}, batch_size = {B}")


def expected_minibatch_gradient(learner) -> Result:
    """Exercise 5.2: the average of g_B over all n^B equally likely batches drawn with replacement, which is ∇f(w)."""
    return check_function(
        learner,
        _full_gradient,
        [
            Case((_X, _Y, _W, 1), f"{_DATA6}, w = [0.5, 0.3], batch_size = 1"),
            Case((_X, _Y, _W, 2), f"{_DATA6}, w = [0.5, 0.3], batch_size = 2"),
            Case((_X[:4], _Y[:4], _W, 3), "the first 4 examples, w = [0.5, 0.3], batch_size = 3"),
            *generated(_draw_enumeration, seed=52),
        ],
        mistakes=[
            Mistake(
                lambda X, y, w, B: B * _full_gradient(X, y, w, B),
                "each batch's gradient is an average: divide its sum over the batch by B.",
            ),
            Mistake(
                lambda X, y, w, B: len(y) ** B * _full_gradient(X, y, w, B),
                "average over the batches: divide the total by their number, n ** B.",
            ),
            Mistake(
                lambda X, y, w, B: _gradient(X, y, w, np.arange(B)),
                "that is one batch, the first B examples; average over every batch (itertools.product(range(n), "
                "repeat=B)).",
            ),
        ],
        hint="loop over itertools.product(range(n), repeat=batch_size), average the mini-batch gradients, and "
        "compare with Xᵀ(Xw − y)/n.",
        compare=TIGHT,
        name="expected_minibatch_gradient",
    )


# --- Exercise 3: the variance of a mini-batch gradient --------------------------------------------------------


def _variance(X, y, w, batch_size, replace) -> float:
    return noise.minibatch_variance(LeastSquares(X, y), w, batch_size, replace)


def _sigma2(X, y, w) -> float:
    gradients = (X @ w - y)[:, None] * X
    return float(np.mean(np.sum((gradients - gradients.mean(axis=0)) ** 2, axis=1)))


def _draw_variance(rng: np.random.Generator) -> Case:
    n = int(rng.integers(2, 30))
    X, y, w, label = _data(rng, n)
    B, replace = int(rng.integers(1, n + 1)), bool(rng.random() < 0.5)
    return Case((X, y, w, B, replace), f"{label}, batch_size = {B}, replace = {replace}")


def minibatch_variance(learner) -> Result:
    """Exercise 5.3: E‖g_B − ∇f‖² = σ²/B with replacement, σ²/B · (n − B)/(n − 1) without."""
    return check_function(
        learner,
        _variance,
        [
            Case((_X, _Y, _W, 1, True), f"{_DATA6}, w = [0.5, 0.3], batch_size = 1, replace = True"),
            Case((_X, _Y, _W, 3, True), f"{_DATA6}, w = [0.5, 0.3], batch_size = 3, replace = True"),
            Case((_X, _Y, _W, 3, False), f"{_DATA6}, w = [0.5, 0.3], batch_size = 3, replace = False"),
            Case((_X10, _Y10, _W10, 10, False), f"{_DATA10}, w = [0, 1, -1], batch_size = 10, replace = False"),
            Case((_X10, _Y10, _W10, 1, False), f"{_DATA10}, w = [0, 1, -1], batch_size = 1, replace = False"),
            *generated(_draw_variance, seed=53),
        ],
        mistakes=[
            Mistake(
                lambda X, y, w, B, r: _sigma2(X, y, w),
                "that is σ², the variance of one example's gradient; a batch of B independent draws has σ²/B.",
            ),
            Mistake(
                lambda X, y, w, B, r: _sigma2(X, y, w) / B,
                "without replacement the draws are not independent: multiply by (n − B)/(n − 1).",
            ),
            Mistake(
                lambda X, y, w, B, r: _sigma2(X, y, w) / B * (len(y) - B) / (len(y) - 1),
                "with replacement the draws are independent and the variance is σ²/B: apply (n − B)/(n − 1) only "
                "when replace is False.",
            ),
            Mistake(
                lambda X, y, w, B, r: _sigma2(X, y, w) / B * ((len(y) - B) / len(y) if not r else 1),
                "the finite-population correction is (n − B)/(n − 1), not (n − B)/n.",
            ),
            Mistake(
                lambda X, y, w, B, r: (
                    float(np.mean(np.sum(((X @ w - y)[:, None] * X) ** 2, axis=1)))
                    / B
                    * (1 if r else (len(y) - B) / (len(y) - 1))
                ),
                "σ² is the mean squared distance from the full gradient: subtract ∇f from each example's gradient "
                "before squaring.",
            ),
        ],
        hint="σ² = mean over i of ‖∇fᵢ(w) − ∇f(w)‖² with ∇fᵢ(w) = (xᵢᵀw − yᵢ) xᵢ; return σ²/B, times (n − B)/(n − 1) "
        "when replace is False.",
        compare=TIGHT,
        name="minibatch_variance",
    )


# --- Exercise 4: one epoch of SGD with shuffling --------------------------------------------------------------


def _epoch(X, y, w, lr, batch_size, seed, order=None) -> np.ndarray:
    """One epoch through ``order`` (a seeded permutation by default) in consecutive batches, each one an sgd step."""
    order = np.random.default_rng(seed).permutation(len(y)) if order is None else order
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    objective, stream = LeastSquares(X, y), iter(batches)
    return run(sgd(lr), lambda v: noise.minibatch_gradient(objective, v, next(stream)), w, len(batches)).x[-1]


def _epoch_with_replacement(X, y, w, lr, batch_size, seed) -> np.ndarray:
    n = len(y)
    return _epoch(
        X, y, w, lr, batch_size, seed, np.random.default_rng(seed).integers(0, n, size=-(-n // batch_size) * batch_size)
    )


def _epoch_dropping_last(X, y, w, lr, batch_size, seed) -> np.ndarray:
    n = len(y)
    return _epoch(X, y, w, lr, batch_size, seed, np.random.default_rng(seed).permutation(n)[: n - n % batch_size])


def _epoch_frozen_gradient(X, y, w, lr, batch_size, seed) -> np.ndarray:
    order, w = np.random.default_rng(seed).permutation(len(y)), np.array(w, dtype=float)
    steps = [order[start : start + batch_size] for start in range(0, len(y), batch_size)]
    return w - lr * sum(_gradient(X, y, w, batch) for batch in steps)


def _full_steps(X, y, w, lr, batch_size) -> np.ndarray:
    """⌈n/B⌉ steps of full-batch gradient descent: an epoch that ignored the batches."""
    objective = LeastSquares(X, y)
    return run(sgd(lr), objective.grad, w, -(-len(y) // batch_size)).x[-1]


def _draw_epoch(rng: np.random.Generator) -> Case:
    n = int(rng.integers(2, 25))
    X, y, w, label = _data(rng, n)
    B, seed = int(rng.integers(1, n + 1)), int(rng.integers(0, 1000))
    lr = float(f"{rng.uniform(0.05, 0.9) / np.max(np.sum(X**2, axis=1)):.3g}")
    return Case((X, y, w, lr, B, seed), f"{label}, lr = {lr:g}, batch_size = {B}, seed = {seed}")


def sgd_epoch(learner) -> Result:
    """Exercise 5.4: one epoch of mini-batch SGD over a seeded permutation, in consecutive batches of batch_size."""
    return check_function(
        learner,
        _epoch,
        [
            Case((_X10, _Y10, _W10, 0.1, 5, 0), f"{_DATA10}, w = [0, 1, -1], lr = 0.1, batch_size = 5, seed = 0"),
            Case(
                (_X10, _Y10, _W10, 0.05, 3, 1),
                f"{_DATA10}, w = [0, 1, -1], lr = 0.05, batch_size = 3 (last batch of 1), seed = 1",
            ),
            Case((_X, _Y, _W, 0.2, 1, 2), f"{_DATA6}, w = [0.5, 0.3], lr = 0.2, batch_size = 1, seed = 2"),
            Case(
                (_X, _Y, _W, 0.2, 6, 3),
                f"{_DATA6}, w = [0.5, 0.3], lr = 0.2, batch_size = 6 (one batch, the whole set), seed = 3",
            ),
            *generated(_draw_epoch, seed=54),
        ],
        mistakes=[
            Mistake(
                lambda X, y, w, lr, B, seed: _epoch(X, y, w, lr, B, seed, np.arange(len(y))),
                "shuffle first: order = np.random.default_rng(seed).permutation(n), then take the batches in that "
                "order.",
            ),
            Mistake(
                _epoch_with_replacement,
                "an epoch with shuffling uses every example once: cut a permutation into batches instead of drawing "
                "indices with replacement.",
            ),
            Mistake(
                _epoch_dropping_last,
                "keep the last, smaller batch when B does not divide n: range(0, n, batch_size) gives its start too.",
            ),
            Mistake(
                _epoch_frozen_gradient,
                "recompute the gradient at the current w before every step: each step starts where the previous one "
                "ended.",
            ),
            Mistake(
                lambda X, y, w, lr, B, seed: _full_steps(X, y, w, lr, B),
                "each step uses only its own batch's gradient, not the full gradient.",
            ),
        ],
        hint="order = np.random.default_rng(seed).permutation(n); for start in range(0, n, batch_size): batch = "
        "order[start:start + batch_size]; w = w − lr · (mini-batch gradient on batch).",
        compare=TIGHT,
        name="sgd_epoch",
    )


# --- Exercise 5: a Robbins–Monro schedule ---------------------------------------------------------------------


_TIMES = frozen([0, 1, 10, 100, 1000, 10_000])


def _draw_times(rng: np.random.Generator) -> Case:
    t = np.sort(rng.integers(0, 10 ** int(rng.integers(1, 6)), int(rng.integers(1, 8))))
    lr0, tau = round(float(10.0 ** rng.uniform(-3, 0.5)), 4), float(rng.choice([1.0, 10.0, 50.0, 100.0, 1000.0]))
    return Case((t, lr0, tau), f"t = {np.array2string(t, separator=', ')}, lr0 = {lr0:g}, tau = {tau:g}")


def decaying_lr(learner) -> Result:
    """Exercise 5.5: η_t = lr0 / (1 + t/tau), with t = 0 the first step; vectorised over t."""
    return check_function(
        learner,
        lambda t, lr0, tau: schedules.inverse_time_decay(lr0, tau)(np.asarray(t, dtype=float)),
        [
            Case((0, 0.5, 10.0), "t = 0, lr0 = 0.5, tau = 10"),
            Case((_TIMES, 0.1, 100.0), "t = [0, 1, 10, 100, 1000, 10000], lr0 = 0.1, tau = 100"),
            Case((_TIMES, 2.0, 1.0), "t = [0, 1, 10, 100, 1000, 10000], lr0 = 2, tau = 1"),
            Case((64, 0.5, 64.0), "t = 64, lr0 = 0.5, tau = 64 (halved exactly)"),
            *generated(_draw_times, seed=55),
        ],
        mistakes=[
            Mistake(
                lambda t, lr0, tau: lr0 / (1 + (np.asarray(t) + 1) / tau),
                "t = 0 is the first step, and η₀ must be lr0: use 1 + t/tau, not 1 + (t + 1)/tau.",
            ),
            Mistake(
                lambda t, lr0, tau: lr0 / (1 + np.asarray(t) / tau) ** 2,
                "that decays like 1/t², so Σ ηₜ is finite and SGD may stop short of the minimum; decay like 1/t.",
            ),
            Mistake(
                lambda t, lr0, tau: lr0 / np.sqrt(1 + np.asarray(t) / tau),
                "that decays like 1/√t, so Σ ηₜ² diverges and the noise never dies out; decay like 1/t.",
            ),
            Mistake(
                lambda t, lr0, tau: lr0 * np.exp(-np.asarray(t) / tau),
                "an exponential decay has a finite Σ ηₜ: SGD may stop short of the minimum; decay like 1/t.",
            ),
            Mistake(
                lambda t, lr0, tau: lr0 / (1 + np.asarray(t) * tau),
                "divide t by tau: tau is the number of steps after which the rate has halved.",
            ),
        ],
        hint="η_t = lr0 / (1 + t / tau): η₀ = lr0, and the rate halves at t = tau.",
        compare=TIGHT,
        name="decaying_lr",
    )


# --- Exploration: the largest stable batch-1 learning rate ------------------------------------------------------

_SCALES = frozen([1.0, 1.5, 2.0, 3.0])  # example i has the single feature i, of size c_i: xᵢ = cᵢ eᵢ, yᵢ = cᵢ
_CHAINS, _CHAIN_STEPS = 2000, 200


def _mean_square_errors(lr: float) -> tuple[float, float]:
    """Mean over 2 000 seeded chains of ‖w_t − w*‖² after 100 and after 200 batch-1 SGD steps (with replacement) from
    w = 0."""
    rng = np.random.default_rng(2000)
    errors = np.full((_CHAINS, len(_SCALES)), -1.0)  # w − w* with w = 0 and w* = (1, 1, 1, 1)
    rows, means = np.arange(_CHAINS), []
    for _ in range(2):
        for _ in range(_CHAIN_STEPS // 2):
            i = rng.integers(0, len(_SCALES), _CHAINS)
            errors[rows, i] *= 1 - lr * _SCALES[i] ** 2  # the step on fᵢ(w) = ½(cᵢwᵢ − cᵢ)² moves coordinate i only
        means.append(float(np.mean(np.sum(errors**2, axis=1))))
    return means[0], means[1]


def _stable(lr: float) -> bool:
    """Whether the mean-square error stops growing: no larger after 200 steps than after 100."""
    halfway, end = _mean_square_errors(lr)
    return bool(np.isfinite(end) and end <= halfway)


def _largest_stable(got: np.ndarray, expected: np.ndarray) -> bool:
    return got.shape == () and float(got) > 0 and _stable(float(got)) and not _stable(1.1 * float(got))


def _stability_report(got: np.ndarray, expected: np.ndarray, label: str) -> str:
    lr = float(got)
    if not lr > 0:
        return f"For {label}, lr = {lr:g} is not a learning rate: expected a positive number."
    if not _stable(lr):
        halfway, end = _mean_square_errors(lr)
        if not np.isfinite(end):
            return (
                f"For {label}, lr = {lr:.6g}: in 2 000 chains of SGD the mean ‖w − w*‖² overflowed to infinity "
                f"within 200 steps; SGD is not stable at your rate."
            )
        return (
            f"For {label}, lr = {lr:.6g}: in 2 000 chains of SGD the mean ‖w − w*‖² grew from {halfway:.3g} after "
            f"100 steps to {end:.3g} after 200; SGD is not stable at your rate."
        )
    halfway, end = _mean_square_errors(1.1 * lr)
    return (
        f"For {label}, lr = {lr:.6g}: 2 000 chains stayed stable at your rate and still at 1.1× it, "
        f"{1.1 * lr:.6g} (mean ‖w − w*‖² {halfway:.3g} after 100 steps, {end:.3g} after 200): a larger rate works."
    )


def largest_sgd_lr(learner) -> Result:
    """Exploration 5: the largest batch-1 learning rate at which SGD on the four one-feature examples stays stable,
    judged by simulation: stable at the claim, unstable at 1.1× it."""
    return check_function(
        learner,
        lambda: float(2 / np.max(_SCALES) ** 2),
        [Case((), "your claim")],
        mistakes=[
            Mistake(
                lambda: float(2 / np.max(_SCALES**2 / len(_SCALES))),
                "2/λ_max of the full loss's Hessian is the limit for full-batch gradient descent; one example's step "
                "uses that example's curvature cᵢ², up to n times larger.",
            ),
            Mistake(
                lambda: float(1 / np.max(_SCALES) ** 2),
                "that rate is stable, but not the largest: a step on example i multiplies its error by 1 − ηcᵢ², "
                "which stays within [−1, 1] up to twice your rate.",
            ),
            Mistake(
                lambda: float(2 / np.mean(_SCALES**2)),
                "the average curvature does not protect the largest example: at your rate, each step on it "
                "multiplies its error by more than 1 in size.",
            ),
        ],
        hint="simulate: run many chains of batch-1 SGD at a rate, see whether the mean ‖w − w*‖² grows, and bisect "
        "between a stable and an unstable rate.",
        compare=_largest_stable,
        agree=close_to(rtol=1e-3, atol=0.0),
        describe=_stability_report,
        name="largest_sgd_lr",
    )
