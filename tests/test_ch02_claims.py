"""Every number Chapter 2's prose states, asserted: if the text starts to lie, this fails."""

import math
import re
from pathlib import Path

import numpy as np
import pytest
from reading import assert_reader_path, glued_values, markdown

from book import geometry
from book.autodiff import grad
from book.calculus import (
    EPS,
    derivative,
    directional_derivative,
    gradient,
    hessian,
    jacobian,
    log_log_slope,
    second_derivative,
)
from book.explore import grid_values
from book.figures import ch02
from book.functions import (
    LINE_X,
    LINE_Y,
    Himmelblau,
    LeastSquares,
    Quadratic,
    Rosenbrock,
    bowl,
    line_loss,
    polar,
    polar_jacobian,
    rotated_quadratic,
)
from book.optim import run, sgd

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapters" / "02_gradients.ipynb"
MAIN_PATH_BUDGET = 3080
"""Words outside dropdowns: 3946 before proofs and convention asides moved into dropdowns."""
HIMMELBLAU = Himmelblau()
ROSENBROCK = Rosenbrock()
POINT = np.array([1.0, 1.0])
SLIDER_ANGLES = np.array(grid_values("angle", ch02.TAYLOR_SLIDERS["angle"]))  # the Taylor explorable's directions
DISTANCES = ch02.SLOPE_DISTANCES


# Section 1: the worked example
def test_gradient_of_the_bowl_three_ways():
    by_hand = np.array([2 * POINT[0], 2 * POINT[1]])
    assert np.array_equal(by_hand, [2.0, 2.0])
    by_autodiff = grad(lambda v: (v * v).sum())(POINT)
    assert np.array_equal(by_autodiff, by_hand)  # exact, to the last bit
    by_differences = gradient(bowl, POINT)
    relative = np.max(np.abs(by_differences - by_hand)) / 2
    assert EPS < relative < EPS ** (2 / 3)  # below ε^(2/3), and not exact
    assert 10 <= -np.log10(relative) <= 11.5  # "about 10–11 digits"


def test_one_step_against_the_gradient_goes_downhill():
    step = POINT - 0.1 * np.array([2.0, 2.0])
    assert np.allclose(step, [0.8, 0.8])
    assert bowl(POINT) == 2.0
    assert bowl(step) == pytest.approx(1.28, abs=1e-12)


# Section 2: vectors and matrices, briefly
def test_cauchy_schwarz_holds_and_is_tight_only_for_parallel_vectors():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 1000, 5))
    dots, bounds = np.einsum("ki,ki->k", a, b), np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    assert np.all(np.abs(dots) <= bounds) and np.max(np.abs(dots) / bounds) < 1 - 1e-6
    assert abs(a[0] @ (-3 * a[0])) == pytest.approx(np.linalg.norm(a[0]) * np.linalg.norm(3 * a[0]), rel=1e-14)


def test_transpose_rules():
    rng = np.random.default_rng(3)
    A, B, x, y = (
        rng.standard_normal((3, 4)),
        rng.standard_normal((4, 2)),
        rng.standard_normal(4),
        rng.standard_normal(3),
    )
    assert all(A.T[i, j] == A[j, i] for i in range(4) for j in range(3))
    assert np.allclose((A @ B).T, B.T @ A.T)
    C, D = rng.standard_normal((2, 3, 3))
    assert not np.allclose((C @ D).T, C.T @ D.T)  # the order reverses
    assert y @ (A @ x) == pytest.approx((A.T @ y) @ x, rel=1e-12)


def test_symmetric_eigendecomposition_and_positive_definiteness():
    rng = np.random.default_rng(4)
    for _ in range(50):
        M = rng.standard_normal((4, 4))
        S = M + M.T
        eigenvalues, Q = np.linalg.eigh(S)
        assert np.allclose(Q.T @ Q, np.eye(4)) and np.allclose(Q @ np.diag(eigenvalues) @ Q.T, S)
        x = rng.standard_normal(4)
        assert x @ S @ x == pytest.approx(np.sum(eigenvalues * (Q.T @ x) ** 2), rel=1e-9, abs=1e-12)  # Σ λᵢ cᵢ²
        assert np.all(np.linalg.eigvalsh(M @ M.T + np.eye(4)) > 0)  # "MMᵀ + I is positive definite for every M"
        if eigenvalues[0] < 0 < eigenvalues[-1]:  # indefinite: the form takes both signs, on the eigenvectors
            assert Q[:, 0] @ S @ Q[:, 0] < 0 < Q[:, -1] @ S @ Q[:, -1]


