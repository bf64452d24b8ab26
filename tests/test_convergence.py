"""book.convergence: the measurements made on gradient-descent runs (rates, iteration counts, basins), and their
refusals of bad input."""

import math

import numpy as np
import pytest

from book import convergence, data, functions
from book.calculus import gradient, hessian
from book.functions import LeastSquares, LogisticRegression, Quadratic


def test_asymptotic_rate_and_iterations_to_on_a_geometric_sequence():
    errors = 3.0 * 0.7 ** np.arange(50)
    assert convergence.asymptotic_rate(errors, 20) == pytest.approx(0.7, rel=1e-12)
    assert convergence.iterations_to(errors, 1e-3) == math.ceil(math.log(1e-3) / math.log(0.7))
    assert convergence.iterations_to(errors, 1e-30) is None


def test_iteration_bound_is_the_first_k_with_rate_to_the_k_below_tol():
    for kappa in (2.0, 7.5, 300.0):
        rate = (kappa - 1) / (kappa + 1)
        k = convergence.iteration_bound(kappa, 1e-6)
        assert rate**k <= 1e-6 < rate ** (k - 1)
    assert convergence.iteration_bound(1.0, 1e-6) == 1


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: convergence.asymptotic_rate(np.ones(5), 5), "tail"),
        (lambda: convergence.asymptotic_rate(np.ones(5), 0), "tail"),
        (lambda: convergence.iterations_to(np.ones(5), 0.0), "tol"),
        (lambda: convergence.iteration_bound(0.5, 1e-6), "kappa"),
        (lambda: convergence.iteration_bound(10.0, -1.0), "tol"),
        (lambda: convergence.smoothness_constant(Quadratic(np.eye(2))), "f"),
    ],
)
def test_bad_input_is_one_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()


def test_smoothness_constant_bounds_every_hessian():
    X, y = data.two_blobs(40, seed=3)
    rng = np.random.default_rng(0)
    for f in (LeastSquares(X, X @ np.array([1.0, -1.0, 0.5])), LogisticRegression(X, y, l2=0.1)):
        L = convergence.smoothness_constant(f)
        curvatures = np.linalg.eigvalsh(f.hessian(rng.normal(scale=2.0, size=(200, 3))))
        assert np.max(np.abs(curvatures)) <= L * (1 + 1e-12)
        assert np.max(curvatures) > 0.5 * L  # and it is not a loose bound here


def test_saddle_derivatives_match_central_differences():
    f = functions.Saddle()
    for p in np.array([[0.3, -1.2], [1.0, 0.5], [-0.7, 0.0]]):
        assert np.allclose(f.grad(p), gradient(f, p), atol=1e-8)
        assert np.allclose(f.hessian(p), hessian(f, p), atol=1e-5)
    assert f(f.minimizers).tolist() == [0.0, 0.0]


def test_basins_label_starts_next_to_each_minimizer_and_refuse_far_ones():
    f = functions.Saddle()
    starts = np.array([[0.5, 0.9], [-0.5, -1.1], [0.5, 0.0]])
    assert convergence.basins(f, f.minimizers, starts, 0.1, 300).tolist() == [
        0,
        1,
        -1,
    ]  # the last converges to the saddle


def test_two_blobs_and_linear_data_are_seeded_and_shaped():
    X, y = data.two_blobs(10, seed=1)
    assert X.shape == (10, 3) and np.all(X[:, 0] == 1) and y.tolist() == [0.0, 1.0] * 5
    assert np.array_equal(data.two_blobs(10, seed=1)[0], X)
    X, y = data.linear_data(20, np.array([1.0, 2.0]), noise=0.0)
    assert np.allclose(y, X @ [1.0, 2.0])


def test_quadratic_rate_and_steps_to_against_a_run():
    f = Quadratic(np.diag([1.0, 4.0, 9.0]))
    for lr in (0.05, 2 / 10, 1 / 9):
        rate = convergence.quadratic_rate(f.eigenvalues, lr)
        assert rate == pytest.approx(max(abs(1 - lr), abs(1 - 9 * lr)), rel=1e-15)
        x = np.array([1.0, 0.0, 0.0])  # along the flattest direction the error shrinks by |1 − η| exactly
        for _ in range(convergence.steps_to(abs(1 - lr), 1e-3)):
            x = x - lr * f.grad(x)
        assert abs(x[0]) <= 1e-3 < abs(x[0]) / abs(1 - lr)
    assert (
        convergence.steps_to(0.0, 1e-6) == 1
        and convergence.steps_to(0.5, 0.5) == 1
        and convergence.steps_to(0.5, 0.49) == 2
    )
    assert convergence.iteration_bound(10.0, 1e-6) == convergence.steps_to(9 / 11, 1e-6)


def test_curvature_along_a_direction_is_the_second_derivative_on_the_line():
    f = functions.Saddle()
    rng = np.random.default_rng(2)
    for x, d in zip(rng.normal(size=(5, 2)), rng.normal(size=(5, 2))):
        u, h = d / np.linalg.norm(d), 1e-4
        second = (f(x + h * u) - 2 * f(x) + f(x - h * u)) / h**2
        assert convergence.curvature_along(f, x, d) == pytest.approx(second, abs=1e-5)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: convergence.steps_to(1.0, 1e-6), "rate"),
        (lambda: convergence.steps_to(-0.1, 1e-6), "rate"),
        (lambda: convergence.steps_to(0.5, 0.0), "tol"),
        (lambda: convergence.quadratic_rate(np.ones(2), 0.0), "lr"),
    ],
)
def test_rate_helpers_refuse_bad_input(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()
