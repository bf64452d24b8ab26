"""Every number Chapter 2's prose states, asserted: if the text starts to lie, this fails."""

import numpy as np
import pytest

from book.autodiff import grad
from book.calculus import derivative, directional_derivative, gradient, hessian, jacobian, second_derivative
from book.figures import ch02
from book.functions import Himmelblau, Rosenbrock

HIMMELBLAU = Himmelblau()
ROSENBROCK = Rosenbrock()
POINT = np.array([1.0, 1.0])
SLIDER_ANGLES = np.arange(0.0, 360.0, 40.0)  # the Taylor explorable's directions
DISTANCES = np.logspace(-3, -1.5, 16)


# Section 1: the worked example
def test_gradient_of_the_bowl_three_ways():
    by_hand = np.array([2 * POINT[0], 2 * POINT[1]])
    assert np.array_equal(by_hand, [2.0, 2.0])
    by_autodiff = grad(lambda v: (v * v).sum())(POINT)
    assert np.array_equal(by_autodiff, by_hand)  # exact, to the last bit
    by_differences = gradient(ch02.bowl, POINT)
    assert np.max(np.abs(by_differences - by_hand)) < 1e-8
    assert 1e-13 < np.max(np.abs(by_differences - by_hand)) / 2 < 1e-10  # "about eleven digits"


def test_one_step_against_the_gradient_goes_downhill():
    step = POINT - 0.1 * np.array([2.0, 2.0])
    assert np.allclose(step, [0.8, 0.8])
    assert ch02.bowl(POINT) == 2.0
    assert ch02.bowl(step) == pytest.approx(1.28, abs=1e-12)


# Section 2: partial derivatives are slopes of slices
def test_slices_of_himmelblau_at_1_1():
    slope_x = derivative(lambda x: HIMMELBLAU(np.array([x, 1.0])), 1.0)
    slope_y = derivative(lambda y: HIMMELBLAU(np.array([1.0, y])), 1.0)
    assert slope_x == pytest.approx(-46.0, abs=1e-6)
    assert slope_y == pytest.approx(-38.0, abs=1e-6)
    by_hand = [4 * 1 * (1 + 1 - 11) + 2 * (1 + 1 - 7), 2 * (1 + 1 - 11) + 4 * 1 * (1 + 1 - 7)]
    assert np.array_equal(HIMMELBLAU.grad(POINT), by_hand)
    assert by_hand == [-46, -38]


# Section 3: the gradient is perpendicular to level sets
def test_gradient_is_perpendicular_to_the_level_curve_at_the_chapters_points():
    points = np.array([[1.0, 1.0], [2.0, -1.0], [-1.0, 2.0], [0.5, 0.5], [-3.0, 1.0], [-2.0, -2.0]])
    for p in points:
        tangent = ch02.level_tangent(HIMMELBLAU, p)
        g = gradient(HIMMELBLAU, p)
        cosine = g @ tangent / np.linalg.norm(g)
        assert abs(cosine) < 1e-8  # "every cosine is below 1e-8"
        assert abs(np.degrees(np.arcsin(abs(cosine)))) < 1e-6  # "90° to within a millionth of a degree"
        assert np.linalg.norm(tangent) == pytest.approx(1.0)
        assert abs(HIMMELBLAU(p + 1e-3 * tangent) - HIMMELBLAU(p)) < 1e-3 * np.linalg.norm(g) * 1e-2  # really tangent


def test_level_tangent_holds_on_every_point_of_the_explorable_and_refuses_critical_points():
    grid = np.arange(-3.5, 3.6, 1.0)
    for x in grid:
        for y in grid:
            p = np.array([x, y])
            g = HIMMELBLAU.grad(p)
            assert abs(g @ ch02.level_tangent(HIMMELBLAU, p)) / np.linalg.norm(g) < 1e-6
    with pytest.raises(ValueError, match="critical point"):
        ch02.level_tangent(HIMMELBLAU, np.array([3.0, 2.0]))


