"""Figures of Chapter 2 (partial derivatives and the gradient). Each is a pure function of its parameters;
``explore`` adds the sliders. Figures with several panels take ``fig`` and set its size (:data:`WIDE` for two panels)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from book.calculus import derivative
from book.functions import Himmelblau, Quadratic, Rosenbrock
from book.plotting import PALETTE, axes, finish

WIDE = (8.0, 3.6)
"""Size in inches of the two-panel figures."""

HIMMELBLAU = Himmelblau()
ROSENBROCK = Rosenbrock()
HIMMELBLAU_LEVELS = [1, 4, 12, 30, 60, 100, 150, 220, 320, 450, 650]
"""Contour levels for Himmelblau's function: dense near the minima, sparse on the steep walls."""

DIRECTION_POINT = np.array([1.0, 1.0])
"""Where Section 4 takes directional derivatives of Himmelblau's function."""

TAYLOR_POINT = np.array([-0.5, 0.0])
"""Where Section 5 expands Rosenbrock's function."""

TAYLOR_DISTANCES = np.logspace(-3, 0, 61)
"""Distances ‖δ‖ at which the Taylor errors are measured."""


def bowl(x: np.ndarray) -> np.ndarray | float:
    """f(x, y) = x² + y², the chapter's opening example, on points shaped ``(..., 2)``.

    >>> bowl(np.array([1.0, 1.0]))
    2.0
    """
    value = np.sum(np.asarray(x, dtype=float) ** 2, axis=-1)
    return float(value) if np.ndim(value) == 0 else value


def direction(angle: float | np.ndarray) -> np.ndarray:
    """The unit vector(s) at ``angle`` degrees from the x-axis, shape ``(..., 2)``.

    >>> direction(90.0).round(12)
    array([0., 1.])
    """
    radians = np.radians(np.asarray(angle, dtype=float))
    return np.stack([np.cos(radians), np.sin(radians)], axis=-1)


def angle_of(v: np.ndarray) -> float:
    """The angle of the 2-D vector ``v`` in degrees, in [0, 360).

    >>> angle_of(np.array([-1.0, -1.0]))
    225.0
    """
    return float(np.degrees(np.arctan2(v[1], v[0])) % 360)


def level_tangent(f: Callable, point: np.ndarray, radius: float = 1e-4, samples: int = 64) -> np.ndarray:
    """Unit tangent of the level curve of ``f`` through ``point``, from values of f only (no derivatives).

    On a small circle around the point, f − f(point) changes sign exactly twice (where the circle meets the level
    curve); both crossings are found by bisection, and the chord between them is the tangent, up to O(radius²).

    >>> np.abs(level_tangent(bowl, np.array([1.0, 0.0]))).round(6)
    array([0., 1.])
    """
    point = np.asarray(point, dtype=float)
    level = f(point)
    angles = np.linspace(0.0, 2 * np.pi, samples, endpoint=False)

    def gap(theta: np.ndarray) -> np.ndarray:
        return f(point + radius * np.stack([np.cos(theta), np.sin(theta)], axis=-1)) - level

    signs = np.sign(gap(angles))
    starts = np.flatnonzero(signs != np.roll(signs, -1))
    if starts.size != 2:
        raise ValueError(f"point must not be a critical point of f: the level set around it is not a curve, got {point}")
    low, high = angles[starts], angles[starts] + 2 * np.pi / samples
    low_sign = np.sign(gap(low))
    for _ in range(60):
        middle = (low + high) / 2
        same = np.sign(gap(middle)) == low_sign
        low, high = np.where(same, middle, low), np.where(same, high, middle)
    ends = point + radius * np.stack([np.cos(low), np.sin(low)], axis=-1)
    chord = ends[1] - ends[0]
    return chord / np.linalg.norm(chord)


