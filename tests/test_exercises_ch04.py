"""Chapter 4's checkers recognise the typical mistakes and show the hint written for each."""

import numpy as np
import pytest

from book.exercises import ch04 as check
from exercises.solutions import ch04 as solution


def _armijo(f, grad, x, alpha0=1.0, rho=0.5, c=1e-4):
    return solution.armijo_step(f, grad, x, alpha0, rho, c)


def _count(grad, x0, lr, tol, size=np.linalg.norm):
    x, k = np.array(x0, dtype=float), 0
    while size(grad(x)) > tol:
        x, k = x - lr * grad(x), k + 1
    return k


def _steps_with(keep_going):
    """steps_to_tolerance with the loop condition ``keep_going(norm, tol)``."""

    def steps(grad, x0, lr, tol):
        x, k = np.array(x0, dtype=float), 0
        while keep_going(np.linalg.norm(grad(x)), tol) and k < 100_000:
            x, k = x - lr * grad(x), k + 1
        return k

    return steps


def _armijo_with(shrink, plus=False):
    """Backtracking that shrinks while ``shrink(f(x − αg), f(x) ∓ c·α·‖g‖²)``."""

    def step(f, grad, x, alpha0=1.0, rho=0.5, c=1e-4):
        g, alpha = grad(x), alpha0
        while shrink(f(x - alpha * g), f(x) + (1 if plus else -1) * c * alpha * (g @ g)) and alpha > 1e-300:
            alpha *= rho
        return alpha

    return step


WRONG_ANSWERS = {
    "gradient_step": [
        (lambda grad, x, lr: x + lr * grad(x), "goes uphill"),
        (lambda grad, x, lr: -lr * grad(x), "only the change"),
        (lambda grad, x, lr: x - grad(x), "learning rate is missing"),
        (lambda grad, x, lr: x - lr * grad(x) / 2, None),
        (lambda grad, x, lr: x - lr * grad(x - lr), None),  # the gradient at the wrong point
        (lambda grad, x, lr: x * (1 - lr), None),
        (lambda grad, x, lr: np.subtract(x, lr * grad(x), out=x), None),  # in place: reported as such
    ],
    "steps_to_tolerance": [
        (lambda grad, x0, lr, tol: _count(grad, x0, lr, tol) + 1, "one too many"),
        (lambda grad, x0, lr, tol: _count(lambda x: lr * grad(x), x0, 1.0, tol), "length of the step"),
        (lambda grad, x0, lr, tol: _count(grad, x0, lr, tol, lambda g: np.abs(g).max()), "Euclidean norm"),
        (lambda grad, x0, lr, tol: max(0, _count(grad, x0, lr, tol) - 1), None),  # one too few
        (_steps_with(lambda norm, tol: norm >= tol), "not >= tol"),
        (_steps_with(lambda norm, tol: norm**2 > tol), None),  # the squared norm
        (lambda grad, x0, lr, tol: max(1, solution.steps_to_tolerance(grad, x0, lr, tol)), None),  # always one step
    ],
    "largest_stable_lr": [
        (lambda A: 1 / np.linalg.eigvalsh(A)[-1], "safe choice, not the limit"),
        (lambda A: 2 / np.linalg.eigvalsh(A)[0], "*largest* curvature"),
        (lambda A: 2 / np.linalg.eigvalsh(A).sum(), "*best* learning rate"),
        (lambda A: 2 / np.diag(A).max(), "diagonal entries are not the eigenvalues"),
        (lambda A: 2 / np.max(np.abs(A)), None),
        (lambda A: 2 / np.linalg.norm(A), None),  # the Frobenius norm
        (lambda A: 1 / np.linalg.eigvalsh(A)[0], None),
    ],
    "armijo_step": [
        (lambda f, grad, x, alpha0=1.0, rho=0.5, c=1e-4: _armijo(f, grad, x, alpha0, rho, 0.0), "sufficient one"),
        (
            lambda f, grad, x, alpha0=1.0, rho=0.5, c=1e-4: _armijo(f, grad, x, alpha0 * rho, rho, c),
            "rho times too small",
        ),
        (
            lambda f, grad, x, alpha0=1.0, rho=0.5, c=1e-4: rho * _armijo(f, grad, x, alpha0, rho, c),
            "rho times too small",
        ),
        (
            lambda f, grad, x, alpha0=1.0, rho=0.5, c=1e-4: _armijo(
                f, grad, x, alpha0, rho, c / np.linalg.norm(grad(x))
            ),
            "not ‖g‖",
        ),
        (_armijo_with(lambda lhs, rhs: lhs >= rhs), "not >="),
        (_armijo_with(lambda lhs, rhs: lhs > rhs, plus=True), None),  # f(x) + c·α·‖g‖²
        (lambda f, grad, x, alpha0=1.0, rho=0.5, c=1e-4: solution.armijo_step(f, grad, x, alpha0, rho, c) / rho, None),
    ],
    "least_squares_gd": [
        (lambda X, y, lr, steps: solution.least_squares_gd(X, y, lr * len(y), steps), "divide by n"),
        (lambda X, y, lr, steps: solution.least_squares_gd(X, y, -lr, steps), "climbs the loss"),
        (lambda X, y, lr, steps: solution.least_squares_gd(X, y, lr, steps - 1), "one step too few"),
        (lambda X, y, lr, steps: solution.least_squares_gd(X, y, lr, steps + 1), None),
        (lambda X, y, lr, steps: solution.least_squares_gd(X, y, 2 * lr, steps), None),  # the ½ forgotten
        (
            lambda X, y, lr, steps: solution.least_squares_gd(X, y, lr * X.shape[0] / X.shape[1], steps),
            None,
        ),  # divided by d
    ],
    "fastest_lr": [
        (lambda: 0.2, "bounces forever"),
        (lambda: 0.1, "flat one shrinking"),
        (lambda: 1.0, None),
        (lambda: 2 / 10, None),
        (lambda: 0.15, None),
        (lambda: 0.02, None),
    ],
}