def test_a_wrong_tangent_would_be_caught():
    p = np.array([1.0, 1.0])
    g = HIMMELBLAU.grad(p)
    tangent = ch02.level_tangent(HIMMELBLAU, p)
    rotated = np.array([[np.cos(0.01), -np.sin(0.01)], [np.sin(0.01), np.cos(0.01)]]) @ tangent
    assert abs(g @ rotated) / np.linalg.norm(g) > 1e-3


# Section 4: directional derivatives and steepest descent
def test_directional_derivative_is_gradient_dot_u():
    g = HIMMELBLAU.grad(POINT)
    for angle in (0.0, 33.0, 90.0, 219.56, 300.0):
        u = ch02.direction(angle)
        assert directional_derivative(HIMMELBLAU, POINT, u) == pytest.approx(g @ u, abs=1e-7)
    assert directional_derivative(HIMMELBLAU, POINT, np.array([1.0, 0.0])) == pytest.approx(-46.0, abs=1e-7)


def test_scan_of_3600_directions_finds_the_gradient_direction():
    angles = np.arange(0.0, 360.0, 0.1)
    assert angles.size == 3600
    slopes = np.array([directional_derivative(HIMMELBLAU, POINT, ch02.direction(a)) for a in angles])
    g = HIMMELBLAU.grad(POINT)
    norm, theta = np.linalg.norm(g), ch02.angle_of(g)
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


# Section 5: Taylor expansion
def test_rosenbrock_at_the_expansion_point():
    x0 = ch02.TAYLOR_POINT
    assert np.array_equal(x0, [-0.5, 0.0])
    assert ROSENBROCK(x0) == 8.5
    assert np.array_equal(ROSENBROCK.grad(x0), [-53.0, -50.0])
    assert np.array_equal(ROSENBROCK.hessian(x0), [[302.0, 200.0], [200.0, 200.0]])
    assert np.allclose(gradient(ROSENBROCK, x0), ROSENBROCK.grad(x0), atol=1e-7)
    assert np.allclose(hessian(ROSENBROCK, x0), ROSENBROCK.hessian(x0), rtol=1e-6)


def test_taylor_errors_shrink_100_and_1000_times_per_decade():
    first, second = ch02.taylor_errors(ROSENBROCK, ch02.TAYLOR_POINT, ch02.direction(40.0), np.array([0.1, 0.01, 0.001]))
    assert first == pytest.approx([2.122, 2.268e-2, 2.282e-4], rel=1e-3)
    assert second == pytest.approx([1.619e-1, 1.650e-4, 1.653e-7], rel=1e-3)
    assert np.all((first[:-1] / first[1:] > 90) & (first[:-1] / first[1:] < 110))  # "about 100 times"
    assert np.all((second[:-1] / second[1:] > 900) & (second[:-1] / second[1:] < 1100))  # "about 1000 times"


def test_log_log_slopes_are_2_and_3_in_every_slider_direction():
    slopes = np.array([
        [ch02.log_log_slope(DISTANCES, e) for e in ch02.taylor_errors(ROSENBROCK, ch02.TAYLOR_POINT, ch02.direction(a), DISTANCES)]
        for a in SLIDER_ANGLES
    ])
    assert np.all(np.abs(slopes[:, 0] - 2) < 0.02)
    assert np.all(np.abs(slopes[:, 1] - 3) < 0.02)
    assert slopes[:, 0].min() == pytest.approx(1.990, abs=5e-4) and slopes[:, 0].max() == pytest.approx(2.010, abs=5e-4)
    assert slopes[:, 1].min() == pytest.approx(2.981, abs=5e-4) and slopes[:, 1].max() == pytest.approx(3.006, abs=5e-4)


