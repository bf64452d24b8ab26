"""Figures of the appendix on conventions. The forms compared come from :mod:`book.conventions` and
:mod:`book.optim`; this module only draws."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from book.conventions import adamw_paper, first_step, momentum_forms, rmsprop_eps_in_sqrt
from book.functions import Quadratic
from book.optim import adamw, rmsprop, run
from book.plotting import PALETTE, WIDE, finish
from book.schedules import step_decay, warmup_cosine

VALLEY = Quadratic(np.diag([1.0, 10.0]))
"""The momentum row's problem: curvatures 1 and 10."""
VALLEY_START = np.array([1.0, 1.0])
MOMENTUM, MOMENTUM_STEPS = 0.9, 90
DROP = step_decay(0.05, step_size=30, gamma=0.1)
"""η = 0.05 for t < 30, then 0.005 (and 0.0005 from t = 60)."""

RMS_LR, RMS_ALPHA = 0.01, 0.9
"""RMSProp's first step compared at optax's default decay, so only the place of ε_opt = 1e-8 differs."""
GRADIENT_SIZES = np.logspace(-8, 0, 81)
EXAMPLE_GRADIENTS = np.array([1e-2, 1e-3, 1e-4, 1e-6])

ADAMW_LR, ADAMW_STEPS = 1e-3, 1000
WEIGHT_DECAYS = {
    "PyTorch default, λ = 0.01 (× lr)": adamw(ADAMW_LR, weight_decay=0.01),
    "optax default, λ = 1e-4 (× lr)": adamw(ADAMW_LR, weight_decay=1e-4),
    "paper's form, λ = 0.01 (not × lr)": adamw_paper(ADAMW_LR, weight_decay=0.01),
}
"""AdamW with zero gradient from w = 1: only the weight decay acts."""

PEAK, WARMUP, TOTAL = 1.0, 100, 1000
SCHEDULES = {
    "total_steps = 1000 (counts the warmup)": warmup_cosine(PEAK, WARMUP, TOTAL),
    "1000 read as cosine steps after warmup": warmup_cosine(PEAK, WARMUP, TOTAL + WARMUP),
}


def _wide() -> tuple[Figure, np.ndarray]:
    return plt.subplots(1, 2, figsize=WIDE)


def momentum_drop_figure() -> Figure:
    """Two momentum forms on a quadratic with a learning-rate drop at t = 30: identical before it, apart after."""
    pytorch, sutskever = momentum_forms(VALLEY.grad, VALLEY_START, DROP, MOMENTUM, MOMENTUM_STEPS)
    fig, (left, right) = _wide()
    k = np.arange(MOMENTUM_STEPS + 1)
    left.plot(k, pytorch[:, 0], color=PALETTE["blue"], label="PyTorch: x ← x − η_t b")
    left.plot(k, sutskever[:, 0], color=PALETTE["orange"], linestyle="--", label="Sutskever: v ← βv − η_t g")
    right.semilogy(
        k[1:],
        np.abs(pytorch - sutskever).max(axis=1)[1:] + 1e-18,
        color=PALETTE["red"],
        label="max |difference| (+1e-18)",
    )
    for ax in (left, right):
        ax.axvline(30, color=PALETTE["ink"], linewidth=0.8, linestyle=":", label="η drops ×0.1")
    finish(left, "Flat direction, β = 0.9", "step k", "first coordinate of x_k")
    finish(right, "How far apart the two forms are", "step k", "max |x_k(PyTorch) − x_k(Sutskever)|")
    return fig


def eps_placement_figure() -> Figure:
    """RMSProp's first step against the gradient's size: equal for large gradients, far shorter with ε_opt in the
    root."""
    outside = first_step(rmsprop(RMS_LR, alpha=RMS_ALPHA), GRADIENT_SIZES) / -RMS_LR
    inside = first_step(rmsprop_eps_in_sqrt(RMS_LR, alpha=RMS_ALPHA), GRADIENT_SIZES) / -RMS_LR
    fig, (left, right) = _wide()
    left.loglog(GRADIENT_SIZES, outside, color=PALETTE["blue"], label="PyTorch: g/(√v + ε_opt)")
    left.loglog(GRADIENT_SIZES, inside, color=PALETTE["orange"], linestyle="--", label="optax: g/√(v + ε_opt)")
    right.semilogx(GRADIENT_SIZES, inside / outside, color=PALETTE["red"], label="optax step / PyTorch step")
    finish(left, "First RMSProp step, ε_opt = 1e-8, β = 0.9", "gradient g", "step / η")
    finish(right, "Ratio of the two first steps", "gradient g", "ratio")
    return fig


def adamw_decay_figure() -> Figure:
    """A weight with zero gradient under AdamW in three conventions: 1 % lost, 0.01 % lost, or gone."""
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    zero = np.zeros_like
    for (name, optimizer), colour, style in zip(WEIGHT_DECAYS.items(), ("blue", "green", "orange"), ("-", "--", "-")):
        ax.semilogy(
            run(optimizer, zero, np.ones(1), ADAMW_STEPS).x[:, 0], color=PALETTE[colour], linestyle=style, label=name
        )
    finish(ax, "AdamW, zero gradient, η = 1e-3", "step k", "weight w_k")
    return fig


def warmup_reading_figure() -> Figure:
    """Warmup then cosine with total_steps counting the warmup, and the same numbers misread: the rate stays high."""
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    t = np.arange(TOTAL + 1)
    for (name, schedule), style in zip(SCHEDULES.items(), ("-", "--")):
        ax.plot(t, schedule(t), linestyle=style, label=name)
    finish(ax, "Linear warmup (100 steps) then cosine", "step t", "learning rate η_t / peak")
    return fig
