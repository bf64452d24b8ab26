"""Checkers for Chapter 6's exercises (momentum): ``check.heavy_ball_step(...)``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from book.checks import Case, Mistake, Result, check_function, close_to, frozen, generated
from book.exercises._claims import probed, same_side


def _valley_grad(v):
    return np.array([1.0, 100.0]) * v


def _bowl_grad(x):
    return 2 * x


def _show(values) -> str:
    return np.array2string(np.asarray(values), precision=3, separator=", ")


class _Diagonal:
    """The gradient x ↦ diag(curvatures) x of a quadratic bowl, shown by its curvatures."""

    def __init__(self, curvatures: np.ndarray) -> None:
        self.curvatures = frozen(curvatures)

    def __call__(self, x):
        return self.curvatures * x


def _draw_step(rng: np.random.Generator) -> Case:
    d = int(rng.integers(1, 5))
    grad = _Diagonal(10 ** rng.uniform(-1, 2, d))
    x, x_previous = rng.normal(0, 2, d), rng.normal(0, 2, d)
    lr, beta = 10 ** rng.uniform(-3, -0.5), rng.uniform(0, 0.99)
    return Case(
        (grad, x, x_previous, lr, beta),
        f"∇f(x) = diag({_show(grad.curvatures)}) x, x = {_show(x)}, x_previous = {_show(x_previous)}, "
        f"η = {lr:.4g}, β = {beta:.4g}",
    )


def _heavy_ball_step(grad: Callable, x: np.ndarray, x_previous: np.ndarray, lr: float, beta: float) -> np.ndarray:
    return x - lr * grad(x) + beta * (x - x_previous)


def heavy_ball_step(learner: Callable) -> Result:
    """Exercise 6.1: one heavy-ball step, x − η∇f(x) + β(x − x_previous)."""
    return check_function(
        learner,
        _heavy_ball_step,
        (
            Case(
                (_bowl_grad, frozen([1.0, 1.0]), frozen([1.0, 1.0]), 0.1, 0.9),
                "∇f(x) = 2x, x = x_previous = [1, 1], η = 0.1, β = 0.9",
            ),
            Case(
                (_valley_grad, frozen([-3.0, 0.3]), frozen([-3.2, 0.1]), 0.02, 0.5),
                "∇f = diag(1, 100) x, x = [-3, 0.3], x_previous = [-3.2, 0.1], η = 0.02, β = 0.5",
            ),
            Case(
                (_bowl_grad, frozen([0.5, -2.0]), frozen([1.0, -1.0]), 0.05, 0.8),
                "∇f(x) = 2x, x = [0.5, -2], x_previous = [1, -1], η = 0.05, β = 0.8",
            ),
            *generated(_draw_step, seed=6),
        ),
        mistakes=[
            Mistake(
                lambda grad, x, xp, lr, beta: x - lr * grad(x) + beta * (xp - x),
                "the momentum term points backwards: it repeats the last step, β(x − x_previous), not β(x_previous − "
                "x).",
            ),
            Mistake(
                lambda grad, x, xp, lr, beta: x - grad(x) + beta * (x - xp),
                "the step size is missing: scale the gradient by η.",
            ),
            Mistake(
                lambda grad, x, xp, lr, beta: x - lr * grad(x) + beta * x,
                "momentum adds β times the previous *step*, x − x_previous, not β times the point.",
            ),
        ],
        hint="return x − lr·grad(x) + beta·(x − x_previous), an array shaped like x.",
        compare=close_to(rtol=1e-12, atol=1e-12),
        name="heavy_ball_step",
    )


def _optimal(L: float, mu: float) -> np.ndarray:
    root = np.sqrt(L / mu)
    return np.array([(2 / (np.sqrt(L) + np.sqrt(mu))) ** 2, ((root - 1) / (root + 1)) ** 2])


def _draw_curvatures(rng: np.random.Generator) -> Case:
    mu = 10 ** rng.uniform(-3, 1)
    L = mu * 10 ** rng.uniform(0.1, 4)
    return Case((L, mu), f"L = {L:.6g}, μ = {mu:.6g}")


def _curvature_cases() -> tuple[Case, ...]:
    return (
        Case((100.0, 1.0), "L = 100, μ = 1"),
        Case((10.0, 2.0), "L = 10, μ = 2"),
        Case((4.0, 4.0), "L = μ = 4"),
        *generated(_draw_curvatures, seed=61),
    )


def optimal_heavy_ball(learner: Callable) -> Result:
    """Exercise 6.2: Polyak's best (η, β) for curvatures in [μ, L]."""
    return check_function(
        learner,
        _optimal,
        _curvature_cases(),
        mistakes=[
            Mistake(
                lambda L, mu: np.array([_optimal(L, mu)[0], np.sqrt(_optimal(L, mu)[1])]),
                "β is the *square* of (√κ − 1)/(√κ + 1); that ratio itself is the rate √β.",
            ),
            Mistake(
                lambda L, mu: np.array([2 / (L + mu), _optimal(L, mu)[1]]),
                "2/(L + μ) is gradient descent's best step; heavy ball's is (2/(√L + √μ))².",
            ),
            Mistake(
                lambda L, mu: np.array([1 / L, _optimal(L, mu)[1]]),
                "1/L is Nesterov's step; heavy ball's is (2/(√L + √μ))².",
            ),
        ],
        hint="with κ = L/μ: lr = (2/(√L + √μ))², beta = ((√κ − 1)/(√κ + 1))²; return them as (lr, beta).",
        compare=close_to(rtol=1e-12, atol=1e-14),
        name="optimal_heavy_ball",
    )


