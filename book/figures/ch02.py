"""Figures of Chapter 2 (partial derivatives and the gradient). Each is a pure function of its parameters;
``explore`` adds the sliders. Figures with several panels take ``fig`` and set its size
(:data:`book.plotting.WIDE` for two panels).
The numbers they draw come from :mod:`book.geometry`, :mod:`book.functions` and :mod:`book.calculus`."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from book.calculus import derivative
from book.functions import (
    LINE_X,
    LINE_Y,
    Himmelblau,
    LeastSquares,
    Rosenbrock,
    bowl,
    polar,
    polar_jacobian,
    rotated_quadratic,
)
from book.geometry import (
    angle_of,
    classify,
    critical_points,
    direction,
    image_area,
    level_tangent,
    rectangle_boundary,
    taylor_errors,
)
from book.optim import run, sgd
from book.plotting import PALETTE, arrow, axes, contour_map, direction_field, finish, plane_grid, sized

"""Size in inches of the two-panel figures."""

HIMMELBLAU = Himmelblau()
ROSENBROCK = Rosenbrock()
HIMMELBLAU_LEVELS = [1, 4, 12, 30, 60, 100, 150, 220, 320, 450, 650]
"""Contour levels for Himmelblau's function: dense near the minima, sparse on the steep walls."""

PRIMER_VECTORS = np.array([[3.0, 1.0], [1.0, 2.0]])
"""The vectors a and b of the linear-algebra primer (Section 2)."""

PRIMER_MATRIX = np.array([[2.0, 1.0], [1.0, 2.0]])
"""The symmetric matrix of the primer: eigenvalues 1 and 3, eigenvectors at 135° and 45°."""

DIRECTION_POINT = np.array([1.0, 1.0])
"""Where Section 5 takes directional derivatives of Himmelblau's function."""

TAYLOR_POINT = np.array([-0.5, 0.0])
"""Where Section 6 expands Rosenbrock's function."""

TAYLOR_DISTANCES = np.logspace(-3, 0, 61)
"""Distances ‖δ‖ at which the Taylor figure draws the errors."""

SLOPE_DISTANCES = np.logspace(-3, -1.5, 16)
"""Distances ‖δ‖ at which Section 6 fits the log-log slopes of the Taylor errors."""

LEVEL_POINTS = np.array([[1.0, 1.0], [2.0, -1.0], [-1.0, 2.0], [0.5, 0.5], [-3.0, 1.0], [-2.0, -2.0]])
"""Where Section 4 measures the angle between the gradient and the level curve."""

# The sliders of the chapter's explorable figures, one dict per figure: explore(figure, **SLIDERS).
SLICE_SLIDERS = {"y0": (-3.0, 3.0, 1.0), "x0": (-3.0, 3.0, 1.0)}
LEVEL_SET_SLIDERS = {"x": (-3.5, 3.5, 1.0), "y": (-3.5, 3.5, 1.0)}
DIRECTION_SLIDERS = {"angle": (0.0, 345.0, 15.0)}
TAYLOR_SLIDERS = {"distance": [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0], "angle": (0.0, 320.0, 40.0)}
QUADRATIC_SLIDERS = {"lambda1": [0.5, 1.0, 2.0, 4.0, 8.0, 16.0], "lambda2": [0.5, 1.0, 2.0, 4.0, 8.0, 16.0]}
JACOBIAN_SLIDERS = {"r": (0.5, 2.5, 0.5), "theta": (0.0, 315.0, 45.0)}

QUADRATIC_START = np.array([-2.5, 1.0])
"""Where the gradient-descent preview of Section 7 starts."""

POLAR_CELL = 0.5
"""Side dr = dθ of the cell the polar-coordinates figure maps."""

DESCENT_STEP = 0.05
"""Learning rate of the descent steps drawn on the least-squares loss."""

LINE_DESIGN = np.stack([np.ones_like(LINE_X), LINE_X], axis=-1)
"""Chapter 1's inputs as a design matrix with a column of ones: the model y = b + w·x, parameters (b, w)."""


