"""Checkers for Chapter 6's exercises (momentum): ``check.heavy_ball_step(...)``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from book.checks import Case, Mistake, Result, check_function, close_to, frozen


def _valley_grad(v):
    return np.array([1.0, 100.0]) * v


def _bowl_grad(x):
    return 2 * x


def _heavy_ball_step(grad: Callable, x: np.ndarray, x_previous: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    return x - alpha * grad(x) + beta * (x - x_previous)


def heavy_ball_step(learner: Callable) -> Result:
    """Exercise 6.1: one heavy-ball step, x − α∇f(x) + β(x − x_previous)."""
    return check_function(
        learner,
        _heavy_ball_step,
        (
            Case((_bowl_grad, frozen([1.0, 1.0]), frozen([1.0, 1.0]), 0.1, 0.9), "∇f(x) = 2x, x = x_previous = [1, 1], α = 0.1, β = 0.9"),
            Case((_valley_grad, frozen([-3.0, 0.3]), frozen([-3.2, 0.1]), 0.02, 0.5),
                 "∇f = diag(1, 100) x, x = [-3, 0.3], x_previous = [-3.2, 0.1], α = 0.02, β = 0.5"),
            Case((_bowl_grad, frozen([0.5, -2.0]), frozen([1.0, -1.0]), 0.05, 0.8), "∇f(x) = 2x, x = [0.5, -2], x_previous = [1, -1], α = 0.05, β = 0.8"),
        ),
        mistakes=[
            Mistake(lambda grad, x, xp, alpha, beta: x - alpha * grad(x) + beta * (xp - x),
                    "the momentum term points backwards: it repeats the last step, β(x − x_previous), not β(x_previous − x)."),
            Mistake(lambda grad, x, xp, alpha, beta: x - grad(x) + beta * (x - xp),
                    "the step size is missing: scale the gradient by α."),
            Mistake(lambda grad, x, xp, alpha, beta: x - alpha * grad(x) + beta * x,
                    "momentum adds β times the previous *step*, x − x_previous, not β times the point."),
        ],
        hint="return x − alpha·grad(x) + beta·(x − x_previous), an array shaped like x.",
        compare=close_to(rtol=1e-12, atol=1e-12),
        name="heavy_ball_step",
    )


def _optimal(L: float, mu: float) -> np.ndarray:
    root = np.sqrt(L / mu)
    return np.array([(2 / (np.sqrt(L) + np.sqrt(mu))) ** 2, ((root - 1) / (root + 1)) ** 2])


_CURVATURE_CASES = (Case((100.0, 1.0), "L = 100, μ = 1"), Case((10.0, 2.0), "L = 10, μ = 2"), Case((4.0, 4.0), "L = μ = 4"))


def optimal_heavy_ball(learner: Callable) -> Result:
    """Exercise 6.2: Polyak's best (α, β) for curvatures in [μ, L]."""
    return check_function(
        learner,
        _optimal,
        _CURVATURE_CASES,
        mistakes=[
            Mistake(lambda L, mu: np.array([_optimal(L, mu)[0], np.sqrt(_optimal(L, mu)[1])]),
                    "β is the *square* of (√κ − 1)/(√κ + 1); that ratio itself is the rate √β."),
            Mistake(lambda L, mu: np.array([2 / (L + mu), _optimal(L, mu)[1]]),
                    "2/(L + μ) is gradient descent's best step; heavy ball's is (2/(√L + √μ))²."),
            Mistake(lambda L, mu: np.array([1 / L, _optimal(L, mu)[1]]),
                    "1/L is Nesterov's step; heavy ball's is (2/(√L + √μ))²."),
        ],
        hint="with κ = L/μ: alpha = (2/(√L + √μ))², beta = ((√κ − 1)/(√κ + 1))²; return them as (alpha, beta).",
        compare=close_to(rtol=1e-12, atol=1e-14),
        name="optimal_heavy_ball",
    )