def taylor_errors(f, x0: np.ndarray, u: np.ndarray, distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Errors of the first- and second-order Taylor models of the objective ``f`` at x0 + r·u for each r."""
    deltas = np.asarray(distances, dtype=float)[:, None] * np.asarray(u, dtype=float)
    value, slope, curvature = f(x0), f.grad(x0), f.hessian(x0)
    first = value + deltas @ slope
    second = first + 0.5 * np.einsum("ki,ij,kj->k", deltas, curvature, deltas)
    exact = f(x0 + deltas)
    return np.abs(exact - first), np.abs(exact - second)


def log_log_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Slope of the least-squares line through (log x, log y): the p in y ≈ C·xᵖ.

    >>> round(log_log_slope(np.array([1.0, 2.0, 4.0]), np.array([3.0, 12.0, 48.0])), 12)
    2.0
    """
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def critical_points(f, low: float = -5.0, high: float = 5.0, seeds: int = 21) -> np.ndarray:
    """The points where ∇f = 0 in the square [low, high]², found by Newton's method from a grid of seeds."""
    grid = np.linspace(low, high, seeds)
    points = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)
    for _ in range(60):
        points = points - np.linalg.solve(f.hessian(points), f.grad(points)[..., None])[..., 0]
    inside = np.all(np.abs(points) <= max(abs(low), abs(high)), axis=-1) & (np.linalg.norm(f.grad(points), axis=-1) < 1e-9)
    _, first = np.unique(np.round(points[inside], 6), axis=0, return_index=True)  # one of each, sorted by x then y
    return points[inside][first]


def classify(hessian: np.ndarray) -> str:
    """'minimum', 'maximum' or 'saddle' from the signs of the eigenvalues of a Hessian (non-degenerate).

    >>> classify(np.diag([2.0, -2.0]))
    'saddle'
    """
    eigenvalues = np.linalg.eigvalsh(hessian)
    if np.all(eigenvalues > 0):
        return "minimum"
    if np.all(eigenvalues < 0):
        return "maximum"
    return "saddle"


def rotated_quadratic(lambda1: float, lambda2: float, angle: float = 30.0) -> Quadratic:
    """f(x) = ½ xᵀAx with eigenvalues lambda1, lambda2 and first eigenvector at ``angle`` degrees.

    >>> round(rotated_quadratic(1.0, 10.0).condition_number, 10)
    10.0
    """
    rotation = np.stack([direction(angle), direction(angle + 90.0)], axis=-1)
    return Quadratic(rotation @ np.diag([lambda1, lambda2]) @ rotation.T)


def descent_path(f, start: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """Gradient-descent iterates x ← x − lr·∇f(x) from ``start``, shape ``(steps + 1, d)`` (a preview of Chapter 4)."""
    path = [np.asarray(start, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] - lr * f.grad(path[-1]))
    return np.array(path)


def polar(p: np.ndarray) -> np.ndarray:
    """Polar to Cartesian coordinates: (r, θ) ↦ (r cos θ, r sin θ), on points shaped ``(..., 2)``."""
    r, theta = np.asarray(p, dtype=float)[..., 0], np.asarray(p, dtype=float)[..., 1]
    return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=-1)


def polar_jacobian(p: np.ndarray) -> np.ndarray:
    """The exact Jacobian of :func:`polar`, [[cos θ, −r sin θ], [sin θ, r cos θ]] (rows are outputs x, y)."""
    r, theta = float(p[0]), float(p[1])
    return np.array([[np.cos(theta), -r * np.sin(theta)], [np.sin(theta), r * np.cos(theta)]])


def _grid(low: float, high: float, count: int = 201) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs = np.linspace(low, high, count)
    X, Y = np.meshgrid(xs, xs)
    return X, Y, np.stack([X, Y], axis=-1)


def _sized(fig: Figure | None, size: tuple[float, float] = WIDE) -> Figure:
    """``fig`` (a new pyplot figure if None) set to ``size`` inches."""
    import matplotlib.pyplot as plt

    fig = fig if fig is not None else plt.figure(layout="constrained")
    fig.set_size_inches(*size)
    return fig


def _himmelblau_contours(ax: Axes, low: float = -5.0, high: float = 5.0, levels: list | None = None) -> None:
    X, Y, points = _grid(low, high)
    ax.contour(X, Y, HIMMELBLAU(points), levels=levels or HIMMELBLAU_LEVELS, cmap="viridis", linewidths=1.0)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")


def _arrow(ax: Axes, start: np.ndarray, vector: np.ndarray, colour: str, label: str | None = None, **kwargs) -> None:
    ax.annotate("", xy=start + vector, xytext=start, arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 2.2, **kwargs})
    if label:
        ax.plot([], [], color=colour, lw=2.2, label=label)


