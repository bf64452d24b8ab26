"""Figures of Chapter 8 (learning-rate schedules and warmup). Each is a pure function of its parameters; ``explore``
adds the sliders. The schedules come from :mod:`book.schedules`, the runs from :mod:`book.training`; this module only
draws them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from book import schedules, training
from book.optim import adam, sgd
from book.plotting import PALETTE, WIDER, axes, finish, sized

"""Size in inches of the two-panel figures."""

TOTAL = 1000
"""Section 1's schedules run for 1 000 steps."""

SCHEDULES: dict[str, Callable] = {
    "constant 0.1": schedules.constant(0.1),
    "step: ×0.5 every 250": schedules.step_decay(0.1, step_size=250, gamma=0.5),
    "exponential γ = 0.997": schedules.exponential(0.1, gamma=0.997),
    "inverse time, τ = 100": schedules.inverse_time_decay(0.1, decay_steps=100),
    "cosine to 0.01": schedules.cosine(0.1, total_steps=TOTAL, min_lr=0.01),
    "warmup 100 + cosine": schedules.warmup_cosine(0.1, warmup_steps=100, total_steps=TOTAL, min_lr=0.01),
}
"""Section 1's six schedules, all starting from (or peaking at) η = 0.1."""

STEPS = 300
"""Every training run on the sine fit takes 300 full-batch Adam steps."""

PEAK_LRS = [0.01, 0.03, 0.1, 0.3, 1.0]
WARMUPS = [0, 5, 10, 20, 50, 100]
"""The explorable's peak rates and warmup lengths (30 runs)."""

SPIKE_WINDOW = 50
"""The early phase in which the loss spikes are measured: the first 50 steps."""

SWEEP_STEPS = [50, 100, 200, 400]
SWEEP_OPTIMIZERS = ["Adam", "SGD"]
LR_MIN, LR_MAX = 1e-4, 10.0
"""The range test sweeps the rate from 1e-4 to 10 over ``sweep_steps`` steps."""

SCALING_SETTINGS = [(0.01, 1), (0.02, 2), (0.04, 4), (0.08, 8), (0.01, 4)]
"""Section 3's (η, B) pairs on Chapter 5's least squares: four along η/B = 0.01, then the first η with four times the
batch."""
SCALING_RUNS, SCALING_STEPS = 200, 3000


def schedule_for(peak_lr: float, warmup_steps: int) -> Callable:
    """The explorable's schedule: linear warmup over ``warmup_steps`` then cosine to 0 at step 300 (plain cosine at
    0)."""
    return training.warmup_then_cosine(peak_lr, int(warmup_steps), STEPS)


def schedules_figure(ax: Axes | None = None) -> Axes:
    """The six schedules of Section 1 over 1 000 steps."""
    ax = axes(ax)
    steps = np.arange(TOTAL + 1)
    for label, schedule in SCHEDULES.items():
        ax.plot(
            steps, schedule(steps), lw=1.8, label=label, color=PALETTE["ink"] if label.startswith("constant") else None
        )
    finish(ax, "Six learning-rate schedules", "step t", "learning rate η_t")
    ax.legend(fontsize=8.5, loc="upper right")
    return ax


def conventions_figure(curves: dict, warmup_steps: int, ax: Axes | None = None) -> Axes:
    """Warmup + cosine as computed by each convention in ``curves`` (label → rates per step), the warmup's end
    marked."""
    ax = axes(ax)
    styles = [
        dict(lw=4, alpha=0.35),
        dict(lw=1.6, ls="--"),
        dict(lw=0, marker="o", ms=3, markevery=40),
        dict(lw=1.6, ls=":"),
    ]
    for (label, rates), style in zip(curves.items(), styles):
        ax.plot(np.arange(len(rates)), rates, label=label, **style)
    ax.axvline(warmup_steps, color=PALETTE["grey"], lw=1, ls="--")
    finish(ax, "One schedule, four ways of writing it", "step t", "learning rate η_t")
    ax.legend(fontsize=8.5)
    return ax


def step_ratio_figure(ratios: dict, ax: Axes | None = None) -> Axes:
    """Median |Δθ| / η per step for constant-rate Adam runs (label → ratios), log scale."""
    ax = axes(ax)
    for label, ratio in ratios.items():
        ax.semilogy(np.arange(len(ratio)), ratio, lw=1.6, label=label)
    ax.axhline(1.0, color=PALETTE["grey"], lw=1, ls="--", label="|Δθ| = η (the first step)")
    finish(ax, "Adam's first steps are its largest", "step t", "median |Δθ| / η over all weights")
    return ax


def warmup_losses(peak_lr: float, warmup_steps: int) -> np.ndarray:
    """The loss at each of the 300 steps of Adam on the sine fit under ``schedule_for(peak_lr, warmup_steps)`` (cached
    by :func:`book.training.warmup_cosine_losses`)."""
    return training.warmup_cosine_losses(peak_lr, int(warmup_steps), STEPS)