def test_the_primer_figure_numbers():
    a, b = ch02.PRIMER_VECTORS
    assert a @ b == 5.0
    assert np.linalg.norm(a) * np.linalg.norm(b) == pytest.approx(7.07, abs=5e-3)
    assert a @ b / np.linalg.norm(a) == pytest.approx(1.58, abs=5e-3)
    eigenvalues, Q = np.linalg.eigh(ch02.PRIMER_MATRIX)
    assert np.allclose(eigenvalues, [1.0, 3.0])
    assert sorted(geometry.angle_of(q * np.sign(q[1] or 1.0)) for q in Q.T) == pytest.approx([45.0, 135.0])
    assert np.array_equal(ch02.PRIMER_MATRIX @ np.array([1.0, 0.0]), [2.0, 1.0])


# Section 3: partial derivatives are slopes of slices
def test_slices_of_himmelblau_at_1_1():
    slope_x = derivative(lambda x: HIMMELBLAU(np.array([x, 1.0])), 1.0)
    slope_y = derivative(lambda y: HIMMELBLAU(np.array([1.0, y])), 1.0)
    assert slope_x == pytest.approx(-46.0, abs=1e-6)
    assert slope_y == pytest.approx(-38.0, abs=1e-6)
    by_hand = [4 * 1 * (1 + 1 - 11) + 2 * (1 + 1 - 7), 2 * (1 + 1 - 11) + 4 * 1 * (1 + 1 - 7)]
    assert np.array_equal(HIMMELBLAU.grad(POINT), by_hand)


# Section 4: the gradient is perpendicular to level sets
def test_gradient_is_perpendicular_to_the_level_curve_at_the_chapters_points():
    for p in ch02.LEVEL_POINTS:
        tangent = geometry.level_tangent(HIMMELBLAU, p)
        g = gradient(HIMMELBLAU, p)
        cosine = g @ tangent / np.linalg.norm(g)
        assert abs(cosine) < 1e-8  # "every cosine is below 1e-8"
        assert abs(np.degrees(np.arcsin(abs(cosine)))) < 1e-6  # "90° to within a millionth of a degree"
        assert np.linalg.norm(tangent) == pytest.approx(1.0)
        assert abs(HIMMELBLAU(p + 1e-3 * tangent) - HIMMELBLAU(p)) < 1e-3 * np.linalg.norm(g) * 1e-2  # really tangent


def test_level_tangent_holds_on_every_point_of_the_explorable_and_refuses_critical_points():
    for x in grid_values("x", ch02.LEVEL_SET_SLIDERS["x"]):
        for y in grid_values("y", ch02.LEVEL_SET_SLIDERS["y"]):
            p = np.array([x, y])
            g = HIMMELBLAU.grad(p)
            assert abs(g @ geometry.level_tangent(HIMMELBLAU, p)) / np.linalg.norm(g) < 1e-6
    with pytest.raises(ValueError, match="critical point"):
        geometry.level_tangent(HIMMELBLAU, np.array([3.0, 2.0]))


def test_the_chord_is_the_tangent_up_to_o_r_squared():
    p = np.array([1.0, 1.0])
    g = HIMMELBLAU.grad(p)
    exact = np.array([-g[1], g[0]]) / np.linalg.norm(g)
    radii = np.logspace(-3, -1, 9)
    chords = np.array([geometry.level_tangent(HIMMELBLAU, p, radius=r) for r in radii])
    angles = np.abs(chords[:, 0] * exact[1] - chords[:, 1] * exact[0])
    assert log_log_slope(radii, angles) == pytest.approx(2.0, abs=0.05)  # printed "p = 2.0"
    assert angles[-1] > 1e-4  # at r = 0.1 the chord is visibly not the tangent: an approximation
    default = geometry.level_tangent(HIMMELBLAU, p)  # r = 1e-4: "far below the 1e-8 we test against"
    assert abs(default[0] * exact[1] - default[1] * exact[0]) < 1e-9


def test_a_wrong_tangent_would_be_caught():
    p = np.array([1.0, 1.0])
    g = HIMMELBLAU.grad(p)
    tangent = geometry.level_tangent(HIMMELBLAU, p)
    rotated = np.array([[np.cos(0.01), -np.sin(0.01)], [np.sin(0.01), np.cos(0.01)]]) @ tangent
    assert abs(g @ rotated) / np.linalg.norm(g) > 1e-3


# Section 5: directional derivatives and steepest descent
def test_directional_derivative_is_gradient_dot_u():
    g = HIMMELBLAU.grad(POINT)
    for angle in (0.0, 33.0, 90.0, 219.56, 300.0):
        u = geometry.direction(angle)
        assert directional_derivative(HIMMELBLAU, POINT, u) == pytest.approx(g @ u, abs=1e-7)
    assert directional_derivative(HIMMELBLAU, POINT, np.array([1.0, 0.0])) == pytest.approx(-46.0, abs=1e-7)


