"""Chapter 2's checkers recognise the typical mistakes and show the hint written for each."""

import numpy as np
import pytest

from book.calculus import gradient, jacobian
from book.exercises import ch02 as check
from exercises.solutions import ch02 as solution


def _forward_partial(f, x, i, h=1e-5):
    step = np.zeros(len(x))
    step[i] = h
    return (f(x + step) - f(x)) / h


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


WRONG_ANSWERS = {
    "partial_derivative": [
        (_forward_partial, "forward difference"),
        (lambda f, x, i, h=1e-5: (f(x + h) - f(x - h)) / (2 * h), "moved every coordinate"),
        (lambda f, x, i, h=1e-5: 2 * gradient(f, x, h)[i], "divide by 2h"),
        (lambda f, x, i, h=1e-5: gradient(f, x, h)[(i + 1) % len(x)], "wrong coordinate"),
        (lambda f, x, i, h=1e-5: gradient(f, x, 1e-5)[i], "use the h you are given"),
        (lambda f, x, i, h=1e-5: gradient(f, x, h)[i - 1], None),  # off by one: counts coordinates from 1
        (lambda f, x, i, h=1e-5: (f(x + np.eye(len(x))[i] * h) - f(x - np.eye(len(x))[i] * h)) / h, "divide by 2h"),
    ],
    "numerical_gradient": [
        (lambda f, x, h=1e-5: np.array([_forward_partial(f, x, i, h) for i in range(len(x))]), "forward differences"),
        (lambda f, x, h=1e-5: -gradient(f, x, h), "sign is flipped"),
        (lambda f, x, h=1e-5: np.array([solution.partial_derivative(f, x, i) for i in range(len(x))]), "Pass it on"),
        (lambda f, x, h=1e-5: 2 * gradient(f, x, h), "divide by 2h"),
        (lambda f, x, h=1e-5: gradient(f, x, h)[::-1], None),  # the coordinates in the wrong order
        (
            lambda f, x, h=1e-5: np.array([solution.partial_derivative(f, x, i, h) for i in range(len(x) - 1)] + [0.0]),
            None,
        ),  # range stops one early
        (lambda f, x, h=1e-5: np.full(len(x), (f(x + h) - f(x - h)) / (2 * h)), None),  # every coordinate moved at once
    ],
    "directional_derivative": [
        (lambda g, u: g @ u, "not a unit vector"),
        (lambda g, u: g @ u / np.linalg.norm(g), "not the gradient"),
        (lambda g, u: g @ u / np.abs(u).sum(), "not by the sum of |uᵢ|"),
        (lambda g, u: g @ u / (u @ u), "divided by ‖u‖²"),
        (lambda g, u: -g @ u / np.linalg.norm(u), None),
        (lambda g, u: np.linalg.norm(g), None),  # the steepest slope, whatever the direction
        (lambda g, u: g @ (u / np.max(np.abs(u))), None),
    ],
    "steepest_descent_direction": [
        (lambda g: g / np.linalg.norm(g), "steepest *ascent*"),
        (lambda g: -g, "divide −g by its length"),
        (lambda g: -g / np.abs(g).sum(), "Euclidean length"),
        (lambda g: -g / (g @ g), "divided by ‖g‖²"),
        (lambda g: -g / np.max(np.abs(g)), None),
        (lambda g: -np.sign(g), None),
        (lambda g: -g[::-1] / np.linalg.norm(g), None),
    ],
    "quadratic_gradient": [
        (lambda A, b, x: 2 * A @ x + b, "dropped the ½"),
        (lambda A, b, x: A @ x + b, "only for symmetric A"),
        (lambda A, b, x: x @ A + b, "only half the story"),
        (lambda A, b, x: A @ x - b, "sign of b"),
        (lambda A, b, x: A @ x, "linear term"),
        (lambda A, b, x: 0.5 * (A + A.T) @ x, "linear term"),
        (lambda A, b, x: 0.5 * (A @ A.T) @ x + b, None),
    ],
    "condition_number": [
        (lambda H: np.linalg.eigvalsh(H)[0] / np.linalg.eigvalsh(H)[-1], "κ ≥ 1"),
        (lambda H: np.diag(H).max() / np.diag(H).min(), "diagonal entries are not the eigenvalues"),
        (lambda H: np.sqrt(np.linalg.cond(H)), "√κ"),
        (lambda H: H.max() / H.min(), "entries of H are not its eigenvalues"),
        (lambda H: np.real(np.linalg.eigvals(H)[0] / np.linalg.eigvals(H)[-1]), "does not sort"),
        (lambda H: np.linalg.eigvalsh(H)[0] / np.linalg.eigvalsh(H)[-1], "λ_min / λ_max"),
        (lambda H: np.linalg.eigvalsh(H)[-1] / np.linalg.eigvalsh(H)[1], None),  # the second smallest
        (lambda H: np.trace(H) / np.linalg.eigvalsh(H)[0], None),
    ],
    "numerical_jacobian": [
        (lambda f, x, h=1e-5: jacobian(f, x, h).T, "transposed"),
        (
            lambda f, x, h=1e-5: np.stack([(f(x + np.eye(len(x))[j] * h) - f(x)) / h for j in range(len(x))], axis=1),
            "forward differences",
        ),
        (lambda f, x, h=1e-5: 2 * jacobian(f, x, h), None),
        (lambda f, x, h=1e-5: jacobian(f, x, 1e-5), None),  # ignores h
        (lambda f, x, h=1e-5: -jacobian(f, x, h), None),
        (
            lambda f, x, h=1e-5: np.stack(
                [(f(x + np.eye(len(x))[j] * h) - f(x - np.eye(len(x))[j] * h)) / h for j in range(len(x))], axis=1
            ),
            None,
        ),
    ],
    "logistic_gradient": [
        (lambda w, X, y: X.T @ (_sigmoid(X @ w) - y), "divide by n"),
        (lambda w, X, y: X.T @ (y - _sigmoid(X @ w)) / len(y), "sign is flipped"),
        (lambda w, X, y: X.T @ (X @ w - y) / len(y), "apply the sigmoid"),
        (lambda w, X, y: X.T @ (_sigmoid(X @ w) - y) * _sigmoid(X @ w) @ (1 - _sigmoid(X @ w)) / len(y), None),
        (lambda w, X, y: X.T @ (_sigmoid(X @ w) - y) / X.shape[1], None),  # divided by d, not n
        (lambda w, X, y: X.T @ (_sigmoid(X @ w) - y), "divide by n"),
        (lambda w, X, y: X.T @ (X @ w - y) / len(y), "apply the sigmoid"),
    ],
    "level_set_angle": [
        (
            lambda: float(np.arctan2(*gradient(check._himmelblau, np.array([1.0, 1.0]))[::-1])),
            "direction of the gradient",
        ),
        (lambda: float(np.degrees(solution.level_set_angle())), "radians"),
        (
            lambda: float(np.arctan2(*(-gradient(check._himmelblau, np.array([1.0, 1.0])))[::-1])),
            None,
        ),  # steepest descent
        (lambda: 0.0, None),
        (lambda: float(np.pi / 2), None),
        (lambda: float(solution.level_set_angle() + np.pi / 2), None),  # the gradient's angle, reached the long way
    ],
}


