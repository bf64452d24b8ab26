"""Figures of Chapter 10 (training large models). Each is a pure function of its parameters; ``explore`` adds the
sliders. The runs, memory counts and bf16 arithmetic come from :mod:`book.scale`, the surfaces from
:mod:`book.landscape`; this module only draws them."""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from book import noise, scale
from book.plotting import PALETTE, WIDER, axes, finish, sized

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

PART_COLOURS = {
    "weights": PALETTE["blue"],
    "gradients": PALETTE["orange"],
    "master": PALETTE["green"],
    "optimizer": PALETTE["purple"],
}


def recipe_figure(rates: np.ndarray, losses: dict[str, np.ndarray], fig: Figure | None = None) -> Figure:
    """Left: the recipe's learning rate per step. Right: the training loss of each run (label → losses), log scale."""
    fig = sized(fig, WIDER)
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
    """Training loss on a log scale of the recipe on the sine fit over 400 steps, with one outlier batch at step 200
    whose targets are scaled by the chosen factor: grey without clipping, blue with clipping at the chosen global
    norm. Without clipping the loss jumps by one to three orders of magnitude at step 200 and takes many steps to
    recover; with clipping the jump is much smaller. Thresholds below the largest ordinary gradient norm, about
    0.9, also shorten some of the early steps, so those runs differ from the unclipped one before step 200 too."""
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
    fig = sized(fig, WIDER)
    left, right = fig.subplots(1, 2)
    ks = np.array(sorted(costs))
    left.loglog(
        ks, [costs[k]["stored_activations"] for k in ks], marker="o", color=PALETTE["blue"], label="stored activations"
    )
    finish(left, "Memory falls like 1/k", "micro-batches k", "activation floats stored at once")
    right.loglog(
        ks, [costs[k]["passes"] for k in ks], marker="o", color=PALETTE["orange"], label="forward-backward passes"
    )
    right.loglog(ks, [costs[k]["examples"] for k in ks], ls="--", color=PALETTE["grey"], label="examples processed")
    finish(right, "Sequential work grows like k", "micro-batches k", "count per optimizer step")
    return fig


def memory_figure(billions: float, optimizer: str, precision: str, ax: Axes | None = None) -> Axes:
    """Stacked bars of the training state's memory per device, in GB, for ZeRO stages 0 to 3 over 8 devices: weights,
    gradients, fp32 master weights and optimizer state, for the chosen parameter count, optimizer and precision; a
    dashed line marks an 80 GB device. Stage 0 holds everything on every device; each stage divides one more part
    by 8."""
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
    finish(
        ax,
        f"{billions:g} B parameters, {optimizer}, {precision}: {total:.3g} GB in all",
        f"ZeRO stage over {DEVICES} devices (what is sharded)",
        "GB per device",
    )
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
    ax.semilogy(dims, [0.5**d for d in dims], ls="--", color=PALETTE["grey"], label="2^−d (independent signs)")
    finish(ax, "Minima are rare among random critical points", "dimension d", "fraction of samples")
    return ax