def bowl_figure(fig: Figure | None = None) -> Figure:
    """The surface z = x² + y² and its contours, with the gradient [2, 2] at (1, 1) pointing uphill."""
    fig = _sized(fig)
    X, Y, points = _grid(-2.0, 2.0, 61)
    surface = fig.add_subplot(1, 2, 1, projection="3d")
    surface.plot_surface(X, Y, bowl(points), cmap="viridis", alpha=0.75, linewidth=0, rstride=2, cstride=2)
    surface.plot([1.0], [1.0], [2.0], "o", color=PALETTE["red"], markersize=7, zorder=5)
    surface.quiver(1.0, 1.0, 0.0, 1.0, 1.0, 0.0, color=PALETTE["red"], linewidth=2.5, arrow_length_ratio=0.25)
    surface.contour(X, Y, bowl(points), levels=[0.5, 1, 2, 3, 4], zdir="z", offset=0.0, cmap="viridis", linewidths=1)
    surface.set_title("Surface z = x² + y²")
    surface.set_xlabel("x")
    surface.set_ylabel("y")
    surface.set_zlabel("z")
    surface.view_init(elev=28, azim=-60)
    plane = fig.add_subplot(1, 2, 2)
    X, Y, points = _grid(-2.0, 2.6, 201)
    lines = plane.contour(X, Y, bowl(points), levels=[0.5, 1, 2, 3, 4, 6, 8], cmap="viridis", linewidths=1.2)
    plane.clabel(lines, fontsize=8, fmt="%g")
    point = np.array([1.0, 1.0])
    _arrow(plane, point, 0.5 * np.array([2.0, 2.0]), PALETTE["red"], "∇f(1, 1) = [2, 2] (half length)")
    _arrow(plane, point, -0.5 * np.array([2.0, 2.0]), PALETTE["blue"], "−∇f: steepest descent", linestyle="--")
    plane.plot(*point, "o", color=PALETTE["ink"], markersize=6, label="(1, 1), f = 2")
    plane.set_aspect("equal")
    plane.legend(loc="lower left", fontsize=8.5)
    finish(plane, "Contours (level sets) and the gradient", "x", "y", legend=False)
    return fig


def surface_slices_figure(point: tuple[float, float] = (1.0, 1.0), fig: Figure | None = None) -> Figure:
    """Himmelblau's surface cut by the planes y = y₀ and x = x₀ through a point; each cut is a 1-D curve."""
    fig = _sized(fig, (7.0, 5.0))
    x0, y0 = point
    X, Y, points = _grid(-5.0, 5.0, 61)
    ax = fig.add_subplot(1, 1, 1, projection="3d")
    ax.plot_surface(X, Y, HIMMELBLAU(points), cmap="viridis", alpha=0.55, linewidth=0, rstride=2, cstride=2)
    ts = np.linspace(-5.0, 5.0, 200)
    along_x = np.stack([ts, np.full_like(ts, y0)], axis=-1)
    along_y = np.stack([np.full_like(ts, x0), ts], axis=-1)
    ax.plot(ts, np.full_like(ts, y0), HIMMELBLAU(along_x), color=PALETTE["red"], lw=2.5, label=f"slice y = {y0:g}: slope ∂f/∂x")
    ax.plot(np.full_like(ts, x0), ts, HIMMELBLAU(along_y), color=PALETTE["blue"], lw=2.5, label=f"slice x = {x0:g}: slope ∂f/∂y")
    ax.plot([x0], [y0], [HIMMELBLAU(np.array(point))], "o", color=PALETTE["ink"], markersize=6)
    ax.view_init(elev=32, azim=-55)
    ax.set_zlim(0, 900)
    ax.legend(loc="upper left", fontsize=8.5)
    ax.set_title(f"Two slices of Himmelblau's function through ({x0:g}, {y0:g})")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel("f(x, y)")
    return fig


