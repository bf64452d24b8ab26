"""book.convergence and book.conventions on momentum: the 2×2 matrices against simulation, the rates against their
closed forms, the three forms."""

import numpy as np
import pytest

from book import conventions, convergence, noise
from book.optim import run, sgd
from book.schedules import step_decay


def test_heavy_ball_matrix_reproduces_one_step_of_the_recurrence():
    rng = np.random.default_rng(0)
    for _ in range(20):
        alpha, beta, curvature, x, previous = rng.uniform(0, 1, 5)
        new = x - alpha * curvature * x + beta * (x - previous)
        assert convergence.heavy_ball_matrix(alpha, beta, curvature) @ [x, previous] == pytest.approx(
            [new, x], rel=1e-14
        )


def test_nesterov_matrix_reproduces_the_look_ahead_step():
    rng = np.random.default_rng(1)
    for _ in range(20):
        lr, mu, curvature, x, previous = rng.uniform(0, 1, 5)
        y = x + mu * (x - previous)
        assert convergence.nesterov_matrix(lr, mu, curvature) @ [x, previous] == pytest.approx(
            [y - lr * curvature * y, x], rel=1e-13
        )


def test_spectral_radius_batches_and_matches_a_rotation():
    angle = 0.3
    rotation = 0.5 * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    assert convergence.spectral_radius(rotation) == pytest.approx(0.5, rel=1e-14)
    assert convergence.spectral_radius(np.stack([rotation, 2 * rotation])) == pytest.approx([0.5, 1.0], rel=1e-14)


def test_complex_roots_have_modulus_root_beta_whatever_alpha():
    for alpha in (0.005, 0.01, 0.02):
        assert convergence.spectral_radius(convergence.heavy_ball_matrix(alpha, 0.9, 100.0)) == pytest.approx(
            np.sqrt(0.9), rel=1e-12
        )


def test_rates_broadcast_over_parameter_grids():
    alphas, betas = np.array([0.01, 0.02, 0.03]), np.array([0.0, 0.5])
    grid = convergence.heavy_ball_rate(alphas[None, :], betas[:, None], [1.0, 100.0])
    assert grid.shape == (2, 3)
    assert grid[1, 2] == convergence.heavy_ball_rate(0.03, 0.5, [1.0, 100.0])
    assert grid[0, 0] == pytest.approx(0.99, rel=1e-12)  # β = 0 is GD: max |1 − αλ| = 1 − 0.01


@pytest.mark.parametrize(("L", "mu"), [(100.0, 1.0), (10.0, 2.0), (1.0, 1.0)])
def test_optimal_heavy_ball_minimises_the_rate_by_search(L, mu):
    alpha, beta = convergence.optimal_heavy_ball(L, mu)
    best = convergence.heavy_ball_rate(alpha, beta, [mu, L])
    assert best == pytest.approx(np.sqrt(beta), abs=1e-7)
    rng = np.random.default_rng(2)
    others = convergence.heavy_ball_rate(alpha * rng.uniform(0.5, 1.5, 2000), rng.uniform(0, 0.999, 2000), [mu, L])
    assert np.all(others >= best - 1e-7)


def test_parameters_reject_bad_curvatures():
    with pytest.raises(ValueError, match="mu must be at most L"):
        convergence.optimal_heavy_ball(1.0, 2.0)
    with pytest.raises(ValueError, match="L"):
        convergence.nesterov_parameters(-1.0, 1.0)


def test_fitted_rate_reads_a_geometric_sequence_and_rejects_zeros():
    assert convergence.fitted_rate(5 * 0.7 ** np.arange(50), 10) == pytest.approx(0.7, rel=1e-12)
    with pytest.raises(ValueError, match="errors"):
        convergence.fitted_rate(np.zeros(5), 0)


def grad(x):
    return np.array([1.0, 30.0]) * x