def test_partial_derivatives_alone_do_not_give_directional_derivatives():
    def not_differentiable(v):
        x, y = v
        return 0.0 if x == y == 0 else x**2 * y / (x**2 + y**2)

    origin, u = np.zeros(2), np.array([1.0, 1.0]) / np.sqrt(2)
    assert np.allclose(gradient(not_differentiable, origin), 0.0, atol=1e-12)
    slope = directional_derivative(not_differentiable, origin, u)
    assert slope == pytest.approx(1 / (2 * np.sqrt(2)), rel=1e-9)
    assert round(slope, 3) == 0.354
    assert abs(slope - gradient(not_differentiable, origin) @ u) > 0.3  # D_u f ≠ ∇f·u without differentiability


def test_scan_of_3600_directions_finds_the_gradient_direction():
    angles = np.arange(0.0, 360.0, 0.1)
    assert angles.size == 3600
    slopes = np.array([directional_derivative(HIMMELBLAU, POINT, geometry.direction(a)) for a in angles])
    g = HIMMELBLAU.grad(POINT)
    norm, theta = np.linalg.norm(g), geometry.angle_of(g)
    assert norm == pytest.approx(np.sqrt(46**2 + 38**2))
    assert norm == pytest.approx(59.67, abs=0.005)
    assert theta == pytest.approx(219.56, abs=0.005)
    best, worst = angles[slopes.argmax()], angles[slopes.argmin()]
    assert abs(best - theta) <= 0.05 + 1e-9  # to grid precision (half a grid step)
    assert best == pytest.approx(219.6, abs=1e-9)
    assert worst == pytest.approx(39.6, abs=1e-9)
    assert abs(worst - (theta - 180.0)) <= 0.05 + 1e-9
    assert slopes.max() == pytest.approx(norm, rel=1e-6)  # "to six digits"
    assert slopes.min() == pytest.approx(-norm, rel=1e-6)
    gap = 1 - np.cos(np.radians(best - theta))  # "the remaining gap is 1 − cos(0.04°) from the grid"
    assert abs(best - theta) == pytest.approx(0.04, abs=0.001)
    assert 1 - slopes.max() / norm == pytest.approx(gap, rel=1e-3)


def test_cauchy_schwarz_bounds_every_direction():
    rng = np.random.default_rng(0)
    g = HIMMELBLAU.grad(POINT)
    units = rng.standard_normal((1000, 2))
    units /= np.linalg.norm(units, axis=1, keepdims=True)
    slopes = units @ g
    assert np.all(np.abs(slopes) <= np.linalg.norm(g) + 1e-12)
    assert -g / np.linalg.norm(g) @ g == pytest.approx(-np.linalg.norm(g))


# Section 6: Taylor expansion
def test_rosenbrock_at_the_expansion_point():
    x0 = ch02.TAYLOR_POINT
    assert np.array_equal(x0, [-0.5, 0.0])
    assert ROSENBROCK(x0) == 8.5
    assert np.array_equal(ROSENBROCK.grad(x0), [-53.0, -50.0])
    assert np.array_equal(ROSENBROCK.hessian(x0), [[302.0, 200.0], [200.0, 200.0]])
    assert np.allclose(gradient(ROSENBROCK, x0), ROSENBROCK.grad(x0), atol=1e-7)
    assert np.allclose(hessian(ROSENBROCK, x0), ROSENBROCK.hessian(x0), rtol=1e-6)


def test_taylor_errors_shrink_100_and_1000_times_per_decade():
    first, second = geometry.taylor_errors(
        ROSENBROCK, ch02.TAYLOR_POINT, geometry.direction(40.0), np.array([0.1, 0.01, 0.001])
    )
    assert first == pytest.approx([2.122, 2.268e-2, 2.282e-4], rel=1e-3)
    assert second == pytest.approx([1.619e-1, 1.650e-4, 1.653e-7], rel=1e-3)
    assert np.all((first[:-1] / first[1:] > 90) & (first[:-1] / first[1:] < 110))  # "about 100 times"
    assert np.all((second[:-1] / second[1:] > 900) & (second[:-1] / second[1:] < 1100))  # "about 1000 times"


def test_log_log_slopes_are_2_and_3_in_every_slider_direction():
    slopes = np.array(
        [
            [
                log_log_slope(DISTANCES, e)
                for e in geometry.taylor_errors(ROSENBROCK, ch02.TAYLOR_POINT, geometry.direction(a), DISTANCES)
            ]
            for a in SLIDER_ANGLES
        ]
    )
    assert np.all(np.abs(slopes[:, 0] - 2) < 0.02)
    assert np.all(np.abs(slopes[:, 1] - 3) < 0.02)
    assert slopes[:, 0].min() == pytest.approx(1.990, abs=5e-4) and slopes[:, 0].max() == pytest.approx(2.010, abs=5e-4)
    assert slopes[:, 1].min() == pytest.approx(2.981, abs=5e-4) and slopes[:, 1].max() == pytest.approx(3.006, abs=5e-4)