def slice_figure(y0: float = 1.0, x0: float = 1.0, fig: Figure | None = None) -> Figure:
    """Left: the line y = y0 across Himmelblau's contours; right: f along it, with the tangent of slope ∂f/∂x at x0."""
    fig = _sized(fig)
    left, right = fig.subplots(1, 2)
    _himmelblau_contours(left)
    left.axhline(y0, color=PALETTE["red"], lw=2, label=f"slice y = {y0:g}")
    left.plot([x0], [y0], "o", color=PALETTE["ink"], markersize=7, label=f"point ({x0:g}, {y0:g})")
    left.legend(loc="upper right", fontsize=8.5)
    finish(left, "Where we slice", "x", "y", legend=False)
    xs = np.linspace(-5.0, 5.0, 300)
    along = lambda x: HIMMELBLAU(np.stack([x, np.full_like(x, y0)], axis=-1))  # noqa: E731 - the slice x ↦ f(x, y0)
    slope = derivative(along, x0)
    right.plot(xs, along(xs), color=PALETTE["red"], label=f"f(x, {y0:g})")
    near = np.linspace(x0 - 1.2, x0 + 1.2, 2)
    right.plot(near, along(np.array(x0)) + slope * (near - x0), color=PALETTE["blue"], lw=2.5, linestyle="--",
               label=f"tangent, slope ∂f/∂x = {slope:.1f}")
    right.plot([x0], [along(np.array(x0))], "o", color=PALETTE["ink"], markersize=7)
    right.set_xlim(-5, 5)
    right.set_ylim(-100, 700)
    right.legend(loc="upper center", fontsize=8.5)
    finish(right, "The slice: a function of x alone", "x", "f(x, y₀)", legend=False)
    return fig


def _unit_field(ax: Axes, f, low: float, high: float, count: int = 15) -> None:
    """Gradient directions on a grid, every arrow of the same length (the length of ∇f varies far too much)."""
    X, Y, points = _grid(low, high, count)
    g = f.grad(points) if hasattr(f, "grad") else 2 * points
    norm = np.linalg.norm(g, axis=-1)
    unit = g / np.where(norm == 0, 1.0, norm)[..., None]
    ax.quiver(X, Y, unit[..., 0], unit[..., 1], color=PALETTE["red"], angles="xy", pivot="mid", scale=count * 1.4,
              width=0.005, label="direction of ∇f")


def vector_field_figure(fig: Figure | None = None) -> Figure:
    """The gradient as a field of arrows on the contours of x² + y² (left) and of Himmelblau's function (right)."""
    fig = _sized(fig)
    left, right = fig.subplots(1, 2)
    X, Y, points = _grid(-2.0, 2.0)
    left.contour(X, Y, bowl(points), levels=[0.25, 1, 2, 3, 4], cmap="viridis", linewidths=1.0)
    _unit_field(left, bowl, -2.0, 2.0, 13)
    left.set_aspect("equal")
    left.legend(loc="upper right", fontsize=8.5, framealpha=0.95)
    finish(left, "∇(x² + y²) = [2x, 2y]: straight out", "x", "y", legend=False)
    _himmelblau_contours(right)
    _unit_field(right, HIMMELBLAU, -5.0, 5.0, 17)
    finish(right, "Himmelblau: crossing at 90°", "x", "y", legend=False)
    return fig


def level_set_figure(x: float = 1.5, y: float = 0.5, ax: Axes | None = None) -> Axes:
    """The level curve of Himmelblau's function through (x, y), its tangent, and the gradient at right angles to it."""
    ax = axes(ax)
    point = np.array([x, y])
    _himmelblau_contours(ax)
    X, Y, points = _grid(-5.0, 5.0, 401)
    level = HIMMELBLAU(point)
    ax.contour(X, Y, HIMMELBLAU(points), levels=[level], colors=[PALETTE["ink"]], linewidths=2.2)
    ax.plot([], [], color=PALETTE["ink"], lw=2.2, label=f"level curve f = {level:.1f}")
    tangent = level_tangent(HIMMELBLAU, point)
    g = HIMMELBLAU.grad(point)
    unit = g / np.linalg.norm(g)
    ax.plot(*(point + np.outer([-1.6, 1.6], tangent)).T, color=PALETTE["orange"], lw=2.5, label="tangent of the level curve")
    _arrow(ax, point, 1.6 * unit, PALETTE["red"], "∇f direction")
    ax.plot(*point, "o", color=PALETTE["ink"], markersize=7)
    angle = np.degrees(np.arccos(np.clip(abs(unit @ tangent), 0.0, 1.0)))
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8.5)
    return finish(ax, f"At ({x:g}, {y:g}): angle(∇f, tangent) = {angle:.4f}°", "x", "y", legend=False)