def bowl_figure(fig: Figure | None = None) -> Figure:
    """The surface z = x² + y² and its contours, with the gradient [2, 2] at (1, 1) pointing uphill."""
    fig = sized(fig)
    X, Y, points = plane_grid(-2.0, 2.0, 61)
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
    X, Y, points = plane_grid(-2.0, 2.6, 201)
    lines = plane.contour(X, Y, bowl(points), levels=[0.5, 1, 2, 3, 4, 6, 8], cmap="viridis", linewidths=1.2)
    plane.clabel(lines, fontsize=8, fmt="%g")
    point = np.array([1.0, 1.0])
    arrow(plane, point, 0.5 * np.array([2.0, 2.0]), PALETTE["red"], "∇f(1, 1) = [2, 2] (half length)")
    arrow(plane, point, -0.5 * np.array([2.0, 2.0]), PALETTE["blue"], "−∇f: steepest descent", linestyle="--")
    plane.plot(*point, "o", color=PALETTE["ink"], markersize=6, label="(1, 1), f = 2")
    plane.set_aspect("equal")
    plane.legend(loc="lower left", fontsize=8.5)
    finish(plane, "Contours (level sets) and the gradient", "x", "y", legend=False)
    return fig


def primer_figure(fig: Figure | None = None) -> Figure:
    """Left: the dot product a·b = ‖a‖‖b‖cos φ as a projection; right: a symmetric A stretches its eigenvectors only."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    a, b = PRIMER_VECTORS
    origin = np.zeros(2)
    shadow = (a @ b) / (a @ a) * a  # the projection of b onto the line of a
    arrow(left, origin, a, PALETTE["blue"], f"a = [{a[0]:g}, {a[1]:g}], ‖a‖ = {np.linalg.norm(a):.2f}")
    arrow(left, origin, b, PALETTE["red"], f"b = [{b[0]:g}, {b[1]:g}], ‖b‖ = {np.linalg.norm(b):.2f}")
    left.plot(*np.stack([b, shadow]).T, color=PALETTE["grey"], linestyle=":", lw=1.5)
    left.plot(
        *np.stack([origin, shadow]).T,
        color=PALETTE["green"],
        lw=5,
        alpha=0.6,
        solid_capstyle="butt",
        label=f"projection of b on a: (a·b)/‖a‖ = {a @ b / np.linalg.norm(a):.2f}",
    )
    left.set_xlim(-0.5, 3.5)
    left.set_ylim(-0.5, 3.0)
    left.set_aspect("equal")
    left.legend(loc="upper left", fontsize=7.5)
    bound = np.linalg.norm(a) * np.linalg.norm(b)
    finish(left, f"a·b = {a @ b:g} ≤ ‖a‖‖b‖ = {bound:.2f}", "first coordinate", "second coordinate", legend=False)
    eigenvalues, eigenvectors = np.linalg.eigh(PRIMER_MATRIX)
    circle = direction(np.linspace(0.0, 360.0, 361))
    right.plot(*circle.T, color=PALETTE["grey"], lw=1.2, label="unit circle, ‖x‖ = 1")
    right.plot(*(circle @ PRIMER_MATRIX.T).T, color=PALETTE["ink"], lw=1.5, label="its image {Ax}")
    for value, vector, colour in zip(eigenvalues, eigenvectors.T, (PALETTE["blue"], PALETTE["red"])):
        arrow(right, origin, value * vector, colour, f"A q = {value:g}·q (eigenvector q)")
    x = direction(0.0)
    arrow(right, origin, PRIMER_MATRIX @ x, PALETTE["green"], "A·[1, 0] = [2, 1]: turned", linestyle="--")
    right.set_xlim(-3.3, 3.3)
    right.set_ylim(-3.3, 3.3)
    right.set_aspect("equal")
    right.legend(loc="lower right", fontsize=7.5, framealpha=0.95)
    finish(right, "A = [[2, 1], [1, 2]] = QΛQᵀ", "first coordinate", "second coordinate", legend=False)
    return fig


def surface_slices_figure(point: tuple[float, float] = (1.0, 1.0), fig: Figure | None = None) -> Figure:
    """Himmelblau's surface cut by the planes y = y₀ and x = x₀ through a point; each cut is a 1-D curve."""
    fig = sized(fig, (7.0, 5.0))
    x0, y0 = point
    X, Y, points = plane_grid(-5.0, 5.0, 61)
    ax = fig.add_subplot(1, 1, 1, projection="3d")
    ax.plot_surface(X, Y, HIMMELBLAU(points), cmap="viridis", alpha=0.55, linewidth=0, rstride=2, cstride=2)
    ts = np.linspace(-5.0, 5.0, 200)
    along_x = np.stack([ts, np.full_like(ts, y0)], axis=-1)
    along_y = np.stack([np.full_like(ts, x0), ts], axis=-1)
    ax.plot(
        ts,
        np.full_like(ts, y0),
        HIMMELBLAU(along_x),
        color=PALETTE["red"],
        lw=2.5,
        label=f"slice y = {y0:g}: slope ∂f/∂x",
    )
    ax.plot(
        np.full_like(ts, x0),
        ts,
        HIMMELBLAU(along_y),
        color=PALETTE["blue"],
        lw=2.5,
        label=f"slice x = {x0:g}: slope ∂f/∂y",
    )
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
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    contour_map(left, HIMMELBLAU, -5.0, 5.0, HIMMELBLAU_LEVELS)
    left.axhline(y0, color=PALETTE["red"], lw=2, label=f"slice y = {y0:g}")
    left.plot([x0], [y0], "o", color=PALETTE["ink"], markersize=7, label=f"point ({x0:g}, {y0:g})")
    left.legend(loc="upper right", fontsize=8.5)
    finish(left, "Where we slice", "x", "y", legend=False)
    xs = np.linspace(-5.0, 5.0, 300)
    along = lambda x: HIMMELBLAU(np.stack([x, np.full_like(x, y0)], axis=-1))  # noqa: E731 - the slice x ↦ f(x, y0)
    slope = derivative(along, x0)
    right.plot(xs, along(xs), color=PALETTE["red"], label=f"f(x, {y0:g})")
    near = np.linspace(x0 - 1.2, x0 + 1.2, 2)
    right.plot(
        near,
        along(np.array(x0)) + slope * (near - x0),
        color=PALETTE["blue"],
        lw=2.5,
        linestyle="--",
        label=f"tangent, slope ∂f/∂x = {slope:.1f}",
    )
    right.plot([x0], [along(np.array(x0))], "o", color=PALETTE["ink"], markersize=7)
    right.set_xlim(-5, 5)
    right.set_ylim(-100, 700)
    right.legend(loc="upper center", fontsize=8.5)
    finish(right, "The slice: a function of x alone", "x", "f(x, y₀)", legend=False)
    return fig


