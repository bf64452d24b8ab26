"""Checkers for Chapter 8's exercises (learning-rate schedules and warmup): ``check.linear_warmup(linear_warmup)``.

Every schedule takes ``t`` (a step number or an array of them, t = 0 the first step); every reference answer comes
from :mod:`book.schedules` and :mod:`book.training`, the code the chapter runs.
"""

from __future__ import annotations

import numpy as np

from book import schedules, training
from book.checks import Case, Mistake, Result, check_function, close_to, frozen, generated
from book.exercises._claims import probed, same_side

TIGHT = close_to(rtol=1e-9, atol=1e-15)

_T10 = frozen(np.arange(0, 13))
_T100 = frozen([0, 1, 25, 50, 99, 100, 101, 150, 1000])
_COSINE_T = frozen([0, 1, 50, 100, 150, 199, 200, 250, 400])


def _t(t) -> np.ndarray:
    return np.asarray(t, dtype=float)


def _steps(rng: np.random.Generator, *edges: int) -> np.ndarray:
    """Sorted step numbers: the edges of a schedule, one step either side of each, and a few drawn up to twice the
    last."""
    near = [e + d for e in edges for d in (-1, 0, 1) if e + d >= 0]
    return np.unique(np.concatenate([[0], near, rng.integers(0, 2 * max(edges) + 2, 6)])).astype(float)


def _show(t: np.ndarray) -> str:
    return "[" + ", ".join(f"{v:g}" for v in t) + "]"


def _draw_warmup(rng: np.random.Generator) -> Case:
    peak, warmup = 10 ** rng.uniform(-5, 0), int(rng.integers(1, 300))
    t = _steps(rng, warmup)
    return Case((t, peak, warmup), f"t = {_show(t)}, peak_lr = {peak:.6g}, warmup_steps = {warmup}")