def _rate(lr: float, beta: float, curvature: float) -> float:
    matrix = np.array([[1 - lr * curvature + beta, -beta], [1.0, 0.0]])
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def _draw_rate(rng: np.random.Generator) -> Case:
    curvature, beta = 10 ** rng.uniform(-1, 2), rng.uniform(0, 0.99)
    lr = rng.uniform(0, 2.4 * (1 + beta)) / curvature  # about one case in six diverges
    return Case((lr, beta, curvature), f"η = {lr:.6g}, β = {beta:.6g}, λ = {curvature:.6g}")


def heavy_ball_rate(learner: Callable) -> Result:
    """Exercise 6.3: the spectral radius of heavy ball's 2×2 matrix for one curvature."""
    return check_function(
        learner,
        _rate,
        (
            Case((0.02, 0.5, 1.0), "η = 0.02, β = 0.5, λ = 1 (real roots)"),
            Case((0.02, 0.5, 100.0), "η = 0.02, β = 0.5, λ = 100 (complex roots)"),
            Case((0.1, 0.0, 5.0), "η = 0.1, β = 0, λ = 5 (gradient descent)"),
            Case((0.03, 0.2, 100.0), "η = 0.03, β = 0.2, λ = 100 (a negative root dominates)"),
            *generated(_draw_rate, seed=62),
        ),
        mistakes=[
            Mistake(
                lambda lr, beta, curvature: np.sqrt(beta),
                "√β is the rate only when the roots are complex; take the largest |root| in general.",
            ),
            Mistake(
                lambda lr, beta, curvature: float(
                    np.max(np.linalg.eigvals(np.array([[1 - lr * curvature + beta, -beta], [1.0, 0.0]])).real)
                ),
                "take the largest *modulus* |z| of the eigenvalues, not the largest real part.",
            ),
            Mistake(
                lambda lr, beta, curvature: abs(1 - lr * curvature),
                "|1 − ηλ| is gradient descent's factor; momentum changes it: use the 2×2 matrix.",
            ),
        ],
        hint="build [[1 − ηλ + β, −β], [1, 0]] and return np.max(np.abs(np.linalg.eigvals(M))).",
        compare=close_to(rtol=1e-9, atol=1e-12),
        name="heavy_ball_rate",
    )


def _draw_velocity(rng: np.random.Generator) -> Case:
    v, lr = rng.normal(0, 0.1, tuple(rng.integers(1, 4, rng.integers(1, 3)))), 10 ** rng.uniform(-4, 0)
    return Case((v, lr), f"v of shape {v.shape} = {_show(v)}, lr = {lr:.6g}")


def velocity_to_buffer(learner: Callable) -> Result:
    """Exercise 6.4: PyTorch's momentum buffer b from Sutskever's velocity v at a constant lr: b = −v/lr."""
    return check_function(
        learner,
        lambda v, lr: -v / lr,
        (
            Case((frozen([-0.06, 0.02]), 0.02), "v = [-0.06, 0.02], lr = 0.02"),
            Case((frozen([0.5]), 0.1), "v = [0.5], lr = 0.1"),
            Case((frozen([[1.0, -2.0], [0.0, 3.0]]), 0.5), "v = [[1, -2], [0, 3]], lr = 0.5"),
            *generated(_draw_velocity, seed=63),
        ),
        mistakes=[
            Mistake(
                lambda v, lr: v / lr, "mind the sign: v is a step (downhill), b sums gradients (uphill), so b = −v/lr."
            ),
            Mistake(lambda v, lr: -v * lr, "v = −lr·b, so b = −v / lr: divide by the learning rate."),
            Mistake(lambda v, lr: -v, "the learning rate is missing: v = −lr·b, so b = −v / lr."),
        ],
        hint="at a constant learning rate v = −lr·b; solve for b.",
        compare=close_to(rtol=1e-12, atol=1e-14),
        name="velocity_to_buffer",
    )


def _steps_from_rate(rate: float, tol: float) -> int:
    k = max(0, int(np.ceil(np.log(tol) / np.log(rate))))
    while k > 0 and rate ** (k - 1) <= tol:  # round-off in the logarithms can push the ratio past a whole number
        k -= 1
    while rate**k > tol:
        k += 1
    return k


