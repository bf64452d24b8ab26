"""Checkers for Chapter 4's exercises (gradient descent): ``check.gradient_step(...)``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from book.checks import Case, Mistake, Result, check_function, close_to


def _fixed(values) -> np.ndarray:
    """A read-only float array: a learner's function that changes its input in place fails loudly, not silently."""
    array = np.array(values, dtype=float)
    array.setflags(write=False)
    return array


def _bowl_grad(x):
    return 2 * x


def _himmelblau_grad(v):
    p, q = v[0] ** 2 + v[1] - 11, v[0] + v[1] ** 2 - 7
    return np.array([4 * v[0] * p + 2 * q, 2 * p + 4 * v[1] * q])


def _rosenbrock(v):
    return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2


def _rosenbrock_grad(v):
    return np.array([2 * (v[0] - 1) - 400 * v[0] * (v[1] - v[0] ** 2), 200 * (v[1] - v[0] ** 2)])


_VALLEY = np.diag([1.0, 10.0])


def _valley(v):
    return 0.5 * v @ _VALLEY @ v


def _valley_grad(v):
    return _VALLEY @ v


def _step(grad: Callable, x: np.ndarray, lr: float) -> np.ndarray:
    return x - lr * grad(x)


def gradient_step(learner: Callable) -> Result:
    """Exercise 4.1: one step of gradient descent, x − lr·∇f(x)."""
    return check_function(
        learner,
        _step,
        [
            Case((_bowl_grad, _fixed([1.0, 1.0]), 0.1), "∇f(x) = 2x (the bowl), x = [1, 1], lr = 0.1"),
            Case((_himmelblau_grad, _fixed([1.0, 1.0]), 0.01), "f = Himmelblau, x = [1, 1], lr = 0.01"),
            Case((_valley_grad, _fixed([-2.5, 1.5]), 0.15), "∇f(x) = diag(1, 10) x, x = [-2.5, 1.5], lr = 0.15"),
        ],
        mistakes=[
            Mistake(lambda grad, x, lr: x + lr * grad(x), "that step goes uphill: descent subtracts the gradient, x − lr·∇f(x)."),
            Mistake(lambda grad, x, lr: -lr * grad(x), "that is only the change; add it to x: return x − lr·∇f(x)."),
            Mistake(lambda grad, x, lr: x - grad(x), "the learning rate is missing: scale the gradient by lr before subtracting."),
        ],
        hint="evaluate the gradient at x and return x − lr · grad(x), an array shaped like x.",
        compare=close_to(rtol=1e-12, atol=1e-12),
        name="gradient_step",
    )


def _steps_to_tolerance(grad: Callable, x0: np.ndarray, lr: float, tol: float, size: Callable = np.linalg.norm) -> int:
    x, k = np.array(x0, dtype=float), 0
    while size(grad(x)) > tol:
        x, k = x - lr * grad(x), k + 1
    return k


def steps_to_tolerance(learner: Callable) -> Result:
    """Exercise 4.2: the number of gradient-descent steps until ‖∇f(x_k)‖ <= tol (0 if x0 already qualifies)."""
    return check_function(
        learner,
        _steps_to_tolerance,
        [
            Case((_bowl_grad, _fixed([1.0, 1.0]), 0.1, 1e-6), "∇f(x) = 2x, x0 = [1, 1], lr = 0.1, tol = 1e-6"),
            Case((_valley_grad, _fixed([-2.5, 1.5]), 2 / 11, 1e-8), "∇f(x) = diag(1, 10) x, x0 = [-2.5, 1.5], lr = 2/11, tol = 1e-8"),
            Case((_valley_grad, _fixed([-2.5, 1.5]), 0.02, 1e-3), "∇f(x) = diag(1, 10) x, x0 = [-2.5, 1.5], lr = 0.02, tol = 1e-3"),
            Case((_bowl_grad, _fixed([0.0, 0.0]), 0.1, 1e-6), "∇f(x) = 2x, x0 = [0, 0] (already the minimum), lr = 0.1, tol = 1e-6"),
        ],
        mistakes=[
            Mistake(lambda grad, x0, lr, tol: _steps_to_tolerance(grad, x0, lr, tol) + 1,
                    "you counted one too many: count the steps taken, not the gradients evaluated (x0 itself is step 0)."),
            Mistake(lambda grad, x0, lr, tol: _steps_to_tolerance(lambda x: lr * grad(x), x0, 1.0, tol),
                    "you stopped on the length of the step, lr·‖∇f‖; the rule is on the gradient itself, ‖∇f(x_k)‖ <= tol."),
            Mistake(lambda grad, x0, lr, tol: _steps_to_tolerance(grad, x0, lr, tol, lambda g: np.max(np.abs(g))),
                    "measure the gradient with the Euclidean norm, np.linalg.norm(g), not its largest entry."),
        ],
        hint="loop: while np.linalg.norm(grad(x)) > tol, take a step and add 1 to a counter; return the counter.",
        compare=close_to(rtol=0, atol=0.5),
        name="steps_to_tolerance",
    )