def directional_figure(angle: float = 0.0, fig: Figure | None = None) -> Figure:
    """Left: a unit direction u and the gradient of Himmelblau's function at (1, 1); right: D_u f against the angle of u."""
    fig = _sized(fig)
    left, right = fig.subplots(1, 2)
    point = DIRECTION_POINT
    g = HIMMELBLAU.grad(point)
    u = direction(angle)
    slope = float(g @ u)
    _himmelblau_contours(left, -1.0, 3.0, levels=list(range(20, 400, 20)))
    _arrow(left, point, g / np.linalg.norm(g), PALETTE["red"], "∇f/‖∇f‖")
    _arrow(left, point, u, PALETTE["blue"], f"u at {angle:g}°")
    left.plot(*point, "o", color=PALETTE["ink"], markersize=6)
    left.legend(loc="upper right", fontsize=8.5)
    finish(left, "Direction u at (1, 1)", "x", "y", legend=False)
    angles = np.linspace(0.0, 360.0, 721)
    right.plot(angles, direction(angles) @ g, color=PALETTE["blue"], label="D_u f = ∇f · u")
    norm, best = float(np.linalg.norm(g)), angle_of(g)
    right.axhline(norm, color=PALETTE["red"], linestyle=":", lw=1.5, label=f"±‖∇f‖ = ±{norm:.2f}")
    right.axhline(-norm, color=PALETTE["red"], linestyle=":", lw=1.5)
    right.axvline(best, color=PALETTE["red"], lw=1.2, label=f"angle of ∇f, {best:.1f}°")
    right.axvline((best + 180) % 360, color=PALETTE["green"], lw=1.2, label=f"angle of −∇f, {(best + 180) % 360:.1f}°")
    right.plot([angle], [slope], "o", color=PALETTE["blue"], markersize=9, label=f"this u: D_u f = {slope:.2f}")
    right.set_xlim(0, 360)
    right.set_ylim(-75, 110)
    right.set_xticks(np.arange(0, 361, 60))
    right.legend(loc="upper left", fontsize=8, ncols=2)
    finish(right, "Slope in every direction", "angle of u (degrees)", "D_u f(1, 1)", legend=False)
    return fig


def taylor_figure(distance: float = 0.3, angle: float = 60.0, fig: Figure | None = None) -> Figure:
    """Left: Rosenbrock's function along a line with its first- and second-order Taylor models; right: their errors."""
    fig = _sized(fig)
    left, right = fig.subplots(1, 2)
    x0, u = TAYLOR_POINT, direction(angle)
    ts = np.linspace(-1.0, 1.0, 301)
    value, slope, curvature = ROSENBROCK(x0), ROSENBROCK.grad(x0) @ u, u @ ROSENBROCK.hessian(x0) @ u
    left.plot(ts, ROSENBROCK(x0 + ts[:, None] * u), color=PALETTE["ink"], label="f(x₀ + t u)")
    left.plot(ts, value + slope * ts, color=PALETTE["orange"], linestyle="--", label="first order")
    left.plot(ts, value + slope * ts + 0.5 * curvature * ts**2, color=PALETTE["blue"], linestyle="-.", label="second order")
    left.axvline(distance, color=PALETTE["grey"], lw=1)
    exact = ROSENBROCK(x0 + distance * u)
    left.plot([distance] * 3, [exact, value + slope * distance, value + slope * distance + 0.5 * curvature * distance**2],
              "o", color=PALETTE["red"], markersize=6)
    left.set_xlim(-1, 1)
    left.set_ylim(-100, 300)
    left.legend(loc="upper left", fontsize=8.5)
    finish(left, f"Along u at {angle:g}° from x₀ = (−0.5, 0)", "t  (δ = t·u)", "value", legend=False)
    first, second = taylor_errors(ROSENBROCK, x0, u, TAYLOR_DISTANCES)
    right.loglog(TAYLOR_DISTANCES, first, color=PALETTE["orange"], label="error, first order")
    right.loglog(TAYLOR_DISTANCES, second, color=PALETTE["blue"], label="error, second order")
    for errors, power in ((first, 2), (second, 3)):  # reference lines C·‖δ‖ᵖ a little below each curve
        guide = 0.2 * errors[0] * (TAYLOR_DISTANCES / TAYLOR_DISTANCES[0]) ** power
        right.loglog(TAYLOR_DISTANCES, guide, color=PALETTE["grey"], linestyle=":", lw=1.3,
                     label="slopes 2 and 3" if power == 2 else None)
    e1, e2 = taylor_errors(ROSENBROCK, x0, u, np.array([distance]))
    right.plot([distance, distance], [e1[0], e2[0]], "o", color=PALETTE["red"], markersize=6)
    right.axvline(distance, color=PALETTE["grey"], lw=1)
    right.set_xlim(1e-3, 1)
    right.set_ylim(1e-9, 1e3)
    right.legend(loc="lower right", fontsize=8.5)
    finish(right, "Errors shrink like ‖δ‖² and ‖δ‖³", "distance ‖δ‖", "|f − model|", legend=False)
    return fig


