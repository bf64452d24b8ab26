"""Checkers for Chapter 4's exercises (gradient descent): ``check.gradient_step(...)``."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from book.checks import Case, Mistake, Result, check_function, close_to, generated


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


_VALLEY = _fixed(np.diag([1.0, 10.0]))


def _valley(v):
    return 0.5 * v @ _VALLEY @ v


def _valley_grad(v):
    return _VALLEY @ v


def _shown(x) -> str:
    return np.array2string(np.asarray(x), separator=", ")


def _scaled(c: float) -> Callable:
    """∇f(x) = c·x, the gradient of f(x) = c‖x‖²/2: a power-of-two c keeps every step exact."""
    return lambda x: c * x


# Gradients for the generated cases: (∇f, its largest curvature L, name).
_GRADIENTS = (
    (_bowl_grad, 2.0, "∇f(x) = 2x (the bowl)"),
    (_valley_grad, 10.0, "∇f(x) = diag(1, 10) x"),
    (_himmelblau_grad, None, "f = Himmelblau"),
    (_rosenbrock_grad, None, "f = Rosenbrock"),
)


def _draw_step(rng: np.random.Generator) -> Case:
    grad, _, name = _GRADIENTS[int(rng.integers(len(_GRADIENTS)))]
    d = 2 if grad is not _bowl_grad else int(rng.integers(1, 6))
    x, lr = _fixed(np.round(2 * rng.standard_normal(d), 2)), round(float(10.0 ** rng.uniform(-3, 0)), 4)
    return Case((grad, x, lr), f"{name}, x = {_shown(x)}, lr = {lr:g}")


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
            *generated(_draw_step, seed=41),
        ],
        mistakes=[
            Mistake(
                lambda grad, x, lr: x + lr * grad(x),
                "that step goes uphill: descent subtracts the gradient, x − lr·∇f(x).",
            ),
            Mistake(lambda grad, x, lr: -lr * grad(x), "that is only the change; add it to x: return x − lr·∇f(x)."),
            Mistake(
                lambda grad, x, lr: x - grad(x),
                "the learning rate is missing: scale the gradient by lr before subtracting.",
            ),
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


def _exact_steps_case(c: float, shrink: float, scale: float, sign: float, steps: int, axis: str) -> Case:
    """A case whose ‖∇f(x_k)‖ lands exactly on tol after ``steps`` steps (every number a power of two times 3, 4 or 5).

    ∇f(x) = c·x and lr = (1 − shrink)/c multiply x by ``shrink`` each step, exactly; tol = ‖∇f(x0)‖·shrink^steps.
    """
    x0 = sign * scale * (np.array([3.0, 4.0]) if axis == "both" else np.array([0.0, 1.0]))
    lr, tol = (1 - shrink) / c, c * float(np.linalg.norm(x0)) * shrink**steps
    return Case(
        (_scaled(c), _fixed(x0), lr, tol),
        f"∇f(x) = {c:g}x, x0 = {_shown(x0)}, lr = {lr:g}, tol = {tol:g} (reached exactly)",
    )


def _draw_exact_steps(rng: np.random.Generator) -> Case:
    return _exact_steps_case(
        float(rng.choice([1.0, 2.0, 4.0, 0.5])),
        float(rng.choice([0.5, 0.25, 0.75])),
        float(2.0 ** rng.integers(-3, 4)),
        float(rng.choice([-1.0, 1.0])),
        int(rng.integers(0, 12)),
        ("both", "one")[int(rng.integers(2))],
    )


def _draw_steps(rng: np.random.Generator) -> Case:
    grad, L, name = _GRADIENTS[int(rng.integers(2))]
    x0 = _fixed(np.round(3 * rng.standard_normal(2), 2))
    lr = round(float(rng.uniform(0.05, 1.9)) / L, 4)
    tol = float(10.0 ** -rng.integers(1, 9))
    return Case((grad, x0, lr, tol), f"{name}, x0 = {_shown(x0)}, lr = {lr:g}, tol = {tol:g}")


def steps_to_tolerance(learner: Callable) -> Result:
    """Exercise 4.2: the number of gradient-descent steps until ‖∇f(x_k)‖ <= tol (0 if x0 already qualifies)."""
    return check_function(
        learner,
        _steps_to_tolerance,
        [
            Case((_bowl_grad, _fixed([1.0, 1.0]), 0.1, 1e-6), "∇f(x) = 2x, x0 = [1, 1], lr = 0.1, tol = 1e-6"),
            Case(
                (_valley_grad, _fixed([-2.5, 1.5]), 2 / 11, 1e-8),
                "∇f(x) = diag(1, 10) x, x0 = [-2.5, 1.5], lr = 2/11, tol = 1e-8",
            ),
            Case(
                (_valley_grad, _fixed([-2.5, 1.5]), 0.02, 1e-3),
                "∇f(x) = diag(1, 10) x, x0 = [-2.5, 1.5], lr = 0.02, tol = 1e-3",
            ),
            Case(
                (_bowl_grad, _fixed([0.0, 0.0]), 0.1, 1e-6),
                "∇f(x) = 2x, x0 = [0, 0] (already the minimum), lr = 0.1, tol = 1e-6",
            ),
            _exact_steps_case(1.0, 0.5, 1.0, 1.0, 3, "one"),  # rate 0.5, tol 0.125: 3 steps
            _exact_steps_case(2.0, 0.25, 0.5, -1.0, 0, "both"),  # x0 already on the boundary: 0 steps
            *generated(_draw_exact_steps, count=10, seed=42),
            *generated(_draw_steps, count=10, seed=43),
        ],
        mistakes=[
            Mistake(
                lambda grad, x0, lr, tol: _steps_to_tolerance(grad, x0, lr, tol) + 1,
                "you counted one too many: count the steps taken, not the gradients evaluated (x0 itself is step 0).",
            ),
            Mistake(
                lambda grad, x0, lr, tol: _steps_to_tolerance(lambda x: lr * grad(x), x0, 1.0, tol),
                "you stopped on the length of the step, lr·‖∇f‖; the rule is on the gradient itself, ‖∇f(x_k)‖ <= tol.",
            ),
            Mistake(
                lambda grad, x0, lr, tol: _steps_to_tolerance(grad, x0, lr, tol, lambda g: np.max(np.abs(g))),
                "measure the gradient with the Euclidean norm, np.linalg.norm(g), not its largest entry.",
            ),
            Mistake(
                lambda grad, x0, lr, tol: _steps_to_tolerance(
                    grad, x0, lr, tol, lambda g: np.linalg.norm(g) * (1 + 2**-40)
                ),
                "stop as soon as ‖∇f(x_k)‖ <= tol: a gradient exactly as small as tol is small enough, so loop while "
                "the norm is > tol, not >= tol.",
            ),
        ],
        hint="loop: while np.linalg.norm(grad(x)) > tol, take a step and add 1 to a counter; return the counter.",
        compare=close_to(rtol=0, atol=0.5),
        name="steps_to_tolerance",
    )


def _draw_spd(rng: np.random.Generator) -> Case:
    """A symmetric positive definite A of size 1 to 5, its eigenvalues over up to three decades."""
    d = int(rng.integers(1, 6))
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    A = np.round(q @ np.diag(10.0 ** rng.uniform(-1, 2, d)) @ q.T, 3)
    A = A + (0.01 - min(0.0, np.linalg.eigvalsh(A)[0])) * np.eye(d)
    return Case((_fixed(A),), f"A = {_shown(A)}")


STABILITY_CASES = (
    Case((_fixed(np.diag([1.0, 10.0])),), "A = diag(1, 10)"),
    Case((_fixed([[2.0, 1.0], [1.0, 2.0]]),), "A = [[2, 1], [1, 2]]"),
    Case(
        (_fixed([[802.0, -400.0], [-400.0, 200.0]]),), "A = Rosenbrock's Hessian at (1, 1), [[802, -400], [-400, 200]]"
    ),
    Case((_fixed(np.diag([3.0, 0.5, 7.0])),), "A = diag(3, 0.5, 7)"),
    *generated(_draw_spd, seed=44),
)


_BEST_LR = "2/(L + μ) is the *best* learning rate; the question asks for the largest that still converges, 2/L."


def largest_stable_lr(learner: Callable) -> Result:
    """Exercise 4.3: the supremum of the learning rates for which GD converges on ½xᵀAx from every start, 2/λ_max(A)."""
    return check_function(
        learner,
        lambda A: 2 / np.linalg.eigvalsh(A)[-1],
        STABILITY_CASES,
        mistakes=[
            Mistake(
                lambda A: 1 / np.linalg.eigvalsh(A)[-1],
                "1/L is a safe choice, not the limit: every |1 − ηλ| stays below 1 up to η = 2/L.",
            ),
            Mistake(
                lambda A: 2 / np.linalg.eigvalsh(A)[0],
                "the limit is set by the *largest* curvature: 2/λ_max, not 2/λ_min.",
            ),
            Mistake(lambda A: 2 / (np.linalg.eigvalsh(A)[0] + np.linalg.eigvalsh(A)[-1]), _BEST_LR),
            Mistake(
                lambda A: 2 / np.sum(np.linalg.eigvalsh(A)), _BEST_LR
            ),  # L + μ written as a sum over every eigenvalue
            Mistake(
                lambda A: 2 / np.max(np.diag(A)),
                "the diagonal entries are not the eigenvalues unless A is diagonal: use np.linalg.eigvalsh(A).",
            ),
        ],
        hint="GD multiplies each eigen-coordinate of the error by 1 − ηλᵢ; all of them shrink exactly when η < "
        "2/λ_max.",
        compare=close_to(rtol=1e-10, atol=1e-14),
        name="largest_stable_lr",
    )


def _armijo(
    f: Callable, grad: Callable, x: np.ndarray, alpha0: float = 1.0, rho: float = 0.5, c: float = 1e-4
) -> float:
    g = grad(x)
    alpha = alpha0
    while f(x - alpha * g) > f(x) - c * alpha * (g @ g):
        alpha *= rho
    return alpha


def _armijo_without_c(f, grad, x, alpha0=1.0, rho=0.5, c=1e-4):
    return _armijo(f, grad, x, alpha0, rho, 0.0)


def _armijo_at_equality_rejected(f, grad, x, alpha0=1.0, rho=0.5, c=1e-4):
    g = grad(x)
    alpha = alpha0
    while f(x - alpha * g) >= f(x) - c * alpha * (g @ g) and alpha > 1e-300:  # at g = 0 it would never stop
        alpha *= rho
    return alpha


def _three_x_squared(v):
    return 1.5 * v @ v


def _three_x(v):
    return 3.0 * v


def _half_curvature(L: float) -> tuple[Callable, Callable]:
    """f(x) = L‖x‖²/2 and its gradient L·x."""
    return (lambda v: 0.5 * L * (v @ v)), (lambda v: L * v)


def _exact_armijo_case(L: float, c: float, backtracks: int, x: tuple) -> Case:
    """A case where the accepted α meets the Armijo condition with equality, in exact binary arithmetic.

    On f = L‖x‖²/2, f(x − αg) = f(x) − c·α·‖g‖² exactly when αL = 2(1 − c); alpha0 is that α times 2^backtracks.
    """
    f, grad = _half_curvature(L)
    alpha0 = 2 * (1 - c) / L * 2.0**backtracks
    return Case(
        (f, grad, _fixed(x), alpha0, 0.5, c),
        f"f(x) = {L:g}‖x‖²/2, x = {_shown(np.array(x))}, alpha0 = {alpha0:g}, rho = 0.5, c = {c:g} (a trial α meets "
        f"the condition with equality)",
    )


def _draw_exact_armijo(rng: np.random.Generator) -> Case:
    x = tuple(float(v) for v in rng.integers(-4, 5, int(rng.integers(1, 4))) * 2.0 ** rng.integers(-2, 3))
    x = x if any(x) else (1.0,) + x[1:]
    return _exact_armijo_case(
        float(rng.choice([0.5, 1.0, 2.0, 4.0])), float(rng.choice([0.25, 0.5, 0.75])), int(rng.integers(0, 5)), x
    )


def _draw_armijo(rng: np.random.Generator) -> Case:
    alpha0, rho, c = (
        round(float(rng.uniform(0.1, 2.0)), 2),
        round(float(rng.uniform(0.2, 0.8)), 2),
        float(rng.choice([1e-4, 0.01, 0.1, 0.3, 0.5])),
    )
    if rng.random() < 0.5:
        x = _fixed(np.round(rng.uniform(-1.5, 1.5, 2), 2))
        return Case(
            (_rosenbrock, _rosenbrock_grad, x, alpha0, rho, c),
            f"f = Rosenbrock, x = {_shown(x)}, alpha0 = {alpha0:g}, rho = {rho:g}, c = {c:g}",
        )
    x = _fixed(np.round(3 * rng.standard_normal(2), 2))
    return Case(
        (_valley, _valley_grad, x, alpha0, rho, c),
        f"f = ½xᵀdiag(1, 10)x, x = {_shown(x)}, alpha0 = {alpha0:g}, rho = {rho:g}, c = {c:g}",
    )


ARMIJO_CASES = (
    Case((_rosenbrock, _rosenbrock_grad, _fixed([-1.2, 1.0])), "f = Rosenbrock, x = [-1.2, 1]"),
    Case((_three_x_squared, _three_x, _fixed([1.0, -2.0])), "f(x) = 1.5‖x‖², x = [1, -2]"),
    Case(
        (_three_x_squared, _three_x, _fixed([0.05, -0.1]), 1.0, 0.5, 0.3), "f(x) = 1.5‖x‖², x = [0.05, -0.1], c = 0.3"
    ),
    Case((_three_x_squared, _three_x, _fixed([1.0, -2.0]), 1.0, 0.5, 0.5), "f(x) = 1.5‖x‖², x = [1, -2], c = 0.5"),
    Case((_three_x_squared, _three_x, _fixed([1.0, -2.0]), 0.3), "f(x) = 1.5‖x‖², x = [1, -2], alpha0 = 0.3"),
    Case(
        (_valley, _valley_grad, _fixed([-2.5, 1.5]), 0.9, 0.3, 0.1),
        "f = ½xᵀdiag(1, 10)x, x = [-2.5, 1.5], alpha0 = 0.9, rho = 0.3, c = 0.1",
    ),
    _exact_armijo_case(1.0, 0.5, 0, (1.0, -2.0)),  # α = 1 lands on the minimum: f(x − αg) = 0 = f(x) − c·α·‖g‖²
    _exact_armijo_case(2.0, 0.25, 2, (2.0, 1.0)),
    *generated(_draw_exact_armijo, count=10, seed=45),
    *generated(_draw_armijo, count=10, seed=46),
)


_RHO_TOO_SMALL = (
    "your α is rho times too small: try alpha0 itself first, shrink only after a trial fails, and "
    "return the first α that passes."
)


def armijo_step(learner: Callable) -> Result:
    """Exercise 4.4: the step α that backtracking accepts along −∇f under the Armijo condition."""
    return check_function(
        learner,
        _armijo,
        ARMIJO_CASES,
        mistakes=[
            Mistake(
                _armijo_without_c,
                "you accepted any decrease; Armijo asks for a sufficient one, f(x − αg) <= f(x) − c·α·‖g‖².",
            ),
            Mistake(
                lambda f, grad, x, alpha0=1.0, rho=0.5, c=1e-4: _armijo(f, grad, x, alpha0, rho, c) * rho,
                _RHO_TOO_SMALL,
            ),
            Mistake(
                lambda f, grad, x, alpha0=1.0, rho=0.5, c=1e-4: _armijo(f, grad, x, alpha0 * rho, rho, c),
                _RHO_TOO_SMALL,
            ),
            Mistake(
                lambda f, grad, x, alpha0=1.0, rho=0.5, c=1e-4: _armijo(
                    f, grad, x, alpha0, rho, c / np.linalg.norm(grad(x))
                ),
                "the predicted decrease uses ‖g‖² = g·g (the slope along −g times the step length α‖g‖), not ‖g‖.",
            ),
            Mistake(
                _armijo_at_equality_rejected,
                "accept α as soon as f(x − αg) <= f(x) − c·α·‖g‖²: equality passes, so shrink while the left side is "
                "> the right, not >=.",
            ),
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


def _draw_least_squares(rng: np.random.Generator) -> Case:
    n, d = int(rng.integers(2, 40)), int(rng.integers(1, 5))
    X = np.round(rng.standard_normal((n, d)) * 10.0 ** rng.uniform(-1, 1), 2)
    y = np.round(3 * rng.standard_normal(n), 2)
    L = np.linalg.eigvalsh(X.T @ X / n)[-1]
    lr, steps = float(f"{rng.uniform(0.1, 1.9) / L:.3g}"), int(rng.integers(1, 60))
    return Case((_fixed(X), _fixed(y), lr, steps), f"X {n}×{d} and y drawn by the checker, lr = {lr:g}, {steps} steps")


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
            Case((*small, 0.5, 0), "the same X and y, lr = 0.5, no step at all (w stays 0)"),
            *generated(_draw_least_squares, seed=47),
        ],
        mistakes=[
            Mistake(
                lambda X, y, lr, steps: _least_squares_gd(X, y, lr * len(y), steps),
                "the loss is divided by 2n, so its gradient is Xᵀ(Xw − y)/n: divide by n = len(y).",
            ),
            Mistake(
                lambda X, y, lr, steps: _least_squares_gd(X, y, -lr, steps),
                "that climbs the loss: the gradient is Xᵀ(Xw − y)/n, and the step subtracts it.",
            ),
            Mistake(
                lambda X, y, lr, steps: _least_squares_gd(X, y, lr, steps - 1),
                "you took one step too few: the loop should run exactly `steps` times.",
            ),
        ],
        hint="start from w = np.zeros(X.shape[1]) and repeat w = w − lr · Xᵀ(Xw − y)/n, steps times.",
        compare=close_to(rtol=1e-9, atol=1e-12),
        name="least_squares_gd",
    )


# --- Exploration: the fastest learning rate -----------------------------------------------------------------------

_RACE_START = _fixed([-2.5, 1.5])
_RACE_TOL, _RACE_CAP = 1e-8, 1_000
_RACE_RATES = _fixed(np.linspace(0.05, 0.2, 301))


def _race(rates: np.ndarray) -> np.ndarray:
    """Steps GD on ½xᵀdiag(1, 10)x from x0 = [-2.5, 1.5] needs at each rate until ‖∇f‖ <= 1e-8 (``_RACE_CAP`` if
    never)."""
    x = np.tile(_RACE_START, (len(rates), 1))
    steps = np.full(len(rates), _RACE_CAP)
    curvature = np.diag(_VALLEY)
    for k in range(_RACE_CAP):
        done = (np.linalg.norm(curvature * x, axis=1) <= _RACE_TOL) & (steps == _RACE_CAP)
        steps[done] = k
        if np.all((steps < _RACE_CAP) | ~np.isfinite(x).all(axis=1)):  # every rate arrived or blew up
            break
        x = x - rates[:, None] * curvature * x
    return steps


@functools.cache
def _fastest_rate() -> float:
    return float(_RACE_RATES[int(np.argmin(_race(_RACE_RATES)))])


@functools.cache
def _fewest_steps() -> int:
    return int(_race(np.array([_fastest_rate()]))[0])


def _fast_enough(got: np.ndarray, expected: np.ndarray) -> bool:
    return got.shape == () and float(got) > 0 and int(_race(np.array([float(got)]))[0]) <= 1.1 * _fewest_steps()


def _race_report(got: np.ndarray, expected: np.ndarray, label: str) -> str:
    steps = int(_race(np.array([float(got)]))[0])
    ran = f"did not get there in {_RACE_CAP:,} steps" if steps >= _RACE_CAP else f"needed {steps} steps"
    return (
        f"For {label}, lr = {float(got):.6g}: gradient descent from x0 = [-2.5, 1.5] {ran} to reach ‖∇f‖ <= 1e-8; "
        f"the fastest rate the checker found needs {_fewest_steps()}, and within 10% of that is accepted."
    )


def fastest_lr(learner: Callable) -> Result:
    """Exploration 4: a learning rate that takes GD on the valley to ‖∇f‖ <= 1e-8 in close to the fewest steps."""
    return check_function(
        learner,
        _fastest_rate,
        [Case((), "your claim")],
        mistakes=[
            Mistake(
                lambda: 0.2,
                "at 2/L = 0.2 the steep direction's factor 1 − ηL is −1: it bounces forever and never shrinks. The "
                "fastest rate balances the two directions.",
            ),
            Mistake(
                lambda: 0.1,
                "1/L = 0.1 makes the steep direction vanish in one step, but leaves the flat one shrinking by only "
                "0.9 per step. A larger rate helps the flat direction more than it hurts the steep one.",
            ),
        ],
        hint="GD multiplies the error along each axis by 1 − ηλᵢ each step; count steps for a range of rates and "
        "look for the rate where the slowest axis is as fast as it can be.",
        compare=_fast_enough,
        agree=close_to(rtol=1e-3, atol=0.0),
        describe=_race_report,
        name="fastest_lr",
    )
