"""Tests for book.functions: exact derivatives against central differences, batching, minimisers and input checks."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from book.calculus import gradient, hessian
from book.functions import Himmelblau, LeastSquares, LogisticRegression, Quadratic, Rosenbrock, design_matrix, sigmoid


def _spd(rng: np.random.Generator, d: int) -> np.ndarray:
    """A random symmetric positive definite d×d matrix."""
    M = rng.normal(size=(d, d))
    return M @ M.T + d * np.eye(d)


def _objectives() -> dict[str, object]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    M = rng.normal(size=(3, 3))
    return {
        "quadratic": Quadratic(_spd(rng, 3), b=rng.normal(size=3), c=1.5),
        "quadratic-indefinite": Quadratic((M + M.T) / 2, b=[1.0, -2.0, 0.5]),
        "rosenbrock": Rosenbrock(),
        "rosenbrock-a2-b10": Rosenbrock(a=2.0, b=10.0),
        "himmelblau": Himmelblau(),
        "least-squares": LeastSquares(X, X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=20)),
        "logistic": LogisticRegression(X, (X[:, 0] + rng.normal(size=20) > 0).astype(int)),
        "logistic-l2": LogisticRegression(X, (X[:, 1] > 0).astype(int), l2=0.1),
    }


OBJECTIVES = _objectives()
NAMES = list(OBJECTIVES)


def _random_points(obj, count: int = 5, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-2.0, 2.0, size=(count, obj.dim))


@pytest.mark.parametrize("name", NAMES)
def test_grad_matches_central_differences(name):
    obj = OBJECTIVES[name]
    for x in _random_points(obj):
        exact = obj.grad(x)
        numerical = gradient(obj.value, x)
        scale = max(1.0, float(np.max(np.abs(exact))))
        np.testing.assert_allclose(exact, numerical, rtol=1e-6, atol=1e-6 * scale)


@pytest.mark.parametrize("name", NAMES)
def test_hessian_matches_central_differences(name):
    obj = OBJECTIVES[name]
    for x in _random_points(obj):
        exact = obj.hessian(x)
        numerical = hessian(obj.value, x)
        scale = max(1.0, float(np.max(np.abs(exact))))
        np.testing.assert_allclose(exact, numerical, rtol=1e-4, atol=1e-4 * scale)
        np.testing.assert_array_equal(exact, exact.T)


@pytest.mark.parametrize("name", NAMES)
def test_tolerances_catch_a_factor_of_two_and_a_sign_flip(name):
    obj = OBJECTIVES[name]
    x = _random_points(obj, count=1)[0]
    numerical_grad, numerical_hessian = gradient(obj.value, x), hessian(obj.value, x)
    for wrong in (2 * obj.grad(x), -obj.grad(x)):
        scale = max(1.0, float(np.max(np.abs(wrong))))
        assert not np.allclose(wrong, numerical_grad, rtol=1e-6, atol=1e-6 * scale)
    for wrong in (2 * obj.hessian(x), -obj.hessian(x)):
        scale = max(1.0, float(np.max(np.abs(wrong))))
        assert not np.allclose(wrong, numerical_hessian, rtol=1e-4, atol=1e-4 * scale)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("batch", [(5,), (2, 3)])
def test_batched_evaluation_equals_loop(name, batch):
    obj = OBJECTIVES[name]
    points = np.random.default_rng(2).uniform(-2.0, 2.0, size=batch + (obj.dim,))
    flat = points.reshape(-1, obj.dim)
    values, grads, hessians = obj.value(points), obj.grad(points), obj.hessian(points)
    assert values.shape == batch
    assert grads.shape == batch + (obj.dim,)
    assert hessians.shape == batch + (obj.dim, obj.dim)
    np.testing.assert_allclose(values.reshape(-1), [obj.value(p) for p in flat], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(grads.reshape(-1, obj.dim), [obj.grad(p) for p in flat], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(
        hessians.reshape(-1, obj.dim, obj.dim), [obj.hessian(p) for p in flat], rtol=1e-13, atol=1e-13
    )


@pytest.mark.parametrize("name", NAMES)
def test_single_point_shapes_and_call(name):
    obj = OBJECTIVES[name]
    x = _random_points(obj, count=1)[0]
    assert type(obj.value(x)) is float
    assert obj(x) == obj.value(x)
    assert obj.grad(x).shape == (obj.dim,)
    assert obj.hessian(x).shape == (obj.dim, obj.dim)


@pytest.mark.parametrize("name", NAMES)
def test_thousand_starting_points_in_one_call(name):
    obj = OBJECTIVES[name]
    points = _random_points(obj, count=1000)
    assert obj.value(points).shape == (1000,)
    assert obj.grad(points).shape == (1000, obj.dim)
    assert obj.hessian(points).shape == (1000, obj.dim, obj.dim)


@pytest.mark.parametrize("name", NAMES)
def test_wrong_point_dimension_is_rejected(name):
    obj = OBJECTIVES[name]
    argument = "w" if name.startswith(("least", "logistic")) else "x"
    for method in (obj.value, obj.grad, obj.hessian):
        message = f"{argument} must have last dimension {obj.dim}, got shape ({obj.dim + 1},)"
        with pytest.raises(ValueError, match=re.escape(message)):
            method(np.ones(obj.dim + 1))
    with pytest.raises(ValueError, match=re.escape(f"{argument} must have last dimension {obj.dim}, got shape ()")):
        obj.value(1.0)


@pytest.mark.parametrize("name", NAMES)
def test_non_finite_points_evaluate_without_error_or_warning(name):
    """A diverged iterate is a point like any other: value/grad/hessian answer inf or nan there, silently."""
    obj = OBJECTIVES[name]
    argument = "w" if name.startswith(("least", "logistic")) else "x"
    finite = np.full(obj.dim, 0.5)
    batch = np.stack([finite, np.full(obj.dim, np.nan), np.full(obj.dim, 1e200), np.full(obj.dim, np.inf)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values, grads, hessians = obj.value(batch), obj.grad(batch), obj.hessian(batch)
    np.testing.assert_allclose(values[0], obj.value(finite), rtol=1e-12)
    np.testing.assert_allclose(grads[0], obj.grad(finite), rtol=1e-12)
    np.testing.assert_allclose(hessians[0], obj.hessian(finite), rtol=1e-12)
    assert np.isnan(values[1]) and np.all(np.isnan(grads[1]))
    assert not np.isfinite(values[3]) and not np.all(np.isfinite(grads[3]))
    with pytest.raises(TypeError, match=f"{argument} must be a real number or an array of real numbers"):
        obj.value("abc")
    with pytest.raises(TypeError, match=f"{argument} must be a real number or an array of real numbers"):
        obj.grad(finite + 1j)


def test_sigmoid_is_stable_and_matches_its_definition():
    z = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sigmoid(-800.0) == 0.0 and sigmoid(800.0) == 1.0
    assert sigmoid(0.0) == 0.5 and isinstance(sigmoid(0.0), float)
    np.testing.assert_allclose(sigmoid(z) + sigmoid(-z), 1.0, rtol=1e-15)


# Quadratic


def test_quadratic_constants_on_a_diagonal_matrix():
    f = Quadratic(np.diag([2.0, 0.5, 8.0]))
    assert f.dim == 3
    assert f.L == 8.0
    assert f.mu == 0.5
    assert f.condition_number == 16.0


def test_quadratic_condition_number_is_infinite_without_positive_definiteness():
    assert Quadratic(np.diag([1.0, -1.0])).condition_number == np.inf
    assert Quadratic(np.diag([1.0, 0.0])).condition_number == np.inf


def test_quadratic_value_matches_formula_with_b_and_c():
    rng = np.random.default_rng(3)
    A, b, c = _spd(rng, 4), rng.normal(size=4), -2.5
    f = Quadratic(A, b, c)
    x = rng.normal(size=4)
    assert f.value(x) == pytest.approx(0.5 * x @ A @ x + b @ x + c, rel=1e-13)
    assert f.value(np.zeros(4)) == c
    np.testing.assert_array_equal(f.grad(np.zeros(4)), b)
    np.testing.assert_allclose(f.grad(x), A @ x + b, rtol=1e-13)
    assert Quadratic(A).value(np.zeros(4)) == 0.0


def test_quadratic_minimizer_has_zero_gradient():
    rng = np.random.default_rng(4)
    A, b = _spd(rng, 5), rng.normal(size=5)
    f = Quadratic(A, b, c=3.0)
    x_star = f.minimizer
    np.testing.assert_allclose(f.grad(x_star), 0.0, atol=1e-12)
    np.testing.assert_allclose(x_star, np.linalg.solve(A, -b), rtol=1e-12)
    assert f.value(x_star) < f.value(x_star + 1e-3 * rng.normal(size=5))
    np.testing.assert_array_equal(Quadratic(A).minimizer, np.zeros(5))


def test_quadratic_hessian_is_a_broadcast_and_independent_of_x():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    f = Quadratic(A)
    H = f.hessian(np.zeros((4, 2)))
    np.testing.assert_array_equal(H, np.broadcast_to(A, (4, 2, 2)))
    H[0, 0, 0] = 99.0
    np.testing.assert_array_equal(f.hessian(np.zeros(2)), A)


def test_quadratic_keeps_its_own_copy_of_A():
    A = np.diag([1.0, 2.0])
    f = Quadratic(A)
    A[0, 0] = 100.0
    assert f.L == 2.0
    with pytest.raises(ValueError):
        f.A[0, 0] = 5.0


def test_quadratic_minimizer_requires_positive_definite_A():
    message = "A must be positive definite for a unique minimizer, got smallest eigenvalue -1"
    with pytest.raises(ValueError, match=message):
        Quadratic(np.diag([1.0, -1.0])).minimizer
    with pytest.raises(ValueError, match="A must be positive definite"):
        Quadratic(np.zeros((2, 2))).minimizer


@pytest.mark.parametrize(
    ("A", "b", "c", "error", "message"),
    [
        (np.ones((2, 3)), None, 0.0, ValueError, "A must be a symmetric square matrix, got shape (2, 3)"),
        (np.ones(3), None, 0.0, ValueError, "A must be a symmetric square matrix, got shape (3,)"),
        ([[1.0, 2.0], [0.0, 1.0]], None, 0.0, ValueError, "A must be a symmetric matrix, got max |A - Aᵀ| = 2"),
        ([[1.0, np.inf], [np.inf, 1.0]], None, 0.0, ValueError, "A must contain only finite real numbers"),
        (np.eye(2), [1, 2, 3], 0.0, ValueError, "b must be a 1-D array of length 2 (the size of A), got shape (3,)"),
        (np.eye(2), [1.0, np.nan], 0.0, ValueError, "b must contain only finite real numbers"),
        (np.eye(2), None, "1", TypeError, "c must be a real number, got str"),
        (np.eye(2), None, np.nan, ValueError, "c must be a finite real number, got nan"),
    ],
)
def test_quadratic_rejects_bad_arguments(A, b, c, error, message):
    with pytest.raises(error, match=re.escape(message)):
        Quadratic(A, b, c)


def test_quadratic_accepts_tiny_rounding_asymmetry():
    A = np.array([[2.0, 1.0], [1.0 + 1e-14, 3.0]])
    f = Quadratic(A)
    np.testing.assert_array_equal(f.A, f.A.T)


# Rosenbrock and Himmelblau


@pytest.mark.parametrize(("a", "b"), [(1.0, 100.0), (2.0, 10.0), (-0.5, 1.0)])
def test_rosenbrock_minimum_at_a_a_squared(a, b):
    f = Rosenbrock(a, b)
    x_star = np.array([a, a**2])
    np.testing.assert_array_equal(f.minimizer, x_star)
    assert f.value(x_star) == 0.0
    np.testing.assert_array_equal(f.grad(x_star), [0.0, 0.0])
    assert np.all(np.linalg.eigvalsh(f.hessian(x_star)) > 0)


def test_rosenbrock_rejects_bad_parameters():
    with pytest.raises(ValueError, match="b must be a finite real number, got inf"):
        Rosenbrock(b=np.inf)
    with pytest.raises(TypeError, match="a must be a real number, got str"):
        Rosenbrock(a="1")


def test_himmelblau_minimizers_are_global_minima():
    f = Himmelblau()
    minimizers = f.minimizers
    assert minimizers.shape == (4, 2)
    assert f.value(np.array([3.0, 2.0])) == 0.0
    assert np.all(f.value(minimizers) < 1e-10)
    np.testing.assert_allclose(f.grad(minimizers), 0.0, atol=1e-10)
    assert np.all(np.linalg.eigvalsh(f.hessian(minimizers)) > 0)


def test_himmelblau_minimizers_are_fixed_points_of_newton():
    f = Himmelblau()
    for start in [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848127)]:
        point = np.array(start)
        for _ in range(6):
            point = point - np.linalg.solve(f.hessian(point), f.grad(point))
        np.testing.assert_allclose(f.grad(point), 0.0, atol=1e-10)
        assert np.min(np.linalg.norm(f.minimizers - point, axis=1)) < 1e-12


# LeastSquares


def test_least_squares_minimizer_matches_normal_equations():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(30, 4)), rng.normal(size=30)
    f = LeastSquares(X, y)
    w_star = f.minimizer
    np.testing.assert_allclose(f.grad(w_star), 0.0, atol=1e-12)
    np.testing.assert_allclose(w_star, np.linalg.solve(X.T @ X, X.T @ y), rtol=1e-10)
    assert f.value(w_star) == pytest.approx(np.sum((X @ w_star - y) ** 2) / 60, rel=1e-13)


def test_least_squares_formulas():
    rng = np.random.default_rng(6)
    X, y, w = rng.normal(size=(10, 3)), rng.normal(size=10), rng.normal(size=3)
    f = LeastSquares(X, y)
    np.testing.assert_allclose(f.grad(w), X.T @ (X @ w - y) / 10, rtol=1e-13)
    np.testing.assert_allclose(f.hessian(w), X.T @ X / 10, rtol=1e-13)


@pytest.mark.parametrize("cls", [LeastSquares, LogisticRegression])
def test_mismatched_X_and_y_are_rejected(cls):
    with pytest.raises(ValueError, match=r"y must be a 1-D array with one entry per row of X \(3\), got shape \(4,\)"):
        cls(np.ones((3, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"X must be a 2-D array, got shape \(3,\)"):
        cls(np.ones(3), [0, 1, 0])
    with pytest.raises(ValueError, match=r"X must have at least one row and one column, got shape \(0, 2\)"):
        cls(np.ones((0, 2)), [])
    with pytest.raises(ValueError, match="X must contain only finite real numbers"):
        cls([[1.0, np.nan]], [1])


# LogisticRegression


def test_logistic_value_at_zero_is_log_two():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(15, 3))
    y = rng.integers(0, 2, size=15)
    for l2 in (0.0, 1.0):
        f = LogisticRegression(X, y, l2=l2)
        assert f.value(np.zeros(3)) == pytest.approx(np.log(2), rel=1e-15)


def test_logistic_large_logits_neither_overflow_nor_nan():
    X = np.array([[1000.0], [-1000.0]])
    confident = LogisticRegression(X, [1, 0])
    wrong = LogisticRegression(X, [0, 1])
    w = np.array([[1.0], [-1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            np.testing.assert_allclose(confident.value(w), [0.0, 1000.0], atol=1e-12)
            np.testing.assert_allclose(wrong.value(w), [1000.0, 0.0], atol=1e-12)
            np.testing.assert_allclose(confident.grad(w), [[0.0], [-1000.0]], atol=1e-12)
            np.testing.assert_allclose(wrong.grad(w), [[1000.0], [0.0]], atol=1e-12)
            np.testing.assert_allclose(confident.hessian(w), 0.0, atol=1e-12)
    for f in (confident, wrong):
        for result in (f.value(w), f.grad(w), f.hessian(w)):
            assert np.all(np.isfinite(result))


def test_logistic_newton_finds_a_zero_gradient():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(50, 3))
    y = (X @ np.array([2.0, -1.0, 0.5]) + rng.normal(size=50) > 0).astype(int)
    f = LogisticRegression(X, y, l2=0.1)
    w = np.zeros(3)
    for _ in range(10):
        w = w - np.linalg.solve(f.hessian(w), f.grad(w))
    np.testing.assert_allclose(f.grad(w), 0.0, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(f.hessian(w)) >= 0.1)
    assert np.all(f.value(w + 1e-3 * rng.normal(size=(5, 3))) > f.value(w))


def test_logistic_formulas():
    rng = np.random.default_rng(9)
    X, w = rng.normal(size=(12, 2)), rng.normal(size=2)
    y = rng.integers(0, 2, size=12)
    f = LogisticRegression(X, y, l2=0.3)
    z = X @ w
    sigma = 1 / (1 + np.exp(-z))
    expected_value = np.mean(np.log1p(np.exp(z)) - y * z) + 0.15 * w @ w
    assert f.value(w) == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(f.grad(w), X.T @ (sigma - y) / 12 + 0.3 * w, rtol=1e-12)
    expected_hessian = X.T @ np.diag(sigma * (1 - sigma)) @ X / 12 + 0.3 * np.eye(2)
    np.testing.assert_allclose(f.hessian(w), expected_hessian, rtol=1e-12)


def test_logistic_accepts_boolean_labels():
    f = LogisticRegression([[1.0], [2.0]], np.array([True, False]))
    np.testing.assert_array_equal(f.y, [1.0, 0.0])


def test_logistic_rejects_bad_labels_and_l2():
    X = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"y must contain only 0/1 labels, got values \[-1.0, 1.0\]"):
        LogisticRegression(X, [-1, 1, 1])
    with pytest.raises(ValueError, match="y must contain only 0/1 labels"):
        LogisticRegression(X, [0.5, 1, 0])
    with pytest.raises(ValueError, match="l2 must be a non-negative number, got -0.1"):
        LogisticRegression(X, [0, 1, 1], l2=-0.1)
    with pytest.raises(TypeError, match="l2 must be a real number, got NoneType"):
        LogisticRegression(X, [0, 1, 1], l2=None)


# Chapter 2's examples: bowl, rotated_quadratic, polar, polar_jacobian
def test_bowl_is_x_squared_plus_y_squared_with_its_gradient():
    from book.functions import bowl

    points = np.random.default_rng(10).uniform(-3, 3, size=(7, 2))
    np.testing.assert_allclose(bowl(points), points[:, 0] ** 2 + points[:, 1] ** 2, rtol=1e-14)
    np.testing.assert_array_equal(bowl.grad(np.array([1.0, 1.0])), [2.0, 2.0])
    assert bowl(np.array([1.0, 1.0])) == 2.0


def test_rotated_quadratic_has_the_chosen_eigenvalues_and_eigenvectors():
    from book.functions import rotated_quadratic

    f = rotated_quadratic(1.0, 10.0, angle=30.0)
    np.testing.assert_allclose(f.eigenvalues, [1.0, 10.0])
    for value, angle in ((1.0, 30.0), (10.0, 120.0)):
        q = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
        np.testing.assert_allclose(f.A @ q, value * q, atol=1e-12)
    with pytest.raises(ValueError, match="lambda2 must be a finite real number"):
        rotated_quadratic(1.0, float("nan"))
    with pytest.raises(TypeError, match="angle must be a real number"):
        rotated_quadratic(1.0, 2.0, angle="30")


def test_polar_map_and_its_jacobian():
    from book.calculus import jacobian
    from book.functions import polar, polar_jacobian

    np.testing.assert_allclose(polar(np.array([2.0, np.pi / 2])), [0.0, 2.0], atol=1e-15)
    batch = np.array([[1.0, 0.0], [2.0, np.pi]])
    np.testing.assert_allclose(polar(batch), [[1.0, 0.0], [-2.0, 0.0]], atol=1e-15)
    for p in np.random.default_rng(11).uniform([0.1, -3.0], [3.0, 3.0], size=(5, 2)):
        np.testing.assert_allclose(polar_jacobian(p), jacobian(polar, p), atol=1e-9)
        assert np.linalg.det(polar_jacobian(p)) == pytest.approx(p[0])
    with pytest.raises(ValueError, match=r"p must have last dimension 2 \(r, θ\), got shape \(3,\)"):
        polar(np.ones(3))
    with pytest.raises(ValueError, match=r"p must be one point \(r, θ\) of shape \(2,\), got shape \(2, 2\)"):
        polar_jacobian(np.ones((2, 2)))


def test_design_matrix_is_a_read_only_copy_and_refuses_empty_or_infinite_data():
    data = [[1.0, 2.0], [3.0, 4.0]]
    X = design_matrix(data)
    assert X.shape == (2, 2) and not X.flags.writeable
    for bad, message in (([[]], "at least one row and one column"), ([[np.inf]], "finite"), ([1.0], "2-D")):
        with pytest.raises(ValueError, match=message):
            design_matrix(bad)


def test_points_checks_the_last_axis_against_the_dimension():
    assert Rosenbrock().points([[1.0, 2.0]]).shape == (1, 2)
    with pytest.raises(ValueError, match="x must have last dimension 2, got shape \\(3,\\)"):
        Rosenbrock().points([1.0, 2.0, 3.0])
