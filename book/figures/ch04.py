"""Figures of Chapter 4 (gradient descent). Each is a pure function of its parameters; ``explore`` adds the sliders.
The runs come from :mod:`book.optim` and the measurements from :mod:`book.convergence`; this module only draws."""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from book.convergence import (
    basin_grid,
    line_search_descent,
    measured_rates,
    quadratic_rate,
    smoothness_constant,
    steps_to,
)
from book.data import linear_data, two_blobs
from book.functions import Himmelblau, LeastSquares, LogisticRegression, Quadratic, Rosenbrock, Saddle
from book.optim import backtracking_line_search, run, sgd
from book.plotting import PALETTE, axes, finish, sized

"""Size in inches of the two-panel figures."""

PARABOLA = Quadratic([[2.0]])
"""f(x) = x², Section 1's one-dimensional example (½·2·x²)."""
BOWL = Quadratic(2.0 * np.eye(2))
"""f(x, y) = x² + y², the book's opening example."""
BOWL_START = np.array([1.0, 1.0])
FIRST_LRS = [0.05, 0.1, 0.25, 0.45, 0.5, 0.55, 0.75, 0.95, 1.0, 1.05]
"""The learning rates of Section 1's sliders (2/L = 1 for both functions)."""
PARABOLA_STARTS = [-2.5, -1.5, 1.5, 2.5]
BOWL_ANGLES = (0.0, 315.0, 45.0)
"""Section 1's start sliders: x₀ on the line, and the angle of x₀ on the circle of radius √2 (45° is (1, 1))."""

VALLEY = Quadratic(np.diag([1.0, 10.0]))
"""Section 2's quadratic: curvatures μ = 1 and L = 10."""
VALLEY_START = np.array([-2.5, 1.5])
REGIMES = {"too small": 0.02, "best, 2/(L+μ)": 2 / 11, "oscillating": 0.195, "divergent": 0.205}
"""Four learning rates on :data:`VALLEY`, by what they do (2/L = 0.2)."""

SPREAD = Quadratic(np.diag([1.0, 2.0, 5.0, 10.0]))
"""A four-dimensional quadratic with curvatures between μ = 1 and L = 10, for measuring rates."""
SPREAD_START = np.ones(4)
RATE_STEPS, RATE_TAIL = 400, 200
"""Rates are measured over the last RATE_TAIL of RATE_STEPS steps."""
RATE_LRS = np.linspace(0.005, 0.21, 83)

KAPPAS = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
STEP_RULES = ["2/(L+μ)", "1/L"]
CONDITIONING_START = np.array([-2.5, 1.0])
TOLERANCE = 1e-6

ROSENBROCK = Rosenbrock()
ROSENBROCK_START = np.array([-1.2, 1.0])
ROSENBROCK_LR = 1e-3
HIMMELBLAU = Himmelblau()
HIMMELBLAU_LR, HIMMELBLAU_STEPS = 0.01, 500
BASIN_GRID = (-5.0, 5.0, 161)
BASIN_STARTS = (-4.0, 4.0, 1.0)
"""The start slider of the basins figure, in x and in y."""
HIMMELBLAU_LEVELS = [1, 4, 12, 30, 60, 100, 150, 220, 320, 450, 650]
SADDLE = Saddle()
SADDLE_LR = 0.1
SADDLE_STARTS = {"on the axis, y = 0": 0.0, "y = 10⁻⁶": 1e-6, "y = −10⁻⁶": -1e-6}

REGRESSION = LeastSquares(*linear_data(100, np.array([1.0, 2.0, -3.0])))
"""Section 7's least-squares problem: 100 noisy points of 1 + 2u − 3v."""
CLASSES = LogisticRegression(*two_blobs(80))
"""Section 7's classification problem: two overlapping clouds of 40 points."""
LOGISTIC_STEPS = [0, 1, 2, 3, 5, 10, 15, 20, 30, 50, 100, 200]

_COLOURS = [PALETTE[c] for c in ("blue", "orange", "green", "red", "purple", "sky")]


