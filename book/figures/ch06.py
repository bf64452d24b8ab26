"""Figures of Chapter 6 (momentum and Nesterov). Each is a pure function of its parameters; ``explore`` adds the
sliders. The runs come from :mod:`book.optim`, the rates from :mod:`book.convergence`; this module only draws."""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from book import convergence
from book.functions import Quadratic
from book.optim import run, sgd
from book.plotting import PALETTE, axes, finish, sized

"""Size in inches of the two-panel figures."""

VALLEY = Quadratic(np.diag([1.0, 100.0]))
"""f(x, y) = ½(x² + 100y²): curvatures μ = 1 and L = 100, so κ = 100."""
CURVATURES = np.array([1.0, 100.0])
START = np.array([-3.0, 0.3])
TOLERANCE = 1e-6

BEST_LR, BEST_BETA = convergence.optimal_heavy_ball(100.0, 1.0)
NESTEROV_LR, NESTEROV_MOMENTUM = convergence.nesterov_parameters(100.0, 1.0)
TUNED_NESTEROV_LR, TUNED_NESTEROV_MOMENTUM = convergence.optimal_nesterov(100.0, 1.0)
GD_LR = 2 / 101
"""Gradient descent's best learning rate on the valley, 2/(L + μ) (Chapter 4)."""

LRS = [0.002, 0.005, 0.01, 0.015, GD_LR, 0.025, BEST_LR, 0.04]
BETAS = [0.0, 0.3, 0.5, BEST_BETA, 0.8, 0.9, 0.95, 0.99]
"""The sliders' step sizes and momenta (8 × 8 frames); each list holds its value of the best pair, unrounded: the
best corner of the rate map is sharp."""
PATH_STEPS = 100

ROUNDINGS = {"both": (0.0331, 0.669), "lr": (0.0331, BEST_BETA), "beta": (BEST_LR, 0.669), "down": (0.0330, 0.669)}
"""Section 4's best pair rounded to three digits: both, only η, only β, and η rounded down instead."""
SLUGS = {"gradient descent": "gd", "heavy ball": "hb", "Nesterov": "nesterov", "Nesterov, tuned": "tuned"}
"""Short names of the race's methods, for the glued step counts."""
NOISY_LRS, NOISY_MOMENTUM, NOISY_RUNS, NOISY_STEPS = (0.005, 0.01, 0.02), 0.9, 200, 3000
"""Section 7: heavy ball's learning rates and momentum on Chapter 5's least squares, chains and steps per chain."""

MAP_LRS = np.linspace(0.0005, 0.045, 179)
MAP_BETAS = np.linspace(0.0, 0.995, 200)
CHECK_POINTS = [(0.005, 0.5), (0.01, 0.8), (0.02, 0.3), (0.03, 0.9), (0.035, 0.8), (0.015, 0.95)]
"""(η, β) pairs at which the rate map is checked against a simulation."""
CHECK_STEPS, CHECK_START = 600, 200

DECAY = dict(lr=0.02, step_size=30, gamma=0.1)
"""Section 8's step decay: η = 0.02 for steps 0–29, then 0.002 (PyTorch's StepLR)."""
FORM_MOMENTUM, FORM_STEPS = 0.9, 90

_COLOURS = {
    "gradient descent": PALETTE["blue"],
    "heavy ball": PALETTE["orange"],
    "Nesterov": PALETTE["green"],
    "Nesterov, tuned": PALETTE["purple"],
}


@functools.cache
def _valley_grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The valley's values on a 201 × 201 grid of [−3.5, 3.5] × [−1, 1] (computed once)."""
    X, Y = np.meshgrid(np.linspace(-3.5, 3.5, 201), np.linspace(-1.0, 1.0, 201))
    return X, Y, VALLEY(np.stack([X, Y], axis=-1))


@functools.cache
def _gd_path() -> np.ndarray:
    """Gradient descent at its best learning rate on the valley, the paths figure's reference (computed once)."""
    return run(sgd(GD_LR), VALLEY.grad, START, PATH_STEPS).x


