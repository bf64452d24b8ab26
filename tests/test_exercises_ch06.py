"""Chapter 6's checkers fail the wrong answers learners write, each with its own hint where the exercise names it."""

import math

import numpy as np
import pytest

from book.exercises import ch06 as check
from exercises.solutions import ch06 as solution


def _matrix(lr, beta, curvature):
    return np.array([[1 - lr * curvature + beta, -beta], [1.0, 0.0]])


def _radius(matrix):
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def _slipped_loop(rate, tol):
    k = 0
    while rate**k >= tol:
        k += 1
    return k


def _best(L, mu):
    return solution.optimal_heavy_ball(L, mu)


WRONG_ANSWERS = {
    "heavy_ball_step": [
        (lambda grad, x, xp, a, b: x - a * grad(x) + b * (xp - x), "points backwards"),
        (lambda grad, x, xp, a, b: x - grad(x) + b * (x - xp), "step size is missing"),
        (lambda grad, x, xp, a, b: x - a * grad(x) + b * x, "previous *step*"),
        (lambda grad, x, xp, a, b: x + a * grad(x) + b * (x - xp), None),  # uphill
        (lambda grad, x, xp, a, b: x - a * grad(x), None),  # no momentum: gradient descent
        (lambda grad, x, xp, a, b: x - a * grad(xp) + b * (x - xp), None),  # gradient at the old point
        (lambda grad, x, xp, a, b: x - b * grad(x) + a * (x - xp), None),  # η and β swapped
    ],
    "optimal_heavy_ball": [
        (lambda L, mu: (_best(L, mu)[0], math.sqrt(_best(L, mu)[1])), "*square*"),
        (lambda L, mu: (2 / (L + mu), _best(L, mu)[1]), "gradient descent's best step"),
        (lambda L, mu: (1 / L, _best(L, mu)[1]), "Nesterov's step"),
        (lambda L, mu: (_best(L, mu)[1], _best(L, mu)[0]), None),  # the pair in the wrong order
        (lambda L, mu: (_best(L, mu)[0], ((L / mu - 1) / (L / mu + 1)) ** 2), None),  # κ where √κ belongs
        (lambda L, mu: (2 / (math.sqrt(L) + math.sqrt(mu)), _best(L, mu)[1]), None),  # the step not squared
        (lambda L, mu: (4 / (L + mu), _best(L, mu)[1]), None),  # (√L + √μ)² taken as L + μ
    ],
    "heavy_ball_rate": [
        (lambda a, b, c: math.sqrt(b), "only when the roots are complex"),
        (lambda a, b, c: np.max(np.linalg.eigvals(_matrix(a, b, c)).real), "*modulus*"),
        (lambda a, b, c: abs(1 - a * c), "gradient descent's factor"),
        (lambda a, b, c: float(np.min(np.abs(np.linalg.eigvals(_matrix(a, b, c))))), None),  # the smallest root
        (lambda a, b, c: _radius(_matrix(a, b, c)) ** 2, None),  # squared
        (lambda a, b, c: _radius(np.array([[1 - a * c, -b], [1.0, 0.0]])), None),  # + β missing from the corner
        (lambda a, b, c: _radius(np.array([[1 - a * c + b, b], [1.0, 0.0]])), None),  # sign of −β lost
    ],
    "velocity_to_buffer": [
        (lambda v, lr: v / lr, "mind the sign"),
        (lambda v, lr: -v * lr, "divide by the learning rate"),
        (lambda v, lr: -v, "learning rate is missing"),
        (lambda v, lr: -v / lr**2, None),
        (lambda v, lr: v, None),
        (lambda v, lr: -v / (1 - lr), None),
    ],
    "steps_from_rate": [
        (lambda rate, tol: int(np.floor(np.log(tol) / np.log(rate))), "rounding down"),
        (lambda rate, tol: int(np.ceil(-np.log(tol) / (1 - rate))), "an approximation"),
        (_slipped_loop, "stop at equality"),
        (lambda rate, tol: round(math.log(tol) / math.log(rate)), None),  # rounded to nearest
        (lambda rate, tol: math.ceil(math.log(tol) / math.log(rate)) + 1, None),  # one too many
        (lambda rate, tol: math.ceil(math.log10(tol) / math.log(rate)), None),  # two bases mixed
        (lambda rate, tol: math.ceil(math.log(rate) / math.log(tol)), None),  # the ratio upside down
    ],
    "largest_stable_step": [
        (lambda: 0.2, "not the largest one"),
        (lambda: 2 / 10, "not the largest one"),  # gradient descent's limit 2/λ_max: momentum goes further
        (lambda: 0.5, "blows up"),
        (lambda: 0.39, "blows up"),  # just past the edge
        (lambda: 0.38 / 1.2, "not the largest one"),
        (lambda: 2 * 1.9 / 1.0, "blows up"),  # the edge of the flat direction, not of the steep one
        (lambda: 0.0, "not the largest one"),
    ],
}


def test_an_almost_right_answer_is_still_wrong():
    assert not check.heavy_ball_rate(lambda a, b, c: solution.heavy_ball_rate(a, b, c) * (1 + 1e-6)).passed
    assert not check.velocity_to_buffer(lambda v, lr: -v / (lr * 1.001)).passed


def test_the_exploration_accepts_claims_just_below_the_edge_and_rejects_a_tenth_below():
    """Heavy ball on curvature λ is stable iff 0 < ηλ < 2(1 + β): with λ_max = 10, β = 0.9 the edge is η = 0.38."""
    edge = 2 * (1 + check.EXPLORE_BETA) / max(check.EXPLORE_CURVATURES)
    assert check.largest_stable_step(lambda: edge).passed
    assert check.largest_stable_step(lambda: 0.95 * edge).passed
    assert not check.largest_stable_step(lambda: 0.9 * edge).passed
    assert solution.largest_stable_step() == pytest.approx(edge, rel=1e-3)


def test_the_boundary_cases_are_exact():
    assert [0.5**3, 0.25**5, 0.75**2] == [0.125, 2.0**-10, 0.5625]
    assert [solution.steps_from_rate(r, t) for r, t in ((0.5, 0.125), (0.25, 2.0**-10), (0.75, 0.5625))] == [3, 5, 2]


def test_numbers_the_exercise_notebook_states():
    lr, beta = solution.optimal_heavy_ball(100.0, 1.0)
    assert (lr, beta) == pytest.approx((0.033058, 0.669421), abs=5e-7)
    assert solution.heavy_ball_rate(lr, beta, 1.0) == pytest.approx(9 / 11, abs=1e-7)  # a double root: ~1e-8 accurate
    assert solution.heavy_ball_rate(0.02, 0.5, 1.0) == pytest.approx(0.9582, abs=5e-5)
    assert [solution.steps_from_rate(r, 1e-6) for r in (99 / 101, 9 / 11, 0.9)] == [691, 69, 132]
    assert np.allclose(solution.heavy_ball_step(lambda x: 2 * x, np.ones(2), np.ones(2), 0.1, 0.9), [0.8, 0.8])


def test_a_claim_is_read_as_one_real_number_whatever_its_type():
    for claim in (0.38, np.float64(0.38), np.array(0.38), np.float32(0.375), 0.38 + 0j):
        assert check.largest_stable_step(lambda: claim).passed, claim
    for claim, said in (
        (True, "bool"),
        ([0.38], "shape (1,)"),
        ("0.38", "returned a str"),
        (float("inf"), "not a finite number"),
    ):
        result = check.largest_stable_step(lambda: claim)
        assert not result.passed and said in result.message, result.message
