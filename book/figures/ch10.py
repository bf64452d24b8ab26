"""Figures of Chapter 10 (training large models). Each is a pure function of its parameters; ``explore`` adds the
sliders. The runs, memory counts and bf16 arithmetic come from :mod:`book.scale`, the surfaces from
:mod:`book.landscape`; this module only draws them."""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from book import scale
from book.plotting import PALETTE, axes, finish

WIDE = (9.0, 3.6)
"""Size in inches of the two-panel figures."""

OUTLIER_STEP = 200
OUTLIER_SCALES = [3, 10, 30, 100, 300]
MAX_NORMS = [0.25, 0.5, 1.0, 2.0, 4.0]
"""The clipping explorable: the outlier batch arrives at step 200; its scale and the clipping threshold vary."""

PARAMETER_COUNTS = [0.125, 0.35, 1.3, 7.0, 13.0, 70.0]
OPTIMIZERS = {"SGD": "sgd", "momentum": "momentum", "Adam": "adam"}
PRECISION_LABELS = {"fp32": "fp32", "mixed bf16": "mixed"}
DEVICES = 8
DEVICE_GB = 80
"""The memory calculator: billions of parameters, optimizer, precision; ZeRO over 8 devices of 80 GB each."""

PART_COLOURS = {"weights": PALETTE["blue"], "gradients": PALETTE["orange"], "master": PALETTE["green"],
                "optimizer": PALETTE["purple"]}


def _sized(fig: Figure | None, size: tuple[float, float] = WIDE) -> Figure:
    """``fig`` (a new pyplot figure if None) set to ``size`` inches."""
    import matplotlib.pyplot as plt

    fig = fig if fig is not None else plt.figure(layout="constrained")
    fig.set_size_inches(*size)
    return fig


def recipe_figure(rates: np.ndarray, losses: dict[str, np.ndarray], fig: Figure | None = None) -> Figure:
    """Left: the recipe's learning rate per step. Right: the training loss of each run (label → losses), log scale."""
    fig = _sized(fig)
    left, right = fig.subplots(1, 2)
    left.plot(np.arange(len(rates)), rates, color=PALETTE["blue"], label="warmup + cosine to 10 %")
    finish(left, "The recipe's schedule", "step t", "learning rate η_t")
    left.set_ylim(0, 1.05 * rates.max())
    for label, loss in losses.items():
        right.semilogy(np.arange(len(loss)), loss, lw=1.6, label=label)
    finish(right, "Training the sine fit", "step t", "loss ℓ (log scale)")
    return fig


@functools.cache
def outlier_losses(max_norm: float | None, outlier_scale: float) -> np.ndarray:
    """The loss per step of :func:`book.scale.outlier_run` (cached: the explorable reuses the unclipped runs)."""
    return scale.outlier_run(max_norm, outlier_scale, outlier_step=OUTLIER_STEP).f


def clipping_figure(outlier_scale: float, max_norm: float, ax: Axes | None = None) -> Axes:
    """Training loss on a log scale of the recipe on the sine fit over 400 steps, with one outlier batch at step 200 whose targets are scaled by the chosen factor: grey without clipping, blue with clipping at the chosen global norm. Without clipping the loss jumps by one to three orders of magnitude at step 200 and takes many steps to recover; with clipping the jump is much smaller. Thresholds below the largest ordinary gradient norm, about 0.9, also shorten some of the early steps, so those runs differ from the unclipped one before step 200 too."""
    ax = axes(ax)
    raw, clip = outlier_losses(None, outlier_scale), outlier_losses(max_norm, outlier_scale)
    steps = np.arange(len(raw))
    ax.semilogy(steps, raw, color=PALETTE["grey"], lw=1.4, label="no clipping")
    ax.semilogy(steps, clip, color=PALETTE["blue"], lw=1.8, label=f"clipped at ‖g‖ = {max_norm:g}")
    ax.axvline(OUTLIER_STEP, color=PALETTE["red"], lw=1, ls="--", label="outlier batch")
    ax.set_ylim(1e-4, 1e2)
    finish(ax, f"An outlier batch, targets × {outlier_scale:g}", "step t", "training loss ℓ (log scale)")
    ax.legend(fontsize=8.5, loc="upper right")
    return ax