def test_three_forms_agree_at_a_constant_rate_and_split_after_a_drop():
    x0 = np.array([1.0, -2.0])
    torch_form = run(sgd(0.03, momentum=0.8), grad, x0, 60).x
    assert np.allclose(conventions.sutskever(grad, x0, 0.03, 0.8, 60), torch_form, rtol=0, atol=1e-13)
    assert np.allclose(conventions.polyak(grad, x0, 0.03, 0.8, 60), torch_form, rtol=0, atol=1e-13)
    schedule = step_decay(0.03, 20, 0.1)
    torch_form = run(sgd(schedule, momentum=0.8), grad, x0, 60).x
    sutskever = conventions.sutskever(grad, x0, schedule, 0.8, 60)
    assert np.allclose(sutskever[:21], torch_form[:21], rtol=0, atol=1e-13)
    assert np.max(np.abs(sutskever - torch_form)) > 1e-2
    assert np.allclose(conventions.polyak(grad, x0, schedule, 0.8, 60), sutskever, rtol=0, atol=1e-13)
    # PyTorch's first step after the drop uses the new rate on the whole buffer: x₂₁ − x₂₀ = 0.1 (x₂₀ − x₁₉)·0.8 − 0.003
    # g
    step = torch_form[21] - torch_form[20]
    assert step == pytest.approx(
        0.1 * 0.8 * (torch_form[20] - torch_form[19]) - 0.003 * grad(torch_form[20]), rel=1e-10
    )


def test_optimal_nesterov_has_double_roots_at_both_ends_and_rate_one_minus_two_over_root_three_kappa_plus_one():
    for L, mu in ((100.0, 1.0), (10.0, 2.0), (1e4, 1.0)):
        lr, beta = convergence.optimal_nesterov(L, mu)
        rate = 1 - 2 / np.sqrt(3 * L / mu + 1)
        curvatures = np.linspace(mu, L, 2001)
        assert convergence.nesterov_rate(lr, beta, curvatures) == pytest.approx(rate, rel=1e-6)
        for nudged in (lr * 1.01, lr * 0.99):  # a local minimum of the rate in η
            assert convergence.nesterov_rate(nudged, beta, curvatures) > rate


def test_residual_polynomial_is_the_one_coordinate_error():
    rng = np.random.default_rng(2)
    for lr, beta, curvature in rng.uniform([0.0, 0.0, 0.0], [0.05, 0.95, 100.0], size=(10, 3)):
        x = previous = 1.0
        values = [x]
        for _ in range(30):
            x, previous = x - lr * curvature * x + beta * (x - previous), x
            values.append(x)
        np.testing.assert_allclose(convergence.residual_polynomial(lr, beta, [curvature], 30)[:, 0], values, rtol=1e-12)


def test_sutskever_and_polyak_momentum_are_optimizers_that_run_composes_with_a_schedule_and_keep():
    grad = lambda x: np.array([4.0, 0.5]) * x  # noqa: E731
    schedule = step_decay(lr=0.1, step_size=5, gamma=0.5)
    x, v, previous = np.array([1.0, -2.0]), np.zeros(2), np.array([1.0, -2.0])
    sutskever_path, polyak_path = [x], [x]
    y = x
    for t in range(12):  # the update rules written out by hand
        v = 0.8 * v - schedule(t) * grad(x)
        x = x + v
        sutskever_path.append(x)
        y, previous = y - schedule(t) * grad(y) + 0.8 * (y - previous), y
        polyak_path.append(y)
    np.testing.assert_allclose(
        run(conventions.sutskever_momentum(schedule, 0.8), grad, [1.0, -2.0], 12).x, sutskever_path, rtol=0, atol=1e-14
    )
    last = run(conventions.polyak_momentum(schedule, 0.8), grad, np.array([1.0, -2.0]), 12, keep="last")
    np.testing.assert_allclose(last.x[-1], polyak_path[-1], rtol=0, atol=1e-14)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: convergence.optimal_nesterov(1.0, 2.0), "mu"),
        (lambda: convergence.residual_polynomial(0.1, 0.5, [1.0], -1), "steps"),
        (lambda: noise.settled_distance(None, sgd(0.1), 1, 10, 0, seed=0), "runs"),
        (lambda: conventions.sutskever_momentum(0.1, 1.0), "momentum"),
        (lambda: conventions.polyak_momentum(-0.1, 0.5), "lr"),
    ],
)
def test_new_functions_refuse_bad_input_by_name(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()