def surface_figure(alphas: np.ndarray, plane: np.ndarray, fig: Figure | None = None) -> Figure:
    """Left: contours of log₁₀ ℓ on the plane (rows c₂, columns c₁). Right: the slice c₂ = 0."""
    fig = sized(fig, WIDER)
    left, right = fig.subplots(1, 2)
    contour = left.contourf(alphas, alphas, np.log10(plane), levels=20, cmap="viridis")
    fig.colorbar(contour, ax=left, label="log₁₀ ℓ")
    left.plot([0], [0], marker="*", ms=12, color=PALETTE["red"], ls="", label="trained θ")
    finish(left, "ℓ(θ + c₁ d₁ + c₂ d₂)", "c₁ (along d₁)", "c₂ (along d₂)")
    right.semilogy(alphas, plane[len(alphas) // 2], color=PALETTE["blue"], label="c₂ = 0")
    right.axvline(0, color=PALETTE["red"], lw=1, ls="--", label="trained θ")
    finish(right, "A 1-D slice", "c₁ (along d₁)", "loss ℓ (log scale)")
    return fig


STATE_LABELS = {"adam": "Adam", "adam8bit": "8-bit Adam", "lion": "Lion", "muon": "Muon", "adafactor": "Adafactor"}
"""The optimizers of the state-memory figure, in its order."""


def state_memory_figure(state_gb: dict[str, float], ax: Axes | None = None) -> Axes:
    """Horizontal bars: optimizer state in GB for one model, per optimizer (key of ``STATE_LABELS`` → GB), log scale."""
    ax = axes(ax)
    names = [name for name in STATE_LABELS if name in state_gb]
    values = [state_gb[name] for name in names]
    ax.barh([STATE_LABELS[name] for name in names], values, color=PALETTE["purple"], label="optimizer state")
    for row, value in enumerate(values):
        ax.text(value, row, f" {value:.3g} GB", va="center", fontsize=9)
    ax.set_xscale("log")
    ax.set_xlim(min(values) / 3, max(values) * 8)
    ax.invert_yaxis()
    finish(ax, "Optimizer state of a 7 B model", "GB (log scale)", "optimizer")
    return ax


def fp16_figure(gradients: np.ndarray, loss_scale: float, ax: Axes | None = None) -> Axes:
    """Histogram of log₁₀ |gradient| with the magnitudes fp16 loses (below half its smallest number) shaded, before
    and after multiplying by ``loss_scale``; the dashed line is fp16's largest number."""
    ax = axes(ax)
    logs = np.log10(np.abs(gradients[gradients != 0]))
    bins = np.linspace(-14, 6, 81)
    counts, _, _ = ax.hist(logs, bins=bins, color=PALETTE["blue"], alpha=0.7, label="gradients")
    ax.hist(
        logs + np.log10(loss_scale),
        bins=bins,
        color=PALETTE["orange"],
        alpha=0.7,
        label=f"gradients × {loss_scale:g} (loss scaling)",
    )
    ax.axvspan(-14, np.log10(2.0**-25), color=PALETTE["grey"], alpha=0.25, label="rounds to 0 in fp16")
    ax.axvline(np.log10(65504), color=PALETTE["red"], ls="--", lw=1.2, label="fp16's largest, 65 504")
    ax.set_ylim(0, 1.8 * counts.max())  # room for the legend above the bars
    finish(ax, "Scaling the loss moves gradients into fp16's range", "log₁₀ |g|", "count")
    ax.legend(fontsize=8.5, loc="upper left", ncols=2)
    return ax


def checkpointing_figure(layers: int, ax: Axes | None = None) -> Axes:
    """Layer activations held at once against the checkpoint spacing k, for ``layers`` layers; the √L mark."""
    ax = axes(ax)
    ks = np.arange(1, layers + 1)
    ax.plot(
        ks,
        [scale.checkpointed_activations(layers, k) for k in ks],
        marker="o",
        ms=3.5,
        color=PALETTE["blue"],
        label="⌈L/k⌉ kept inputs + k recomputed layers",
    )
    ax.axhline(layers, color=PALETTE["grey"], ls="--", lw=1.2, label=f"no checkpointing: all {layers} layers")
    ax.set_ylim(0, 1.15 * (layers + 1))
    ax.axvline(np.sqrt(layers), color=PALETTE["red"], ls=":", lw=1.2, label=f"k = √L ≈ {np.sqrt(layers):.1f}")
    finish(ax, f"Checkpointing a {layers}-layer transformer", "checkpoint every k layers", "layer activations held")
    return ax


def parallelism_figure(stages: int = 4, micro_batches: int = 8, fig: Figure | None = None) -> Figure:
    """Left: tensor parallelism, a matrix product XW with W's columns split over two devices. Right: the GPipe
    pipeline schedule, stages × time slots, forward (F) and backward (B) passes of each micro-batch, idle slots grey."""
    from matplotlib.patches import Rectangle

    fig = sized(fig, (10.0, 3.8))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.7]})
    colours = (PALETTE["blue"], PALETTE["orange"])
    left.add_patch(Rectangle((0, 0), 1.2, 2, facecolor="none", edgecolor=PALETTE["grey"], lw=1.5))
    left.text(0.6, 1.0, "X", ha="center", va="center", fontsize=14)
    for half, colour in enumerate(colours):
        left.add_patch(
            Rectangle(
                (1.6 + 0.6 * half, 0.4),
                0.6,
                1.6,
                facecolor=colour,
                alpha=0.6,
                edgecolor=colour,
                label=f"device {half + 1}: half the columns of W",
            )
        )
        left.text(1.9 + 0.6 * half, 1.2, f"W{half + 1}", ha="center", va="center", fontsize=12)
        left.add_patch(Rectangle((3.4 + 0.6 * half, 0), 0.6, 2, facecolor=colour, alpha=0.6, edgecolor=colour))
        left.text(3.7 + 0.6 * half, 1.0, f"XW{half + 1}", ha="center", va="center", fontsize=10)
    left.text(1.4, 1.0, "×", ha="center", va="center", fontsize=14)
    left.text(3.1, 1.0, "=", ha="center", va="center", fontsize=14)
    left.set_xlim(-0.1, 4.8)
    left.set_ylim(-0.3, 2.6)
    left.set_xticks([])
    left.set_yticks([])
    finish(left, "Tensor parallelism: split a layer", "", "")
    left.legend(fontsize=8, loc="upper center", ncols=1)
    slots = 2 * (micro_batches + stages - 1)
    for stage in range(stages):
        right.add_patch(Rectangle((0, stage), slots, 1, facecolor=PALETTE["grey"], alpha=0.25, edgecolor="none"))
        for m in range(micro_batches):
            forward, backward = stage + m, micro_batches + stages - 1 + (stages - 1 - stage) + m
            for slot, colour, letter in ((forward, colours[0], "F"), (backward, colours[1], "B")):
                right.add_patch(Rectangle((slot, stage), 1, 1, facecolor=colour, alpha=0.75, edgecolor="white"))
                right.text(slot + 0.5, stage + 0.5, f"{letter}{m + 1}", ha="center", va="center", fontsize=6.5)
    right.set_xlim(0, slots)
    right.set_ylim(stages, 0)
    right.set_yticks(np.arange(stages) + 0.5, [f"device {s + 1}" for s in range(stages)])
    right.plot([], [], color=colours[0], lw=6, label="forward")
    right.plot([], [], color=colours[1], lw=6, label="backward")
    right.plot([], [], color=PALETTE["grey"], alpha=0.4, lw=6, label="idle (the bubble)")
    bubble = scale.pipeline_bubble(stages, micro_batches)
    finish(
        right,
        f"Pipeline parallelism: {stages} stages, {micro_batches} micro-batches, {bubble:.0%} idle",
        "time slot",
        "",
    )
    right.legend(fontsize=8, loc="lower right", ncols=3)
    return fig


