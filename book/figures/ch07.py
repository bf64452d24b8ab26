"""Figures of Chapter 7 (adaptive methods). Each is a pure function of its parameters; ``explore`` adds the sliders.
The numbers come from :mod:`book.optim` and :mod:`book.adaptive`; this module only draws them."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from book.functions import Quadratic, Rosenbrock
from book.optim import adagrad, adam, adamw, rmsprop, run, sgd
from book.plotting import PALETTE, axes, finish, sized

"""Size in inches of the two-panel figures."""

SCALED_START = np.array([-2.0, 1.0])
SCALED_STEPS = 300
KAPPAS = [1, 10, 100, 1000]
"""The badly scaled quadratic ½(x² + κy²) of Section 1, its start, run length and the slider's κ values."""

SCALED_OPTIMIZERS = {
    "GD (η = 2/(1+κ))": lambda kappa: sgd(2 / (1 + kappa)),
    "AdaGrad (lr 0.5)": lambda kappa: adagrad(0.5),
    "RMSProp (lr 0.01)": lambda kappa: rmsprop(0.01),
    "Adam (lr 0.05)": lambda kappa: adam(0.05),
}
"""Section 1's optimizers, each a function of κ (only GD's learning rate depends on it)."""

ROSENBROCK = Rosenbrock()
ROSENBROCK_START = np.array([-1.5, 2.0])
ROSENBROCK_STEPS = 1000
ADAM_LRS = [0.003, 0.01, 0.03, 0.1]
BETA1S = [0.0, 0.5, 0.9, 0.99]
BETA2S = [0.9, 0.99, 0.999, 0.9999]
"""Section 4's slider: Adam on Rosenbrock from (−1.5, 2) for 1 000 steps."""

RACE_LRS = [scale * 10.0**power for power in range(-5, 1) for scale in (1.0, 3.0)]
"""Section 7's grid of learning rates, 1e-5 to 3 in steps of about √10: every optimizer is tuned on it."""
RACE_STEPS, RACE_STARTS = 2000, 1000
WEIGHT_DECAY = 0.01
RACE_OPTIMIZERS = {
    "SGD": sgd,
    "SGD + momentum 0.9": lambda lr: sgd(lr, momentum=0.9),
    "AdaGrad": adagrad,
    "RMSProp": rmsprop,
    "Adam": adam,
    "AdamW (λ = 0.01)": lambda lr: adamw(lr, weight_decay=WEIGHT_DECAY),
}
"""Section 7's optimizers, each a function of its learning rate; defaults otherwise (PyTorch's)."""
HOVER_LRS, HOVER_STEPS, HOVER_WINDOW = (0.02, 0.002), 40_000, 2000
"""Section 7's AdamW on Rosenbrock from (−1.5, 2): constant rates, run length, and the last steps averaged."""

COLOURS = [PALETTE[name] for name in ("ink", "blue", "orange", "green", "red", "purple", "sky")]


def scaled_quadratic(kappa: float) -> Quadratic:
    """½(x² + κy²): curvature 1 along x and κ along y."""
    return Quadratic(np.diag([1.0, float(kappa)]))