@functools.lru_cache(maxsize=32)
def _grid(
    f, low: tuple[float, float], high: tuple[float, float], count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``f`` on a count × count grid of the rectangle from ``low`` to ``high`` (computed once per objective)."""
    X, Y = np.meshgrid(np.linspace(low[0], high[0], count), np.linspace(low[1], high[1], count))
    return X, Y, f(np.stack([X, Y], axis=-1))


@functools.cache
def _conditioned(kappa: float) -> Quadratic:
    """The conditioning figure's quadratic with curvatures 1 and κ (one object per κ, so its grid is cached)."""
    return Quadratic(np.diag([1.0, kappa]))


def _contours(ax: Axes, f, low: tuple[float, float], high: tuple[float, float], levels, count: int = 201) -> None:
    ax.contour(*_grid(f, low, high, count), levels=levels, cmap="viridis", linewidths=1.0)
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])


def _path(ax: Axes, path: np.ndarray, colour: str, label: str, markersize: float = 3.5) -> None:
    finite = path[np.all(np.isfinite(path), axis=-1)]
    ax.plot(finite[:, 0], finite[:, 1], "o-", color=colour, lw=1.2, markersize=markersize, label=label)


def _semilog(ax: Axes, values: np.ndarray, colour: str, label: str, **kwargs) -> None:
    ax.semilogy(np.arange(len(values)), values, color=colour, label=label, **kwargs)


def parabola_figure(lr: float = 0.1, x0: float = 1.5, fig: Figure | None = None) -> Figure:
    """Gradient descent on f(x) = x²: left, the iterates on the parabola; right, their distance |x_k| to 0 per step."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    trajectory = run(sgd(lr), PARABOLA.grad, np.array([x0]), 12)
    xs = trajectory.x[:, 0]
    grid = np.linspace(-3.0, 3.0, 301)
    left.plot(grid, grid**2, color=PALETTE["ink"], label="f(x) = x²")
    left.plot(xs, xs**2, "o-", color=PALETTE["red"], lw=1, markersize=5, label=f"12 steps, η = {lr:g}")
    left.plot(xs[:1], xs[:1] ** 2, "s", color=PALETTE["blue"], markersize=8, label=f"start x₀ = {x0:g}")
    left.set_xlim(-3, 3)
    left.set_ylim(-0.3, 9)
    left.legend(loc="upper center", fontsize=8)
    finish(left, f"Each step multiplies x by 1 − 2η = {1 - 2 * lr:+.2f}", "x", "f(x)", legend=False)
    _semilog(right, np.abs(xs) + 1e-300, PALETTE["red"], "|x_k|", marker="o", markersize=4)
    right.set_ylim(1e-12, 1e3)
    right.axhline(abs(x0), color=PALETTE["grey"], lw=1, linestyle=":", label="|x₀|")
    right.legend(loc="lower left", fontsize=8.5)
    finish(right, "Distance to the minimum", "step k", "|x_k| (log scale)", legend=False)
    return fig


def bowl_figure(lr: float = 0.1, angle: float = 45.0, fig: Figure | None = None) -> Figure:
    """Gradient descent on the bowl x² + y² from a start on the circle of radius √2: the path, and f per step."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    start = np.sqrt(2.0) * np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
    trajectory = run(sgd(lr), BOWL.grad, start, 12, f=BOWL)
    _contours(left, BOWL, (-2.2, -2.2), (2.2, 2.2), [0.25, 0.5, 1, 2, 3, 4])
    _path(left, trajectory.x, PALETTE["red"], f"12 steps, η = {lr:g}", markersize=4.5)
    left.plot(*start, "s", color=PALETTE["blue"], markersize=8, label=f"start at {angle:g}°")
    left.set_aspect("equal")
    left.legend(loc="lower left", fontsize=8)
    finish(left, "The path on the contours", "x", "y", legend=False)
    _semilog(right, trajectory.f + 1e-300, PALETTE["red"], "f(x_k)", marker="o", markersize=4)
    right.set_ylim(1e-20, 1e3)
    right.legend(loc="lower left", fontsize=8.5)
    finish(
        right,
        f"f shrinks by (1 − 2η)² = {(1 - 2 * lr) ** 2:.3g} per step",
        "step k",
        "f(x_k) (log scale)",
        legend=False,
    )
    return fig