def saturation_figure(
    scales: np.ndarray, plain: list[dict[str, float]], normed: list[dict[str, float]], fig: Figure | None = None
) -> Figure:
    """Left: the entropy of one query's attention weights against the size of q and k, without and with QK-norm.
    Right: the norm of the softmax Jacobian, the factor every gradient through the attention weights is multiplied
    by."""
    fig = sized(fig, WIDER)
    left, right = fig.subplots(1, 2)
    for panel, key, title, ylabel in (
        (left, "entropy", "Attention collapses onto one key", "entropy of the weights (nats)"),
        (right, "jacobian_norm", "…and its gradient vanishes", "‖diag(p) − ppᵀ‖ (log scale)"),
    ):
        panel.plot(scales, [r[key] for r in plain], marker="o", color=PALETTE["red"], label="plain attention")
        panel.plot(scales, [r[key] for r in normed], marker="s", color=PALETTE["blue"], label="with QK-norm")
        panel.set_xscale("log")
        finish(panel, title, "size of the entries of q and k", ylabel)
    right.set_yscale("log")
    return fig


def rate_width_figure(sweep: dict[int, dict[float, float]], ax: Axes | None = None) -> Axes:
    """Validation loss after a short run against the peak rate (log scale), one line per width, the best rate marked."""
    ax = axes(ax)
    colours = [PALETTE["blue"], PALETTE["orange"], PALETTE["green"], PALETTE["purple"]]
    for colour, (width, losses) in zip(colours, sweep.items()):
        rates = np.array(list(losses))
        values = np.array(list(losses.values()))
        ax.semilogx(rates, values, "o-", color=colour, lw=1.6, label=f"n_embd = {width}")
        ax.semilogx(rates[np.argmin(values)], values.min(), "*", color=colour, ms=15, mec="black", mew=0.6)
    finish(
        ax,
        "The best peak rate at three widths (star: lowest)",
        "peak learning rate η (log scale)",
        "validation loss (nats per character)",
    )
    return ax