STABILITY_CASES = (
    Case((_fixed(np.diag([1.0, 10.0])),), "A = diag(1, 10)"),
    Case((_fixed([[2.0, 1.0], [1.0, 2.0]]),), "A = [[2, 1], [1, 2]]"),
    Case((_fixed([[802.0, -400.0], [-400.0, 200.0]]),), "A = Rosenbrock's Hessian at (1, 1), [[802, -400], [-400, 200]]"),
    Case((_fixed(np.diag([3.0, 0.5, 7.0])),), "A = diag(3, 0.5, 7)"),
)


_BEST_LR = "2/(L + μ) is the *best* learning rate; the question asks for the largest that still converges, 2/L."


def largest_stable_lr(learner: Callable) -> Result:
    """Exercise 4.3: the supremum of the learning rates for which GD converges on ½xᵀAx from every start, 2/λ_max(A)."""
    return check_function(
        learner,
        lambda A: 2 / np.linalg.eigvalsh(A)[-1],
        STABILITY_CASES,
        mistakes=[
            Mistake(lambda A: 1 / np.linalg.eigvalsh(A)[-1], "1/L is a safe choice, not the limit: every |1 − ηλ| stays below 1 up to η = 2/L."),
            Mistake(lambda A: 2 / np.linalg.eigvalsh(A)[0], "the limit is set by the *largest* curvature: 2/λ_max, not 2/λ_min."),
            Mistake(lambda A: 2 / (np.linalg.eigvalsh(A)[0] + np.linalg.eigvalsh(A)[-1]), _BEST_LR),
            Mistake(lambda A: 2 / np.sum(np.linalg.eigvalsh(A)), _BEST_LR),  # L + μ written as a sum over every eigenvalue
            Mistake(lambda A: 2 / np.max(np.diag(A)), "the diagonal entries are not the eigenvalues unless A is diagonal: use np.linalg.eigvalsh(A)."),
        ],
        hint="GD multiplies each eigen-coordinate of the error by 1 − ηλᵢ; all of them shrink exactly when η < 2/λ_max.",
        compare=close_to(rtol=1e-10, atol=1e-14),
        name="largest_stable_lr",
    )


def _armijo(f: Callable, grad: Callable, x: np.ndarray, alpha0: float = 1.0, rho: float = 0.5, c: float = 1e-4) -> float:
    g = grad(x)
    alpha = alpha0
    while f(x - alpha * g) > f(x) - c * alpha * (g @ g):
        alpha *= rho
    return alpha


def _armijo_without_c(f, grad, x, alpha0=1.0, rho=0.5, c=1e-4):
    return _armijo(f, grad, x, alpha0, rho, 0.0)


def _three_x_squared(v):
    return 1.5 * v @ v


def _three_x(v):
    return 3.0 * v