def test_the_cubic_term_and_the_two_special_directions():
    x0 = ch02.TAYLOR_POINT
    for angle in (0.0, 40.0, 200.0, 280.0):
        u = ch02.direction(angle)
        cubic = -200 * u[0] ** 2 * (u[1] - 2 * x0[0] * u[0])
        r = 1e-3
        exact = ROSENBROCK(x0 + r * u)
        model = ROSENBROCK(x0) + ROSENBROCK.grad(x0) @ (r * u) + 0.5 * r**2 * u @ ROSENBROCK.hessian(x0) @ u
        assert (exact - model) / r**3 == pytest.approx(cubic, rel=1e-2, abs=1e-6)
    _, along_y = ch02.taylor_errors(ROSENBROCK, x0, ch02.direction(90.0), DISTANCES)
    assert 1e-17 < along_y.max() < 1e-14  # "at the level of rounding, about 1e-15"
    _, diagonal = ch02.taylor_errors(ROSENBROCK, x0, ch02.direction(135.0), DISTANCES)
    assert ch02.log_log_slope(DISTANCES, diagonal) == pytest.approx(4.0, abs=0.01)


# Section 6: the Hessian
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
    scan = ch02.direction(np.linspace(0.0, 180.0, 3601))
    curvatures = np.einsum("ki,ij,kj->k", scan, H, scan)
    assert np.all(curvatures >= eigenvalues[0] - 1e-9) and np.all(curvatures <= eigenvalues[1] + 1e-9)
    assert curvatures.min() == pytest.approx(eigenvalues[0], abs=1e-3)  # printed 0.3995 vs 0.3994: the grid
    assert curvatures.max() == pytest.approx(eigenvalues[1], rel=1e-6)


def test_second_derivative_of_a_slice_is_u_h_u():
    H = ROSENBROCK.hessian(ch02.TAYLOR_POINT)
    for angle in (0.0, 75.0, 130.0):
        u = ch02.direction(angle)

        def along(t, u=u):
            return ROSENBROCK(ch02.TAYLOR_POINT + t * u)

        assert second_derivative(along, 0.0) == pytest.approx(u @ H @ u, rel=1e-6, abs=1e-5)


def test_himmelblau_has_four_minima_one_maximum_and_four_saddles():
    points = ch02.critical_points(HIMMELBLAU)
    assert len(points) == 9
    assert np.all(np.linalg.norm(HIMMELBLAU.grad(points), axis=-1) < 1e-9)
    kinds = [ch02.classify(HIMMELBLAU.hessian(p)) for p in points]
    assert kinds.count("minimum") == 4 and kinds.count("maximum") == 1 and kinds.count("saddle") == 4
    minima = points[[k == "minimum" for k in kinds]]
    assert np.all(HIMMELBLAU(minima) < 1e-10)  # "all with f = 0"
    assert np.allclose(np.sort(minima, axis=0), np.sort(HIMMELBLAU.minimizers, axis=0), atol=1e-8)
    maximum = points[kinds.index("maximum")]
    assert maximum == pytest.approx([-0.2708, -0.9230], abs=1e-4)


def test_level_ellipse_semi_axes_are_one_over_root_lambda():
    f = ch02.rotated_quadratic(1.0, 10.0)
    for lam, angle in ((1.0, 30.0), (10.0, 120.0)):
        assert f(ch02.direction(angle) / np.sqrt(lam)) == pytest.approx(0.5)
    assert f.condition_number == pytest.approx(10.0)


def test_best_fixed_step_shrinks_the_distance_by_kappa_minus_1_over_kappa_plus_1():
    quadratic = ch02.rotated_quadratic(1.0, 10.0)
    path = ch02.descent_path(quadratic, np.array([-2.5, 1.0]), 2 / (quadratic.L + quadratic.mu), 10)
    ratios = np.linalg.norm(path[1:], axis=1) / np.linalg.norm(path[:-1], axis=1)
    assert np.allclose(ratios, 9 / 11, rtol=1e-12)  # "exactly (κ − 1)/(κ + 1)"
    assert 9 / 11 == pytest.approx(0.818, abs=5e-4)
    assert np.log(10) / -np.log(9 / 11) == pytest.approx(11.5, abs=0.05)
    circles = ch02.rotated_quadratic(2.0, 2.0)  # "with κ = 1 one step lands on the minimum"
    one_step = ch02.descent_path(circles, np.array([-2.5, 1.0]), 2 / (circles.L + circles.mu), 1)
    assert np.allclose(one_step[-1], 0.0, atol=1e-12)
    steps = [ch02.descent_path(ch02.rotated_quadratic(1.0, k), np.array([-2.5, 1.0]), 2 / (1 + k), 3) for k in (4.0, 16.0)]
    for path, k in zip(steps, (4.0, 16.0)):  # the zig-zag: the component along the steep axis flips sign each step
        steep = path @ ch02.direction(120.0)
        assert np.all(np.sign(steep[1:]) == -np.sign(steep[:-1]))