def test_the_cubic_term_and_the_two_special_directions():
    x0 = ch02.TAYLOR_POINT
    for angle in (0.0, 40.0, 200.0, 280.0):
        u = geometry.direction(angle)
        cubic = -200 * u[0] ** 2 * (u[1] - 2 * x0[0] * u[0])
        r = 1e-3
        exact = ROSENBROCK(x0 + r * u)
        model = ROSENBROCK(x0) + ROSENBROCK.grad(x0) @ (r * u) + 0.5 * r**2 * u @ ROSENBROCK.hessian(x0) @ u
        assert (exact - model) / r**3 == pytest.approx(cubic, rel=1e-2, abs=1e-6)
    _, along_y = geometry.taylor_errors(ROSENBROCK, x0, geometry.direction(90.0), DISTANCES)
    assert 1e-17 < along_y.max() < 1e-14  # "at the level of rounding, about 1e-15"
    _, diagonal = geometry.taylor_errors(ROSENBROCK, x0, geometry.direction(135.0), DISTANCES)
    assert log_log_slope(DISTANCES, diagonal) == pytest.approx(4.0, abs=0.01)


# Section 7: the Hessian
def test_rosenbrock_hessian_at_the_minimum_and_its_condition_number():
    minimum = ROSENBROCK.minimizer
    H = ROSENBROCK.hessian(minimum)
    assert np.array_equal(H, [[802.0, -400.0], [-400.0, 200.0]])
    numerical = hessian(ROSENBROCK, minimum)
    relative = np.max(np.abs(numerical - H)) / np.max(np.abs(H))
    assert 1e-10 < relative < 1e-7  # "good to about eight digits"
    eigenvalues = np.linalg.eigvalsh(H)
    assert eigenvalues[0] == pytest.approx(0.3994, abs=5e-5)
    assert eigenvalues[1] == pytest.approx(1001.60, abs=5e-3)
    assert eigenvalues[1] / eigenvalues[0] == pytest.approx(2508, abs=0.5)


def test_curvature_scan_is_bounded_by_the_eigenvalues():
    H = ROSENBROCK.hessian(ROSENBROCK.minimizer)
    eigenvalues = np.linalg.eigvalsh(H)
    scan = geometry.direction(np.linspace(0.0, 180.0, 3601))
    curvatures = np.einsum("ki,ij,kj->k", scan, H, scan)
    assert np.all(curvatures >= eigenvalues[0] - 1e-9) and np.all(curvatures <= eigenvalues[1] + 1e-9)
    assert curvatures.min() == pytest.approx(eigenvalues[0], abs=1e-3)  # printed 0.3995 vs 0.3994: the grid
    assert curvatures.max() == pytest.approx(eigenvalues[1], rel=1e-6)


def test_second_derivative_of_a_slice_is_u_h_u():
    H = ROSENBROCK.hessian(ch02.TAYLOR_POINT)
    for angle in (0.0, 75.0, 130.0):
        u = geometry.direction(angle)

        def along(t, u=u):
            return ROSENBROCK(ch02.TAYLOR_POINT + t * u)

        assert second_derivative(along, 0.0) == pytest.approx(u @ H @ u, rel=1e-6, abs=1e-5)


def test_himmelblau_has_four_minima_one_maximum_and_four_saddles():
    points = geometry.critical_points(HIMMELBLAU)
    assert len(points) == 9
    assert np.all(np.linalg.norm(HIMMELBLAU.grad(points), axis=-1) < 1e-9)
    kinds = [geometry.classify(HIMMELBLAU.hessian(p)) for p in points]
    assert kinds.count("minimum") == 4 and kinds.count("maximum") == 1 and kinds.count("saddle") == 4
    minima = points[[k == "minimum" for k in kinds]]
    assert np.all(HIMMELBLAU(minima) < 1e-10)  # "all with f = 0"
    assert np.allclose(np.sort(minima, axis=0), np.sort(HIMMELBLAU.minimizers, axis=0), atol=1e-8)
    maximum = points[kinds.index("maximum")]
    assert maximum == pytest.approx([-0.2708, -0.9230], abs=1e-4)