def vector_field_figure(fig: Figure | None = None) -> Figure:
    """The gradient as a field of arrows on the contours of x² + y² (left) and of Himmelblau's function (right)."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    X, Y, points = plane_grid(-2.0, 2.0)
    left.contour(X, Y, bowl(points), levels=[0.25, 1, 2, 3, 4], cmap="viridis", linewidths=1.0)
    direction_field(left, bowl.grad, -2.0, 2.0, 13)
    left.set_aspect("equal")
    left.legend(loc="upper right", fontsize=8.5, framealpha=0.95)
    finish(left, "∇(x² + y²) = [2x, 2y]: straight out", "x", "y", legend=False)
    contour_map(right, HIMMELBLAU, -5.0, 5.0, HIMMELBLAU_LEVELS)
    direction_field(right, HIMMELBLAU.grad, -5.0, 5.0, 17)
    finish(right, "Himmelblau: crossing at 90°", "x", "y", legend=False)
    return fig


def level_set_figure(x: float = 1.5, y: float = 0.5, ax: Axes | None = None) -> Axes:
    """The level curve of Himmelblau's function through (x, y), its tangent, and the gradient at right angles to it."""
    ax = axes(ax)
    point = np.array([x, y])
    contour_map(ax, HIMMELBLAU, -5.0, 5.0, HIMMELBLAU_LEVELS)
    X, Y, points = plane_grid(-5.0, 5.0, 401)
    level = HIMMELBLAU(point)
    ax.contour(X, Y, HIMMELBLAU(points), levels=[level], colors=[PALETTE["ink"]], linewidths=2.2)
    ax.plot([], [], color=PALETTE["ink"], lw=2.2, label=f"level curve f = {level:.1f}")
    tangent = level_tangent(HIMMELBLAU, point)
    g = HIMMELBLAU.grad(point)
    unit = g / np.linalg.norm(g)
    ax.plot(
        *(point + np.outer([-1.6, 1.6], tangent)).T, color=PALETTE["orange"], lw=2.5, label="tangent of the level curve"
    )
    arrow(ax, point, 1.6 * unit, PALETTE["red"], "∇f direction")
    ax.plot(*point, "o", color=PALETTE["ink"], markersize=7)
    angle = np.degrees(np.arccos(np.clip(abs(unit @ tangent), 0.0, 1.0)))
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8.5)
    return finish(ax, f"At ({x:g}, {y:g}): angle(∇f, tangent) = {angle:.4f}°", "x", "y", legend=False)