def _draw_tolerance(rng: np.random.Generator) -> Case:
    rate, tol = rng.uniform(0.05, 0.999), 10 ** rng.uniform(-12, -0.5)
    return Case((rate, tol), f"rate = {rate!r}, tol = {tol!r}")


def _first_below(rate: float, tol: float) -> int:
    """The count a loop with the boundary slipped returns: it goes on while rateᵏ is still equal to tol."""
    k = 0
    while rate**k >= tol:
        k += 1
    return k


def steps_from_rate(learner: Callable) -> Result:
    """Exercise 6.5: the fewest steps k with rateᵏ <= tol, ⌈ln tol / ln rate⌉."""
    return check_function(
        learner,
        _steps_from_rate,
        (
            Case((99 / 101, 1e-6), "rate = 99/101 (gradient descent, κ = 100), tol = 1e-6"),
            Case((0.9, 1e-6), "rate = 0.9 (Nesterov, κ = 100), tol = 1e-6"),
            Case((9 / 11, 1e-6), "rate = 9/11 (heavy ball, κ = 100), tol = 1e-6"),
            Case((0.5, 1e-3), "rate = 0.5, tol = 1e-3"),
            Case((0.5, 0.125), "rate = 0.5, tol = 0.125 (0.5³ is exactly 0.125)"),
            Case((0.25, 2.0**-10), "rate = 0.25, tol = 2⁻¹⁰ (0.25⁵ is exactly 2⁻¹⁰)"),
            Case((0.75, 0.5625), "rate = 0.75, tol = 0.5625 (0.75² is exactly 0.5625)"),
            *generated(_draw_tolerance, seed=64),
        ),
        mistakes=[
            Mistake(
                lambda rate, tol: int(np.floor(np.log(tol) / np.log(rate))),
                "rounding down stops one step short of the tolerance: round up, ⌈ln tol / ln rate⌉.",
            ),
            Mistake(
                lambda rate, tol: int(np.ceil(-np.log(tol) / (1 - rate))),
                "−ln tol/(1 − rate) uses ln(1/rate) ≈ 1 − rate, an approximation; use the exact ln rate.",
            ),
            Mistake(
                _first_below,
                "rateᵏ equal to tol already meets the tolerance: the answer is the first k with rateᵏ <= tol, "
                "so stop at equality (<=, not <).",
            ),
        ],
        hint="solve rateᵏ = tol for k: k = ln(tol)/ln(rate), then round up with math.ceil.",
        compare=close_to(rtol=0, atol=0.5),
        name="steps_from_rate",
    )


# --- Exploration: the largest stable step size --------------------------------------------------------------------

EXPLORE_CURVATURES, EXPLORE_BETA, EXPLORE_STEPS, BLOWN_UP = frozen([1.0, 10.0]), 0.9, 1000, 1e6
"""Heavy ball with β = 0.9 on f(x) = ½(x₁² + 10 x₂²) from x = x_previous = (1, 1); blown up: a distance above 10⁶."""


def heavy_ball_distance(lr: float, steps: int = EXPLORE_STEPS) -> float:
    """The distance to the minimum after ``steps`` heavy-ball steps at ``lr`` (or the first one above 10⁶)."""
    x = x_previous = np.ones(2)
    for _ in range(steps):
        x, x_previous = x - lr * EXPLORE_CURVATURES * x + EXPLORE_BETA * (x - x_previous), x
        distance = float(np.linalg.norm(x))
        if not distance <= BLOWN_UP:
            return distance if np.isfinite(distance) else 2 * BLOWN_UP
    return float(np.linalg.norm(x))


def largest_stable_step(learner: Callable) -> Result:
    """Exploration 6.6: the learner's claim, the largest η at which heavy ball does not blow up, run at η and 1.1 η."""
    return check_function(
        learner,
        lambda: 0.38,
        (Case((), "heavy ball (β = 0.9) on f(x) = ½(x₁² + 10 x₂²), 1000 steps from x = x_previous = (1, 1)"),),
        mistakes=[
            Mistake(
                lambda: 0.2,
                "at 1.1 × your η heavy ball still stays below a distance of 10⁶: your η is not the "
                "largest one; try larger ones until the runs blow up.",
            ),
            Mistake(
                lambda: 0.5, "at your η heavy ball blows up (its distance passes 10⁶): the largest stable η is smaller."
            ),
        ],
        hint="bisect: keep the largest η that stays below 10⁶ and the smallest that blows up, and halve the gap.",
        compare=same_side(BLOWN_UP),
        name="largest_stable_step",
        parts={"the distance at your η": 0, "the distance at 1.1 × your η": 1},
        parts_noun="distances",
        adapt=probed(heavy_ball_distance, lambda lr: lr, lambda lr: 1.1 * lr),
    )