def test_an_almost_right_answer_is_still_wrong():
    assert not check.largest_stable_lr(lambda A: 1.999 / np.linalg.eigvalsh(A)[-1]).passed
    assert not check.gradient_step(lambda grad, x, lr: x - lr * grad(x) * (1 + 1e-6)).passed
    assert not check.least_squares_gd(lambda X, y, lr, steps: solution.least_squares_gd(X, y, lr * 1.01, steps)).passed


def test_other_correct_formulations_pass():
    assert check.largest_stable_lr(lambda A: 2 / np.max(np.linalg.eigvals(A).real)).passed
    assert check.largest_stable_lr(
        lambda A: 2 / np.linalg.norm(A, 2)
    ).passed  # the spectral norm of an SPD matrix is λ_max
    assert check.gradient_step(lambda grad, x, lr: np.subtract(x, np.multiply(lr, grad(x)))).passed


def test_numbers_the_exercise_notebook_states():
    assert np.allclose(solution.gradient_step(lambda x: 2 * x, np.array([1.0, 1.0]), 0.1), [0.8, 0.8])
    assert solution.steps_to_tolerance(lambda x: 2 * x, np.array([1.0, 1.0]), 0.1, 1e-6) == 67
    assert 2 * np.sqrt(2) * 0.8**66 > 1e-6 >= 2 * np.sqrt(2) * 0.8**67  # re-derived from the closed form
    rosenbrock_hessian = np.array([[802.0, -400.0], [-400.0, 200.0]])
    limit = solution.largest_stable_lr(rosenbrock_hessian)
    assert np.linalg.eigvalsh(rosenbrock_hessian)[-1] == pytest.approx(1001.6, abs=0.05)
    assert limit == pytest.approx(0.0020, abs=5e-5)

    def rosenbrock(v):
        return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2

    def rosenbrock_grad(v):
        return np.array([2 * (v[0] - 1) - 400 * v[0] * (v[1] - v[0] ** 2), 200 * (v[1] - v[0] ** 2)])

    assert solution.armijo_step(rosenbrock, rosenbrock_grad, np.array([-1.2, 1.0])) == 2.0**-10
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(100), rng.standard_normal((100, 2))])
    y = X @ np.array([1.0, 2.0, -3.0]) + 0.5 * rng.standard_normal(100)
    gap = np.max(np.abs(solution.least_squares_gd(X, y, 0.9, 300) - np.linalg.lstsq(X, y, rcond=None)[0]))
    assert gap < 1e-9  # the notebook prints "below 1e-8: True" with room to spare