def critical_points_figure(ax: Axes | None = None) -> Axes:
    """Himmelblau's nine critical points, marked by what the signs of the Hessian's eigenvalues say they are."""
    ax = axes(ax)
    _himmelblau_contours(ax)
    styles = {"minimum": ("o", PALETTE["green"]), "maximum": ("^", PALETTE["red"]), "saddle": ("X", PALETTE["purple"])}
    points = critical_points(HIMMELBLAU)
    kinds = [classify(HIMMELBLAU.hessian(p)) for p in points]
    for kind, (marker, colour) in styles.items():
        chosen = points[[k == kind for k in kinds]]
        ax.plot(chosen[:, 0], chosen[:, 1], marker, color=colour, markersize=10, markeredgecolor="white",
                linestyle="none", label=f"{kind} ({len(chosen)})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8.5)
    return finish(ax, "Critical points of Himmelblau, by Hessian", "x", "y", legend=False)


def curvature_figure(fig: Figure | None = None) -> Figure:
    """Left: Rosenbrock's narrow valley at its minimum with the Hessian's eigenvectors; right: curvature uᵀHu by angle."""
    fig = _sized(fig)
    left, right = fig.subplots(1, 2)
    minimum = ROSENBROCK.minimizer
    H = ROSENBROCK.hessian(minimum)
    eigenvalues, eigenvectors = np.linalg.eigh(H)
    xs = np.linspace(0.0, 2.0, 301)
    X, Y = np.meshgrid(xs, xs)
    left.contour(X, Y, ROSENBROCK(np.stack([X, Y], axis=-1)), levels=[0.01, 0.05, 0.2, 0.5, 1, 2, 5], cmap="viridis",
                 linewidths=1, alpha=0.6)
    for value, vector, colour in zip(eigenvalues, eigenvectors.T, (PALETTE["blue"], PALETTE["red"])):
        _arrow(left, minimum, 0.6 * vector * np.sign(vector[0] or 1.0), colour, f"eigenvector, λ = {value:.4g}", lw=3)
    left.set_xlim(0, 2)
    left.set_ylim(0, 2)
    left.set_aspect("equal")
    left.legend(loc="upper left", fontsize=8.5)
    finish(left, "Rosenbrock near its minimum (1, 1)", "x", "y", legend=False)
    angles = np.linspace(0.0, 180.0, 3601)
    u = direction(angles)
    right.semilogy(angles, np.einsum("ki,ij,kj->k", u, H, u), color=PALETTE["ink"], label="curvature uᵀHu")
    right.axhline(eigenvalues[1], color=PALETTE["red"], linestyle=":", label=f"λ_max = {eigenvalues[1]:.1f}")
    right.axhline(eigenvalues[0], color=PALETTE["blue"], linestyle=":", label=f"λ_min = {eigenvalues[0]:.3f}")
    right.set_xlim(0, 180)
    right.set_ylim(0.1, 3000)
    right.set_xticks(np.arange(0, 181, 30))
    right.legend(loc="lower right", fontsize=8.5)
    finish(right, "Curvature in every direction", "angle of u (degrees)", "uᵀHu (log scale)", legend=False)
    return fig


def quadratic_figure(lambda1: float = 1.0, lambda2: float = 8.0, ax: Axes | None = None) -> Axes:
    """Contours of ½xᵀAx with eigenvalues lambda1, lambda2, the eigenvector axes, and ten gradient-descent steps."""
    ax = axes(ax)
    f = rotated_quadratic(lambda1, lambda2)
    X, Y, points = _grid(-3.0, 3.0)
    ax.contour(X, Y, f(points), levels=[0.05, 0.2, 0.5, 1, 2, 4, 8], cmap="viridis", linewidths=1.1)
    axes_of_ellipse = zip(("λ₁", "λ₂"), (lambda1, lambda2), (direction(30.0), direction(120.0)), (PALETTE["blue"], PALETTE["red"]))
    for name, value, vector, colour in axes_of_ellipse:
        reach = 1.0 / np.sqrt(value)  # the level f = ½ crosses this axis at distance 1/√λ
        ax.plot(*np.outer([-reach, reach], vector).T, color=colour, lw=2.5, label=f"{name} = {value:g}: ±1/√{name}")
    lr = 2.0 / (f.L + f.mu)
    path = descent_path(f, np.array([-2.5, 1.0]), lr, 10)
    ax.plot(path[:, 0], path[:, 1], "o-", color=PALETTE["ink"], lw=1.2, markersize=4, label=f"10 GD steps,\nlr = 2/(L+μ) = {lr:.3g}")
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
    ax.set_aspect("equal")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8.5)
    return finish(ax, f"κ = λ_max/λ_min = {f.condition_number:.3g}", "x₁", "x₂", legend=False)