def _draw_cosine(rng: np.random.Generator) -> Case:
    lr, total = 10 ** rng.uniform(-5, 0), int(rng.integers(2, 500))
    min_lr = float(rng.choice([0.0, lr * rng.uniform(0.01, 0.5)]))
    t = _steps(rng, total // 2, total)
    return Case((t, lr, total, min_lr), f"t = {_show(t)}, lr = {lr:.6g}, total_steps = {total}, min_lr = {min_lr:.6g}")


def _draw_step_decay(rng: np.random.Generator) -> Case:
    lr, size, gamma = 10 ** rng.uniform(-5, 0), int(rng.integers(1, 100)), rng.uniform(0.05, 0.95)
    t = _steps(rng, size, 2 * size, 3 * size)
    return Case((t, lr, size, gamma), f"t = {_show(t)}, lr = {lr:.6g}, step_size = {size}, gamma = {gamma:.6g}")


def _draw_warmup_cosine(rng: np.random.Generator) -> Case:
    peak, warmup = 10 ** rng.uniform(-5, 0), int(rng.integers(1, 200))
    total = warmup + int(rng.integers(1, 800))
    min_lr = float(rng.choice([0.0, peak * rng.uniform(0.01, 0.5)]))
    t = _steps(rng, warmup, (warmup + total) // 2, total)
    return Case(
        (t, peak, warmup, total, min_lr),
        f"t = {_show(t)}, peak_lr = {peak:.6g}, warmup_steps = {warmup}, total_steps = {total}, min_lr = {min_lr:.6g}",
    )


# --- Exercise 1: linear warmup -----------------------------------------------------------------------------------


def _warmup(t, peak_lr, warmup_steps):
    return np.where(_t(t) < warmup_steps, peak_lr * _t(t) / warmup_steps, peak_lr)


def linear_warmup(learner) -> Result:
    """Exercise 8.1: η_t = peak_lr · t / W for t < W, then peak_lr (η_0 = 0, η_W = peak_lr)."""
    return check_function(
        learner,
        _warmup,
        [
            Case((_T10, 1.0, 10), "t = 0 … 12, peak_lr = 1, warmup_steps = 10"),
            Case((_T100, 3e-4, 100), "t = [0, 1, 25, 50, 99, 100, 101, 150, 1000], peak_lr = 3e-4, warmup_steps = 100"),
            Case((_T10, 0.5, 4), "t = 0 … 12, peak_lr = 0.5, warmup_steps = 4"),
            *generated(_draw_warmup, seed=8),
        ],
        mistakes=[
            Mistake(
                lambda t, p, w: np.minimum(p * (_t(t) + 1) / w, p),
                "t = 0 is the first step and its rate is 0: use t / W, not (t + 1) / W.",
            ),
            Mistake(
                lambda t, p, w: p * _t(t) / w,
                "the warmup ends at t = W: from there on the rate stays at peak_lr (cap it, np.minimum or np.where).",
            ),
            Mistake(
                lambda t, p, w: np.minimum(p * _t(t) / (w - 1), p),
                "the peak is reached at t = W, not at t = W − 1: divide by W.",
            ),
        ],
        hint="np.where(t < W, peak_lr * t / W, peak_lr), with t as a float array.",
        compare=TIGHT,
        name="linear_warmup",
    )


# --- Exercise 2: cosine decay with a floor -------------------------------------------------------------------------


def cosine_decay(learner) -> Result:
    """Exercise 8.2: η_t = min_lr + ½ (lr − min_lr)(1 + cos(π t / T)) up to T, then min_lr."""
    return check_function(
        learner,
        lambda t, lr, total_steps, min_lr: schedules.cosine(lr, total_steps, min_lr)(_t(t)),
        [
            Case(
                (_COSINE_T, 1.0, 200, 0.0),
                "t = [0, 1, 50, 100, 150, 199, 200, 250, 400], lr = 1, total_steps = 200, min_lr = 0",
            ),
            Case((_COSINE_T, 0.1, 200, 0.01), "the same t, lr = 0.1, total_steps = 200, min_lr = 0.01"),
            Case((_T10, 2.0, 8, 0.5), "t = 0 … 12, lr = 2, total_steps = 8, min_lr = 0.5"),
            *generated(_draw_cosine, seed=81),
        ],
        mistakes=[
            Mistake(
                lambda t, lr, T, m: m + 0.5 * lr * (1 + np.cos(np.pi * np.minimum(_t(t), T) / T)),
                "the cosine must run from lr down to min_lr: scale it by (lr − min_lr), not by lr.",
            ),
            Mistake(
                lambda t, lr, T, m: m + 0.5 * (lr - m) * (1 + np.cos(np.pi * _t(t) / T)),
                "after t = T the cosine climbs back up: hold the rate at min_lr from T on (np.minimum(t, T)).",
            ),
            Mistake(
                lambda t, lr, T, m: m + 0.5 * (lr - m) * (1 + np.cos(2 * np.pi * np.minimum(_t(t), T) / T)),
                "use half a period, cos(π t / T): with 2π the rate is back at lr at t = T.",
            ),
            Mistake(
                lambda t, lr, T, m: np.maximum(m, 0.5 * lr * (1 + np.cos(np.pi * np.minimum(_t(t), T) / T))),
                "clipping the plain cosine at min_lr gives a kink; shift and scale instead: min_lr + ½ (lr − "
                "min_lr)(1 + cos(π t / T)).",
            ),
        ],
        hint="min_lr + 0.5 * (lr − min_lr) * (1 + cos(π · min(t, T) / T)).",
        compare=TIGHT,
        name="cosine_decay",
    )


# --- Exercise 3: step decay --------------------------------------------------------------------------------------


def step_decay(learner) -> Result:
    """Exercise 8.3: η_t = lr · γ^⌊t / step_size⌋ (PyTorch's StepLR)."""
    return check_function(
        learner,
        lambda t, lr, step_size, gamma: schedules.step_decay(lr, step_size, gamma)(_t(t)),
        [
            Case((_T10, 1.0, 3, 0.5), "t = 0 … 12, lr = 1, step_size = 3, gamma = 0.5"),
            Case(
                (_T100, 0.1, 30, 0.1),
                "t = [0, 1, 25, 50, 99, 100, 101, 150, 1000], lr = 0.1, step_size = 30, gamma = 0.1",
            ),
            Case((_T10, 2.0, 5, 0.8), "t = 0 … 12, lr = 2, step_size = 5, gamma = 0.8"),
            *generated(_draw_step_decay, seed=82),
        ],
        mistakes=[
            Mistake(
                lambda t, lr, s, g: lr * g ** (_t(t) / s),
                "that decays smoothly (exponentially); step decay holds the rate for step_size steps: round t / "
                "step_size down (//).",
            ),
            Mistake(
                lambda t, lr, s, g: lr * g ** (_t(t) // s + 1),
                "the first step_size steps use lr itself: the exponent is ⌊t / step_size⌋, which is 0 at t = 0.",
            ),
            Mistake(
                lambda t, lr, s, g: lr * g ** np.ceil(_t(t) / s),
                "round down, not up: the rate drops at t = step_size, 2·step_size, …",
            ),
        ],
        hint="lr * gamma ** (t // step_size).",
        compare=TIGHT,
        name="step_decay",
    )


# --- Exercise 4: warmup, then cosine --------------------------------------------------------------------------


def _half_cosine(high, low, fraction):
    return low + 0.5 * (high - low) * (1 + np.cos(np.pi * np.clip(fraction, 0.0, 1.0)))


def warmup_cosine(learner) -> Result:
    """Exercise 8.4: linear warmup to peak_lr at t = W, then cosine to min_lr at t = T, T counting the warmup."""
    return check_function(
        learner,
        lambda t, peak, w, total, m: schedules.warmup_cosine(peak, w, total, m)(_t(t)),
        [
            Case((_T10, 1.0, 4, 10, 0.0), "t = 0 … 12, peak_lr = 1, warmup_steps = 4, total_steps = 10, min_lr = 0"),
            Case(
                (_T100, 3e-4, 100, 1000, 3e-5),
                "t = [0, 1, 25, 50, 99, 100, 101, 150, 1000], peak_lr = 3e-4, warmup_steps = 100, total_steps = "
                "1000, min_lr = 3e-5",
            ),
            Case(
                (_COSINE_T, 0.1, 50, 250, 0.01),
                "t = [0, 1, 50, 100, 150, 199, 200, 250, 400], peak_lr = 0.1, warmup_steps = 50, total_steps = 250, "
                "min_lr = 0.01",
            ),
            *generated(_draw_warmup_cosine, seed=83),
        ],
        mistakes=[
            Mistake(
                lambda t, p, w, T, m: np.where(_t(t) < w, p * _t(t) / w, _half_cosine(p, m, (_t(t) - w) / T)),
                "total_steps counts the warmup (as optax's decay_steps and Hugging Face's num_training_steps): the "
                "cosine lasts T − W steps, so divide t − W by T − W.",
            ),
            Mistake(
                lambda t, p, w, T, m: np.where(_t(t) < w, p * _t(t) / w, _half_cosine(p, m, _t(t) / T)),
                "start the cosine at the end of the warmup: its argument is (t − W)/(T − W), which is 0 at t = W, "
                "where the rate must be peak_lr.",
            ),
            Mistake(
                lambda t, p, w, T, m: np.where(
                    _t(t) < w, p * (_t(t) + 1) / w, _half_cosine(p, m, (_t(t) - w) / (T - w))
                ),
                "the warmup starts at 0 on the first step, t = 0: use t / W, not (t + 1) / W.",
            ),
        ],
        hint="np.where(t < W, peak_lr * t / W, min_lr + ½ (peak_lr − min_lr)(1 + cos(π · clip((t − W)/(T − W), 0, "
        "1)))).",
        compare=TIGHT,
        name="warmup_cosine",
    )


# --- Exercise 5: reading the range test --------------------------------------------------------------------------


_RANGE_LRS = frozen(1e-4 * 10 ** (np.arange(12) / 2))
_RANGE = frozen([2.3, 2.29, 2.25, 2.1, 1.7, 1.1, 0.6, 0.45, 0.5, 0.9, 2.5, 40.0])
_LATE = frozen([1.0, 0.99, 0.97, 0.9, 0.8, 0.6, 0.4, 0.3, 0.25, 0.24, 0.26, np.inf])
_LATE_LRS = frozen([1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0])
_RISE = frozen([1.0, 0.5, 0.4, 1.7, 1.5, 3.0, 50.0])
_RISE_LRS = frozen([1e-3, 1e-2, 0.1, 1.0, 2.0, 5.0, 10.0])


_EXACT_LRS = frozen([0.001, 0.002, 0.004, 0.008, 0.016, 0.032])
_EXACT = frozen([1.0, 0.5, 2.0, 2.5, 1.0, 9.0])  # 2.0 is exactly 4 × 0.5: not yet larger, so 2.5 is the blow-up
_NAN_LRS = frozen([1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0])
_NAN = frozen([2.0, 1.5, 1.0, 0.8, np.nan, 0.9, 50.0])  # nan after an overflow: the blow-up, though 50 comes later


def _draw_range_test(rng: np.random.Generator) -> Case:
    n = int(rng.integers(6, 25))
    lrs = 10 ** (rng.uniform(-6, -3) + np.arange(n) * rng.uniform(0.1, 0.5))
    turn = int(rng.integers(1, n - 1))  # the loss falls until here, then climbs and blows up
    steps = np.where(np.arange(n) < turn, rng.uniform(0.6, 1.0, n), rng.uniform(1.0, 2.5, n))
    losses = rng.uniform(0.5, 5) * np.cumprod(steps)
    losses[-1] = max(losses[-1], 100 * losses.min(), 5 * losses[0])  # every curve blows up by its end, by any rule
    ending = rng.choice(["climb", "nan", "inf"])
    if ending != "climb":  # the first blow-up becomes an overflow
        above = ~(losses[1:] <= 4 * np.minimum.accumulate(losses)[:-1])
        losses[np.flatnonzero(above)[0] + 1] = np.nan if ending == "nan" else np.inf
    label = (
        f"{n} rates from {lrs[0]:.3g} growing by {lrs[1] / lrs[0]:.3g} times each step, losses "
        f"{np.array2string(losses, precision=3, separator=', ')}"
    )
    return Case((lrs, losses), label)


def _at_minimum(lrs, losses):
    return np.asarray(lrs)[np.argmin(losses)] / 10


def _first_blow_up_against_start(lrs, losses):
    above = np.flatnonzero(~(np.asarray(losses)[1:] <= 4 * np.asarray(losses)[0]))
    return np.asarray(lrs)[above[0] + 1] / 10


def _nan_passes(lrs, losses):
    """The pick of a loop that asks ``loss > 4 * lowest``: False for nan, so a nan is stepped over."""
    lowest = losses[0]
    for lr, loss in zip(lrs[1:], losses[1:]):
        if loss > 4 * lowest:
            return lr / 10
        lowest = min(lowest, loss)
    return lrs[-1] / 10


def _at_four_times(lrs, losses):
    """The pick of a loop that asks ``loss >= 4 * lowest``: a loss of exactly four times the lowest counts already."""
    lowest = losses[0]
    for lr, loss in zip(lrs[1:], losses[1:]):
        if not loss < 4 * lowest:
            return lr / 10
        lowest = min(lowest, loss)
    return lrs[-1] / 10


def pick_lr(learner) -> Result:
    """Exercise 8.5: the first rate whose loss exceeds 4 × the lowest loss before it (or is inf or nan), divided by
    10."""
    return check_function(
        learner,
        training.suggest_lr,
        [
            Case(
                (_RANGE_LRS, _RANGE),
                "a classic curve: 12 rates from 1e-4 to about 3, the loss falling, then blowing up at the end",
            ),
            Case((_RISE_LRS, _RISE), "rates [1e-3, 1e-2, 0.1, 1, 2, 5, 10], losses [1, 0.5, 0.4, 1.7, 1.5, 3, 50]"),
            Case((_LATE_LRS, _LATE), "a curve that creeps back up and ends in an overflow, loss = inf (a blow-up too)"),
            Case(
                (_EXACT_LRS, _EXACT),
                "rates [0.001, 0.002, 0.004, 0.008, 0.016, 0.032], losses [1, 0.5, 2, 2.5, 1, 9] "
                "(2 is exactly 4 × 0.5)",
            ),
            Case(
                (_NAN_LRS, _NAN), "rates [1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1], losses [2, 1.5, 1, 0.8, nan, 0.9, 50]"
            ),
            *generated(_draw_range_test, seed=84),
        ],
        mistakes=[
            Mistake(
                lambda lrs, losses: training.blow_up_lr(lrs, losses),
                "that is the blow-up rate itself, too large to train with: divide it by 10.",
            ),
            Mistake(
                _at_minimum,
                "the rate at the lowest loss is not the blow-up: find the first loss above 4 × the lowest loss "
                "recorded before it, then divide its rate by 10.",
            ),
            Mistake(
                _first_blow_up_against_start,
                "compare each loss with the lowest loss so far (np.minimum.accumulate), not with the first loss.",
            ),
            Mistake(
                _nan_passes,
                "nan counts as a blow-up, but loss > 4 * lowest is False for nan: ask "
                "not loss <= 4 * lowest, which is True for nan and inf.",
            ),
            Mistake(
                _at_four_times,
                "a loss of exactly 4 × the lowest is not yet a blow-up: the rule is larger than 4 × (>, not >=).",
            ),
        ],
        hint="for each i ≥ 1, compare losses[i] with 4 × min(losses[:i]); the first that is not smaller or equal "
        "(inf and nan included) gives lrs[i] / 10.",
        compare=TIGHT,
        name="pick_lr",
    )


# --- Exploration: the shortest warmup -----------------------------------------------------------------------------

EXPLORE_PEAK, EXPLORE_START, EXPLORE_STEPS, BLOWN_UP = 0.5, 10.0, 300, 1e6
"""Gradient descent on f(x) = x⁴/4 from x = 10, linear warmup to η = 0.5 and then constant, 300 steps."""


def warmed_up_size(warmup_steps: float) -> float:
    """The largest |x| of 300 steps of gradient descent on x⁴/4 from x = 10 with a linear warmup of ``warmup_steps``
    (rounded down) to 0.5, or the first |x| above 10⁶."""
    warmup, x, largest = max(int(warmup_steps), 0), EXPLORE_START, EXPLORE_START
    for t in range(EXPLORE_STEPS):
        x -= (EXPLORE_PEAK * t / warmup if t < warmup else EXPLORE_PEAK) * x**3
        largest = max(largest, abs(x))
        if not largest <= BLOWN_UP:
            return 2 * BLOWN_UP
    return largest


def shortest_warmup(learner) -> Result:
    """Exploration 8.6: the learner's claim, the shortest warmup that keeps the run from blowing up, run at W and W −
    1."""
    return check_function(
        learner,
        lambda: 29,
        (Case((), "gradient descent on f(x) = x⁴/4 from x = 10, linear warmup to η = 0.5, then 0.5 up to step 300"),),
        mistakes=[
            Mistake(
                lambda: 20,
                "with your warmup the run still blows up: the rate reaches the large values while x, "
                "and with it the curvature 3x², is still large. Warm up longer.",
            ),
            Mistake(lambda: 100, "a warmup one step shorter does not blow up either: yours is not the shortest."),
        ],
        hint="try W = 1, 2, 3, … with your linear_warmup until a run stays below 10⁶.",
        compare=same_side(BLOWN_UP),
        name="shortest_warmup",
        parts={"the largest |x| with your warmup": 0, "the largest |x| with a warmup one step shorter": 1},
        parts_noun="sizes",
        adapt=probed(warmed_up_size, lambda w: w, lambda w: w - 1),
    )