def test_a_saddle_with_a_zero_eigenvalue_and_the_undecided_cases():
    rng = np.random.default_rng(5)
    examples = [  # (f, exact Hessian at 0, what f really does there, what the Hessian says)
        (lambda v: v[..., 0] ** 2 - v[..., 1] ** 2 + v[..., 2] ** 4, np.diag([2.0, -2.0, 0.0]), "saddle", "saddle"),
        (lambda v: v[..., 0] ** 2 + v[..., 1] ** 4, np.diag([2.0, 0.0]), "minimum", "undecided"),
        (lambda v: v[..., 0] ** 2 - v[..., 1] ** 4, np.diag([2.0, 0.0]), "saddle", "undecided"),
    ]
    for f, H_0, truth, verdict in examples:
        assert np.allclose(hessian(f, np.zeros(len(H_0))), H_0, atol=1e-6)  # the Hessians by hand are right
        sphere = rng.standard_normal((10_000, len(H_0)))
        nearby = f(0.1 * sphere / np.linalg.norm(sphere, axis=1, keepdims=True))
        behaviour = (
            "saddle" if np.any(nearby < 0) and np.any(nearby > 0) else "minimum" if np.all(nearby > 0) else "other"
        )
        assert behaviour == truth
        assert geometry.classify(H_0) == verdict
    assert geometry.classify(np.diag([3.0, 0.0, -1.0, 0.0])) == "saddle"  # both signs decide, whatever else
    assert geometry.classify(np.diag([-3.0, 0.0])) == "undecided"
    assert geometry.classify(np.zeros((2, 2))) == "undecided"
    assert geometry.classify(np.diag([1.0, 2.0])) == "minimum" and geometry.classify(-np.eye(3)) == "maximum"


def test_level_ellipse_semi_axes_are_one_over_root_lambda():
    f = rotated_quadratic(1.0, 10.0)
    for lam, angle in ((1.0, 30.0), (10.0, 120.0)):
        assert f(geometry.direction(angle) / np.sqrt(lam)) == pytest.approx(0.5)
    assert f.condition_number == pytest.approx(10.0)


def test_best_fixed_step_shrinks_the_distance_by_kappa_minus_1_over_kappa_plus_1():
    quadratic = rotated_quadratic(1.0, 10.0)
    path = run(sgd(2 / (quadratic.L + quadratic.mu)), quadratic.grad, ch02.QUADRATIC_START, 10).x
    ratios = np.linalg.norm(path[1:], axis=1) / np.linalg.norm(path[:-1], axis=1)
    assert np.allclose(ratios, 9 / 11, rtol=1e-12)  # "exactly (κ − 1)/(κ + 1)" in 2-D
    glued = _glued()
    assert glued["ch02-rate-10"] == round(ratios.mean(), 3)
    long_run = run(sgd(2 / (quadratic.L + quadratic.mu)), quadratic.grad, ch02.QUADRATIC_START, 120).x
    distance = np.linalg.norm(long_run, axis=1)
    digits = np.log10(distance[0] / distance[-1])  # by brute force: digits gained over 120 steps
    assert glued["ch02-steps-per-digit-10"] == pytest.approx(120 / digits, abs=0.05)
    circles = rotated_quadratic(2.0, 2.0)  # "with κ = 1 one step lands on the minimum"
    one_step = run(sgd(2 / (circles.L + circles.mu)), circles.grad, ch02.QUADRATIC_START, 1).x
    assert np.allclose(one_step[-1], 0.0, atol=1e-12)
    steps = [run(sgd(2 / (1 + k)), rotated_quadratic(1.0, k).grad, ch02.QUADRATIC_START, 3).x for k in (4.0, 16.0)]
    for path, k in zip(steps, (4.0, 16.0)):  # the zig-zag: the component along the steep axis flips sign each step
        steep = path @ geometry.direction(120.0)
        assert np.all(np.sign(steep[1:]) == -np.sign(steep[:-1]))


def test_the_rate_is_exact_in_2d_and_a_bound_in_more_dimensions():
    rate = 9 / 11
    three = Quadratic(np.diag([1.0, 5.5, 10.0]))
    path = run(sgd(2 / (three.L + three.mu)), three.grad, np.ones(3), 10).x
    ratios = np.linalg.norm(path[1:], axis=1) / np.linalg.norm(path[:-1], axis=1)
    assert np.all(ratios <= rate * (1 + 1e-12))
    assert ratios[0] == pytest.approx(rate * np.sqrt(2 / 3), rel=1e-12)  # the middle component dies in one step
    assert round(ratios.min(), 3) == _glued()["ch02-first-ratio-3d"] and round(ratios.max(), 3) == 0.818
    assert np.allclose(ratios[1:], rate, rtol=1e-12)  # "every later one by 0.818"
    rng = np.random.default_rng(6)
    for _ in range(20):  # random 5-D quadratics with κ = 10, random starts: never faster than the bound allows
        eigenvalues = np.concatenate([[1.0, 10.0], rng.uniform(1.0, 10.0, 3)])
        f = Quadratic(np.diag(eigenvalues))
        path = run(sgd(2 / 11), f.grad, rng.standard_normal(5), 5).x
        ratios = np.linalg.norm(path[1:], axis=1) / np.linalg.norm(path[:-1], axis=1)
        assert np.all(ratios <= rate * (1 + 1e-12)) and ratios[0] < rate * (1 - 1e-3)  # a bound, not exact
        extreme = run(sgd(2 / 11), f.grad, np.array([1.0, -2.0, 0.0, 0.0, 0.0]), 3).x  # along the extreme eigenvectors
        assert np.allclose(np.linalg.norm(extreme[1:], axis=1) / np.linalg.norm(extreme[:-1], axis=1), rate, rtol=1e-12)


