"""Checkers for Chapter 10's exercises (training large models): ``check.clip_by_global_norm(clip_by_global_norm)``.

Every reference answer comes from :mod:`book.optim` and :mod:`book.scale`, the code the chapter runs.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from book import optim, scale
from book.checks import Case, Mistake, Result, check_function, close_to, frozen, generated
from book.exercises._claims import probed, same_side

TIGHT = close_to(rtol=1e-12, atol=1e-15)


def _show(values) -> str:
    return np.array2string(np.asarray(values), precision=3, separator=", ")


# --- Exercise 1: clipping by global norm -------------------------------------------------------------------------

_BIG = (frozen([3.0, 0.0, 0.0]), frozen([0.0, 4.0, 0.0]))
_SMALL = (frozen([0.1, -0.2, 0.05]), frozen([0.0, 0.3, -0.1]), frozen([0.2, 0.0, 0.0]))
_MIXED = (frozen([30.0, -1.0, 2.0]), frozen([0.5, 0.5, 0.5]))


def _per_array(grads, max_norm):
    return [optim.clip_by_global_norm(np.asarray(g), max_norm)[0] for g in grads]


def _always(grads, max_norm):
    norm = np.sqrt(sum(np.sum(np.square(g)) for g in grads))
    return [np.asarray(g) * max_norm / norm for g in grads]


def _sum_of_norms(grads, max_norm):
    norm = sum(np.linalg.norm(g) for g in grads)
    return [np.asarray(g) * min(1.0, max_norm / norm) for g in grads]


def _draw_gradients(rng: np.random.Generator) -> Case:
    shape = tuple(int(n) for n in rng.integers(1, 4, rng.integers(1, 3)))
    grads = [rng.normal(0, 10 ** rng.uniform(-2, 1.5), shape) for _ in range(rng.integers(1, 5))]
    max_norm = float(10 ** rng.uniform(-1, 1))
    return Case((grads, max_norm), f"grads = [{', '.join(_show(g) for g in grads)}], max_norm = {max_norm:.6g}")


def clip_by_global_norm(learner) -> Result:
    """Exercise 10.1: scale all gradients by min(1, max_norm / ‖g‖), ‖g‖ the norm of all of them together."""
    return check_function(
        learner,
        lambda grads, max_norm: optim.clip_by_global_norm(list(grads), max_norm)[0],
        [
            Case((list(_BIG), 1.0), "grads = [[3, 0, 0], [0, 4, 0]] (global norm 5), max_norm = 1"),
            Case((list(_SMALL), 1.0), "three small gradients (global norm about 0.45), max_norm = 1: nothing to clip"),
            Case((list(_MIXED), 2.0), "grads = [[30, -1, 2], [0.5, 0.5, 0.5]], max_norm = 2"),
            Case(
                (list(_BIG), 5.0),
                "grads = [[3, 0, 0], [0, 4, 0]], max_norm = 5 (exactly the global norm: nothing to clip)",
            ),
            *generated(_draw_gradients, seed=10),
        ],
        mistakes=[
            Mistake(
                _per_array,
                "clip all gradients together: one norm over every array (the square root of the sum of all squares), "
                "one factor for all; clipping each array by its own norm changes the direction.",
            ),
            Mistake(
                _always,
                "only scale down: when the norm is already below max_norm, leave the gradients unchanged (min(1, "
                "max_norm / norm)).",
            ),
            Mistake(
                _sum_of_norms,
                "the global norm is sqrt(Σ‖g_i‖²), not Σ‖g_i‖: square each array's norm, add, then take the root.",
            ),
        ],
        hint="norm = sqrt(sum of np.sum(g**2) over the arrays); factor = min(1, max_norm / norm); return [g * factor "
        "for g in grads].",
        compare=close_to(rtol=1e-5, atol=1e-12),  # with or without PyTorch's + 1e-6 in the denominator
        name="clip_by_global_norm",
    )


# --- Exercise 2: gradient accumulation ------------------------------------------------------------------------------

_RNG = np.random.default_rng(9)
_X10, _Y10, _W3 = frozen(_RNG.standard_normal((10, 3))), frozen(_RNG.standard_normal(10)), frozen([0.5, -1.0, 2.0])
_X7, _Y7 = frozen(_RNG.standard_normal((7, 3))), frozen(_RNG.standard_normal(7))


def _grad(w, x, y):
    return 2 * x.T @ (x @ w - y) / len(y)


def _accumulate(w, x, y, k, weights):
    chunks = np.array_split(np.arange(len(y)), k)
    return sum(weights(len(rows), len(y), k) * _grad(w, x[rows], y[rows]) for rows in chunks)


def _draw_examples(rng: np.random.Generator) -> Case:
    n, d = int(rng.integers(2, 31)), int(rng.integers(1, 6))
    w, x, y = rng.normal(0, 1, d), rng.normal(0, 1, (n, d)), rng.normal(0, 1, n)
    k = int(rng.integers(1, n + 1))
    sizes = sorted({len(rows) for rows in np.array_split(np.arange(n), k)}, reverse=True)
    return Case(
        (w, x, y, k),
        f"w = {_show(w)}, {n} examples of {d} features (X, y drawn from a normal distribution), "
        f"k = {k} micro-batches of {' or '.join(map(str, sizes))}",
    )


def accumulated_gradient(learner) -> Result:
    """Exercise 10.2: Σ_i (n_i / n) ∇ℓ_{B_i} over k micro-batches of ℓ = mean((Xw − y)²)."""
    return check_function(
        learner,
        lambda w, x, y, k: _accumulate(w, x, y, k, lambda n_i, n, k: n_i / n),
        [
            Case((_W3, _X10, _Y10, 2), "w = [0.5, -1, 2], 10 examples, k = 2 micro-batches of 5"),
            Case((_W3, _X10, _Y10, 3), "the same, k = 3 micro-batches of 4, 3, 3"),
            Case((_W3, _X7, _Y7, 4), "7 other examples, k = 4 micro-batches of 2, 2, 2, 1"),
            *generated(_draw_examples, seed=101),
        ],
        mistakes=[
            Mistake(
                lambda w, x, y, k: _accumulate(w, x, y, k, lambda n_i, n, k: 1 / k),
                "weight each micro-batch gradient by its share n_i / n of the examples: with unequal micro-batches, "
                "1/k is wrong.",
            ),
            Mistake(
                lambda w, x, y, k: _accumulate(w, x, y, k, lambda n_i, n, k: 1.0),
                "the micro-batch gradients are means over n_i examples: adding them gives k times too much; weight "
                "each by n_i / n.",
            ),
            Mistake(
                lambda w, x, y, k: _grad(
                    w, x[np.array_split(np.arange(len(y)), k)[-1]], y[np.array_split(np.arange(len(y)), k)[-1]]
                ),
                "add the gradients of all micro-batches; that is the last one alone (reset the sum once, before the "
                "loop).",
            ),
        ],
        hint="for rows in np.array_split(np.arange(n), k): total += len(rows) / n * 2 * X[rows].T @ (X[rows] @ w − "
        "y[rows]) / len(rows).",
        compare=close_to(rtol=1e-10, atol=1e-12),
        name="accumulated_gradient",
    )


# --- Exercise 3: memory of the training state ----------------------------------------------------------------------


def _gb(parameters, optimizer, precision, bytes_fn):
    return bytes_fn(optimizer, precision) * parameters / 1e9


def _no_master(optimizer, precision):
    return scale.bytes_per_parameter(optimizer, precision) - (4 if precision == "mixed" else 0)


def _no_gradients(optimizer, precision):
    return scale.bytes_per_parameter(optimizer, precision) - (2 if precision == "mixed" else 4)


def _draw_model(rng: np.random.Generator) -> Case:
    parameters = float(np.round(10 ** rng.uniform(6, 11.5), -5))
    optimizer, precision = str(rng.choice(["sgd", "momentum", "adam"])), str(rng.choice(["fp32", "mixed"]))
    return Case((parameters, optimizer, precision), f"{parameters:.4g} parameters, {optimizer}, {precision}")


def training_memory_gb(learner) -> Result:
    """Exercise 10.3: GB (10⁹ bytes) of weights, gradients, master weights and optimizer state."""
    return check_function(
        learner,
        lambda p, o, pr: scale.training_memory(p, o, pr)["total"] / 1e9,
        [
            Case((7e9, "adam", "mixed"), "7e9 parameters, adam, mixed"),
            Case((1e9, "momentum", "fp32"), "1e9 parameters, momentum, fp32"),
            Case((350e6, "sgd", "mixed"), "350e6 parameters, sgd, mixed"),
            Case((13e9, "adam", "fp32"), "13e9 parameters, adam, fp32"),
            *generated(_draw_model, seed=102),
        ],
        mistakes=[
            Mistake(
                lambda p, o, pr: _gb(p, o, pr, _no_master),
                "mixed precision keeps an fp32 master copy of the weights as well: 4 more bytes per parameter.",
            ),
            Mistake(
                lambda p, o, pr: _gb(p, o, pr, _no_gradients),
                "count the gradients too: one number per parameter, in the weights' precision.",
            ),
            Mistake(
                lambda p, o, pr: scale.training_memory(p, o, pr)["total"] / 2**30,
                "the answer is in GB = 10⁹ bytes, not GiB = 2³⁰ bytes.",
            ),
        ],
        hint="bytes per parameter = weights + gradients (4 + 4 in fp32, 2 + 2 mixed) + master (4 if mixed) + 4 per "
        "optimizer slot (sgd 0, momentum 1, adam 2).",
        compare=close_to(rtol=1e-12, atol=1e-12),
        name="training_memory_gb",
    )


# --- Exercise 4: the steepest point of the range test ---------------------------------------------------------------

_LRS = frozen(1e-4 * 10 ** (np.arange(12) / 2))
_CURVE = frozen([2.3, 2.29, 2.25, 2.1, 1.7, 1.1, 0.6, 0.45, 0.5, 0.9, 2.5, 40.0])
_LRS2 = frozen([1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1.0])
_CURVE2 = frozen([1.0, 0.99, 0.97, 0.9, 0.5, 0.45, 0.2, 0.15, 0.3, 5.0])


def _steepest(lrs, losses, values=np.log, right=False):
    slopes = np.diff(values(np.asarray(losses))) / np.diff(np.log(np.asarray(lrs)))
    return float(np.asarray(lrs)[np.argmin(slopes) + (1 if right else 0)])


def _draw_range_test(rng: np.random.Generator) -> Case:
    n = int(rng.integers(5, 25))
    lrs = 10 ** (rng.uniform(-6, -3) + np.cumsum(rng.uniform(0.02, 0.6, n)))  # unevenly spaced, as a sweep cut short
    steps = np.where(np.arange(n) < rng.integers(2, n), rng.uniform(0.5, 1.0, n), rng.uniform(1.0, 3.0, n))
    losses = rng.uniform(0.5, 5) * np.cumprod(steps)
    return Case((lrs, losses), f"rates {_show(lrs)}, losses {_show(losses)}")


def steepest_lr(learner) -> Result:
    """Exercise 10.4: the rate at the left end of the steepest fall of log ℓ against log η."""
    return check_function(
        learner,
        _steepest,
        [
            Case((_LRS, _CURVE), "12 rates from 1e-4 to about 3 and a classic range-test curve"),
            Case(
                (_LRS2, _CURVE2),
                "rates [1e-3, 2e-3, 5e-3, …, 1], losses [1, 0.99, 0.97, 0.9, 0.5, 0.45, 0.2, 0.15, 0.3, 5]",
            ),
            *generated(_draw_range_test, seed=103),
        ],
        mistakes=[
            Mistake(
                lambda lrs, losses: _steepest(lrs, losses, values=lambda v: v),
                "measure the slope of log ℓ against log η: on log-log axes equal ratios count equally (np.log of the "
                "losses too).",
            ),
            Mistake(
                lambda lrs, losses: float(np.asarray(lrs)[np.argmin(losses)]),
                "that is the rate at the lowest loss; the pick is where the loss falls fastest (the most negative "
                "slope).",
            ),
            Mistake(
                lambda lrs, losses: _steepest(lrs, losses, right=True),
                "return the rate at the left end of the steepest segment, lrs[i] for the slope between i and i + 1.",
            ),
            Mistake(
                lambda lrs, losses: float(np.asarray(lrs)[np.argmin(np.diff(np.log(np.asarray(losses))))]),
                "divide each change of log ℓ by the change of log η between the same two points: the rates are "
                "not evenly spaced on the log axis, so the largest fall per step is not the steepest slope.",
            ),
        ],
        hint="slopes = np.diff(np.log(losses)) / np.diff(np.log(lrs)); return lrs[np.argmin(slopes)].",
        compare=TIGHT,
        name="steepest_lr",
    )


# --- Exercise 5: ZeRO memory per device ----------------------------------------------------------------------------


def _zero(parameters, stage, devices, sharded):
    sizes = (("weights", 2), ("gradients", 2), ("master", 4), ("optimizer", 8))
    return sum(size * parameters / (devices if sharded(part, stage) else 1) for part, size in sizes) / 1e9


_STAGE_PARTS = MappingProxyType({"master": 1, "optimizer": 1, "gradients": 2, "weights": 3})


def _draw_sharding(rng: np.random.Generator) -> Case:
    parameters = float(np.round(10 ** rng.uniform(8, 12), -6))
    stage, devices = int(rng.integers(0, 4)), int(2 ** rng.integers(0, 11))
    return Case((parameters, stage, devices), f"{parameters:.4g} parameters, stage {stage}, {devices} devices")


def zero_memory_per_device(learner) -> Result:
    """Exercise 10.5: GB per device of Adam in mixed precision under ZeRO stage 0–3 over ``devices``."""
    return check_function(
        learner,
        lambda p, s, n: scale.sharded_memory(scale.training_memory(p, "adam", "mixed"), s, n)["total"] / 1e9,
        [
            Case((7e9, 1, 8), "7e9 parameters, stage 1, 8 devices"),
            Case((7.5e9, 2, 64), "7.5e9 parameters, stage 2, 64 devices (the ZeRO paper's example)"),
            Case((7e9, 3, 8), "7e9 parameters, stage 3, 8 devices"),
            Case((70e9, 0, 64), "70e9 parameters, stage 0, 64 devices"),
            *generated(_draw_sharding, seed=104),
        ],
        mistakes=[
            Mistake(
                lambda p, s, n: _zero(
                    p, s, n, lambda part, stage: stage >= (3 if part == "master" else _STAGE_PARTS[part])
                ),
                "the fp32 master weights belong to the optimizer state: stage 1 shards them along with m and v.",
            ),
            Mistake(
                lambda p, s, n: _zero(p, s, n, lambda part, stage: stage >= 1),
                "each stage shards one more part: stage 1 only the optimizer state (master, m, v), stage 2 also the "
                "gradients, stage 3 also the weights.",
            ),
            Mistake(
                lambda p, s, n: _zero(p, s, n, lambda part, stage: stage in (_STAGE_PARTS[part], 3)),
                "the stages add up: stage 2 keeps stage 1's sharding of the optimizer state and shards the gradients "
                "too.",
            ),
        ],
        hint="bytes per parameter 2 (weights) + 2 (gradients) + 4 (master) + 8 (m, v); divide by devices the parts "
        "the stage shards.",
        compare=close_to(rtol=1e-12, atol=1e-12),
        name="zero_memory_per_device",
    )


# --- Exploration: updates that bf16 weights lose ------------------------------------------------------------------


def bf16_movement(lr: float) -> float:
    """How far 100 steps of gradient descent at ``lr`` on ½w² move a bf16 weight (no master copy) from w = 1 (no
    distance at all for a rate that is not positive: it takes no step downhill)."""
    if not lr > 0:
        return 0.0
    return float(abs(scale.bf16_descent(1.0, 0.0, lr, 100, master=False)[-1] - 1.0))


def largest_lost_lr(learner) -> Result:
    """Exploration 10.6: the learner's claim, the largest lr at which a bf16 weight of 1 never moves, run at lr and
    1.1 lr."""
    return check_function(
        learner,
        lambda: 2.0**-9,
        (
            Case(
                (), "100 steps of gradient descent on ½w² from w = 1, weights kept in bf16 without an fp32 master copy"
            ),
        ),
        mistakes=[
            Mistake(
                lambda: 2.0**-10,
                "at 1.1 × your rate the weight still does not move: the updates bf16 loses go "
                "up to a larger rate; try larger ones.",
            ),
            Mistake(
                lambda: 2.0**-8, "at your rate the weight moves: the largest rate whose update is lost is smaller."
            ),
        ],
        hint="try rates between 10⁻⁴ and 10⁻² with book.scale.bf16_descent(1.0, 0.0, lr, 100, master=False) and "
        "bisect between one that leaves w at 1 and one that moves it.",
        compare=same_side(0.0),
        name="largest_lost_lr",
        parts={"how far the weight moves at your rate": 0, "how far it moves at 1.1 × your rate": 1},
        parts_noun="distances",
        adapt=probed(bf16_movement, lambda lr: lr, lambda lr: 1.1 * lr),
    )