def _rate(alpha: float, beta: float, curvature: float) -> float:
    matrix = np.array([[1 - alpha * curvature + beta, -beta], [1.0, 0.0]])
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def heavy_ball_rate(learner: Callable) -> Result:
    """Exercise 6.3: the spectral radius of heavy ball's 2×2 matrix for one curvature."""
    return check_function(
        learner,
        _rate,
        (
            Case((0.02, 0.5, 1.0), "α = 0.02, β = 0.5, λ = 1 (real roots)"),
            Case((0.02, 0.5, 100.0), "α = 0.02, β = 0.5, λ = 100 (complex roots)"),
            Case((0.1, 0.0, 5.0), "α = 0.1, β = 0, λ = 5 (gradient descent)"),
            Case((0.03, 0.2, 100.0), "α = 0.03, β = 0.2, λ = 100 (a negative root dominates)"),
        ),
        mistakes=[
            Mistake(lambda alpha, beta, curvature: np.sqrt(beta), "√β is the rate only when the roots are complex; take the largest |root| in general."),
            Mistake(lambda alpha, beta, curvature: float(np.max(np.linalg.eigvals(
                np.array([[1 - alpha * curvature + beta, -beta], [1.0, 0.0]])).real)),
                "take the largest *modulus* |z| of the eigenvalues, not the largest real part."),
            Mistake(lambda alpha, beta, curvature: abs(1 - alpha * curvature), "|1 − αλ| is gradient descent's factor; momentum changes it: use the 2×2 matrix."),
        ],
        hint="build [[1 − αλ + β, −β], [1, 0]] and return np.max(np.abs(np.linalg.eigvals(M))).",
        compare=close_to(rtol=1e-9, atol=1e-12),
        name="heavy_ball_rate",
    )


def velocity_to_buffer(learner: Callable) -> Result:
    """Exercise 6.4: PyTorch's momentum buffer b from Sutskever's velocity v at a constant lr: b = −v/lr."""
    return check_function(
        learner,
        lambda v, lr: -v / lr,
        (
            Case((frozen([-0.06, 0.02]), 0.02), "v = [-0.06, 0.02], lr = 0.02"),
            Case((frozen([0.5]), 0.1), "v = [0.5], lr = 0.1"),
            Case((frozen([[1.0, -2.0], [0.0, 3.0]]), 0.5), "v = [[1, -2], [0, 3]], lr = 0.5"),
        ),
        mistakes=[
            Mistake(lambda v, lr: v / lr, "mind the sign: v is a step (downhill), b sums gradients (uphill), so b = −v/lr."),
            Mistake(lambda v, lr: -v * lr, "v = −lr·b, so b = −v / lr: divide by the learning rate."),
            Mistake(lambda v, lr: -v, "the learning rate is missing: v = −lr·b, so b = −v / lr."),
        ],
        hint="at a constant learning rate v = −lr·b; solve for b.",
        compare=close_to(rtol=1e-12, atol=1e-14),
        name="velocity_to_buffer",
    )


def steps_from_rate(learner: Callable) -> Result:
    """Exercise 6.5: the fewest steps k with rateᵏ <= tol, ⌈ln tol / ln rate⌉."""
    return check_function(
        learner,
        lambda rate, tol: int(np.ceil(np.log(tol) / np.log(rate))),
        (
            Case((99 / 101, 1e-6), "rate = 99/101 (gradient descent, κ = 100), tol = 1e-6"),
            Case((0.9, 1e-6), "rate = 0.9 (Nesterov, κ = 100), tol = 1e-6"),
            Case((9 / 11, 1e-6), "rate = 9/11 (heavy ball, κ = 100), tol = 1e-6"),
            Case((0.5, 1e-3), "rate = 0.5, tol = 1e-3"),
        ),
        mistakes=[
            Mistake(lambda rate, tol: int(np.floor(np.log(tol) / np.log(rate))),
                    "rounding down stops one step short of the tolerance: round up, ⌈ln tol / ln rate⌉."),
            Mistake(lambda rate, tol: int(np.ceil(-np.log(tol) / (1 - rate))),
                    "−ln tol/(1 − rate) uses ln(1/rate) ≈ 1 − rate, an approximation; use the exact ln rate."),
        ],
        hint="solve rateᵏ = tol for k: k = ln(tol)/ln(rate), then round up with math.ceil.",
        compare=close_to(rtol=0, atol=0.5),
        name="steps_from_rate",
    )