def test_the_message_names_the_input_and_both_values():
    message = check.partial_derivative(_forward_partial).message
    assert message.startswith("For f = Himmelblau, x = [1, 1], i = 0 expected -46")
    assert "but got -46.0001 (off by 0.00013)" in message


def test_changing_the_input_in_place_is_reported_not_silently_wrong():
    def in_place(f, x, i, h=1e-5):
        x[i] += h
        up = f(x)
        x[i] -= 2 * h
        return (up - f(x)) / (2 * h)

    result = check.partial_derivative(in_place)
    assert result.message.startswith("For f = Himmelblau, x = [1, 1], i = 0 your function changed its input x in place")
    x = np.array([1.0, 1.0])
    in_place(lambda v: v @ v, x, 0)
    assert x[0] != 1.0  # the learner's function does change it: the message is not a false alarm


def test_hints_do_not_fire_for_a_different_mistake_on_a_degenerate_case():
    l1 = check.directional_derivative(lambda g, u: g @ u / np.abs(u).sum()).message  # ‖[1, 1]‖₁ = ‖[1, 1]‖²
    assert "‖u‖²" not in l1
    entries = check.condition_number(lambda H: H.max() / H.min()).message  # 2/1 = λ_max − λ_min for [[2, 1], [1, 2]]
    assert "not their difference" not in entries


def test_a_transposed_jacobian_of_the_wrong_shape_names_the_expected_shape():
    def transposed_except_square(f, x, h=1e-5):
        J = jacobian(f, x, h)
        return J if J.shape[0] == J.shape[1] else J.T

    message = check.numerical_jacobian(transposed_except_square).message
    assert "returned shape (2, 3); expected shape (3, 2)" in message


def test_an_almost_right_answer_is_still_wrong():
    assert not check.condition_number(lambda H: 1.0001 * np.linalg.cond(H)).passed
    assert not check.steepest_descent_direction(lambda g: -g / (np.linalg.norm(g) + 1e-3)).passed
    assert not check.numerical_gradient(lambda f, x, h=1e-5: gradient(f, x, 1e-2)).passed


def test_other_correct_formulations_pass():
    assert check.condition_number(np.linalg.cond).passed
    assert check.quadratic_gradient(lambda A, b, x: (A @ x + A.T @ x) / 2 + b).passed
    assert check.steepest_descent_direction(lambda g: -np.asarray(g) / np.sqrt(np.sum(np.square(g)))).passed


def test_numbers_the_exercise_notebook_states():
    from book.functions import Himmelblau

    himmelblau = Himmelblau()
    assert np.allclose(solution.numerical_gradient(himmelblau, np.array([1.0, 1.0])), [-46.0, -38.0], atol=1e-6)
    g = np.array([-46.0, -38.0])
    down = solution.steepest_descent_direction(g)
    assert solution.directional_derivative(g, down) == pytest.approx(-59.6657, abs=5e-5)
    H = np.array([[802.0, -400.0], [-400.0, 200.0]])
    kappa = solution.condition_number(H)
    assert kappa == pytest.approx(2508.0, abs=0.05)  # the check cell prints 2508.0
    diagonal_ratio = H[0, 0] / H[1, 1]
    assert diagonal_ratio == pytest.approx(4.0, abs=0.02)  # "would suggest κ ≈ 4"
    assert kappa / diagonal_ratio > 600  # "more than 600 times too small"
    polar = lambda p: np.array([p[0] * np.cos(p[1]), p[0] * np.sin(p[1])])  # noqa: E731
    J = solution.numerical_jacobian(polar, np.array([2.0, np.pi / 6]))
    assert np.linalg.det(J) == pytest.approx(2.0, abs=1e-8)
    assert np.round(J[:, 0], 3).tolist() == [0.866, 0.5]  # the follow-up cell prints the first column ...
    assert np.round(J.T[:, 0], 3).tolist() == [0.866, -1.0]  # ... which a transposed J gets wrong, unlike det