def directional_figure(angle: float = 0.0, fig: Figure | None = None) -> Figure:
    """Left: a unit direction u and the gradient of Himmelblau's function at (1, 1); right: D_u f against the angle
    of u."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    point = DIRECTION_POINT
    g = HIMMELBLAU.grad(point)
    u = direction(angle)
    slope = float(g @ u)
    contour_map(left, HIMMELBLAU, -1.0, 3.0, list(range(20, 400, 20)))
    arrow(left, point, g / np.linalg.norm(g), PALETTE["red"], "∇f/‖∇f‖")
    arrow(left, point, u, PALETTE["blue"], f"u at {angle:g}°")
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
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    x0, u = TAYLOR_POINT, direction(angle)
    ts = np.linspace(-1.0, 1.0, 301)
    value, slope, curvature = ROSENBROCK(x0), ROSENBROCK.grad(x0) @ u, u @ ROSENBROCK.hessian(x0) @ u
    left.plot(ts, ROSENBROCK(x0 + ts[:, None] * u), color=PALETTE["ink"], label="f(x₀ + t u)")
    left.plot(ts, value + slope * ts, color=PALETTE["orange"], linestyle="--", label="first order")
    left.plot(
        ts, value + slope * ts + 0.5 * curvature * ts**2, color=PALETTE["blue"], linestyle="-.", label="second order"
    )
    left.axvline(distance, color=PALETTE["grey"], lw=1)
    exact = ROSENBROCK(x0 + distance * u)
    left.plot(
        [distance] * 3,
        [exact, value + slope * distance, value + slope * distance + 0.5 * curvature * distance**2],
        "o",
        color=PALETTE["red"],
        markersize=6,
    )
    left.set_xlim(-1, 1)
    left.set_ylim(-100, 300)
    left.legend(loc="upper left", fontsize=8.5)
    finish(left, f"Along u at {angle:g}° from x₀ = (−0.5, 0)", "t  (δ = t·u)", "value", legend=False)
    first, second = taylor_errors(ROSENBROCK, x0, u, TAYLOR_DISTANCES)
    right.loglog(TAYLOR_DISTANCES, first, color=PALETTE["orange"], label="error, first order")
    right.loglog(TAYLOR_DISTANCES, second, color=PALETTE["blue"], label="error, second order")
    for errors, power in ((first, 2), (second, 3)):  # reference lines C·‖δ‖ᵖ a little below each curve
        guide = 0.2 * errors[0] * (TAYLOR_DISTANCES / TAYLOR_DISTANCES[0]) ** power
        right.loglog(
            TAYLOR_DISTANCES,
            guide,
            color=PALETTE["grey"],
            linestyle=":",
            lw=1.3,
            label="slopes 2 and 3" if power == 2 else None,
        )
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
    contour_map(ax, HIMMELBLAU, -5.0, 5.0, HIMMELBLAU_LEVELS)
    styles = {"minimum": ("o", PALETTE["green"]), "maximum": ("^", PALETTE["red"]), "saddle": ("X", PALETTE["purple"])}
    points = critical_points(HIMMELBLAU)
    kinds = [classify(HIMMELBLAU.hessian(p)) for p in points]
    for kind, (marker, colour) in styles.items():
        chosen = points[[k == kind for k in kinds]]
        ax.plot(
            chosen[:, 0],
            chosen[:, 1],
            marker,
            color=colour,
            markersize=10,
            markeredgecolor="white",
            linestyle="none",
            label=f"{kind} ({len(chosen)})",
        )
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8.5)
    return finish(ax, "Critical points of Himmelblau, by Hessian", "x", "y", legend=False)


def curvature_figure(fig: Figure | None = None) -> Figure:
    """Left: Rosenbrock's narrow valley at its minimum with the Hessian's eigenvectors; right: curvature uᵀHu by
    angle."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    minimum = ROSENBROCK.minimizer
    H = ROSENBROCK.hessian(minimum)
    eigenvalues, eigenvectors = np.linalg.eigh(H)
    xs = np.linspace(0.0, 2.0, 301)
    X, Y = np.meshgrid(xs, xs)
    left.contour(
        X,
        Y,
        ROSENBROCK(np.stack([X, Y], axis=-1)),
        levels=[0.01, 0.05, 0.2, 0.5, 1, 2, 5],
        cmap="viridis",
        linewidths=1,
        alpha=0.6,
    )
    for name, value, vector, colour in zip(
        ("λ_min", "λ_max"), eigenvalues, eigenvectors.T, (PALETTE["blue"], PALETTE["red"])
    ):
        arrow(
            left, minimum, 0.6 * vector * np.sign(vector[0] or 1.0), colour, f"eigenvector, {name} = {value:.4g}", lw=3
        )
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
    X, Y, points = plane_grid(-3.0, 3.0)
    ax.contour(X, Y, f(points), levels=[0.05, 0.2, 0.5, 1, 2, 4, 8], cmap="viridis", linewidths=1.1)
    axes_of_ellipse = zip(
        ("λ₁", "λ₂"), (lambda1, lambda2), (direction(30.0), direction(120.0)), (PALETTE["blue"], PALETTE["red"])
    )
    for name, value, vector, colour in axes_of_ellipse:
        reach = 1.0 / np.sqrt(value)  # the level f = ½ crosses this axis at distance 1/√λ
        ax.plot(*np.outer([-reach, reach], vector).T, color=colour, lw=2.5, label=f"{name} = {value:g}: ±1/√{name}")
    lr = 2.0 / (f.L + f.mu)
    path = run(sgd(lr), f.grad, QUADRATIC_START, 10).x
    ax.plot(
        path[:, 0],
        path[:, 1],
        "o-",
        color=PALETTE["ink"],
        lw=1.2,
        markersize=4,
        label=f"10 GD steps,\nlr = 2/(L+μ) = {lr:.3g}",
    )
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
    ax.set_aspect("equal")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8.5)
    return finish(ax, f"κ = λ_max/λ_min = {f.condition_number:.3g}", "x₁", "x₂", legend=False)