def accumulation_figure(costs: dict[int, dict[str, int]], fig: Figure | None = None) -> Figure:
    """Left: activations stored at once against the number of micro-batches k. Right: passes in sequence."""
    fig = _sized(fig)
    left, right = fig.subplots(1, 2)
    ks = np.array(sorted(costs))
    left.loglog(ks, [costs[k]["stored_activations"] for k in ks], marker="o", color=PALETTE["blue"], label="stored activations")
    finish(left, "Memory falls like 1/k", "micro-batches k", "activation floats stored at once")
    right.loglog(ks, [costs[k]["passes"] for k in ks], marker="o", color=PALETTE["orange"], label="forward-backward passes")
    right.loglog(ks, [costs[k]["examples"] for k in ks], ls="--", color=PALETTE["grey"], label="examples processed")
    finish(right, "Sequential work grows like k", "micro-batches k", "count per optimizer step")
    return fig


def memory_figure(billions: float, optimizer: str, precision: str, ax: Axes | None = None) -> Axes:
    """Stacked bars of the training state's memory per device, in GB, for ZeRO stages 0 to 3 over 8 devices: weights, gradients, fp32 master weights and optimizer state, for the chosen parameter count, optimizer and precision; a dashed line marks an 80 GB device. Stage 0 holds everything on every device; each stage divides one more part by 8."""
    ax = axes(ax)
    memory = scale.training_memory(billions * 1e9, OPTIMIZERS[optimizer], PRECISION_LABELS[precision])
    stages = np.arange(4)
    bottom = np.zeros(4)
    for part, colour in PART_COLOURS.items():
        sizes = np.array([scale.sharded_memory(memory, stage, DEVICES)[part] for stage in stages]) / 1e9
        ax.bar(stages, sizes, bottom=bottom, color=colour, label=part)
        bottom += sizes
    for stage, total in zip(stages, bottom):
        ax.text(stage, total, f"{total:.3g} GB", ha="center", va="bottom", fontsize=9)
    ax.axhline(DEVICE_GB, color=PALETTE["red"], lw=1.2, ls="--", label=f"{DEVICE_GB} GB device")
    ax.set_xticks(stages, ["0: replicated", "1: optimizer", "2: + gradients", "3: + weights"])
    ax.set_ylim(0, 1.15 * max(bottom.max(), DEVICE_GB))
    total = memory["total"] / 1e9
    finish(ax, f"{billions:g} B parameters, {optimizer}, {precision}: {total:.3g} GB in all",
           f"ZeRO stage over {DEVICES} devices (what is sharded)", "GB per device")
    ax.legend(fontsize=8.5, loc="upper right")
    return ax


def precision_figure(target: np.ndarray, runs: dict[str, np.ndarray], ax: Axes | None = None) -> Axes:
    """Mean |w − target| per step for each run (label → weights per step), log scale."""
    ax = axes(ax)
    for label, weights in runs.items():
        ax.semilogy(np.arange(len(weights)), np.mean(np.abs(weights - target), axis=1), lw=1.8, label=label)
    finish(ax, "Small updates vanish in bf16", "step t", "mean |w − w*| (log scale)")
    return ax


def saddle_figure(dims: list[int], fractions: list[float], ax: Axes | None = None) -> Axes:
    """The fraction of random symmetric matrices with all eigenvalues positive, per dimension, log scale."""
    ax = axes(ax)
    shown = [(d, f) for d, f in zip(dims, fractions) if f > 0]
    ax.semilogy(*zip(*shown), marker="o", color=PALETTE["blue"], label="all eigenvalues > 0 (a minimum)")
    ax.semilogy(dims, [0.5**d for d in dims], ls="--", color=PALETTE["grey"], label="2^−n (independent signs)")
    finish(ax, "Minima are rare among random critical points", "dimension n", "fraction of samples")
    return ax


def surface_figure(alphas: np.ndarray, plane: np.ndarray, fig: Figure | None = None) -> Figure:
    """Left: contours of log₁₀ ℓ on the plane (rows β, columns α). Right: the slice β = 0."""
    fig = _sized(fig)
    left, right = fig.subplots(1, 2)
    contour = left.contourf(alphas, alphas, np.log10(plane), levels=20, cmap="viridis")
    fig.colorbar(contour, ax=left, label="log₁₀ ℓ")
    left.plot([0], [0], marker="*", ms=12, color=PALETTE["red"], ls="", label="trained θ")
    finish(left, "ℓ(θ + α d₁ + β d₂)", "α (along d₁)", "β (along d₂)")
    right.semilogy(alphas, plane[len(alphas) // 2], color=PALETTE["blue"], label="β = 0")
    right.axvline(0, color=PALETTE["red"], lw=1, ls="--", label="trained θ")
    finish(right, "A 1-D slice", "α (along d₁)", "loss ℓ (log scale)")
    return fig