def test_rosenbrock_kappa_would_need_about_2900_steps_per_digit():
    x, y = ROSENBROCK.minimizer  # the Hessian of (1 − x)² + 100(y − x²)² by hand, its eigenvalues in closed form
    hessian_by_hand = np.array([[2 - 400 * (y - x**2) + 800 * x**2, -400 * x], [-400 * x, 200.0]])
    half_trace, det = np.trace(hessian_by_hand) / 2, np.linalg.det(hessian_by_hand)
    low, high = half_trace - np.sqrt(half_trace**2 - det), half_trace + np.sqrt(half_trace**2 - det)
    glued = _glued()
    assert (glued["ch02-lambda-min"], glued["ch02-lambda-max"], glued["ch02-kappa"]) == (
        round(low, 2),
        round(high, 1),
        round(high / low),
    )
    rate = (high / low - 1) / (high / low + 1)
    steps = 0  # steps for the factor rate^steps to fall below 1/10, counted
    while rate**steps > 0.1:
        steps += 1
    assert glued["ch02-steps-per-digit-rosenbrock"] == round(steps, -2) == 2900


# Section 8: Jacobians
def test_layout_conventions():
    x = np.array([1.0, 2.0, 3.0])
    scalar = lambda v: v[0] * v[1] + v[2] ** 2  # noqa: E731
    vector = lambda v: np.array([v[0] * v[1], np.sin(v[2])])  # noqa: E731
    assert gradient(scalar, x).shape == x.shape
    assert jacobian(scalar, x).shape == (1, 3)
    assert jacobian(vector, x).shape == (2, 3)
    assert np.array_equal(gradient(scalar, x), jacobian(scalar, x)[0])
    assert np.allclose(gradient(scalar, x), [2.0, 1.0, 6.0], atol=1e-9)
    J = jacobian(vector, x)
    assert J[0, 1] == pytest.approx(1.0) and J[1, 2] == pytest.approx(np.cos(3.0))  # J[i, j] = ∂fᵢ/∂xⱼ
    assert J[1, 0] == pytest.approx(0.0, abs=1e-12)


def test_polar_jacobian_and_its_determinant():
    p = np.array([2.0, np.pi / 6])
    J = jacobian(polar, p)
    exact = polar_jacobian(p)
    assert np.allclose(exact, [[np.sqrt(3) / 2, -1.0], [0.5, np.sqrt(3)]])
    assert np.max(np.abs(J - exact)) < 1e-9
    assert np.linalg.det(J) == pytest.approx(2.0, abs=1e-6)
    for r, theta in ((0.5, 0.3), (1.5, 2.0), (2.5, 5.0)):
        assert np.linalg.det(polar_jacobian(np.array([r, theta]))) == pytest.approx(r)


def test_det_j_is_a_linear_approximation_whose_error_shrinks_with_the_cell():
    r = 0.5
    errors = []
    for side in (ch02.POLAR_CELL, 0.05, 0.005):
        ratio = geometry.image_area(polar, np.array([r, np.pi / 2]), np.array([side, side])) / side**2
        assert ratio == pytest.approx(r + side / 2, rel=1e-6)  # the true ratio r + dr/2
        errors.append(ratio / r - 1)
    assert errors == pytest.approx([0.5, 0.05, 0.005], rel=1e-5)  # "50 %, 5 %, 0.5 %"
    assert np.linalg.det(polar_jacobian(np.array([r, np.pi / 2]))) == pytest.approx(r)


def test_the_jacobian_figure_says_linear_approximation_and_gives_the_true_ratio():
    import matplotlib.pyplot as plt

    fig = ch02.jacobian_figure(0.5, 90.0, fig=plt.figure())
    title = fig.axes[1].get_title()
    plt.close(fig)
    assert "linear approx" in title and "0.50" in title and "0.75" in title and "r + dr/2" in title


def test_a_small_cell_maps_to_area_r_dr_dtheta():
    r, theta, d = 1.5, 0.7, 1e-3
    corners = polar(np.array([[r, theta], [r + d, theta], [r + d, theta + d], [r, theta + d]]))
    x, y = corners[:, 0], corners[:, 1]
    area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    assert area / d**2 == pytest.approx(r, rel=1e-3)


