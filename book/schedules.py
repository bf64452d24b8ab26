"""Learning-rate schedules: callables ``t -> lr`` with ``t = 0`` the first step, for any optimizer's ``lr``.

Each schedule also accepts an array of steps, which is how the chapters plot them:

>>> schedule = warmup_cosine(peak_lr=1.0, warmup_steps=4, total_steps=12, min_lr=0.1)
>>> [round(schedule(t), 4) for t in (0, 2, 4, 8, 12, 20)]
[0.0, 0.5, 1.0, 0.55, 0.1, 0.1]

The linear warmup starts at 0 on the first step (t = 0) and reaches ``peak_lr`` at ``t = warmup_steps``, as in
Hugging Face's ``get_cosine_schedule_with_warmup`` and optax's ``warmup_cosine_decay_schedule`` with
``init_value=0``; ``total_steps`` counts the warmup, as both do. Starting at 0 costs one step that does not move
the parameters, but with Adam that step still collects the first gradient statistics before any update is made
with them.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from book._validate import require_count, require_positive
from book.numerics import float_if_scalar

__all__ = [
    "constant",
    "cosine",
    "exponential",
    "inverse_time_decay",
    "radam_rectification",
    "radam_rho",
    "step_decay",
    "warmup_cosine",
    "warmup_stable_decay",
]

Schedule = Callable[[Any], Any]


def _min_lr(min_lr: Any, peak: float, peak_name: str) -> float:
    """``min_lr`` as a float in [0, peak]."""
    if isinstance(min_lr, bool) or not isinstance(min_lr, numbers.Real) or not 0 <= min_lr <= peak:
        raise ValueError(f"min_lr must be a number in [0, {peak_name}] = [0, {peak:g}], got {min_lr!r}")
    return float(min_lr)


def _steps(t: Any) -> np.ndarray:
    """``t`` (a step number or an array of them) as floats, after checking each is a whole number >= 0."""
    steps = np.asarray(t)
    whole = steps.dtype.kind in "iu" or (steps.dtype.kind == "f" and np.all(steps == np.floor(steps)))
    if not whole or np.any(steps < 0):
        raise ValueError(f"t must be a step number 0, 1, 2, ..., got {t!r}")
    return steps.astype(float)


def _schedule(rule: Callable[[np.ndarray], np.ndarray], name: str) -> Schedule:
    """The callable ``t -> lr`` that checks t and applies ``rule``; ``name`` is what it prints as."""

    def schedule(t: Any) -> float | np.ndarray:
        return float_if_scalar(rule(_steps(t)))

    schedule.__name__ = schedule.__qualname__ = name
    return schedule


def constant(lr: float) -> Schedule:
    """η_t = lr at every step."""
    rate = require_positive("lr", lr)
    return _schedule(lambda t: np.full_like(t, rate), "constant")


def step_decay(lr: float, step_size: int, gamma: float) -> Schedule:
    """η_t = lr · γ^⌊t / step_size⌋ (PyTorch's ``StepLR``).

    >>> step_decay(1.0, step_size=10, gamma=0.5)(25)
    0.25
    """
    rate, size = require_positive("lr", lr), require_count("step_size", step_size, 1)
    factor = require_positive("gamma", gamma)
    return _schedule(lambda t: rate * factor ** np.floor(t / size), "step_decay")


def exponential(lr: float, gamma: float) -> Schedule:
    """η_t = lr · γ^t (PyTorch's ``ExponentialLR``)."""
    rate, factor = require_positive("lr", lr), require_positive("gamma", gamma)
    return _schedule(lambda t: rate * factor**t, "exponential")


def inverse_time_decay(lr: float, decay_steps: float) -> Schedule:
    """η_t = lr / (1 + t / decay_steps): Σ η_t = ∞ and Σ η_t² < ∞, the Robbins–Monro conditions SGD needs.

    >>> schedule = inverse_time_decay(0.5, 10)
    >>> schedule(0), schedule(10)
    (0.5, 0.25)
    """
    rate, scale = require_positive("lr", lr), require_positive("decay_steps", decay_steps)
    return _schedule(lambda t: rate / (1 + t / scale), "inverse_time_decay")


def _cosine_between(high: float, low: float, fraction: np.ndarray) -> np.ndarray:
    """Half a cosine from ``high`` (fraction 0) to ``low`` (fraction 1), and ``low`` after."""
    return low + 0.5 * (high - low) * (1 + np.cos(np.pi * np.clip(fraction, 0.0, 1.0)))


def cosine(lr: float, total_steps: int, min_lr: float = 0.0) -> Schedule:
    """η_t = min_lr + ½ (lr − min_lr)(1 + cos(π t / T)) up to T = total_steps, min_lr from T on
    (PyTorch's ``CosineAnnealingLR`` with T_max = T, without restarts)."""
    rate, total = require_positive("lr", lr), require_count("total_steps", total_steps, 1)
    low = _min_lr(min_lr, rate, "lr")
    return _schedule(lambda t: _cosine_between(rate, low, t / total), "cosine")


def warmup_cosine(peak_lr: float, warmup_steps: int, total_steps: int, min_lr: float = 0.0) -> Schedule:
    """Linear warmup from 0 (t = 0) to ``peak_lr`` (t = warmup_steps), then cosine to ``min_lr`` at t = total_steps."""
    peak = require_positive("peak_lr", peak_lr)
    warmup = require_count("warmup_steps", warmup_steps, 0)
    total = require_count("total_steps", total_steps, warmup + 1)
    low = _min_lr(min_lr, peak, "peak_lr")

    def rule(t: np.ndarray) -> np.ndarray:
        rising = peak * t / warmup if warmup else np.full_like(t, peak)
        return np.where(t < warmup, rising, _cosine_between(peak, low, (t - warmup) / (total - warmup)))

    return _schedule(rule, "warmup_cosine")


def warmup_stable_decay(
    peak_lr: float, warmup_steps: int, total_steps: int, decay_steps: int, min_lr: float = 0.0
) -> Schedule:
    """Warmup–stable–decay (WSD): linear warmup from 0 (t = 0) to ``peak_lr`` (t = warmup_steps), ``peak_lr`` until
    t = total_steps − decay_steps, then a *linear* decay to ``min_lr`` at t = total_steps, and ``min_lr`` after.

    >>> schedule = warmup_stable_decay(1.0, warmup_steps=2, total_steps=10, decay_steps=4, min_lr=0.2)
    >>> [round(schedule(t), 2) for t in (0, 1, 2, 6, 7, 8, 10, 12)]
    [0.0, 0.5, 1.0, 1.0, 0.8, 0.6, 0.2, 0.2]
    """
    peak = require_positive("peak_lr", peak_lr)
    warmup = require_count("warmup_steps", warmup_steps, 0)
    decay = require_count("decay_steps", decay_steps, 1)
    total = require_count("total_steps", total_steps, warmup + decay)
    low = _min_lr(min_lr, peak, "peak_lr")
    start = total - decay

    def rule(t: np.ndarray) -> np.ndarray:
        rising = peak * t / warmup if warmup else np.full_like(t, peak)
        falling = peak + (low - peak) * np.clip((t - start) / decay, 0.0, 1.0)
        return np.where(t < warmup, rising, falling)

    return _schedule(rule, "warmup_stable_decay")


def radam_rho(t: Any, beta2: float = 0.999) -> float | np.ndarray:
    """RAdam's ρ_t = ρ_∞ − 2tβ₂ᵗ/(1 − β₂ᵗ), ρ_∞ = 2/(1 − β₂) − 1: the length of the simple average that Adam's
    bias-corrected v̂ after t gradients (t = 1 the first) resembles (same mean age of its gradients).

    >>> [round(radam_rho(t), 2) for t in (1, 2, 5)]
    [1.0, 2.0, 5.0]
    """
    beta2 = _beta2(beta2)
    steps = _steps(t)
    if np.any(steps < 1):
        raise ValueError(f"t must count gradients seen, 1, 2, 3, ..., got {t!r}")
    rho_infinity = 2 / (1 - beta2) - 1
    power = beta2**steps
    return float_if_scalar(rho_infinity - 2 * steps * power / (1 - power))


def radam_rectification(t: Any, beta2: float = 0.999) -> float | np.ndarray:
    """RAdam's factor r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t)) on Adam's step where ρ_t > 4, and 0
    (no adaptive step) where ρ_t ≤ 4, when the variance of 1/√v̂ is infinite (Liu et al. 2020)."""
    rho = np.asarray(radam_rho(t, beta2))
    rho_infinity = 2 / (1 - beta2) - 1
    with np.errstate(invalid="ignore"):
        factor = np.sqrt((rho - 4) * (rho - 2) * rho_infinity / ((rho_infinity - 4) * (rho_infinity - 2) * rho))
    return float_if_scalar(np.where(rho > 4, factor, 0.0))


def _beta2(beta2: Any) -> float:
    """β₂ as a float in (0.8, 1), where ρ_∞ = 2/(1 − β₂) − 1 > 4 (RAdam's rectification ever switches on)."""
    if isinstance(beta2, bool) or not isinstance(beta2, numbers.Real) or not 0.8 < beta2 < 1:
        raise ValueError(f"beta2 must be a number in (0.8, 1), got {beta2!r}")
    return float(beta2)
