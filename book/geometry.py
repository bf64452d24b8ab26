"""What derivatives say about the shape of a function: directions, level-set tangents, Taylor models, critical
points and their kinds, and the areas a map scales by its Jacobian.

Points in the plane are arrays shaped ``(..., 2)``; an objective ``f`` has the ``value``/``grad``/``hessian``
interface of :mod:`book.functions`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from book._validate import require_callable, require_count, require_finite_array, require_positive

__all__ = [
    "direction",
    "angle_of",
    "level_tangent",
    "taylor_errors",
    "newton",
    "critical_points",
    "classify",
    "rectangle_boundary",
    "image_area",
]

ZERO_EIGENVALUE_RTOL = 1e-9
"""An eigenvalue counts as zero when its size is at most this fraction of the largest one."""


def direction(angle: float | np.ndarray) -> np.ndarray:
    """The unit vector(s) at ``angle`` degrees from the x-axis, shape ``(..., 2)``.

    >>> direction(90.0).round(12)
    array([0., 1.])
    """
    radians = np.radians(require_finite_array("angle", angle))
    return np.stack([np.cos(radians), np.sin(radians)], axis=-1)


def angle_of(v: np.ndarray) -> float:
    """The angle of the 2-D vector ``v`` in degrees, in [0, 360).

    >>> angle_of(np.array([-1.0, -1.0]))
    225.0
    """
    vector = require_finite_array("v", v, ndim=1)
    if vector.shape != (2,) or not np.any(vector):
        raise ValueError(f"v must be a non-zero vector of length 2, got {vector!r}")
    return float(np.degrees(np.arctan2(vector[1], vector[0])) % 360)


def level_tangent(f: Callable, point: np.ndarray, radius: float = 1e-4, samples: int = 64) -> np.ndarray:
    """Unit tangent of the level curve of ``f`` through ``point``, from values of f only (no derivatives).

    On a small circle around the point, f − f(point) changes sign exactly twice where ∇f ≠ 0 (where the circle
    meets the level curve); both crossings are found by bisection, and the chord between them approximates the
    tangent: its angle to the tangent is O(radius²).

    >>> np.abs(level_tangent(lambda p: np.sum(p**2, axis=-1), np.array([1.0, 0.0]))).round(6)
    array([0., 1.])
    """
    require_callable("f", f)
    point = require_finite_array("point", point, ndim=1)
    step = require_positive("radius", radius)
    count = require_count("samples", samples, minimum=8)
    level = f(point)
    angles = np.linspace(0.0, 2 * np.pi, count, endpoint=False)

    def gap(theta: np.ndarray) -> np.ndarray:
        return f(point + step * direction(np.degrees(theta))) - level

    signs = np.sign(gap(angles))
    starts = np.flatnonzero(signs != np.roll(signs, -1))
    if starts.size != 2:
        raise ValueError(
            f"point must not be a critical point of f: the level set around it is not a curve, got {point}"
        )
    low, high = angles[starts], angles[starts] + 2 * np.pi / count
    low_sign = np.sign(gap(low))
    for _ in range(60):
        middle = (low + high) / 2
        same = np.sign(gap(middle)) == low_sign
        low, high = np.where(same, middle, low), np.where(same, high, middle)
    ends = point + step * direction(np.degrees(low))
    chord = ends[1] - ends[0]
    return chord / np.linalg.norm(chord)


def taylor_errors(f, x0: np.ndarray, u: np.ndarray, distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Errors |f − model| of the first- and second-order Taylor models of the objective ``f`` at x0 + r·u, each r.

    >>> from book.functions import Rosenbrock
    >>> first, second = taylor_errors(Rosenbrock(), np.array([1.0, 1.0]), np.array([0.0, 1.0]), np.array([0.1]))
    >>> first.round(12), second.round(12)
    (array([1.]), array([0.]))
    """
    point = require_finite_array("x0", x0, ndim=1)
    unit = require_finite_array("u", u, ndim=1)
    reach = require_finite_array("distances", distances, ndim=1)
    deltas = reach[:, None] * unit
    value, slope, curvature = f(point), f.grad(point), f.hessian(point)
    first = value + deltas @ slope
    second = first + 0.5 * np.einsum("ki,ij,kj->k", deltas, curvature, deltas)
    exact = f(point + deltas)
    return np.abs(exact - first), np.abs(exact - second)