def jacobian_figure(r: float = 1.5, theta: float = 45.0, fig: Figure | None = None) -> Figure:
    """A cell dr × dθ at (r, θ) in the polar plane (left) and its image in the x-y plane (right), spanned by J's columns."""
    fig = _sized(fig)
    left, right = fig.subplots(1, 2)
    point = np.array([r, np.radians(theta)])
    dr = dtheta = 0.5
    corners = point + np.array([[0.0, 0.0], [dr, 0.0], [dr, dtheta], [0.0, dtheta], [0.0, 0.0]])
    left.fill(corners[:, 0], corners[:, 1], color=PALETTE["sky"], alpha=0.8)
    left.plot(*point, "o", color=PALETTE["ink"], markersize=6, zorder=5)
    left.set_xlim(0, 3.2)
    left.set_ylim(0, 2 * np.pi + 0.5)
    left.set_yticks(np.pi * np.arange(0, 2.01, 0.5), ["0", "π/2", "π", "3π/2", "2π"])
    left.set_aspect("equal")
    finish(left, "A cell 0.5 × 0.5 in (r, θ)", "r", "θ (radians)")
    ts = np.linspace(0, 2 * np.pi, 200)
    for radius in np.arange(0.5, 3.01, 0.5):
        right.plot(radius * np.cos(ts), radius * np.sin(ts), color=PALETTE["grey"], lw=0.6)
    for spoke in np.radians(np.arange(0, 360, 20)):
        right.plot([0, 3 * np.cos(spoke)], [0, 3 * np.sin(spoke)], color=PALETTE["grey"], lw=0.6)
    edge = np.linspace(0.0, 1.0, 30)[:, None]
    cell = polar(np.concatenate([a + edge * (b - a) for a, b in zip(corners[:-1], corners[1:])]))
    right.fill(cell[:, 0], cell[:, 1], color=PALETTE["sky"], alpha=0.8, label="image of the cell")
    corner = polar(point)
    J = polar_jacobian(point)
    _arrow(right, corner, J[:, 0] * dr, PALETTE["blue"], "J·[dr, 0] = dr · ∂(x, y)/∂r")
    _arrow(right, corner, J[:, 1] * dtheta, PALETTE["red"], "J·[0, dθ] = dθ · ∂(x, y)/∂θ")
    right.plot(*corner, "o", color=PALETTE["ink"], markersize=6, zorder=5)
    right.set_xlim(-3.6, 3.6)
    right.set_ylim(-3.6, 3.6)
    right.set_aspect("equal")
    right.legend(loc="lower left", fontsize=7.5, framealpha=0.95)
    finish(right, f"Its image: area × det J = × {np.linalg.det(J):.2f}", "x", "y", legend=False)
    return fig