@functools.cache
def _scaled_grid(kappa: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """½(x² + κy²) on a 121 × 121 grid of [−2.5, 2.5] × [−1.5, 1.5] (computed once per κ)."""
    xs, ys = np.meshgrid(np.linspace(-2.5, 2.5, 121), np.linspace(-1.5, 1.5, 121))
    return xs, ys, scaled_quadratic(kappa)(np.stack([xs, ys], axis=-1))


@functools.cache
def _scaled_gd_path(kappa: float) -> np.ndarray:
    """Gradient descent with η = 2/(1+κ) on ½(x² + κy²), the scaled figure's reference (computed once per κ)."""
    return run(sgd(2 / (1 + kappa)), scaled_quadratic(kappa).grad, SCALED_START, SCALED_STEPS).x


def scaled_figure(kappa: float, optimizer: str, fig: Figure | None = None) -> Figure:
    """Left: the chosen optimizer's path on the ellipses of ½(x² + κy²) from (−2, 1); right: its distance to the
    minimum per step on a log scale, against gradient descent's at its best learning rate (grey); the adaptive
    methods' paths barely change with κ while gradient descent slows down as κ grows."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    f = scaled_quadratic(kappa)
    left.contour(
        *_scaled_grid(kappa), levels=np.geomspace(0.01, 4 * kappa, 12), cmap="viridis", linewidths=0.7, alpha=0.7
    )
    path = run(SCALED_OPTIMIZERS[optimizer](kappa), f.grad, SCALED_START, SCALED_STEPS).x
    left.plot(path[:, 0], path[:, 1], ".-", color=PALETTE["red"], lw=1, ms=3, label=optimizer)
    left.plot(0, 0, marker="*", ms=12, color=PALETTE["ink"], ls="none", label="minimum")
    left.set_xlim(-2.5, 2.5)
    left.set_ylim(-1.5, 1.5)
    finish(left, f"Path on ½(x² + {kappa:g}y²)", "x", "y")
    left.legend(fontsize=8, loc="lower right")
    gd = _scaled_gd_path(kappa)
    steps = np.arange(SCALED_STEPS + 1)
    with np.errstate(divide="ignore"):
        right.semilogy(steps, np.linalg.norm(gd, axis=-1), color=PALETTE["grey"], lw=1.5, label="GD, η = 2/(1+κ)")
        right.semilogy(steps, np.linalg.norm(path, axis=-1), color=PALETTE["red"], lw=1.5, label=optimizer)
    right.set_ylim(1e-8, 10)
    finish(right, "Distance to the minimum", "step k", "‖x_k − x*‖")
    right.legend(fontsize=8, loc="lower left")
    return fig


def sparse_figure(errors: Mapping[str, np.ndarray], frequencies: np.ndarray, fig: Figure | None = None) -> Figure:
    """Bars of each weight's remaining error after the run, for gradient descent and AdaGrad, against how often the
    weight's feature occurs."""
    fig = sized(fig, (6.4, 3.6))
    ax = fig.subplots()
    positions = np.arange(len(frequencies))
    width = 0.8 / len(errors)
    for i, (name, error) in enumerate(errors.items()):
        ax.bar(
            positions + (i - (len(errors) - 1) / 2) * width,
            np.maximum(error, 1e-16),
            width,
            color=COLOURS[i + 1],
            label=name,
        )
    ax.set_yscale("log")
    ax.set_xticks(positions, [f"present in {p:.0%}" for p in frequencies])
    finish(ax, "Error of each weight after 200 steps", "feature", "|w − w*|")
    return fig


def step_size_figure(steps: Mapping[str, np.ndarray], drop: int, ax: Axes | None = None) -> Axes:
    """The length of each step of AdaGrad and RMSProp when the gradient falls from 1 to 0.01 at a marked step:
    AdaGrad's steps stay tiny, RMSProp's recover."""
    ax = axes(ax)
    for i, (name, lengths) in enumerate(steps.items()):
        ax.semilogy(np.arange(len(lengths)), lengths, color=COLOURS[i + 1], lw=1.8, label=name)
    ax.axvline(drop, color=PALETTE["grey"], ls=":", label="gradient drops 1 → 0.01")
    return finish(ax, "Step length |x_(k+1) − x_k|, lr = 0.01", "step k", "step length")


def correction_figure(beta1: float, beta2: float, half: int, ax: Axes | None = None) -> Axes:
    """Adam's correction factors 1 − β₁ᵏ and 1 − β₂ᵏ against the step count k on a log axis: the first is near 1
    after a few dozen steps, the second reaches one half only at the marked step."""
    ax = axes(ax)
    k = np.arange(1, 10_001)
    ax.semilogx(k, 1 - beta1**k, color=PALETTE["blue"], lw=2, label=f"1 − β₁ᵏ, β₁ = {beta1:g}")
    ax.semilogx(k, 1 - beta2**k, color=PALETTE["orange"], lw=2, label=f"1 − β₂ᵏ, β₂ = {beta2:g}")
    ax.axhline(0.5, color=PALETTE["grey"], ls=":", lw=1)
    ax.plot(half, 1 - beta2**half, "o", color=PALETTE["red"], label=f"1 − β₂ᵏ ≥ ½ from k = {half}")
    return finish(ax, "Adam's bias-correction factors", "steps taken k", "1 − βᵏ")


@functools.cache
def _rosenbrock_grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rosenbrock's values on a 121 × 121 grid of [−2, 2] × [−1, 3] (computed once)."""
    xs, ys = np.meshgrid(np.linspace(-2, 2, 121), np.linspace(-1, 3, 121))
    return xs, ys, ROSENBROCK(np.stack([xs, ys], axis=-1))


def adam_rosenbrock_figure(lr: float, beta1: float, beta2: float, fig: Figure | None = None) -> Figure:
    """Left: Adam's path on the level curves of Rosenbrock's curved valley from (−1.5, 2) for 1 000 steps with the
    chosen learning rate and betas, the minimum (1, 1) marked; right: the value f(x_k) per step on a log scale."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    xs, ys, values = _rosenbrock_grid()
    left.contour(xs, ys, values, levels=np.geomspace(0.1, 2000, 14), cmap="viridis", linewidths=0.7, alpha=0.7)
    path = run(adam(lr, betas=(beta1, beta2)), ROSENBROCK.grad, ROSENBROCK_START, ROSENBROCK_STEPS).x
    values = ROSENBROCK(path)  # f at every iterate in one call, not one call per step
    left.plot(path[:, 0], path[:, 1], "-", color=PALETTE["red"], lw=1, label="Adam's path")
    left.plot(1, 1, marker="*", ms=12, color=PALETTE["ink"], ls="none", label="minimum (1, 1)")
    left.set_xlim(-2, 2)
    left.set_ylim(-1, 3)
    finish(left, f"lr = {lr:g}, β₁ = {beta1:g}, β₂ = {beta2:g}", "x", "y")
    left.legend(fontsize=8, loc="lower right")
    right.semilogy(np.arange(len(values)), np.maximum(values, 1e-16), color=PALETTE["red"], lw=1.2, label="Adam")
    right.set_ylim(1e-12, 1e4)
    finish(right, "Rosenbrock value per step", "step k", "f(x_k)")
    return fig


def decay_figure(curves: Mapping[str, np.ndarray], ax: Axes | None = None) -> Axes:
    """A weight whose loss gradient is zero, over 1 000 steps, for three λ (one colour each): Adam with L2 pulls it
    down by about lr per step whatever λ is (the curves overlap); AdamW shrinks it by the factor 1 − lr·λ per
    step, so λ sets how far."""
    ax = axes(ax)
    for i, (name, weights) in enumerate(curves.items()):
        decoupled = name.startswith("AdamW")
        ax.plot(
            np.arange(len(weights)),
            weights,
            color=COLOURS[1 + i // 2],
            lw=2 if decoupled else 3,
            ls="-" if decoupled else "--",
            alpha=1 if decoupled else 0.6,
            label=name,
        )
    return finish(ax, "Zero loss gradient: what weight decay alone does", "step k", "weight x_k")


def eps_figure(gradients: np.ndarray, outside: np.ndarray, inside: np.ndarray, ax: Axes | None = None) -> Axes:
    """RMSProp's first scaled step g/(√v + ε_opt) and g/√(v + ε_opt) against the size of the gradient, log-log: equal
    while √v ≫ √ε_opt, far apart below."""
    ax = axes(ax)
    ax.loglog(gradients, outside, color=PALETTE["blue"], lw=2, label="PyTorch: g/(√v + ε_opt)")
    ax.loglog(gradients, inside, color=PALETTE["orange"], lw=2, ls="--", label="optax eps_in_sqrt: g/√(v + ε_opt)")
    return finish(ax, "First RMSProp step in units of lr (β = 0.99, ε_opt = 1e-8)", "gradient g", "step / lr")


def comparison_figure(values: Mapping[str, Mapping[str, np.ndarray]], fig: Figure | None = None) -> Figure:
    """One panel per problem: for each optimizer, the fraction of the 1 000 starts whose final value is below each
    threshold (higher and further left is better)."""
    fig = sized(fig, (8.0, 3.8))
    panels = fig.subplots(1, len(values))
    for ax, (problem, finals) in zip(panels, values.items()):
        for i, (name, final) in enumerate(finals.items()):
            ordered = np.sort(np.maximum(final, 1e-30))
            ax.semilogx(ordered, np.arange(1, len(ordered) + 1) / len(ordered), color=COLOURS[i], lw=1.6, label=name)
        finish(ax, problem, "final value f(x_K) − min f", "fraction of starts at or below")
    panels[0].get_legend().remove()
    panels[-1].legend(fontsize=7, loc="lower right")
    return fig
