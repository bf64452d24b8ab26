"""Figures of Chapter 5 (stochastic and mini-batch gradient descent). Each is a pure function of its parameters;
``explore`` adds the sliders. The numbers come from :mod:`book.noise`; this module only draws them."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.ticker import FormatStrFormatter, NullFormatter

from book import noise, schedules
from book.data import linear_data
from book.functions import LeastSquares
from book.optim import run, sgd
from book.plotting import PALETTE, axes, finish, sized

"""Size in inches of the two-panel figures."""

N = 1000
TRUE_WEIGHTS = (2.0, -1.0)
NOISE = 1.0
PROBLEM = LeastSquares(*linear_data(N, TRUE_WEIGHTS, noise=NOISE, seed=0))
"""Sections 1–4's data: y = 2 − x + noise for 1 000 points, fitted by θ = (b, w), intercept and slope, with the mean
squared error."""

START = np.array([-1.0, 2.0])
"""Where every SGD path of Sections 3 and 4 starts."""

CLOUD_POINT = np.zeros(2)
"""Where Sections 1 and 2 draw mini-batch gradients."""

CLOUD_DRAWS = 400
PATH_STEPS = 400

NOISE_BALL_SETTINGS = [(0.0125, 1), (0.025, 1), (0.05, 1), (0.1, 1), (0.2, 1), (0.05, 4), (0.1, 4), (0.2, 4), (0.4, 4)]
"""(learning rate, batch size) pairs whose settled noise ball Section 3 measures."""

DECAY_LR, DECAY_TAU = 0.1, 100
"""Section 3's decaying schedule η_t = 0.1 / (1 + t/100), also used by the path explorable."""

COST_EPOCHS, COST_BATCH, COST_LR, COST_RUNS = 10, 10, 0.05, 100
"""Section 4's comparison: SGD with B = 10, η = 0.05, 100 chains, for 10 epochs."""

DIGITS_LR, DIGITS_BATCH, DIGITS_EPOCHS = 0.1, 32, 40
"""Section 5's training run on the digits."""

PATH_LRS = [0.01, 0.03, 0.1, 0.3, 0.6]
PATH_BATCH_SIZES = [1, 4, 16, 64]
VARIANCE_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
CLOUD_BATCH_SIZES = [*VARIANCE_BATCH_SIZES, N]
SAMPLINGS = ["with replacement", "without replacement"]