ARMIJO_CASES = (
    Case((_rosenbrock, _rosenbrock_grad, _fixed([-1.2, 1.0])), "f = Rosenbrock, x = [-1.2, 1]"),
    Case((_three_x_squared, _three_x, _fixed([1.0, -2.0])), "f(x) = 1.5‖x‖², x = [1, -2]"),
    Case((_three_x_squared, _three_x, _fixed([0.05, -0.1]), 1.0, 0.5, 0.3), "f(x) = 1.5‖x‖², x = [0.05, -0.1], c = 0.3"),
    Case((_three_x_squared, _three_x, _fixed([1.0, -2.0]), 1.0, 0.5, 0.5), "f(x) = 1.5‖x‖², x = [1, -2], c = 0.5"),
    Case((_three_x_squared, _three_x, _fixed([1.0, -2.0]), 0.3), "f(x) = 1.5‖x‖², x = [1, -2], alpha0 = 0.3"),
    Case((_valley, _valley_grad, _fixed([-2.5, 1.5]), 0.9, 0.3, 0.1), "f = ½xᵀdiag(1, 10)x, x = [-2.5, 1.5], alpha0 = 0.9, rho = 0.3, c = 0.1"),
)


_RHO_TOO_SMALL = "your α is rho times too small: try alpha0 itself first, shrink only after a trial fails, and return the first α that passes."


def armijo_step(learner: Callable) -> Result:
    """Exercise 4.4: the step α that backtracking accepts along −∇f under the Armijo condition."""
    return check_function(
        learner,
        _armijo,
        ARMIJO_CASES,
        mistakes=[
            Mistake(_armijo_without_c, "you accepted any decrease; Armijo asks for a sufficient one, f(x − αg) <= f(x) − c·α·‖g‖²."),
            Mistake(lambda f, grad, x, alpha0=1.0, rho=0.5, c=1e-4: _armijo(f, grad, x, alpha0, rho, c) * rho, _RHO_TOO_SMALL),
            Mistake(lambda f, grad, x, alpha0=1.0, rho=0.5, c=1e-4: _armijo(f, grad, x, alpha0 * rho, rho, c), _RHO_TOO_SMALL),
            Mistake(lambda f, grad, x, alpha0=1.0, rho=0.5, c=1e-4: _armijo(f, grad, x, alpha0, rho, c / np.linalg.norm(grad(x))),
                    "the predicted decrease uses ‖g‖² = g·g (the slope along −g times the step length α‖g‖), not ‖g‖."),
        ],
        hint="start with α = alpha0; while f(x − α·g) > f(x) − c·α·(g·g), multiply α by rho; return α.",
        compare=close_to(rtol=1e-12, atol=0.0),
        name="armijo_step",
    )


def _least_squares_gd(X: np.ndarray, y: np.ndarray, lr: float, steps: int) -> np.ndarray:
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        w = w - lr * X.T @ (X @ w - y) / len(y)
    return w


def _regression_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, 2))])
    return _fixed(X), _fixed(X @ np.array([1.0, 2.0, -3.0]) + 0.5 * rng.standard_normal(n))


def least_squares_gd(learner: Callable) -> Result:
    """Exercise 4.5: ``steps`` GD steps from w = 0 on f(w) = ‖Xw − y‖²/(2n), returning the last w."""
    small = (_fixed([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]), _fixed([1.0, 2.0, 2.0]))
    return check_function(
        learner,
        _least_squares_gd,
        [
            Case((*small, 0.5, 1), "X = [[1, 0], [1, 1], [1, 2]], y = [1, 2, 2], lr = 0.5, one step"),
            Case((*small, 0.5, 500), "the same X and y, lr = 0.5, 500 steps"),
            Case((*_regression_data(100, 0), 0.9, 300), "100 noisy samples of 1 + 2a − 3b, lr = 0.9, 300 steps"),
        ],
        mistakes=[
            Mistake(lambda X, y, lr, steps: _least_squares_gd(X, y, lr * len(y), steps),
                    "the loss is divided by 2n, so its gradient is Xᵀ(Xw − y)/n: divide by n = len(y)."),
            Mistake(lambda X, y, lr, steps: _least_squares_gd(X, y, -lr, steps),
                    "that climbs the loss: the gradient is Xᵀ(Xw − y)/n, and the step subtracts it."),
            Mistake(lambda X, y, lr, steps: _least_squares_gd(X, y, lr, steps - 1),
                    "you took one step too few: the loop should run exactly `steps` times."),
        ],
        hint="start from w = np.zeros(X.shape[1]) and repeat w = w − lr · Xᵀ(Xw − y)/n, steps times.",
        compare=close_to(rtol=1e-9, atol=1e-12),
        name="least_squares_gd",
    )