def regimes_figure(fig: Figure | None = None) -> Figure:
    """Four learning rates on a quadratic with curvatures 1 and 10: the paths (left) and the value above the minimum
    per step (right)."""
    fig = sized(fig, (8.0, 3.8))
    left, right = fig.subplots(1, 2)
    _contours(left, VALLEY, (-3.0, -2.2), (1.0, 2.2), [0.1, 0.5, 1, 2, 4, 8, 16])
    for colour, (name, lr) in zip(_COLOURS, REGIMES.items()):
        trajectory = run(sgd(lr), VALLEY.grad, VALLEY_START, 60, f=VALLEY)
        _path(left, trajectory.x[:11], colour, f"η = {lr:.3g}: {name}", markersize=3)
        _semilog(right, trajectory.f, colour, f"η = {lr:.3g}")
    left.legend(loc="upper left", bbox_to_anchor=(0.0, -0.2), fontsize=8, ncols=2)
    finish(left, "First 10 steps", "x₁ (curvature μ = 1)", "x₂ (curvature L = 10)", legend=False)
    right.set_ylim(1e-12, 1e3)
    finish(right, "f(x_k) − f* per step", "step k", "f(x_k) − f* (log scale)", legend=False)
    return fig


def rate_figure(ax: Axes | None = None) -> Axes:
    """The measured factor per step by which GD shrinks the error on a quadratic, against η: a V with its bottom at
    2/(L+μ), crossing 1 at 2/L."""
    ax = axes(ax)
    lrs = RATE_LRS
    ax.plot(
        lrs,
        measured_rates(SPREAD, lrs, SPREAD_START, RATE_STEPS, RATE_TAIL),
        "o",
        color=PALETTE["blue"],
        markersize=3.5,
        label=f"measured over steps {RATE_STEPS - RATE_TAIL}–{RATE_STEPS}",
    )
    theory = np.max(np.abs(1 - np.outer(lrs, SPREAD.eigenvalues)), axis=1)
    ax.plot(lrs, theory, color=PALETTE["ink"], lw=1.2, label="max |1 − ηλᵢ|")
    L, mu = SPREAD.L, SPREAD.mu
    ax.axhline(1.0, color=PALETTE["grey"], lw=1, linestyle=":")
    ax.axvline(2 / L, color=PALETTE["red"], lw=1.3, linestyle="--", label="2/L: the limit")
    ax.axvline(2 / (L + mu), color=PALETTE["green"], lw=1.3, linestyle="--", label="2/(L+μ): the best")
    ax.set_ylim(0.6, 1.15)
    ax.legend(loc="lower left", fontsize=8.5)
    return finish(ax, "Rate per step, curvatures 1, 2, 5, 10", "learning rate η", "‖e_(k+1)‖ / ‖e_k‖", legend=False)


