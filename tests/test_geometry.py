"""Tests for book.geometry: directions, level-set tangents, Taylor errors, Newton's method, critical points and
areas."""

import numpy as np
import pytest

from book.calculus import log_log_slope
from book.functions import Himmelblau, Quadratic, bowl, polar
from book.geometry import (
    angle_of,
    classify,
    critical_points,
    direction,
    image_area,
    level_tangent,
    newton,
    rectangle_boundary,
    taylor_errors,
)


def test_direction_and_angle_of_are_inverse():
    angles = np.array([0.0, 33.0, 90.0, 219.56, 359.0])
    units = direction(angles)
    np.testing.assert_allclose(np.linalg.norm(units, axis=-1), 1.0)
    assert [angle_of(u) for u in units] == pytest.approx(angles.tolist())
    with pytest.raises(ValueError, match="v must be a non-zero vector of length 2"):
        angle_of(np.zeros(2))
    with pytest.raises(ValueError, match="angle must contain only finite real numbers"):
        direction(float("nan"))


def test_level_tangent_of_a_circle_is_perpendicular_to_the_radius():
    for angle in (10.0, 100.0, 250.0):
        p = 2.0 * direction(angle)
        assert abs(level_tangent(bowl, p) @ p) < 1e-8


def test_level_tangent_error_is_order_radius_squared_and_it_refuses_critical_points():
    f = Himmelblau()
    p = np.array([2.0, -1.0])
    g = f.grad(p)
    radii = np.logspace(-3, -1, 5)
    errors = [abs(level_tangent(f, p, radius=r) @ g) / np.linalg.norm(g) for r in radii]
    assert log_log_slope(radii, np.array(errors)) == pytest.approx(2.0, abs=0.1)
    with pytest.raises(ValueError, match="point must not be a critical point of f"):
        level_tangent(f, np.array([3.0, 2.0]))
    with pytest.raises(ValueError, match="radius must be a positive number"):
        level_tangent(f, p, radius=0.0)
    with pytest.raises(ValueError, match="samples must be an integer >= 8"):
        level_tangent(f, p, samples=4)


def test_taylor_errors_are_zero_for_a_quadratic_and_shrink_with_the_right_orders():
    f = Quadratic(np.array([[3.0, 1.0], [1.0, 2.0]]), b=[1.0, -1.0])
    distances = np.array([0.1, 1.0, 10.0])
    first, second = taylor_errors(f, np.array([0.5, 0.5]), direction(30.0), distances)
    assert np.all(second < 1e-12)
    np.testing.assert_allclose(first, 0.5 * distances**2 * (direction(30.0) @ f.A @ direction(30.0)), rtol=1e-10)
    distances = np.logspace(-3, -2, 5)
    first, second = taylor_errors(Himmelblau(), np.array([1.0, 1.0]), direction(10.0), distances)
    assert log_log_slope(distances, first) == pytest.approx(2.0, abs=0.02)
    assert log_log_slope(distances, second) == pytest.approx(3.0, abs=0.02)


def test_newton_solves_a_quadratic_in_one_step_and_finds_himmelblaus_points():
    f = Quadratic(np.diag([2.0, 5.0]), b=[-2.0, 5.0])
    np.testing.assert_allclose(newton(f, np.array([[7.0, -3.0], [0.0, 0.0]]), steps=1), [f.minimizer] * 2, atol=1e-12)
    points = critical_points(Himmelblau())
    assert len(points) == 9 and np.all(np.linalg.norm(Himmelblau().grad(points), axis=-1) < 1e-9)
    assert np.all(np.diff(points[:, 0]) > 0)  # one of each, sorted by x
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        newton(f, np.zeros((1, 2)), steps=0)
    with pytest.raises(ValueError, match="low and high must be finite with low < high"):
        critical_points(f, low=1.0, high=-1.0)


def test_classify_reads_the_signs_of_the_eigenvalues():
    assert classify(np.diag([1.0, 3.0])) == "minimum"
    assert classify(np.diag([-1.0, -3.0])) == "maximum"
    assert classify(np.array([[0.0, 1.0], [1.0, 0.0]])) == "saddle"
    assert classify(np.diag([2.0, -2.0, 0.0])) == "saddle"  # both signs: a saddle, the zero eigenvalue cannot save it
    assert classify(np.diag([2.0, 0.0])) == "undecided"
    assert classify(np.diag([2.0, 1e-12])) == "undecided"  # zero relative to the largest eigenvalue
    with pytest.raises(ValueError, match="hessian must be a symmetric square matrix"):
        classify(np.array([[1.0, 2.0], [0.0, 1.0]]))


def test_rectangle_boundary_and_image_area():
    boundary = rectangle_boundary(np.array([1.0, 2.0]), np.array([0.5, 0.25]), samples=4)
    assert boundary.shape == (16, 2)
    assert boundary.min(axis=0) == pytest.approx([1.0, 2.0]) and boundary.max(axis=0) == pytest.approx([1.5, 2.25])
    shear = lambda p: p @ np.array([[2.0, 0.0], [1.0, 3.0]]).T  # noqa: E731 - a linear map, det 6
    assert image_area(shear, np.zeros(2), np.array([1.0, 2.0])) == pytest.approx(12.0)
    assert image_area(polar, np.array([1.0, 0.0]), np.array([1.0, np.pi])) == pytest.approx(1.5 * np.pi, rel=1e-6)
    with pytest.raises(ValueError, match="size must be positive in both directions"):
        rectangle_boundary(np.zeros(2), np.array([1.0, 0.0]))
    with pytest.raises(TypeError, match="mapping must be a callable"):
        image_area(3, np.zeros(2), np.ones(2))
