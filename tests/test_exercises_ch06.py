"""Chapter 6's checkers recognise the typical mistakes and show the hint written for each."""

import numpy as np
import pytest
from conftest import assert_fails_with_hint

from book.exercises import ch06 as check
from exercises.solutions import ch06 as solution


def _matrix(alpha, beta, curvature):
    return np.array([[1 - alpha * curvature + beta, -beta], [1.0, 0.0]])


TYPICAL_MISTAKES = [
    (check.heavy_ball_step, lambda grad, x, xp, a, b: x - a * grad(x) + b * (xp - x), "points backwards"),
    (check.heavy_ball_step, lambda grad, x, xp, a, b: x - grad(x) + b * (x - xp), "step size is missing"),
    (check.heavy_ball_step, lambda grad, x, xp, a, b: x - a * grad(x) + b * x, "previous *step*"),
    (check.optimal_heavy_ball, lambda L, mu: (solution.optimal_heavy_ball(L, mu)[0], np.sqrt(solution.optimal_heavy_ball(L, mu)[1])), "*square*"),
    (check.optimal_heavy_ball, lambda L, mu: (2 / (L + mu), solution.optimal_heavy_ball(L, mu)[1]), "gradient descent's best step"),
    (check.optimal_heavy_ball, lambda L, mu: (1 / L, solution.optimal_heavy_ball(L, mu)[1]), "Nesterov's step"),
    (check.heavy_ball_rate, lambda a, b, c: np.sqrt(b), "only when the roots are complex"),
    (check.heavy_ball_rate, lambda a, b, c: np.max(np.linalg.eigvals(_matrix(a, b, c)).real), "*modulus*"),
    (check.heavy_ball_rate, lambda a, b, c: abs(1 - a * c), "gradient descent's factor"),
    (check.velocity_to_buffer, lambda v, lr: v / lr, "mind the sign"),
    (check.velocity_to_buffer, lambda v, lr: -v * lr, "divide by the learning rate"),
    (check.velocity_to_buffer, lambda v, lr: -v, "learning rate is missing"),
    (check.steps_from_rate, lambda rate, tol: int(np.floor(np.log(tol) / np.log(rate))), "rounding down"),
    (check.steps_from_rate, lambda rate, tol: int(np.ceil(-np.log(tol) / (1 - rate))), "an approximation"),
]

@pytest.mark.parametrize(("checker", "answer", "hint"), TYPICAL_MISTAKES)
def test_typical_mistake_fails_with_its_hint(checker, answer, hint):
    assert_fails_with_hint(checker(answer), hint)


def test_an_almost_right_answer_is_still_wrong():
    assert not check.heavy_ball_rate(lambda a, b, c: solution.heavy_ball_rate(a, b, c) * (1 + 1e-6)).passed
    assert not check.velocity_to_buffer(lambda v, lr: -v / (lr * 1.001)).passed


def test_numbers_the_exercise_notebook_states():
    alpha, beta = solution.optimal_heavy_ball(100.0, 1.0)
    assert (alpha, beta) == pytest.approx((0.033058, 0.669421), abs=5e-7)
    assert solution.heavy_ball_rate(alpha, beta, 1.0) == pytest.approx(9 / 11, abs=1e-7)  # a double root: ~1e-8 accurate
    assert solution.heavy_ball_rate(0.02, 0.5, 1.0) == pytest.approx(0.9582, abs=5e-5)
    assert [solution.steps_from_rate(r, 1e-6) for r in (99 / 101, 9 / 11, 0.9)] == [691, 69, 132]
    assert np.allclose(solution.heavy_ball_step(lambda x: 2 * x, np.ones(2), np.ones(2), 0.1, 0.9), [0.8, 0.8])