def test_rosenbrock_kappa_would_need_about_2900_steps_per_digit():
    eigenvalues = np.linalg.eigvalsh(ROSENBROCK.hessian(ROSENBROCK.minimizer))
    kappa = eigenvalues[1] / eigenvalues[0]
    rate = (kappa - 1) / (kappa + 1)
    assert rate == pytest.approx(0.999203, abs=1e-6)
    assert np.log(10) / -np.log(rate) == pytest.approx(2887, abs=1)
    assert round(np.log(10) / -np.log(rate), -2) == 2900


# Section 7: Jacobians
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
    J = jacobian(ch02.polar, p)
    exact = ch02.polar_jacobian(p)
    assert np.allclose(exact, [[np.sqrt(3) / 2, -1.0], [0.5, np.sqrt(3)]])
    assert np.max(np.abs(J - exact)) < 1e-9
    assert np.linalg.det(J) == pytest.approx(2.0, abs=1e-6)
    for r, theta in ((0.5, 0.3), (1.5, 2.0), (2.5, 5.0)):
        assert np.linalg.det(ch02.polar_jacobian(np.array([r, theta]))) == pytest.approx(r)


def test_a_small_cell_maps_to_area_r_dr_dtheta():
    r, theta, d = 1.5, 0.7, 1e-3
    corners = ch02.polar(np.array([[r, theta], [r + d, theta], [r + d, theta + d], [r, theta + d]]))
    x, y = corners[:, 0], corners[:, 1]
    area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    assert area / d**2 == pytest.approx(r, rel=1e-3)


def test_chain_rule_for_jacobians_and_the_pulled_back_gradient():
    p = np.array([2.0, np.pi / 6])
    g = lambda q: np.array([q[0] * q[1], q[0] + q[1] ** 2, np.sin(q[0])])  # noqa: E731
    loss = lambda q: (q[0] - 1) ** 2 + q[1] ** 2  # noqa: E731
    composite = jacobian(lambda v: g(ch02.polar(v)), p)
    product = jacobian(g, ch02.polar(p)) @ jacobian(ch02.polar, p)
    assert composite.shape == (3, 2)
    assert np.max(np.abs(composite - product)) < 1e-9
    direct = gradient(lambda v: loss(ch02.polar(v)), p)
    pulled_back = jacobian(ch02.polar, p).T @ gradient(loss, ch02.polar(p))
    assert np.max(np.abs(direct - pulled_back)) < 1e-9
    x, y = ch02.polar(p)  # by hand: ∇L = [2(x − 1), 2y], J_polarᵀ ∇L
    assert np.allclose(direct, ch02.polar_jacobian(p).T @ np.array([2 * (x - 1), 2 * y]), atol=1e-9)
    wrong_order = jacobian(ch02.polar, p) @ jacobian(ch02.polar, ch02.polar(p))  # the chain rule's order matters
    right = jacobian(lambda v: ch02.polar(ch02.polar(v)), p)
    assert np.max(np.abs(wrong_order - right)) > 0.1


def test_mixed_partials_agree_so_the_hessian_is_symmetric():
    for f in (HIMMELBLAU, ROSENBROCK):
        for p in (np.array([1.0, 1.0]), np.array([-0.5, 2.0])):
            d_dx_of_df_dy = derivative(lambda x: f.grad(np.array([x, p[1]]))[1], p[0])
            d_dy_of_df_dx = derivative(lambda y: f.grad(np.array([p[0], y]))[0], p[1])
            assert d_dx_of_df_dy == pytest.approx(d_dy_of_df_dx, rel=1e-8, abs=1e-7)
            assert d_dx_of_df_dy == pytest.approx(f.hessian(p)[0, 1], rel=1e-8, abs=1e-7)