def jacobian_figure(r: float = 1.5, theta: float = 45.0, cell: float = POLAR_CELL, fig: Figure | None = None) -> Figure:
    """A cell dr × dθ at (r, θ) in the polar plane (left); its image in the x-y plane and the parallelogram spanned by
    J's columns, the linear approximation of the image (right)."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    point, size = np.array([r, np.radians(theta)]), np.array([cell, cell])
    boundary = rectangle_boundary(point, size)
    left.fill(boundary[:, 0], boundary[:, 1], color=PALETTE["sky"], alpha=0.8)
    left.plot(*point, "o", color=PALETTE["ink"], markersize=6, zorder=5)
    left.set_xlim(0, 3.2)
    left.set_ylim(0, 2 * np.pi + 0.5)
    left.set_yticks(np.pi * np.arange(0, 2.01, 0.5), ["0", "π/2", "π", "3π/2", "2π"])
    left.set_aspect("equal")
    finish(left, f"A cell {cell:g} × {cell:g} in (r, θ)", "r", "θ (radians)")
    ts = np.linspace(0, 2 * np.pi, 200)
    for radius in np.arange(0.5, 3.01, 0.5):
        right.plot(radius * np.cos(ts), radius * np.sin(ts), color=PALETTE["grey"], lw=0.6)
    for spoke in np.radians(np.arange(0, 360, 20)):
        right.plot([0, 3 * np.cos(spoke)], [0, 3 * np.sin(spoke)], color=PALETTE["grey"], lw=0.6)
    image = polar(boundary)
    right.fill(image[:, 0], image[:, 1], color=PALETTE["sky"], alpha=0.8, label="image of the cell")
    corner, J = polar(point), polar_jacobian(point)
    columns = J * size  # J·[dr, 0] and J·[0, dθ]
    parallelogram = corner + np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]) @ columns.T
    right.plot(
        parallelogram[:, 0],
        parallelogram[:, 1],
        color=PALETTE["ink"],
        lw=1.2,
        linestyle="--",
        label="linear approximation J·cell",
    )
    arrow(right, corner, columns[:, 0], PALETTE["blue"], "J·[dr, 0] = dr · ∂(x, y)/∂r")
    arrow(right, corner, columns[:, 1], PALETTE["red"], "J·[0, dθ] = dθ · ∂(x, y)/∂θ")
    right.plot(*corner, "o", color=PALETTE["ink"], markersize=6, zorder=5)
    right.set_xlim(-3.6, 3.6)
    right.set_ylim(-3.6, 3.6)
    right.set_aspect("equal")
    right.legend(loc="lower left", fontsize=7.5, framealpha=0.95)
    ratio = image_area(polar, point, size) / cell**2
    finish(
        right,
        f"Area × det J = {np.linalg.det(J):.2f} (linear approx.),\ntrue × {ratio:.2f} = r + dr/2",
        "x",
        "y",
        legend=False,
    )
    return fig


def least_squares_figure(fig: Figure | None = None) -> Figure:
    """Left: Chapter 1's data with the best line through the origin and the best line with an intercept; right: the
    loss over (b, w), Chapter 1's slice b = 0, and the gradient 2Xᵀ(Xw − y)/n at the slice's minimum."""
    fig = sized(fig)
    left, right = fig.subplots(1, 2)
    model = LeastSquares(LINE_DESIGN, LINE_Y)  # ‖Xw − y‖²/(2n): half the mean squared error
    through_origin = float(LeastSquares(LINE_X[:, None], LINE_Y).minimizer[0])  # Chapter 1's best w
    best = model.minimizer
    xs = np.linspace(0.0, 3.5, 2)
    left.plot(LINE_X, LINE_Y, "o", color=PALETTE["ink"], markersize=7, label="Chapter 1's data")
    left.plot(xs, through_origin * xs, color=PALETTE["orange"], label=f"y = w·x, w = xᵀy/xᵀx = {through_origin:.3f}")
    left.vlines(LINE_X, LINE_Y, through_origin * LINE_X, color=PALETTE["orange"], lw=1.5, linestyle=":")
    left.plot(
        xs,
        best[0] + best[1] * xs,
        color=PALETTE["blue"],
        linestyle="--",
        label=f"y = b + w·x: b = {best[0]:.3f}, w = {best[1]:.3f}",
    )
    left.set_xlim(0, 3.5)
    left.set_ylim(0, 8)
    left.legend(loc="upper left", fontsize=7.5)
    finish(left, "Residuals Xw − y (dotted)", "x", "y", legend=False)
    loss = lambda points: 2 * model(points)  # noqa: E731 - the mean squared error ℓ(b, w)
    contour_map(right, loss, -2.0, 4.0, [0.1, 0.3, 1, 2, 4, 8, 16, 32])
    right.axvline(0.0, color=PALETTE["orange"], lw=2, label="b = 0: Chapter 1's model")
    for k, start in enumerate(np.array([[0.0, 0.0], [0.0, 3.5]])):
        arrow(
            right,
            start,
            -DESCENT_STEP * 2 * model.grad(start),
            PALETTE["red"],
            None if k else f"−{DESCENT_STEP:g}·∇ℓ: a descent step",
        )
    right.plot(
        0.0,
        through_origin,
        "o",
        color=PALETTE["orange"],
        markersize=7,
        label=f"best on b = 0: w = {through_origin:.3f}",
    )
    right.plot(*best, "*", color=PALETTE["blue"], markersize=13, label="∇ℓ = 0: XᵀXw = Xᵀy")
    right.legend(loc="lower left", fontsize=7.5, framealpha=0.95)
    finish(right, "ℓ(b, w) = ‖Xw − y‖²/n", "intercept b", "slope w", legend=False)
    return fig