@functools.cache
def _loss_grid(radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The regression loss on a 121 × 121 grid of half-width ``radius`` around θ* (computed once per radius)."""
    centre = PROBLEM.minimizer
    axis_x = np.linspace(centre[0] - radius, centre[0] + radius, 121)
    axis_y = np.linspace(centre[1] - radius, centre[1] + radius, 121)
    return axis_x, axis_y, PROBLEM(np.stack(np.meshgrid(axis_x, axis_y), axis=-1))


@functools.cache
def _mean_square_limit(batch_size: int) -> float:
    """The path figure's mean-square limit for batches of ``batch_size`` (computed once per batch size)."""
    return noise.mean_square_limit(PROBLEM, batch_size, tol=1e-6)


def _contours(ax: Axes, radius: float) -> None:
    """Level curves of the regression loss around its minimiser θ*, drawn as a star."""
    centre = PROBLEM.minimizer
    ax.contour(*_loss_grid(radius), levels=12, cmap="viridis", linewidths=0.8, alpha=0.7)
    star = PROBLEM.minimizer
    ax.plot(*star, marker="*", markersize=14, color=PALETTE["red"], linestyle="none", label="minimiser θ*", zorder=5)
    ax.set_xlim(centre[0] - radius, centre[0] + radius)
    ax.set_ylim(centre[1] - radius, centre[1] + radius)
    ax.set_aspect("equal")


def unbiased_figure(
    draws: np.ndarray,
    full_gradient: np.ndarray,
    errors: np.ndarray,
    standard_error: np.ndarray,
    fig: Figure | None = None,
) -> Figure:
    """Left: mini-batch gradients scattered around the full gradient, their mean on it; right: the running mean's
    error against the number of draws, along σ_B/√k."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    shown = draws[:CLOUD_DRAWS]
    left.scatter(
        shown[:, 0], shown[:, 1], s=6, color=PALETTE["sky"], alpha=0.6, label=f"{len(shown)} mini-batch gradients"
    )
    left.plot(
        *full_gradient, marker="*", markersize=15, color=PALETTE["red"], linestyle="none", label="full gradient ∇f"
    )
    mean = draws.mean(axis=0)
    left.plot(
        *mean,
        marker="x",
        markersize=10,
        mew=2.5,
        color=PALETTE["ink"],
        linestyle="none",
        label=f"mean of {len(draws):,} draws",
    )
    left.set_aspect("equal", adjustable="datalim")
    finish(left, "Mini-batch gradients (B = 10)", "∂f/∂b (intercept)", "∂f/∂w (slope)")
    left.legend(fontsize=8, loc="upper right")
    counts = np.arange(1, len(errors) + 1)
    right.loglog(counts, errors, color=PALETTE["blue"], lw=1.5, label="‖mean of k draws − ∇f‖")
    right.loglog(counts, standard_error, color=PALETTE["ink"], ls="--", lw=1.2, label="σ_B / √k")
    finish(right, "The average converges to ∇f", "number of draws k", "distance to ∇f")
    return fig


def cloud_figure(batch_size: float, sampling: str, ax: Axes | None = None) -> Axes:
    """400 mini-batch gradients at w = (0, 0) scattered around the full gradient (a star) inside a dashed circle of
    the predicted root-mean-square radius; the cloud shrinks as the batch size grows, and without replacement it
    collapses onto the star at B = n = 1000."""
    ax = axes(ax)
    batch_size, replace = int(batch_size), sampling == SAMPLINGS[0]
    draws = noise.minibatch_draws(PROBLEM, CLOUD_POINT, batch_size, CLOUD_DRAWS, seed=batch_size, replace=replace)
    full = PROBLEM.grad(CLOUD_POINT)
    spread = np.sqrt(noise.minibatch_variance(PROBLEM, CLOUD_POINT, batch_size, replace))
    ax.scatter(draws[:, 0], draws[:, 1], s=8, color=PALETTE["sky"], alpha=0.7, label="mini-batch gradients")
    ax.add_patch(Circle(full, spread, fill=False, color=PALETTE["blue"], lw=1.8, ls="--"))
    ax.plot([], [], color=PALETTE["blue"], lw=1.8, ls="--", label=f"radius √variance = {spread:.3f}")
    ax.plot(*full, marker="*", markersize=15, color=PALETTE["red"], linestyle="none", label="full gradient ∇f")
    ax.set_xlim(full[0] - 9, full[0] + 9)
    ax.set_ylim(full[1] - 6, full[1] + 6)
    ax.set_aspect("equal")
    finish(ax, f"B = {batch_size}, {sampling}", "∂f/∂b (intercept)", "∂f/∂w (slope)")
    ax.legend(loc="lower left", fontsize=8)
    return ax


def variance_figure(batch_sizes: Sequence[int], measured: dict, predicted: dict, ax: Axes | None = None) -> Axes:
    """Log-log plot of the measured and predicted variance of the mini-batch gradient against B, with and without
    replacement."""
    ax = axes(ax)
    colours = {SAMPLINGS[0]: PALETTE["blue"], SAMPLINGS[1]: PALETTE["orange"]}
    sizes = np.asarray(batch_sizes)
    for sampling, colour in colours.items():
        ax.loglog(sizes, predicted[sampling], color=colour, lw=1.5, label=f"theory, {sampling}")
        ax.loglog(sizes, measured[sampling], "o", color=colour, ms=6, label=f"measured, {sampling}")
    finish(ax, "Variance of the mini-batch gradient", "batch size B", "E‖g_B − ∇f‖²")
    return ax


def noise_ball_figure(
    ratios: np.ndarray,
    measured: np.ndarray,
    exact: np.ndarray,
    additive: np.ndarray,
    first_order: float,
    ax: Axes | None = None,
) -> Axes:
    """Log-log plot of SGD's settled E‖θ − θ*‖² against η/B: measured dots on the exact second moment's crosses, the
    additive-noise model below them at large η, and the line (η/2B)·tr(H⁻¹Σ*)."""
    ax = axes(ax)
    line = np.geomspace(min(ratios) / 1.3, max(ratios) * 1.3, 50)
    ax.loglog(line, first_order * line, color=PALETTE["grey"], lw=1.5, label="(η/2B)·tr(H⁻¹Σ*)")
    ax.loglog(ratios, additive, "+", color=PALETTE["orange"], ms=10, mew=2, label="additive-noise model")
    ax.loglog(ratios, exact, "x", color=PALETTE["ink"], ms=9, mew=2, label="exact second moment")
    ax.loglog(ratios, measured, "o", color=PALETTE["blue"], ms=6, alpha=0.8, label="measured (200 chains)")
    ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    finish(ax, "The noise ball grows with η / B", "learning rate / batch size, η / B", "settled E‖θ − θ*‖²")
    return ax


def decay_figure(steps: np.ndarray, curves: dict, ax: Axes | None = None) -> Axes:
    """Log-log plot of E‖θ_t − θ*‖² against the step t for each learning-rate schedule in ``curves``."""
    ax = axes(ax)
    for (label, curve), colour in zip(curves.items(), (PALETTE["orange"], PALETTE["blue"], PALETTE["green"])):
        ax.loglog(steps, curve, color=colour, lw=1.8, label=label)
    finish(ax, "Constant versus decaying learning rate", "step t", "E‖θ_t − θ*‖² (mean of 200 chains)")
    return ax


def sgd_path_figure(lr: float, batch_size: float, schedule: str, ax: Axes | None = None) -> Axes:
    """SGD's 400-step path from (−1, 2) over the level curves of the regression loss: with a constant learning rate
    it ends wandering around the minimiser (a star) inside a noise ball, drawn as a dashed circle of the exact
    root-mean-square radius, that grows with the learning rate and shrinks with the batch size; above the
    mean-square limit (η = 0.6 with B = 1) the frame says there is no noise ball and the path leaves the picture;
    with the decaying schedule it settles onto the minimiser."""
    ax = axes(ax)
    batch_size = int(batch_size)
    rate = schedules.inverse_time_decay(lr, DECAY_TAU) if schedule == "decaying" else lr
    path = run(sgd(rate), noise.stochastic_gradient(PROBLEM, batch_size, seed=0, scheme="replace"), START, PATH_STEPS).x
    _contours(ax, 3.2)
    ax.plot(path[:, 0], path[:, 1], color=PALETTE["blue"], lw=0.8, alpha=0.8, label=f"SGD, {PATH_STEPS} steps")
    ax.plot(*START, "o", color=PALETTE["ink"], ms=6, label="start")
    title = f"η = {lr:g}" if schedule == "constant" else f"η_t = {lr:g}/(1 + t/{DECAY_TAU})"
    limit = _mean_square_limit(batch_size)
    if schedule == "constant" and lr < limit:
        radius = np.sqrt(noise.noise_ball(PROBLEM, lr, batch_size))
        ax.add_patch(Circle(PROBLEM.minimizer, radius, fill=False, color=PALETTE["red"], lw=2.2, ls="--", zorder=6))
        ax.plot([], [], color=PALETTE["red"], lw=1.8, ls="--", label=f"exact RMS radius {radius:.2f}")
    elif schedule == "constant":
        ax.text(
            0.5,
            0.96,
            f"unstable: η > {limit:.2f}, the mean-square limit for B = {batch_size};\n"
            "E‖θ − θ*‖² grows without bound, there is no noise ball",
            transform=ax.transAxes,
            ha="center",
            va="top",
            fontsize=8.5,
            color=PALETTE["red"],
            bbox={"facecolor": "white", "alpha": 0.85, "lw": 0},
        )
        title += " (unstable)"
    finish(ax, f"{title}, B = {batch_size}", "b (intercept)", "w (slope)")
    ax.legend(loc="lower left", fontsize=8)
    return ax


def cost_figure(examples: dict, gaps: dict, ax: Axes | None = None) -> Axes:
    """Log-log plot of the loss gap f − f* against the number of examples processed, one line per method."""
    ax = axes(ax)
    colours = (PALETTE["ink"], PALETTE["blue"], PALETTE["orange"], PALETTE["green"])
    for (label, x), colour in zip(examples.items(), colours):
        style = {"marker": "o", "ms": 5} if label.startswith("full") else {}
        ax.loglog(x[1:], gaps[label][1:], color=colour, lw=1.6, label=label, **style)
    ax.axvline(N, color=PALETTE["grey"], lw=1, ls=":")
    ax.text(N * 1.05, ax.get_ylim()[1] * 0.3, "1 epoch", color=PALETTE["grey"], fontsize=9)
    finish(ax, "What a step costs", "examples processed", "f(w) − f* (mean of 100 runs)")
    return ax


def digits_figure(images: np.ndarray, labels: np.ndarray, fig: Figure | None = None) -> Figure:
    """The first twenty 8×8 digit images of the data set in grey, each titled with its label."""
    fig = sized(fig, (8.0, 2.2))
    for index, ax in enumerate(fig.subplots(2, 10).ravel()):
        ax.imshow(images[index].reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        ax.set_title(str(labels[index]), fontsize=10)
        ax.set_axis_off()
    fig.suptitle("Handwritten digits, 8 × 8 pixels with values 0–16")
    return fig


def training_figure(history: dict, fig: Figure | None = None) -> Figure:
    """Left: training and test loss per epoch (log scale); right: training and test accuracy per epoch."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    epochs = np.arange(len(history["train loss"]))
    for part, colour in (("train", PALETTE["blue"]), ("test", PALETTE["orange"])):
        left.plot(epochs, history[f"{part} loss"], color=colour, label=f"{part} set")
        right.plot(epochs[1:], 100 * np.asarray(history[f"{part} accuracy"])[1:], color=colour, label=f"{part} set")
    left.set_yscale("log")
    finish(left, "Cross-entropy loss", "epoch", "mean loss (log scale)")
    finish(right, "Accuracy", "epoch", "correctly classified (%)")
    return fig