def _valley_contours(ax: Axes) -> None:
    ax.contour(*_valley_grid(), levels=[0.05, 0.3, 1, 2.5, 4.5, 10, 25, 50], cmap="viridis", linewidths=1.0)
    ax.set_xlim(-3.5, 3.5)
    ax.set_ylim(-1.0, 1.0)


def paths_figure(lr: float = 0.02, beta: float = 0.5, fig: Figure | None = None) -> Figure:
    """Heavy ball on the valley ½(x² + 100y²): left, the path over contours; right, its distance to the minimum per
    step against gradient descent at its best and the predicted rate."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    path = run(sgd(lr, momentum=beta), VALLEY.grad, START, PATH_STEPS).x
    _valley_contours(left)
    finite = path[np.all(np.abs(path) < 1e3, axis=-1)]
    left.plot(
        finite[:, 0],
        finite[:, 1],
        ".-",
        color=PALETTE["orange"],
        lw=1,
        markersize=3,
        label=f"heavy ball, η = {lr:g}, β = {beta:g}",
    )
    left.plot(*START, "s", color=PALETTE["ink"], label="start")
    left.legend(loc="lower right", fontsize=8)
    finish(left, f"{PATH_STEPS} steps on κ = 100", "x", "y", legend=False)
    steps = np.arange(len(path))
    gd = _gd_path()
    rate = convergence.heavy_ball_rate(lr, beta, CURVATURES)
    with np.errstate(all="ignore"):
        right.semilogy(steps, np.linalg.norm(path, axis=-1), color=PALETTE["orange"], label="heavy ball")
        right.semilogy(np.arange(len(gd)), np.linalg.norm(gd, axis=-1), color=PALETTE["blue"], label="GD, η = 2/(L+μ)")
        right.semilogy(
            steps, np.linalg.norm(START) * rate**steps, "--", color=PALETTE["ink"], lw=1, label=f"ρᵏ, ρ = {rate:.3f}"
        )
    right.set_ylim(1e-8, 1e4)
    finish(right, "Distance to the minimum", "step k", "‖x_k − x*‖")
    return fig


def eigenvalues_figure(lr: float = 0.02, beta: float = 0.5, ax: Axes | None = None) -> Axes:
    """The eigenvalues of heavy ball's 2×2 matrix for the curvatures 1 and 100 in the complex plane, with the unit
    circle and the circle of radius √β."""
    ax = axes(ax)
    angle = np.linspace(0, 2 * np.pi, 361)
    ax.plot(np.cos(angle), np.sin(angle), color=PALETTE["ink"], lw=1, label="|z| = 1 (stability limit)")
    ax.plot(
        np.sqrt(beta) * np.cos(angle),
        np.sqrt(beta) * np.sin(angle),
        ":",
        color=PALETTE["ink"],
        lw=1,
        label=f"|z| = √β = {np.sqrt(beta):.3f}",
    )
    for curvature, colour in zip(CURVATURES, (PALETTE["blue"], PALETTE["red"])):
        roots = np.linalg.eigvals(convergence.heavy_ball_matrix(lr, beta, curvature))
        ax.plot(roots.real, roots.imag, "o", color=colour, markersize=8, label=f"λ_i = {curvature:g}")
    ax.set_xlim(-2.2, 2.2)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.axhline(0, color=PALETTE["ink"], lw=0.4)
    ax.axvline(0, color=PALETTE["ink"], lw=0.4)
    ax.legend(loc="upper left", fontsize=8)
    rate = convergence.heavy_ball_rate(lr, beta, CURVATURES)
    return finish(ax, f"η = {lr:g}, β = {beta:g}: rate ρ = {rate:.3f}", "real part", "imaginary part", legend=False)


def rate_map_figure(measured: dict, ax: Axes | None = None) -> Axes:
    """The heavy-ball rate over step size η and momentum β on the valley as a colour map with contour lines, the best
    pair starred and the simulated checks marked."""
    ax = axes(ax)
    rates = convergence.heavy_ball_rate(MAP_LRS[None, :], MAP_BETAS[:, None], CURVATURES)
    mesh = ax.pcolormesh(MAP_LRS, MAP_BETAS, np.minimum(rates, 1.0), cmap="magma", shading="auto", vmin=0.8, vmax=1.0)
    ax.figure.colorbar(mesh, ax=ax, label="rate ρ (1 = no convergence)")
    lines = ax.contour(MAP_LRS, MAP_BETAS, rates, levels=[0.85, 0.9, 0.95, 0.99], colors=PALETTE["ink"], linewidths=0.7)
    ax.clabel(lines, fontsize=7)
    ax.plot(
        BEST_LR, BEST_BETA, "*", color=PALETTE["sky"], markersize=14, label=f"best: ρ = √β = {np.sqrt(BEST_BETA):.3f}"
    )
    ax.plot(GD_LR, 0.0, "D", color=PALETTE["blue"], markersize=7, clip_on=False, label="GD's best: ρ = 99/101")
    for (lr, beta), rate in measured.items():
        ax.plot(lr, beta, "o", color=PALETTE["green"], markersize=5)
        ax.annotate(
            f"{rate:.3f}", (lr, beta), xytext=(4, 3), textcoords="offset points", color=PALETTE["ink"], fontsize=7
        )
    ax.plot([], [], "o", color=PALETTE["green"], label="simulated rate")
    ax.grid(False)
    ax.legend(loc="lower left", fontsize=8)
    return finish(ax, "Heavy-ball rate on κ = 100 from the 2×2 matrices", "step size η", "momentum β", legend=False)


def race_figure(errors: dict, counts: dict, ax: Axes | None = None) -> Axes:
    """Distance to the minimum per step for gradient descent, heavy ball and Nesterov on κ = 100, with the 10⁻⁶
    threshold and each method's crossing marked."""
    ax = axes(ax)
    for name, values in errors.items():
        ax.semilogy(
            np.arange(len(values)), values / values[0], color=_COLOURS[name], label=f"{name}: {counts[name]} steps"
        )
        ax.plot(counts[name], values[counts[name]] / values[0], "o", color=_COLOURS[name])
    ax.axhline(TOLERANCE, ls="--", color=PALETTE["ink"], lw=1, label="10⁻⁶")
    ax.set_ylim(1e-9, 10)
    return finish(ax, "Steps to shrink the error a million times, κ = 100", "step k", "‖x_k − x*‖ / ‖x₀ − x*‖")