def tradeoff_figure(b_noise: float, batch: int, ax: Axes | None = None) -> Axes:
    """McCandlish et al.'s steps–examples trade-off, S/S_min against E/E_min as the batch size varies, with B = B_noise
    and the batch used marked."""
    ax = axes(ax)
    sizes = b_noise * np.logspace(-2, 2, 200)
    cost = noise.batch_size_tradeoff(sizes, b_noise)
    ax.loglog(
        cost["examples"],
        cost["steps"],
        color=PALETTE["blue"],
        lw=1.8,
        label="batch sizes B from B_noise/100 to 100·B_noise",
    )
    for size, colour, label in (
        (b_noise, PALETTE["red"], f"B = B_noise ≈ {b_noise:.3g}: twice the minimum of both"),
        (batch, PALETTE["green"], f"B = {batch}, the batch of the runs"),
    ):
        point = noise.batch_size_tradeoff(size, b_noise)
        ax.loglog(point["examples"], point["steps"], "o", color=colour, ms=8, label=label)
    finish(
        ax,
        "Steps against examples to reach the same loss",
        "examples processed E / E_min (log scale)",
        "optimizer steps S / S_min (log scale)",
    )
    return ax


def schedules_figure(
    rates: dict[str, np.ndarray], losses: dict[str, np.ndarray], window: int = 10, fig: Figure | None = None
) -> Figure:
    """Left: learning rate per step of each schedule. Right: each run's batch loss, averaged over ``window`` steps."""
    fig = sized(fig, WIDER)
    left, right = fig.subplots(1, 2)
    for label, rate in rates.items():
        left.plot(np.arange(len(rate)), rate, lw=1.8, label=label)
    finish(left, "Two schedules, same peak", "step t", "learning rate η_t")
    for label, loss in losses.items():
        smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
        right.plot(np.arange(window - 1, len(loss)), smooth, lw=1.6, label=label)
    finish(right, f"Batch loss, mean of {window} steps", "step t", "training loss (nats per character)")
    return fig


def warmup_figure(
    losses: dict[str, np.ndarray], rectification: dict[str, np.ndarray], fig: Figure | None = None
) -> Figure:
    """Left: the batch loss of runs at a high peak rate (log scale). Right: RAdam's rectification r_t for some β₂."""
    fig = sized(fig, WIDER)
    left, right = fig.subplots(1, 2)
    for label, loss in losses.items():
        left.semilogy(np.arange(len(loss)), loss, lw=1.5, label=label)
    finish(left, "Peak rate 0.3, with and without warmup", "step t", "batch loss (log scale)")
    for label, r in rectification.items():
        right.semilogx(np.arange(1, len(r) + 1), r, lw=1.8, label=label)
    finish(right, "RAdam's rectification: an implied warmup", "step t (log scale)", "factor r_t on Adam's step")
    return fig
