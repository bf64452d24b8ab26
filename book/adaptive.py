"""Adaptive step sizes measured: Adam's bias-correction factors, where ε_opt sits, optimizers replayed on given
gradients, and optimizers compared from many starts at their tuned learning rates.

The optimizers themselves live in :mod:`book.optim`; this module measures what they do.

>>> round(correction_factor(0.999, 693), 4)
0.5001
>>> steps_until(0.999, 0.5)
693
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from book._validate import require_fraction, require_positive
from book.functions import Objective
from book.numerics import float_if_scalar
from book.optim import Optimizer, run

__all__ = ["correction_factor", "steps_until", "rms_step", "replay", "final_points", "tune"]


def correction_factor(beta: float, steps: Any) -> np.ndarray | float:
    """Adam's bias-correction factor 1 − βᵏ after k = ``steps`` steps: the weight the average has collected so far."""
    factor = 1 - require_fraction("beta", beta) ** np.asarray(steps, dtype=float)
    return float_if_scalar(factor)


def steps_until(beta: float, level: float) -> int:
    """The first step count k >= 1 at which 1 − βᵏ >= ``level`` (0 < level < 1): ⌈log(1 − level) / log β⌉."""
    beta = require_fraction("beta", beta)
    if not 0 < level < 1:
        raise ValueError(f"level must be a number in (0, 1), got {level!r}")
    return max(1, math.ceil(math.log(1 - level) / math.log(beta))) if beta > 0 else 1


def rms_step(g: Any, v: Any, eps: float, eps_in_sqrt: bool = False) -> np.ndarray:
    """g/(√v + ε_opt) (PyTorch) or, ``eps_in_sqrt``, g/√(v + ε_opt) (optax's rmsprop default): the scaled gradient."""
    g, v = np.asarray(g, dtype=float), np.asarray(v, dtype=float)
    eps = require_positive("eps", eps)
    return g / np.sqrt(v + eps) if eps_in_sqrt else g / (np.sqrt(v) + eps)


def replay(optimizer: Optimizer, x0: Any, gradients: Any) -> np.ndarray:
    """The iterates (x0 first) of ``optimizer`` fed the given gradients in turn, whatever x is: gradients[k] at step
    k."""
    x = np.asarray(x0, dtype=float)
    state, iterates = optimizer.init(x), [x]
    for g in np.asarray(gradients, dtype=float):
        x, state = optimizer.step(x, g, state)
        iterates.append(x)
    return np.stack(iterates)


def final_points(
    optimizers: Mapping[str, Optimizer], f: Objective, starts: np.ndarray, steps: int
) -> dict[str, np.ndarray]:
    """For each named optimizer, where ``steps`` steps on f take every start: one run over the whole batch of starts."""
    return {name: run(optimizer, f.grad, starts, steps).x[-1] for name, optimizer in optimizers.items()}


def tune(
    make: Callable[[float], Optimizer],
    f: Objective,
    starts: np.ndarray,
    steps: int,
    lrs: Sequence[float],
    floor: float = 1e-12,
) -> tuple[float, np.ndarray]:
    """The learning rate of ``lrs`` whose run from every start ends with the smallest median f (values below ``floor``
    count as ``floor``; a run that diverges from any start is out), and the final values of f at that rate."""
    require_positive("floor", floor)
    best = None
    for lr in lrs:
        trajectory = run(make(lr), f.grad, starts, steps)
        if trajectory.diverged:
            continue
        finals = np.asarray(f(trajectory.x[-1]), dtype=float)
        score = float(np.median(np.maximum(finals, floor)))
        if best is None or score < best[0]:
            best = (score, lr, finals)
    if best is None:
        raise ValueError(f"lrs must hold at least one learning rate that does not diverge, got {list(lrs)!r}")
    return best[1], best[2]
