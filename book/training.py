"""Training runs for comparing learning-rate schedules: a small seeded network, Adam's step sizes, the LR range test.

The problem is the two-layer tanh network fitting sin x (:func:`book.networks.two_layer_problem`), its
parameters a dict, its gradients backpropagated by hand; any :mod:`book.optim` optimizer trains it.

The learning-rate range test ("LR finder", Smith 2017) grows the rate exponentially, one step at a time, records
the loss after each step and stops once the loss has blown up; a good rate lies about ten times below the blow-up:

>>> lrs, losses = lr_range_test(
...     lambda lr: adam(lr), sine_gradient, sine_loss, sine_start(), lr_min=1e-4, lr_max=10.0, steps=100
... )
>>> 0.01 < suggest_lr(lrs, losses) < 1.0
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from book import networks, schedules
from book._validate import require_count, require_positive
from book.optim import Optimizer, Trajectory, adam, run

__all__ = [
    "blow_up_lr",
    "fit_sine",
    "lr_range_test",
    "sine_gradient",
    "sine_loss",
    "sine_start",
    "step_to_lr_ratios",
    "suggest_lr",
    "warmup_cosine_losses",
    "warmup_then_cosine",
]

_INPUTS, _TARGETS, _START = networks.two_layer_problem(samples=64, width=16, seed=0)


def sine_start() -> dict[str, np.ndarray]:
    """The seeded initial parameters {W1, b1, W2, b2} of the 1 → 16 → 1 tanh network (a fresh copy)."""
    return {name: value.copy() for name, value in _START.items()}


def sine_loss(parameters: dict[str, np.ndarray]) -> float:
    """ℓ = mean squared error of the network against sin x at 64 points of [−3, 3]."""
    return float(np.mean((networks.two_layer_output(parameters, _INPUTS) - _TARGETS) ** 2))


def sine_gradient(parameters: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """∇ℓ by backpropagation (:func:`book.networks.two_layer_backprop`), a dict shaped like the parameters."""
    return networks.two_layer_backprop(parameters, _INPUTS, _TARGETS)


def fit_sine(optimizer: Optimizer, steps: int) -> Trajectory:
    """``steps`` full-batch steps of ``optimizer`` on the sine fit from the seeded start, the loss recorded at each."""
    return run(optimizer, sine_gradient, sine_start(), steps, f=sine_loss)


def warmup_then_cosine(peak_lr: float, warmup_steps: int, steps: int) -> schedules.Schedule:
    """Linear warmup over ``warmup_steps`` then cosine to 0 at ``steps``; plain cosine when ``warmup_steps`` is 0."""
    if require_count("warmup_steps", warmup_steps) == 0:
        return schedules.cosine(peak_lr, steps)
    return schedules.warmup_cosine(peak_lr, warmup_steps, steps)


@functools.cache
def warmup_cosine_losses(peak_lr: float, warmup_steps: int, steps: int) -> np.ndarray:
    """The loss at each step of Adam on the sine fit under :func:`warmup_then_cosine`: shape ``(steps + 1,)``,
    read-only, computed once per setting."""
    losses = fit_sine(adam(warmup_then_cosine(peak_lr, warmup_steps, steps)), steps).f
    losses.setflags(write=False)
    return losses


def step_to_lr_ratios(trajectory: Trajectory, lr: float) -> np.ndarray:
    """Per step t, the median over all parameters of |x_{t+1} − x_t| / lr: how far Adam moves a weight, in units of
    lr."""
    rate = require_positive("lr", lr)
    moves = [np.abs(np.diff(stacked, axis=0)).reshape(trajectory.steps_done, -1) for stacked in trajectory.x.values()]
    return np.median(np.concatenate(moves, axis=1), axis=1) / rate


def lr_range_test(
    make_optimizer: Callable[[schedules.Schedule], Optimizer],
    grad_fn: Callable,
    loss: Callable,
    x0: Any,
    lr_min: float = 1e-5,
    lr_max: float = 10.0,
    steps: int = 200,
    stop_factor: float = 4.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Rates lr_t = lr_min (lr_max/lr_min)^(t/(steps−1)) and the loss after each step, up to the first loss above
    ``stop_factor`` times the lowest before it (or a non-finite one)."""
    low, high = require_positive("lr_min", lr_min), require_positive("lr_max", lr_max)
    if high <= low:
        raise ValueError(f"lr_max must exceed lr_min = {low:g}, got {lr_max!r}")
    count = require_count("steps", steps, 2)
    factor = require_positive("stop_factor", stop_factor)
    schedule = schedules.exponential(low, (high / low) ** (1 / (count - 1)))
    lowest = [loss(x0)]

    def blown_up(t: int, x: Any) -> bool:
        value = loss(x)
        lowest.append(min(lowest[-1], value))
        return not value <= factor * lowest[-2]

    trajectory = run(make_optimizer(schedule), grad_fn, x0, count, f=loss, callback=blown_up)
    done = trajectory.steps_done
    return schedule(np.arange(done)), trajectory.f[1:]


def blow_up_lr(lrs: Any, losses: Any, threshold: float = 4.0) -> float:
    """The first rate whose loss exceeds ``threshold`` times the lowest loss recorded before it (or is not finite)."""
    rates, values = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    if rates.shape != values.shape or rates.ndim != 1 or rates.size < 2:
        raise ValueError(
            f"lrs and losses must be two 1-d arrays of one length >= 2, got shapes {rates.shape} and {values.shape}"
        )
    limit = require_positive("threshold", threshold) * np.minimum.accumulate(values)[:-1]
    above = np.flatnonzero(~(values[1:] <= limit))
    if above.size == 0:
        raise ValueError("losses never blow up: run the range test up to a larger lr_max")
    return float(rates[above[0] + 1])


def suggest_lr(lrs: Any, losses: Any, threshold: float = 4.0, factor: float = 10.0) -> float:
    """The range test's pick: the blow-up rate divided by ``factor`` (an order of magnitude by default)."""
    return blow_up_lr(lrs, losses, threshold) / require_positive("factor", factor)