def conditioning_figure(kappa: float = 10.0, rule: str = "2/(L+μ)", fig: Figure | None = None) -> Figure:
    """GD on a quadratic with curvatures 1 and κ: the path (left; η = 2/(L+μ) zig-zags across the valley, η = 1/L
    walks along its floor) and the distance to the minimum under the rule's own bound, ((κ−1)/(κ+1))ᵏ or (1 −
    1/κ)ᵏ (right)."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    f = _conditioned(kappa)
    lr = 2 / (f.L + f.mu) if rule == STEP_RULES[0] else 1 / f.L
    trajectory = run(sgd(lr), f.grad, CONDITIONING_START, 800)
    errors = np.linalg.norm(trajectory.x, axis=-1) / np.linalg.norm(CONDITIONING_START)
    _contours(left, f, (-3.0, -1.5), (1.0, 1.5), [0.05, 0.2, 0.5, 1, 2, 4])
    _path(left, trajectory.x[:41], PALETTE["red"], f"40 steps, η = {rule}", markersize=3)
    left.legend(loc="lower left", fontsize=8)
    finish(left, f"κ = {kappa:g}", "x₁ (curvature 1)", "x₂ (curvature κ)", legend=False)
    _semilog(right, errors + 1e-300, PALETTE["red"], f"η = {rule}")
    rate = quadratic_rate(f.eigenvalues, lr)
    ks = np.arange(801)
    formula = "((κ−1)/(κ+1))ᵏ" if rule == STEP_RULES[0] else "(1 − 1/κ)ᵏ"
    right.semilogy(
        ks,
        np.maximum(rate**ks, 1e-300),
        color=PALETTE["ink"],
        lw=1,
        linestyle="--",
        label=f"bound {formula} = {rate:.3g}ᵏ",
    )
    right.axhline(TOLERANCE, color=PALETTE["grey"], lw=1, linestyle=":", label="tolerance 10⁻⁶")
    right.axvline(steps_to(rate, TOLERANCE), color=PALETTE["green"], lw=1.3, label="bound reaches 10⁻⁶")
    right.set_xlim(0, 800)
    right.set_ylim(1e-9, 2)
    right.legend(loc="upper right", fontsize=8)
    finish(right, "‖x_k − x*‖ / ‖x₀ − x*‖", "step k", "relative distance (log)", legend=False)
    return fig


def descent_lemma_figure(ax: Axes | None = None) -> Axes:
    """The logistic-regression loss along −∇f from w = 0, and the descent lemma's parabola, which lies above it."""
    ax = axes(ax)
    w = np.zeros(CLASSES.dim)
    g = CLASSES.grad(w)
    L, squared = smoothness_constant(CLASSES), float(g @ g)
    lrs = np.linspace(0.0, 2.4 / L, 200)
    ax.plot(lrs, CLASSES(w - lrs[:, None] * g), color=PALETTE["blue"], label="f(w − η∇f)")
    ax.plot(
        lrs,
        CLASSES(w) - lrs * (1 - L * lrs / 2) * squared,
        color=PALETTE["red"],
        linestyle="--",
        label="f(w) − η(1 − Lη/2)‖∇f‖²",
    )
    ax.axvline(1 / L, color=PALETTE["green"], lw=1.2, label="η = 1/L: largest guaranteed drop")
    ax.axvline(2 / L, color=PALETTE["grey"], lw=1.2, linestyle=":", label="η = 2/L: guarantee ends")
    ax.legend(loc="upper left", fontsize=8.5)
    return finish(
        ax, "The descent lemma on logistic regression", "learning rate η", "loss after one step", legend=False
    )


