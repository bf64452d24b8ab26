"""Checkers for Chapter 2's exercises (partial derivatives and the gradient): ``check.numerical_gradient(...)``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from book.checks import Case, Mistake, Result, check_function, close_to, frozen, generated
from book.functions import LogisticRegression


def _himmelblau(v):
    return (v[0] ** 2 + v[1] - 11) ** 2 + (v[0] + v[1] ** 2 - 7) ** 2


def _mixed(v):
    return v[0] * v[1] ** 2 + np.sin(v[2]) * v[0]


def _bowl(v):
    return np.sum(np.arange(1, len(v) + 1) * v**2) + np.prod(np.cos(v))


# Functions of several variables for the generated cases: (f, number of variables or None for any, name).
_SCALAR_FUNCTIONS = (
    (_himmelblau, 2, "Himmelblau"),
    (_mixed, 3, "x₀x₁² + x₀ sin x₂"),
    (_bowl, None, "Σ (i+1)xᵢ² + Π cos xᵢ"),
)


def _vector(rng: np.random.Generator, d: int, scale: float = 2.0) -> np.ndarray:
    """A point of d coordinates of either sign, rounded so that its label shows it exactly."""
    return np.round(scale * rng.standard_normal(d), 2)


def _shown(x: np.ndarray) -> str:
    return np.array2string(np.asarray(x), separator=", ")


def _draw_scalar_function(rng: np.random.Generator) -> tuple:
    f, d, name = _SCALAR_FUNCTIONS[int(rng.integers(len(_SCALAR_FUNCTIONS)))]
    return f, _vector(rng, d or int(rng.integers(1, 6))), name


def _draw_partial(rng: np.random.Generator) -> Case:
    f, x, name = _draw_scalar_function(rng)
    i = (
        len(x) - 1 if rng.random() < 0.4 else int(rng.integers(len(x)))
    )  # the last coordinate often: Python counts from 0
    if rng.random() < 0.5:
        return Case((f, x, i), f"f = {name}, x = {_shown(x)}, i = {i}")
    h = float(rng.choice([1e-3, 1e-4, 0.25, 0.5]))
    return Case((f, x, i, h), f"f = {name}, x = {_shown(x)}, i = {i}, h = {h:g}")


def _draw_gradient(rng: np.random.Generator) -> Case:
    f, x, name = _draw_scalar_function(rng)
    if rng.random() < 0.5:
        return Case((f, x), f"f = {name}, x = {_shown(x)}")
    h = float(rng.choice([1e-3, 1e-4, 0.25, 0.5]))
    return Case((f, x, h), f"f = {name}, x = {_shown(x)}, h = {h:g}")


def _unit(i: int, n: int, h: float) -> np.ndarray:
    step = np.zeros(n)
    step[i] = h
    return step


def _central_partial(f: Callable, x: np.ndarray, i: int, h: float = 1e-5) -> float:
    e = _unit(i, len(x), h)
    return (f(x + e) - f(x - e)) / (2 * h)


def _forward_partial(f: Callable, x: np.ndarray, i: int, h: float = 1e-5) -> float:
    e = _unit(i, len(x), h)
    return (f(x + e) - f(x)) / h


_PARTIAL_CASES = (
    Case((_himmelblau, np.array([1.0, 1.0]), 0), "f = Himmelblau, x = [1, 1], i = 0"),
    Case((_himmelblau, np.array([1.0, 1.0]), 1), "f = Himmelblau, x = [1, 1], i = 1"),
    Case((_mixed, np.array([1.0, 2.0, 0.5]), 2, 1e-4), "f(x) = x₀x₁² + x₀ sin x₂, x = [1, 2, 0.5], i = 2, h = 1e-4"),
    Case(
        (_himmelblau, np.array([1.0, 1.0]), 0, 0.5),
        "f = Himmelblau, x = [1, 1], i = 0, h = 0.5 (so large that the answer depends on h)",
    ),
    *generated(_draw_partial, seed=21),
)

_IGNORED_STEP = (
    "use the h you are given: a large h changes the answer, and a caller who passes h expects it to be used."
)


def partial_derivative(learner: Callable) -> Result:
    """Exercise 2.1: ∂f/∂xᵢ by a central difference along coordinate i only."""
    return check_function(
        learner,
        _central_partial,
        _PARTIAL_CASES,
        mistakes=[
            Mistake(
                _forward_partial,
                "that is a forward difference; use the central one, (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h).",
            ),
            Mistake(
                lambda f, x, i, h=1e-5: (f(x + h) - f(x - h)) / (2 * h),
                "you moved every coordinate at once (x + h adds h to all of them); a partial derivative moves only "
                "x[i].",
            ),
            Mistake(
                lambda f, x, i, h=1e-5: _central_partial(f, x, i, h) * 2,
                "the two points x ± h·eᵢ are 2h apart: divide by 2h, not h.",
            ),
            Mistake(
                lambda f, x, i, h=1e-5: _central_partial(f, x, (i + 1) % len(x), h),
                "you differentiated along the wrong coordinate; Python counts from 0, so i = 0 is x₀.",
            ),
            Mistake(lambda f, x, i, h=1e-5: _central_partial(f, x, i), _IGNORED_STEP),
        ],
        hint="copy x, add h to entry i for one point and subtract h for the other, and divide the difference of f by "
        "2h.",
        compare=close_to(rtol=1e-8, atol=1e-10),
        name="partial_derivative",
    )


def _central_gradient(f: Callable, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    return np.array([_central_partial(f, x, i, h) for i in range(len(x))])


def numerical_gradient(learner: Callable) -> Result:
    """Exercise 2.2: the full gradient by central differences, an array shaped like x."""
    return check_function(
        learner,
        _central_gradient,
        [
            Case((_himmelblau, np.array([1.0, 1.0])), "f = Himmelblau, x = [1, 1]"),
            Case((_mixed, np.array([1.0, 2.0, 0.5])), "f(x) = x₀x₁² + x₀ sin x₂, x = [1, 2, 0.5]"),
            Case((_himmelblau, np.array([-2.0, 3.5]), 1e-4), "f = Himmelblau, x = [-2, 3.5], h = 1e-4"),
            Case(
                (_himmelblau, np.array([1.0, 1.0]), 0.5),
                "f = Himmelblau, x = [1, 1], h = 0.5 (so large that the answer depends on h)",
            ),
            *generated(_draw_gradient, seed=22),
        ],
        mistakes=[
            Mistake(
                lambda f, x, h=1e-5: np.array([_forward_partial(f, x, i, h) for i in range(len(x))]),
                "those are forward differences; use central ones, (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h), for every i.",
            ),
            Mistake(
                lambda f, x, h=1e-5: 2 * _central_gradient(f, x, h),
                "the two points x ± h·eᵢ are 2h apart: divide by 2h.",
            ),
            Mistake(
                lambda f, x, h=1e-5: -_central_gradient(f, x, h),
                "the sign is flipped: subtract f(x − h·eᵢ) from f(x + h·eᵢ).",
            ),
            Mistake(
                lambda f, x, h=1e-5: _central_gradient(f, x),
                _IGNORED_STEP + " Pass it on: partial_derivative(f, x, i, h).",
            ),
        ],
        hint="loop over the coordinates i, take the central difference along eᵢ, and return the partial derivatives "
        "as one array shaped like x.",
        compare=close_to(rtol=1e-8, atol=1e-10),
        name="numerical_gradient",
    )


def _draw_pair(rng: np.random.Generator) -> Case:
    d = int(rng.integers(2, 6))
    g, u = _vector(rng, d, float(10.0 ** rng.uniform(-1, 2))), _vector(rng, d, float(10.0 ** rng.uniform(-1, 1)))
    u[0] = u[0] or 1.0  # a direction is not the zero vector
    return Case((g, u), f"g = {_shown(g)}, u = {_shown(u)}")


def _draw_direction(rng: np.random.Generator) -> Case:
    g = _vector(rng, int(rng.integers(2, 6)), float(10.0 ** rng.uniform(-1, 2)))
    g[-1] = g[-1] or -1.0  # not the zero vector
    return Case((g,), f"g = {_shown(g)}")


_DIRECTION_CASES = (
    Case((np.array([3.0, 4.0]), np.array([1.0, 0.0])), "g = [3, 4], u = [1, 0]"),
    Case((np.array([-46.0, -38.0]), np.array([1.0, 1.0])), "g = [-46, -38], u = [1, 1]"),
    Case((np.array([1.0, 2.0, 2.0]), np.array([2.0, 0.0, 1.0])), "g = [1, 2, 2], u = [2, 0, 1]"),
    *generated(lambda rng: _draw_pair(rng), seed=23),
)


def directional_derivative(learner: Callable) -> Result:
    """Exercise 2.3: the slope g·u/‖u‖ along the unit vector in the direction of u, given the gradient g."""
    return check_function(
        learner,
        lambda g, u: float(g @ u / np.linalg.norm(u)),
        _DIRECTION_CASES,
        mistakes=[
            Mistake(
                lambda g, u: float(g @ u),
                "u is not a unit vector here: divide by its length ‖u‖ first, so the slope is per unit of distance.",
            ),
            Mistake(
                lambda g, u: float(g @ u / np.linalg.norm(g)),
                "normalise the direction u, not the gradient g: D_u f = g · u / ‖u‖.",
            ),
            Mistake(
                lambda g, u: float(g @ u / (u @ u)), "you divided by ‖u‖²; divide by ‖u‖ = np.linalg.norm(u) once."
            ),
            Mistake(
                lambda g, u: float(g @ u / np.sum(np.abs(u))),
                "divide by the Euclidean length ‖u‖ = √(Σ uᵢ²), not by the sum of |uᵢ|.",
            ),
        ],
        hint="the directional derivative along the unit vector u/‖u‖ is the dot product g · u / ‖u‖.",
        compare=close_to(rtol=1e-10, atol=1e-12),
        name="directional_derivative",
    )


def steepest_descent_direction(learner: Callable) -> Result:
    """Exercise 2.4: the unit vector of steepest descent, −g/‖g‖."""
    return check_function(
        learner,
        lambda g: -g / np.linalg.norm(g),
        [
            Case((np.array([2.0, 2.0]),), "g = [2, 2]"),
            Case((np.array([-46.0, -38.0]),), "g = [-46, -38]"),
            Case((np.array([3.0, 0.0, -4.0]),), "g = [3, 0, -4]"),
            *generated(_draw_direction, seed=24),
        ],
        mistakes=[
            Mistake(
                lambda g: g / np.linalg.norm(g),
                "that is the steepest *ascent* direction; descent goes against the gradient: −g/‖g‖.",
            ),
            Mistake(lambda g: -g, "a direction is a unit vector: divide −g by its length ‖g‖ = np.linalg.norm(g)."),
            Mistake(lambda g: -g / (g @ g), "you divided by ‖g‖²; divide by ‖g‖ once so that the result has length 1."),
            Mistake(
                lambda g: -g / np.sum(np.abs(g)),
                "divide by the Euclidean length ‖g‖ = √(Σ gᵢ²), not by the sum of |gᵢ|.",
            ),
        ],
        hint="return −g divided by its Euclidean length, np.linalg.norm(g).",
        compare=close_to(rtol=1e-10, atol=1e-12),
        name="steepest_descent_direction",
    )


def _quadratic_gradient(A: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 0.5 * (A + A.T) @ x + b


def _draw_quadratic(rng: np.random.Generator) -> Case:
    d = int(rng.integers(2, 6))
    A = np.round(rng.uniform(-5, 5, (d, d)), 1)
    A = np.round(A + A.T, 1) if rng.random() < 0.3 else A
    b, x = _vector(rng, d), _vector(rng, d)
    kind = "symmetric A" if np.array_equal(A, A.T) else "A (not symmetric)"
    return Case((A, b, x), f"{kind} = {_shown(A)}, b = {_shown(b)}, x = {_shown(x)}")


def quadratic_gradient(learner: Callable) -> Result:
    """Exercise 2.5: the gradient of ½ xᵀAx + bᵀx for any square A, ½(A + Aᵀ)x + b (= Ax + b when A is symmetric)."""
    return check_function(
        learner,
        _quadratic_gradient,
        [
            Case(
                (np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([1.0, -1.0]), np.array([1.0, 2.0])),
                "symmetric A = [[2, 1], [1, 3]], b = [1, -1], x = [1, 2]",
            ),
            Case(
                (np.array([[1.0, 4.0], [0.0, 2.0]]), np.array([0.5, 0.0]), np.array([1.0, -1.0])),
                "A = [[1, 4], [0, 2]] (not symmetric), b = [0.5, 0], x = [1, -1]",
            ),
            Case(
                (
                    np.array([[3.0, 1.0, 0.0], [-1.0, 2.0, 5.0], [2.0, 0.0, 1.0]]),
                    np.array([1.0, 2.0, 3.0]),
                    np.array([0.5, -1.0, 2.0]),
                ),
                "A = [[3, 1, 0], [-1, 2, 5], [2, 0, 1]], b = [1, 2, 3], x = [0.5, -1, 2]",
            ),
            *generated(_draw_quadratic, seed=25),
        ],
        mistakes=[
            Mistake(
                lambda A, b, x: (A + A.T) @ x + b,
                "you dropped the ½: the gradient of xᵀAx is (A + Aᵀ)x, and the ½ in front halves it (for symmetric "
                "A, Ax + b, not 2Ax + b).",
            ),
            Mistake(
                lambda A, b, x: A @ x + b,
                "Ax + b holds only for symmetric A. In general xᵀAx = Σᵢⱼ xᵢAᵢⱼxⱼ has gradient (A + Aᵀ)x, so the "
                "answer is ½(A + Aᵀ)x + b.",
            ),
            Mistake(
                lambda A, b, x: A.T @ x + b,
                "Aᵀx (or x @ A) is only half the story: xᵢ appears in row i and in column i of A, so the gradient is "
                "½(A + Aᵀ)x + b.",
            ),
            Mistake(lambda A, b, x: 0.5 * (A + A.T) @ x - b, "check the sign of b: the gradient of bᵀx is +b."),
            Mistake(
                lambda A, b, x: A @ x - b,
                "check the sign of b (the gradient of bᵀx is +b), and use ½(A + Aᵀ)x in case A is not symmetric.",
            ),
            Mistake(lambda A, b, x: 0.5 * (A + A.T) @ x, "don't forget the linear term: the gradient of bᵀx is b."),
            Mistake(
                lambda A, b, x: 2 * A @ x + b,
                "you dropped the ½ (it cancels the 2), and 2Ax is right only for a symmetric A: in general the "
                "gradient of ½xᵀAx is ½(A + Aᵀ)x.",
            ),
            Mistake(
                lambda A, b, x: A @ x,
                "don't forget the linear term (the gradient of bᵀx is b), and Ax holds only for a symmetric A: in "
                "general ½(A + Aᵀ)x + b.",
            ),
        ],
        hint="write xᵀAx = Σᵢⱼ xᵢAᵢⱼxⱼ and differentiate with respect to x_k: you get (Ax)_k + (Aᵀx)_k.",
        compare=close_to(rtol=1e-10, atol=1e-12),
        name="quadratic_gradient",
    )


def _draw_spd(rng: np.random.Generator) -> Case:
    """A symmetric positive definite matrix with eigenvalues spread over up to four decades, in no particular order."""
    d = int(rng.integers(2, 6))
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    eigenvalues = 10.0 ** rng.uniform(-2, 2, d)
    H = np.round(q @ np.diag(eigenvalues) @ q.T, 3)
    H[H == 0] = 0.001  # no zero entry: a ratio of entries stays a number
    H = H + (0.01 - min(0.0, np.linalg.eigvalsh(H)[0])) * np.eye(d)  # rounding must not cost definiteness
    return Case((H,), f"H = {_shown(H)}")


def _condition_number(H: np.ndarray) -> float:
    eigenvalues = np.linalg.eigvalsh(H)
    return float(eigenvalues[-1] / eigenvalues[0])


def condition_number(learner: Callable) -> Result:
    """Exercise 2.6: κ = λ_max / λ_min of a symmetric positive definite Hessian."""
    return check_function(
        learner,
        _condition_number,
        [
            Case((np.array([[2.0, 1.0], [1.0, 2.0]]),), "H = [[2, 1], [1, 2]]"),
            Case(
                (np.array([[802.0, -400.0], [-400.0, 200.0]]),),
                "H = [[802, -400], [-400, 200]] (Rosenbrock at its minimum)",
            ),
            Case(
                (np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]]),),
                "H = [[4, 1, 0], [1, 3, 1], [0, 1, 2]]",
            ),
            Case((np.diag([2.0, 9.0, 1.0]),), "H = diag(2, 9, 1)"),
            Case(
                (np.array([[5.0, -4.0, -4.0], [-4.0, 23.0, 1.0], [-4.0, 1.0, 18.0]]),),
                "H = [[5, -4, -4], [-4, 23, 1], [-4, 1, 18]]",
            ),
            *generated(_draw_spd, seed=26),
        ],
        mistakes=[
            Mistake(
                lambda H: float(np.real(np.linalg.eigvals(H)[0] / np.linalg.eigvals(H)[-1])),
                "np.linalg.eigvals does not sort the eigenvalues: take their max and min, or use "
                "np.linalg.eigvalsh(H), which sorts them smallest first.",
            ),
            Mistake(
                lambda H: 1 / _condition_number(H),
                "that is λ_min / λ_max; the condition number is the largest eigenvalue over the smallest, so κ ≥ 1.",
            ),
            Mistake(
                lambda H: float(np.max(np.diag(H)) / np.min(np.diag(H))),
                "the diagonal entries are not the eigenvalues (unless H is diagonal); use np.linalg.eigvalsh(H).",
            ),
            Mistake(
                lambda H: float(np.sqrt(_condition_number(H))),
                "that is √κ, the ratio of the axes of the level ellipses; κ itself is λ_max / λ_min.",
            ),
            Mistake(
                lambda H: float(np.ptp(np.linalg.eigvalsh(H))),
                "κ is a ratio of eigenvalues, λ_max / λ_min, not their difference.",
            ),
            Mistake(
                lambda H: float(np.max(H) / np.min(H)),
                "the largest and smallest entries of H are not its eigenvalues; use np.linalg.eigvalsh(H).",
            ),
        ],
        hint="compute the eigenvalues with np.linalg.eigvalsh(H) (sorted, smallest first) and divide the largest by "
        "the smallest.",
        compare=close_to(rtol=1e-9, atol=1e-12),
        name="condition_number",
    )


def _polar(p):
    return np.array([p[0] * np.cos(p[1]), p[0] * np.sin(p[1])])


def _three_outputs(v):
    return np.array([v[0] * v[1], v[0] + v[1] ** 2, np.sin(v[0])])


def _two_outputs(v):
    return np.array([v[0] * v[1] * v[2], np.exp(v[0]) - v[2]])


_VECTOR_FUNCTIONS = (
    (_polar, 2, "polar to Cartesian"),
    (_three_outputs, 2, "[x₀x₁, x₀ + x₁², sin x₀]"),
    (_two_outputs, 3, "[x₀x₁x₂, exp(x₀) − x₂]"),
    (
        lambda v: np.array([np.sum(v**2), np.prod(np.sin(v)), v[0] - 2 * v[-1], np.exp(v[-1])]),
        4,
        "[Σ xᵢ², Π sin xᵢ, x₀ − 2x₃, exp(x₃)] of 4 inputs",
    ),
    (
        lambda v: np.array([np.sum(v**2), np.prod(np.sin(v)), v[0] - 2 * v[-1], np.exp(v[-1])]),
        5,
        "[Σ xᵢ², Π sin xᵢ, x₀ − 2x₄, exp(x₄)] of 5 inputs",
    ),
)


def _draw_jacobian(rng: np.random.Generator) -> Case:
    f, d, name = _VECTOR_FUNCTIONS[int(rng.integers(len(_VECTOR_FUNCTIONS)))]
    x = _vector(rng, d, 1.0)
    if rng.random() < 0.5:
        return Case((f, x), f"f(x) = {name}, x = {_shown(x)}")
    h = float(rng.choice([1e-3, 1e-4, 0.25]))
    return Case((f, x, h), f"f(x) = {name}, x = {_shown(x)}, h = {h:g}")


def _jacobian(f: Callable, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    return np.stack(
        [(f(x + _unit(j, len(x), h)) - f(x - _unit(j, len(x), h))) / (2 * h) for j in range(len(x))], axis=1
    )


def numerical_jacobian(learner: Callable) -> Result:
    """Exercise 2.7 (challenge): the m×n Jacobian J[i, j] = ∂fᵢ/∂xⱼ by central differences (rows are outputs)."""
    return check_function(
        learner,
        _jacobian,
        [
            Case((_polar, np.array([2.0, np.pi / 6])), "f = polar to Cartesian, x = [2, π/6]"),
            Case((_three_outputs, np.array([1.0, 2.0])), "f(x) = [x₀x₁, x₀ + x₁², sin x₀], x = [1, 2]"),
            Case(
                (_two_outputs, np.array([0.5, 1.0, -1.0]), 1e-4),
                "f(x) = [x₀x₁x₂, exp(x₀) − x₂], x = [0.5, 1, -1], h = 1e-4",
            ),
            *generated(_draw_jacobian, seed=27),
        ],
        mistakes=[
            Mistake(
                lambda f, x, h=1e-5: _jacobian(f, x, h).T,
                "your matrix is transposed: rows are outputs, J[i, j] = ∂fᵢ/∂xⱼ, so the derivative along xⱼ is "
                "column j (np.stack(columns, axis=1)).",
            ),
            Mistake(
                lambda f, x, h=1e-5: np.stack([(f(x + _unit(j, len(x), h)) - f(x)) / h for j in range(len(x))], axis=1),
                "those are forward differences; use central ones, (f(x + h·eⱼ) − f(x − h·eⱼ)) / (2h).",
            ),
        ],
        hint="for each input j, the central difference of the whole output vector along eⱼ is column j of J.",
        compare=close_to(rtol=1e-8, atol=1e-10),
        name="numerical_jacobian",
    )


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _logistic_gradient(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return LogisticRegression(X, y).grad(w)


_rng = np.random.default_rng(2)
_X_BIG = frozen(_rng.standard_normal((20, 3)))
_Y_BIG = frozen(_rng.random(20) < _sigmoid(_X_BIG @ np.array([1.0, -2.0, 0.5])))
_X_SMALL = frozen([[1.0, 2.0], [1.0, -1.0], [1.0, 0.5], [1.0, -2.0]])
_Y_SMALL = frozen([1.0, 0.0, 1.0, 0.0])


def _draw_logistic(rng: np.random.Generator) -> Case:
    n, d = int(rng.integers(1, 30)), int(rng.integers(1, 5))
    X, w = np.round(rng.standard_normal((n, d)), 2), _vector(rng, d, float(10.0 ** rng.uniform(-1, 1)))
    y = (rng.random(n) < 0.5).astype(float)
    return Case((w, X, y), f"w = {_shown(w)}, X {n}×{d} and y of {n} random 0/1 labels (drawn by the checker)")


def logistic_gradient(learner: Callable) -> Result:
    """Exercise 2.8 (challenge): the gradient Xᵀ(σ(Xw) − y)/n of the mean logistic loss."""
    return check_function(
        learner,
        _logistic_gradient,
        [
            Case(
                (np.array([0.5, -1.0]), _X_SMALL, _Y_SMALL),
                "w = [0.5, -1], X 4×2 = [[1, 2], [1, -1], [1, 0.5], [1, -2]], y = [1, 0, 1, 0]",
            ),
            Case((np.array([0.0, 0.0]), _X_SMALL, _Y_SMALL), "w = [0, 0] and the same X, y"),
            Case(
                (np.array([0.3, 0.1, -0.2]), _X_BIG, _Y_BIG),
                "w = [0.3, 0.1, -0.2], X 20×3 and y from np.random.default_rng(2)",
            ),
            *generated(_draw_logistic, seed=28),
        ],
        mistakes=[
            Mistake(
                lambda w, X, y: X.T @ (_sigmoid(X @ w) - y),
                "the loss is a mean over the n samples: divide by n = len(y).",
            ),
            Mistake(
                lambda w, X, y: X.T @ (y - _sigmoid(X @ w)) / len(y),
                "the sign is flipped: d/dz [log(1 + eᶻ) − y z] = σ(z) − y, not y − σ(z).",
            ),
            Mistake(
                lambda w, X, y: X.T @ (X @ w - y) / len(y),
                "apply the sigmoid: the prediction is σ(Xw), not Xw (that is least squares' gradient).",
            ),
            Mistake(
                lambda w, X, y: X.T @ ((_sigmoid(X @ w) - y) * _sigmoid(X @ w) * (1 - _sigmoid(X @ w))) / len(y),
                "no σ(1 − σ) factor: for the logistic loss it cancels, and ∂loss/∂z is just σ(z) − y.",
            ),
        ],
        hint="with z = Xw, ∂loss/∂zᵢ = (σ(zᵢ) − yᵢ)/n, and the chain rule through z = Xw gives Xᵀ(σ(Xw) − y)/n.",
        compare=close_to(rtol=1e-9, atol=1e-12),
        name="logistic_gradient",
    )


# --- Exploration: a direction along a level set -----------------------------------------------------------------

_LEVEL_POINT = frozen([1.0, 1.0])
_LEVEL_STEP = 1e-5


def _slope_along(theta: float) -> float:
    """The slope of Himmelblau at (1, 1) along (cos θ, sin θ), by a central difference (the checker's own)."""
    u = np.array([np.cos(theta), np.sin(theta)])
    return float(
        (_himmelblau(_LEVEL_POINT + _LEVEL_STEP * u) - _himmelblau(_LEVEL_POINT - _LEVEL_STEP * u)) / (2 * _LEVEL_STEP)
    )


def _steepest_slope() -> float:
    return float(np.linalg.norm(_central_gradient(_himmelblau, _LEVEL_POINT)))


def _flat(got: np.ndarray, expected: np.ndarray) -> bool:
    return got.shape == () and abs(_slope_along(float(got))) <= 1e-3 * _steepest_slope()


def _flat_report(got: np.ndarray, expected: np.ndarray, label: str) -> str:
    return (
        f"For {label}, θ = {float(got):.6g}: the checker measured the slope of f along (cos θ, sin θ) at (1, 1) as "
        f"{_slope_along(float(got)):.4g}, not 0 to within 0.1% of the steepest slope there, {_steepest_slope():.4g}."
    )


def level_set_angle(learner: Callable) -> Result:
    """Exploration 2: an angle θ along which Himmelblau's function does not change at (1, 1), to first order."""
    g = _central_gradient(_himmelblau, _LEVEL_POINT)
    return check_function(
        learner,
        lambda: float(np.arctan2(g[0], -g[1])),
        [Case((), "your claim")],
        mistakes=[
            Mistake(
                lambda: float(np.arctan2(g[1], g[0])),
                "that is the direction of the gradient, where f rises fastest; a level set runs perpendicular to it.",
            ),
            Mistake(
                lambda: float(np.degrees(np.arctan2(g[0], -g[1]))),
                "θ is in radians (np.cos and np.sin take radians); convert with np.radians.",
            ),
        ],
        hint="the slope along a unit vector u is ∇f · u; it is 0 when u is perpendicular to the gradient. Try "
        "angles, measure the slope with your directional_derivative, and home in.",
        compare=_flat,
        agree=close_to(rtol=1e-3, atol=1e-3),
        describe=_flat_report,
        name="level_set_angle",
    )