def newton(f, points: np.ndarray, steps: int = 60) -> np.ndarray:
    """Newton's method for ∇f = 0, x ← x − H(x)⁻¹∇f(x), run ``steps`` times from every point of the batch.

    >>> from book.functions import Quadratic
    >>> newton(Quadratic(np.diag([1.0, 4.0]), b=[-1.0, -4.0]), np.array([[5.0, 5.0]]), steps=1)
    array([[1., 1.]])
    """
    current = require_finite_array("points", points)
    for _ in range(require_count("steps", steps, minimum=1)):
        current = current - np.linalg.solve(f.hessian(current), f.grad(current)[..., None])[..., 0]
    return current


def critical_points(f, low: float = -5.0, high: float = 5.0, seeds: int = 21) -> np.ndarray:
    """The points where ∇f = 0 in the square [low, high]², found by Newton's method from a grid of seeds×seeds."""
    if not np.isfinite(low) or not np.isfinite(high) or low >= high:
        raise ValueError(f"low and high must be finite with low < high, got low={low!r}, high={high!r}")
    grid = np.linspace(low, high, require_count("seeds", seeds, minimum=2))
    points = newton(f, np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2))
    inside = np.all((points >= low) & (points <= high), axis=-1)
    found = points[inside & (np.linalg.norm(f.grad(points), axis=-1) < 1e-9)]
    _, first = np.unique(np.round(found, 6), axis=0, return_index=True)  # one of each, sorted by x then y
    return found[first]


def classify(hessian: np.ndarray) -> str:
    """What the Hessian at a critical point says it is: 'minimum', 'maximum', 'saddle' or 'undecided'.

    Eigenvalues of both signs make a saddle whatever the others are; all positive, a minimum; all negative, a
    maximum. With zero eigenvalues and the rest of one sign, the Hessian cannot decide (higher-order terms do).

    >>> classify(np.diag([2.0, -2.0, 0.0])), classify(np.diag([2.0, 0.0]))
    ('saddle', 'undecided')
    """
    matrix = require_finite_array("hessian", hessian, ndim=2)
    if matrix.shape[0] != matrix.shape[1] or not np.allclose(matrix, matrix.T):
        raise ValueError(f"hessian must be a symmetric square matrix, got shape {matrix.shape}")
    eigenvalues = np.linalg.eigvalsh(matrix)
    zero = ZERO_EIGENVALUE_RTOL * np.max(np.abs(eigenvalues))
    positive, negative = np.any(eigenvalues > zero), np.any(eigenvalues < -zero)
    if positive and negative:
        return "saddle"
    if np.any(np.abs(eigenvalues) <= zero):
        return "undecided"
    return "minimum" if positive else "maximum"


def rectangle_boundary(corner: np.ndarray, size: np.ndarray, samples: int = 50) -> np.ndarray:
    """Points around the rectangle [a, a + da] × [b, b + db], counter-clockwise, ``samples`` per side, shape
    (4·samples, 2)."""
    start = require_finite_array("corner", corner, ndim=1)
    width = require_finite_array("size", size, ndim=1)
    if np.any(width <= 0):
        raise ValueError(f"size must be positive in both directions, got {width}")
    vertices = start + np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]) * width
    edge = np.linspace(0.0, 1.0, require_count("samples", samples, minimum=2), endpoint=False)[:, None]
    return np.concatenate([a + edge * (b - a) for a, b in zip(vertices[:-1], vertices[1:])])


def image_area(mapping: Callable, corner: np.ndarray, size: np.ndarray, samples: int = 2000) -> float:
    """Area of the image of a rectangle under a map of the plane, by the shoelace formula on its mapped boundary.

    >>> round(image_area(lambda p: 2 * p, np.array([0.0, 0.0]), np.array([1.0, 1.0])), 9)
    4.0
    """
    require_callable("mapping", mapping)
    image = mapping(rectangle_boundary(corner, size, samples))
    x, y = image[:, 0], image[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)