def armijo_figure(fig: Figure | None = None) -> Figure:
    """Left: Rosenbrock along −∇f from (−1.2, 1), the Armijo line and the halved trial steps; right: f per step with
    fixed η and with backtracking."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    x, g = ROSENBROCK_START, ROSENBROCK.grad(ROSENBROCK_START)
    accepted = backtracking_line_search(ROSENBROCK, ROSENBROCK.grad, x, -g)
    alphas = np.logspace(-4, 0, 300)
    left.loglog(alphas, ROSENBROCK(x - alphas[:, None] * g), color=PALETTE["blue"], label="f(x − α∇f)")
    left.loglog(
        alphas,
        ROSENBROCK(x) - 1e-4 * alphas * (g @ g),
        color=PALETTE["red"],
        linestyle="--",
        label="Armijo line, c = 10⁻⁴",
    )
    trials = 0.5 ** np.arange(0, round(np.log2(1 / accepted)) + 1)
    left.loglog(
        trials[:-1],
        ROSENBROCK(x - trials[:-1, None] * g),
        "x",
        color=PALETTE["red"],
        markersize=7,
        label="rejected trials",
    )
    left.loglog(
        [accepted],
        [ROSENBROCK(x - accepted * g)],
        "o",
        color=PALETTE["green"],
        markersize=9,
        label=f"accepted α = {accepted:.4g}",
    )
    left.set_ylim(1, 1e12)
    left.legend(loc="upper left", fontsize=8)
    finish(left, "One backtracking search", "step α (log)", "f (log)", legend=False)
    steps = 2000
    fixed = run(sgd(ROSENBROCK_LR), ROSENBROCK.grad, ROSENBROCK_START, steps, f=ROSENBROCK)
    path, _ = line_search_descent(ROSENBROCK, ROSENBROCK_START, steps)
    _semilog(right, fixed.f, PALETTE["orange"], f"fixed η = {ROSENBROCK_LR:g}")
    _semilog(right, ROSENBROCK(path), PALETTE["green"], "backtracking")
    right.legend(loc="lower left", fontsize=8.5)
    finish(right, "Rosenbrock from (−1.2, 1)", "step k", "f(x_k) (log)", legend=False)
    return fig


def rosenbrock_figure(fig: Figure | None = None) -> Figure:
    """GD with η = 0.001 in Rosenbrock's curved valley: the path (left) and the value per step (right), fast down the
    wall, slow along the floor."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    trajectory = run(sgd(ROSENBROCK_LR), ROSENBROCK.grad, ROSENBROCK_START, 20000, f=ROSENBROCK)
    _contours(left, ROSENBROCK, (-1.6, -0.4), (1.4, 1.6), [0.1, 0.5, 1, 2, 5, 10, 20, 50, 100], count=301)
    marks = [0, 100, 1000, 5000, 20000]
    left.plot(*trajectory.x.T, color=PALETTE["red"], lw=1.5, label="GD path")
    for colour, k in zip(_COLOURS, marks):
        left.plot(*trajectory.x[k], "o", color=colour, markersize=7, markeredgecolor="white", label=f"step {k}")
    left.plot(*ROSENBROCK.minimizer, "*", color=PALETTE["ink"], markersize=12, label="minimum (1, 1)")
    left.legend(loc="lower left", fontsize=7)
    finish(left, "The path along the valley", "x", "y", legend=False)
    right.loglog(np.arange(1, len(trajectory.f)), trajectory.f[1:], color=PALETTE["red"], label="f(x_k)")
    right.legend(loc="lower left", fontsize=8.5)
    finish(right, f"η = {ROSENBROCK_LR:g}", "step k (log)", "f(x_k) (log)", legend=False)
    return fig


def basins_figure(x0: float = 1.0, y0: float = 1.0, ax: Axes | None = None) -> Axes:
    """Himmelblau's function with each start coloured by the minimum GD reaches from it, and the GD path from (x0,
    y0)."""
    ax = axes(ax)
    low, high, count = BASIN_GRID
    labels = basin_grid(HIMMELBLAU, low, high, count, HIMMELBLAU_LR, HIMMELBLAU_STEPS)
    colours = [PALETTE[c] for c in ("sky", "yellow", "purple", "orange")]
    ax.imshow(
        labels,
        origin="lower",
        extent=(low, high, low, high),
        cmap=ListedColormap(colours),
        vmin=0,
        vmax=3,
        alpha=0.45,
        interpolation="nearest",
    )
    _contours(ax, HIMMELBLAU, (low, low), (high, high), HIMMELBLAU_LEVELS)
    for colour, m in zip(colours, HIMMELBLAU.minimizers):
        ax.plot(
            *m,
            "*",
            color=colour,
            markersize=14,
            markeredgecolor=PALETTE["ink"],
            linestyle="none",
            label=f"({m[0]:.2f}, {m[1]:.2f})",
        )
    trajectory = run(sgd(HIMMELBLAU_LR), HIMMELBLAU.grad, np.array([x0, y0]), HIMMELBLAU_STEPS)
    _path(ax, trajectory.x, PALETTE["ink"], f"GD from ({x0:g}, {y0:g})", markersize=2)
    ax.set_aspect("equal")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8.5, title="minimum (basin colour)")
    return finish(ax, f"Basins of GD, η = {HIMMELBLAU_LR:g}", "x", "y", legend=False)