def test_chain_rule_for_jacobians_and_the_pulled_back_gradient():
    p = np.array([2.0, np.pi / 6])
    g = lambda q: np.array([q[0] * q[1], q[0] + q[1] ** 2, np.sin(q[0])])  # noqa: E731
    loss = lambda q: (q[0] - 1) ** 2 + q[1] ** 2  # noqa: E731
    composite = jacobian(lambda v: g(polar(v)), p)
    product = jacobian(g, polar(p)) @ jacobian(polar, p)
    assert composite.shape == (3, 2)
    assert np.max(np.abs(composite - product)) < 1e-9
    direct = gradient(lambda v: loss(polar(v)), p)
    pulled_back = jacobian(polar, p).T @ gradient(loss, polar(p))
    assert np.max(np.abs(direct - pulled_back)) < 1e-9
    x, y = polar(p)  # by hand: ∇L = [2(x − 1), 2y], J_polarᵀ ∇L
    assert np.allclose(direct, polar_jacobian(p).T @ np.array([2 * (x - 1), 2 * y]), atol=1e-9)
    wrong_order = jacobian(polar, p) @ jacobian(polar, polar(p))  # the chain rule's order matters
    right = jacobian(lambda v: polar(polar(v)), p)
    assert np.max(np.abs(wrong_order - right)) > 0.1


def test_mixed_partials_agree_so_the_hessian_is_symmetric():
    for f in (HIMMELBLAU, ROSENBROCK):
        for p in (np.array([1.0, 1.0]), np.array([-0.5, 2.0])):
            d_dx_of_df_dy = derivative(lambda x: f.grad(np.array([x, p[1]]))[1], p[0])
            d_dy_of_df_dx = derivative(lambda y: f.grad(np.array([p[0], y]))[0], p[1])
            assert d_dx_of_df_dy == pytest.approx(d_dy_of_df_dx, rel=1e-8, abs=1e-7)
            assert d_dx_of_df_dy == pytest.approx(f.hessian(p)[0, 1], rel=1e-8, abs=1e-7)


# Section 9: matrix calculus
def _random_problem(seed=1, n=6, d=3):
    rng = np.random.default_rng(seed)
    return rng, rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal((n, n)), rng.standard_normal((n, d))


def test_gradient_of_a_linear_function_is_a():
    _, a, x, _, _ = _random_problem()
    assert np.allclose(grad(lambda v: (a * v).sum())(x), a, rtol=1e-12, atol=1e-12)
    assert np.allclose(gradient(lambda v: a @ v, x), a, atol=1e-8)


def test_gradient_of_a_quadratic_form_is_a_plus_a_transpose_x():
    _, _, x, A, _ = _random_problem()
    by_autodiff = grad(lambda v: (v * (A @ v)).sum())(x)
    assert np.allclose(by_autodiff, (A + A.T) @ x, rtol=1e-12, atol=1e-12)
    assert np.allclose(gradient(lambda v: v @ A @ v, x), (A + A.T) @ x, atol=1e-7)
    assert not np.allclose(by_autodiff, 2 * A @ x, rtol=1e-12, atol=1e-12)  # "2Ax (wrong)" for this A
    S = A + A.T
    assert np.allclose(
        grad(lambda v: (v * (S @ v)).sum())(x), 2 * S @ x, rtol=1e-12, atol=1e-12
    )  # right when symmetric


def test_gradient_of_the_squared_residual():
    rng, _, _, _, X = _random_problem()
    y, w = rng.standard_normal(X.shape[0]), rng.standard_normal(X.shape[1])
    formula = 2 * X.T @ (X @ w - y)
    assert np.allclose(grad(lambda v: ((X @ v - y) ** 2).sum())(w), formula, rtol=1e-12, atol=1e-12)
    assert np.allclose(gradient(lambda v: np.sum((X @ v - y) ** 2), w), formula, atol=1e-7)
    assert np.allclose(2 * X.shape[0] * LeastSquares(X, y).grad(w), formula)  # the library's loss agrees


def test_gradient_with_respect_to_a_matrix_is_shaped_like_it():
    rng, _, _, _, X = _random_problem()
    W, Y = rng.standard_normal((X.shape[1], 2)), rng.standard_normal((X.shape[0], 2))
    by_autodiff = grad(lambda V: ((X @ V - Y) ** 2).sum())(W)
    assert by_autodiff.shape == W.shape
    assert np.allclose(by_autodiff, 2 * X.T @ (X @ W - Y), rtol=1e-12, atol=1e-12)
    nudge = np.zeros_like(W)
    nudge[1, 0] = 1.0
    entry = derivative(lambda t: np.sum((X @ (W + t * nudge) - Y) ** 2), 0.0)
    assert entry == pytest.approx(by_autodiff[1, 0], rel=1e-7)  # ∂L/∂W₁₀ sits at [1, 0]