def warmup_figure(peak_lr: float, warmup_steps: int, fig: Figure | None = None) -> Figure:
    """Left: the learning rate per step, linear warmup then cosine to 0 at step 300. Right: the training loss of Adam
    on the sine fit under that schedule (blue) and under the same peak rate without warmup (grey), on a log scale:
    at large peak rates the run without warmup jumps far above the starting loss in its first steps, and a longer
    warmup removes the jump."""
    fig = sized(fig, WIDER)
    left, right = fig.subplots(1, 2)
    steps = np.arange(STEPS + 1)
    left.plot(steps, schedule_for(peak_lr, warmup_steps)(steps), color=PALETTE["blue"], label=f"warmup {warmup_steps}")
    left.plot(steps, schedule_for(peak_lr, 0)(steps), color=PALETTE["grey"], lw=1.2, ls="--", label="no warmup")
    finish(left, f"Schedule, peak η = {peak_lr:g}", "step t", "learning rate η_t")
    left.set_ylim(0, 1.05 * peak_lr)
    warm, cold = warmup_losses(peak_lr, int(warmup_steps)), warmup_losses(peak_lr, 0)
    right.semilogy(steps, cold, color=PALETTE["grey"], lw=1.2, label="no warmup")
    right.semilogy(steps, warm, color=PALETTE["blue"], lw=1.6, label=f"warmup {warmup_steps} steps")
    right.axhline(cold[0], color=PALETTE["ink"], lw=0.8, ls=":", label="starting loss")
    right.set_ylim(1e-4, 1e2)
    finish(right, "Adam on the sine fit", "step t", "loss ℓ (log scale)")
    right.legend(fontsize=8.5, loc="upper right")
    return fig


def spike_figure(spikes: np.ndarray, start_loss: float, ax: Axes | None = None) -> Axes:
    """Largest loss of the first 50 steps (rows: peak rates ``PEAK_LRS``, columns: warmups ``WARMUPS``), log scale."""
    ax = axes(ax)
    for peak, row in zip(PEAK_LRS, spikes):
        ax.semilogy(WARMUPS, row, marker="o", lw=1.6, label=f"peak η = {peak:g}")
    ax.axhline(start_loss, color=PALETTE["ink"], lw=1, ls=":", label="starting loss")
    finish(ax, "Warmup removes the early loss spike", "warmup steps", f"largest loss in the first {SPIKE_WINDOW} steps")
    ax.legend(fontsize=8.5, ncol=2)
    return ax


def lr_finder_figure(
    lrs: np.ndarray, losses: np.ndarray, blow_up: float, suggestion: float, start_loss: float, ax: Axes | None = None
) -> Axes:
    """The range test's loss against the learning rate (log-log), the blow-up and the suggested rate marked."""
    ax = axes(ax)
    ax.loglog(lrs, losses, color=PALETTE["blue"], lw=1.8, label="loss after the step at rate η")
    ax.axhline(start_loss, color=PALETTE["ink"], lw=0.8, ls=":", label="starting loss")
    ax.axvline(blow_up, color=PALETTE["red"], lw=1.4, ls="--", label=f"blow-up η ≈ {blow_up:.2g}")
    ax.axvline(suggestion, color=PALETTE["green"], lw=1.8, label=f"suggestion η ≈ {suggestion:.2g} (÷ 10)")
    finish(ax, "Learning-rate range test", "learning rate η (grows every step)", "training loss ℓ")
    ax.legend(fontsize=8.5, loc="lower left")
    return ax


def sweep_figure(sweep_steps: int, optimizer: str, ax: Axes | None = None) -> Axes:
    """The range test's loss against the learning rate on log-log axes, for Adam or plain gradient descent, the rate
    growing from 1e-4 to 10 over the chosen number of steps; the red dashed line marks where the loss blows up and
    the green line the suggested rate ten times lower. Adam blows up near 0.1, gradient descent at a rate several
    times higher, and a faster sweep moves the blow-up to larger rates."""
    ax = axes(ax)
    make = adam if optimizer == "Adam" else sgd
    lrs, losses = training.lr_range_test(
        make,
        training.sine_gradient,
        training.sine_loss,
        training.sine_start(),
        lr_min=LR_MIN,
        lr_max=LR_MAX,
        steps=int(sweep_steps),
    )
    blow_up = training.blow_up_lr(lrs, losses)
    lr_finder_figure(lrs, losses, blow_up, blow_up / 10, training.sine_loss(training.sine_start()), ax=ax)
    ax.set_xlim(LR_MIN, LR_MAX)
    ax.set_ylim(1e-3, 1e2)
    ax.set_title(f"Range test: {optimizer}, {int(sweep_steps)} steps")
    return ax