def saddle_figure(fig: Figure | None = None) -> Figure:
    """GD near the saddle of x² + (y² − 1)²/4: from the axis y = 0 it stops at the saddle, from 10⁻⁶ off it escapes;
    right, ‖∇f‖ per step."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    _contours(left, SADDLE, (-1.6, -1.6), (1.6, 1.6), [0.05, 0.15, 0.25, 0.4, 0.7, 1.0, 1.5, 2.0])
    for colour, style, (name, y) in zip(_COLOURS, ("-", "-", ":"), SADDLE_STARTS.items()):
        trajectory = run(sgd(SADDLE_LR), SADDLE.grad, np.array([1.5, y]), 300)
        _path(left, trajectory.x, colour, name, markersize=2.5)
        _semilog(right, np.linalg.norm(SADDLE.grad(trajectory.x), axis=-1) + 1e-300, colour, name, linestyle=style)
    left.plot(0, 0, "X", color=PALETTE["ink"], markersize=10, linestyle="none", label="saddle (0, 0)")
    left.set_aspect("equal")
    left.legend(loc="lower left", fontsize=7.5)
    finish(left, "Paths from x = 1.5", "x", "y", legend=False)
    right.set_ylim(1e-12, 10)
    right.legend(loc="lower left", fontsize=8)
    finish(right, "‖∇f(x_k)‖: small is not a minimum", "step k", "‖∇f‖ (log)", legend=False)
    return fig


def least_squares_figure(ax: Axes | None = None) -> Axes:
    """Distance from the GD iterate to numpy.linalg.lstsq's solution per step, with η = 1/L, falling geometrically
    below 10⁻⁸."""
    ax = axes(ax)
    L = smoothness_constant(REGRESSION)
    trajectory = run(sgd(1 / L), REGRESSION.grad, np.zeros(REGRESSION.dim), 200)
    gaps = np.max(np.abs(trajectory.x - REGRESSION.minimizer), axis=-1)
    _semilog(ax, gaps, PALETTE["blue"], "max |w_k − w_lstsq|")
    ax.axhline(1e-8, color=PALETTE["red"], lw=1.2, linestyle="--", label="10⁻⁸")
    ax.legend(loc="upper right", fontsize=8.5)
    return finish(ax, "GD meets lstsq", "step k", "largest coordinate gap (log)", legend=False)


@functools.cache
def _logistic_run():
    """GD with η = 1/L on the two blobs for the slider's largest step count (one run for every frame)."""
    lr = 1 / smoothness_constant(CLASSES)
    return run(sgd(lr), CLASSES.grad, np.zeros(CLASSES.dim), LOGISTIC_STEPS[-1], f=CLASSES)


def logistic_figure(step: float = 10, fig: Figure | None = None) -> Figure:
    """Logistic regression by GD with η = 1/L: the data and the decision boundary after a number of steps (left), the
    loss per step (right)."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    k = int(step)
    trajectory = _logistic_run()
    points, labels = CLASSES.X[:, 1:], CLASSES.y
    for colour, label in ((PALETTE["blue"], 0), (PALETTE["orange"], 1)):
        chosen = points[labels == label]
        left.plot(chosen[:, 0], chosen[:, 1], "o", color=colour, markersize=4.5, label=f"class {label}")
    bias, wa, wb = trajectory.x[k]
    xs = np.array([-4.0, 4.0])
    if abs(wb) > 1e-12:
        left.plot(xs, -(bias + wa * xs) / wb, color=PALETTE["ink"], lw=2, label="boundary σ(wᵀx) = ½")
    left.set_xlim(-4, 4)
    left.set_ylim(-4, 4)
    left.set_aspect("equal")
    left.legend(loc="upper left", fontsize=8)
    finish(left, f"After {k} steps", "feature u", "feature v", legend=False)
    steps = np.arange(len(trajectory.f))
    right.plot(steps, trajectory.f, color=PALETTE["red"], label="loss f(w_k)")
    right.plot(
        [k], [trajectory.f[k]], "o", color=PALETTE["ink"], markersize=8, label=f"step {k}: {trajectory.f[k]:.3f}"
    )
    right.set_ylim(0.0, 0.75)
    right.legend(loc="upper right", fontsize=8.5)
    finish(right, "Mean cross-entropy", "step k", "loss", legend=False)
    return fig