def forms_figure(schedule, iterates: dict, fig: Figure | None = None) -> Figure:
    """Left: the step length per step of PyTorch's, Sutskever's and Polyak's momentum under a step decay, with the
    learning rate; right: their distance to the minimum."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    styles = {
        "PyTorch": ("-", PALETTE["blue"], 2.5),
        "Sutskever": ("-", PALETTE["orange"], 1.5),
        "Polyak": (":", PALETTE["ink"], 1.5),
    }
    for name, xs in iterates.items():
        style, colour, width = styles[name]
        left.semilogy(
            np.arange(1, len(xs)),
            np.linalg.norm(np.diff(xs, axis=0), axis=-1),
            style,
            color=colour,
            lw=width,
            label=name,
        )
        right.semilogy(np.arange(len(xs)), np.linalg.norm(xs, axis=-1), style, color=colour, lw=width, label=name)
    steps = np.arange(len(xs) - 1)
    left.semilogy(steps, schedule(steps), "--", color=PALETTE["red"], lw=1, label="learning rate η_t")
    for ax in (left, right):
        ax.axvline(DECAY["step_size"], color=PALETTE["ink"], lw=0.5)
    finish(left, "Step length ‖x_(k+1) − x_k‖", "step k", "length (and η_t)")
    finish(right, "Distance to the minimum", "step k", "‖x_k − x*‖")
    return fig