def test_chapter_1s_regression_loss_by_hand():
    n = LINE_X.size
    ws = np.linspace(-1.0, 5.0, 13)
    by_hand = np.array([2 / n * LINE_X @ (LINE_X * w - LINE_Y) for w in ws])
    assert np.allclose(by_hand, derivative(line_loss, ws), atol=1e-8)
    grid = np.linspace(1.5, 2.5, 100_001)  # re-derive w* by minimising Chapter 1's loss on a fine grid
    w_star = grid[np.argmin(line_loss(grid))]
    assert w_star == pytest.approx(29 / 14, abs=1e-5)  # the prose's fraction
    w, b = np.polyfit(LINE_X, LINE_Y, 1)  # with an intercept, by another library's fit
    glued = _glued()
    assert (glued["ch02-w-star"], glued["ch02-slope"], glued["ch02-intercept"]) == (
        round(w_star, 3),
        round(w, 3),
        round(b, 3),
    )
    at_w_star = 2 * LeastSquares(ch02.LINE_DESIGN, LINE_Y).grad(np.array([0.0, 29 / 14]))
    assert at_w_star == pytest.approx([-1 / 21, 0.0], abs=1e-12)  # printed [-0.047619, 0]: across the slice b = 0


# The chapter's text.
def _glued() -> dict:
    """The values the notebook glued into its prose, read back from its stored outputs."""
    return glued_values(CHAPTER)


def test_every_glued_name_in_the_prose_is_glued_by_a_cell():
    names = set(re.findall(r"\{glue:text\}`([\w-]+)", markdown(CHAPTER)))
    assert names and names <= set(_glued())


def test_the_steepest_direction_numbers_are_the_gradients():
    glued = _glued()
    g = np.array([-46.0, -38.0])  # by hand, Section 3
    assert glued["ch02-gradient-angle"] == round(math.degrees(math.atan2(g[1], g[0])) % 360, 2)
    assert glued["ch02-gradient-norm"] == round(math.hypot(*g), 2)
    assert glued["ch02-steepest-angle"] == round(glued["ch02-gradient-angle"], 1)  # the 0.1° grid rounds it


def test_eigenvectors_can_be_chosen_orthonormal_but_need_not_be():
    """With a repeated eigenvalue, eigenvectors that are not perpendicular exist: "are orthonormal" was too strong."""
    A = np.diag([2.0, 2.0, 5.0])
    u, v = np.array([1.0, 0.0, 0.0]), np.array([1.0, 1.0, 0.0]) / np.sqrt(2)
    assert np.allclose(A @ u, 2 * u) and np.allclose(A @ v, 2 * v) and abs(u @ v) > 0.5
    rng = np.random.default_rng(8)
    for _ in range(20):  # eigh chooses them orthonormal, also for repeated eigenvalues
        Q0 = np.linalg.qr(rng.standard_normal((4, 4)))[0]
        S = Q0 @ np.diag([1.0, 1.0, 3.0, 3.0]) @ Q0.T
        _, Q = np.linalg.eigh(S)
        assert np.allclose(Q.T @ Q, np.eye(4), atol=1e-12)
    text = markdown(CHAPTER)
    assert "**can be chosen orthonormal**" in text and "that are\n**orthonormal**" not in text


def test_the_cubic_taylor_remainder_needs_third_derivatives():
    """f = ‖x‖^(5/2) is C² but not C³ at 0: its second-order error is ‖δ‖^(5/2), not O(‖δ‖³)."""
    f = lambda v: np.sum(v**2) ** 1.25  # noqa: E731  f(0) = 0, ∇f(0) = 0, H(0) = 0
    u = geometry.direction(30.0)
    radii = np.logspace(-4, -1, 13)
    errors = np.array([f(r * u) for r in radii])  # minus the second-order model, which is 0 here
    assert log_log_slope(radii, errors) == pytest.approx(2.5, abs=1e-9)
    text = markdown(CHAPTER)
    assert "continuous third partial derivatives" in text and "(for $C^3$ functions)" in text
    assert "For $f$ with continuous second partial derivatives (so that the slice has a" not in text


def test_the_jacobian_chain_rule_is_derived_here_and_chapter_3_links_back():
    here, chapter_3 = markdown(CHAPTER), markdown(ROOT / "chapters" / "03_autodiff.ipynb")
    assert "\\frac{\\partial z_i}{\\partial x_j} = \\sum_{l=1}^{k}" in here  # the sum over paths, derived once
    assert "\\sum_{l=1}" not in chapter_3
    assert (
        "[Chapter 2](02_gradients.ipynb) derived the chain rule for functions of several variables in its Section 8"
        in chapter_3
    )


def test_the_readers_path():
    assert_reader_path(CHAPTER, "02_gradients.ipynb", MAIN_PATH_BUDGET)
