"""Every number Chapter 6's prose states, asserted: if the text starts to lie, this fails."""

import math

import numpy as np
import pytest

from book import descent, momentum
from book.figures import ch06
from book.optim import run, sgd
from book.schedules import step_decay

VALLEY, START = ch06.VALLEY, ch06.START


def distances(optimizer, steps):
    return np.linalg.norm(run(optimizer, VALLEY.grad, START, steps).x, axis=-1)


def plain_heavy_ball(alpha, beta, steps, lookahead=False):
    """Heavy ball (or Nesterov's look-ahead form) on the valley, written without book.optim or book.momentum."""
    curvatures = np.array([1.0, 100.0])
    x = previous = START.copy()
    path = [x]
    for _ in range(steps):
        if lookahead:
            y = x + beta * (x - previous)
            x, previous = y - alpha * curvatures * y, x
        else:
            x, previous = x - alpha * curvatures * x + beta * (x - previous), x
        path.append(x)
    return np.linalg.norm(np.array(path), axis=-1)


def test_the_valley_has_kappa_100_and_its_minimum_at_the_origin():
    assert (VALLEY.mu, VALLEY.L, VALLEY.condition_number) == (1.0, 100.0, 100.0)
    assert np.all(VALLEY.minimizer == 0)


# Section 1
def test_after_100_steps_gd_shrinks_about_7_times_and_heavy_ball_seven_orders():
    gd = distances(sgd(2 / 101), 100)
    heavy = distances(sgd(ch06.BEST_ALPHA, momentum=ch06.BEST_BETA), 100)
    assert gd[-1] == pytest.approx(0.41, abs=0.005) and 6.5 < gd[0] / gd[-1] < 7.5
    assert heavy[-1] == pytest.approx(1.5e-7, abs=0.05e-7) and 1e7 < heavy[0] / heavy[-1] < 1e8
    assert np.allclose(heavy, plain_heavy_ball(ch06.BEST_ALPHA, ch06.BEST_BETA, 100), rtol=1e-9, atol=0)


def test_slider_lists_hold_the_best_pair_and_stay_under_80_frames():
    assert len(ch06.ALPHAS) * len(ch06.BETAS) <= 80
    assert ch06.BEST_ALPHA in ch06.ALPHAS and ch06.BEST_BETA in ch06.BETAS and 2 / 101 in ch06.ALPHAS


# Section 2: the example matrix at α = 0.02, β = 0.5
def test_example_roots_by_the_quadratic_formula():
    steep = np.roots([1, -(1 - 0.02 * 100 + 0.5), 0.5])
    flat = np.roots([1, -(1 - 0.02 * 1 + 0.5), 0.5])
    assert np.iscomplexobj(steep) and np.allclose(np.abs(steep), math.sqrt(0.5))
    assert np.isrealobj(flat) and sorted(np.abs(flat)) == pytest.approx([0.5218, 0.9582], abs=5e-5)
    assert momentum.heavy_ball_rate(0.02, 0.5, ch06.CURVATURES) == pytest.approx(max(abs(flat)), rel=1e-12)


def test_one_coordinate_simulation_approaches_the_radius():
    xs = run(sgd(0.02, momentum=0.5), lambda x: x, np.array([1.0]), 200).x[:, 0]
    assert xs[200] / xs[199] == pytest.approx(0.9582, abs=5e-5)


def test_stability_boundary_is_alpha_L_equal_two_one_plus_beta():
    for beta in (0.0, 0.5, 0.9):
        edge = 2 * (1 + beta) / 100
        assert momentum.heavy_ball_rate(edge * 0.999, beta, ch06.CURVATURES) < 1
        assert momentum.heavy_ball_rate(edge * 1.001, beta, ch06.CURVATURES) > 1


# Section 3: the map, against simulation
@pytest.mark.parametrize(("alpha", "beta"), ch06.CHECK_POINTS)
def test_map_check_points_agree_with_simulation(alpha, beta):
    errors = distances(sgd(alpha, momentum=beta), ch06.CHECK_STEPS)
    predicted = momentum.heavy_ball_rate(alpha, beta, ch06.CURVATURES)
    assert abs(momentum.fitted_rate(errors, ch06.CHECK_START) - predicted) < 1e-3


def test_map_agrees_with_simulation_on_random_points():
    rng = np.random.default_rng(6)
    for alpha, beta in zip(rng.uniform(0.002, 0.035, 25), rng.uniform(0.0, 0.9, 25)):
        predicted = momentum.heavy_ball_rate(alpha, beta, ch06.CURVATURES)
        if not 0.75 < predicted < 0.995:
            continue
        errors = plain_heavy_ball(alpha, beta, 600)
        assert abs(momentum.fitted_rate(errors, 200) - predicted) < 2e-3, (alpha, beta)


def test_band_where_both_roots_are_complex_has_rate_root_beta_independent_of_alpha():
    for alpha in (0.02, 0.025, 0.03):
        assert momentum.heavy_ball_rate(alpha, 0.9, ch06.CURVATURES) == pytest.approx(math.sqrt(0.9), rel=1e-9)


# Section 4: best parameters, rate √β
def test_best_parameters_by_grid_search_of_the_map():
    alphas, betas = np.linspace(0.028, 0.038, 401), np.linspace(0.62, 0.72, 401)
    rates = momentum.heavy_ball_rate(alphas[None, :], betas[:, None], ch06.CURVATURES)
    row, column = np.unravel_index(np.argmin(rates), rates.shape)
    assert alphas[column] == pytest.approx(0.033058, abs=1e-4) and betas[row] == pytest.approx(0.669421, abs=1e-3)
    assert rates.min() == pytest.approx(9 / 11, abs=1e-3)


def test_stated_best_values():
    assert (ch06.BEST_ALPHA, ch06.BEST_BETA) == pytest.approx((0.033058, 0.669421), abs=5e-7)
    assert math.sqrt(ch06.BEST_BETA) == pytest.approx(9 / 11, rel=1e-14)
    assert 99 / 101 == pytest.approx(0.9802, abs=5e-5)


def test_the_best_corner_is_sharp_rounding_costs_a_lot():
    assert momentum.heavy_ball_rate(0.0331, 0.669, ch06.CURVATURES) == pytest.approx(0.885, abs=5e-4)
    errors = plain_heavy_ball(0.0331, 0.669, 600)
    assert momentum.fitted_rate(errors, 200) == pytest.approx(0.885, abs=1e-3)
    assert momentum.heavy_ball_rate(0.0330, 0.669, ch06.CURVATURES) == pytest.approx(0.829, abs=5e-4)
    assert momentum.fitted_rate(plain_heavy_ball(0.0330, 0.669, 600), 200) == pytest.approx(0.829, abs=1e-3)


def test_heavy_ball_rate_from_a_long_run_is_within_1e_3_of_root_beta():
    errors = plain_heavy_ball(ch06.BEST_ALPHA, ch06.BEST_BETA, 1500)
    rate = descent.asymptotic_rate(errors, 750)
    assert abs(rate - math.sqrt(ch06.BEST_BETA)) < 1e-3
    assert rate == pytest.approx(0.8189, abs=5e-5)
    assert abs(rate / (math.sqrt(ch06.BEST_BETA) * 2 ** (1 / 750)) - 1) < 1e-5  # the k·ρᵏ of a double root
    assert rate > math.sqrt(ch06.BEST_BETA)


# Section 5: Nesterov
def test_nesterov_rate_is_one_minus_one_over_root_kappa():
    lr, mu = ch06.NESTEROV_LR, ch06.NESTEROV_MOMENTUM
    assert (lr, mu) == pytest.approx((0.01, 9 / 11), rel=1e-14)
    curvatures = np.linspace(1.0, 100.0, 991)
    assert momentum.nesterov_rate(lr, mu, curvatures) == pytest.approx(0.9, abs=5e-5)
    errors = distances(sgd(lr, momentum=mu, nesterov=True), 1500)
    measured = descent.asymptotic_rate(errors, 750)
    assert abs(measured - 0.9) < 1e-3 and measured == pytest.approx(0.9008, abs=5e-5)
    lookahead = descent.asymptotic_rate(plain_heavy_ball(lr, mu, 1500, lookahead=True), 750)
    assert lookahead == pytest.approx(measured, abs=1e-4)  # PyTorch's form and the look-ahead form: one rate


# Section 6: the race
def test_steps_to_one_in_a_million():
    counts = {"gd": descent.iterations_to(distances(sgd(2 / 101), 800), 1e-6),
              "heavy": descent.iterations_to(plain_heavy_ball(ch06.BEST_ALPHA, ch06.BEST_BETA, 800), 1e-6),
              "nesterov": descent.iterations_to(distances(sgd(0.01, momentum=9 / 11, nesterov=True), 800), 1e-6)}
    assert counts == {"gd": 691, "heavy": 85, "nesterov": 157}
    assert round(691 / 85) == 8 and round(691 / 157) == 4
    predicted = [math.ceil(math.log(1e-6) / math.log(rate)) for rate in (99 / 101, 9 / 11, 0.9)]
    assert predicted == [691, 69, 132]


# Section 7: three forms
def test_three_forms_as_the_chapter_runs_them():
    steps, m = ch06.FORM_STEPS, ch06.FORM_MOMENTUM
    assert (steps, m, ch06.DECAY) == (90, 0.9, {"lr": 0.02, "step_size": 30, "gamma": 0.1})
    torch_form = run(sgd(0.02, momentum=m), VALLEY.grad, START, steps).x
    assert np.max(np.abs(momentum.sutskever(VALLEY.grad, START, 0.02, m, steps) - torch_form)) < 1e-12
    schedule = step_decay(**ch06.DECAY)
    torch_form = run(sgd(schedule, momentum=m), VALLEY.grad, START, steps).x
    sutskever = momentum.sutskever(VALLEY.grad, START, schedule, m, steps)
    assert np.max(np.abs(sutskever[:31] - torch_form[:31])) < 1e-12
    assert np.max(np.abs(sutskever - torch_form)) == pytest.approx(0.48, abs=0.005)
    assert np.max(np.abs(momentum.polyak(VALLEY.grad, START, schedule, m, steps) - sutskever)) < 1e-12
    assert np.linalg.norm(torch_form[-1]) == pytest.approx(0.261, abs=5e-4)
    assert np.linalg.norm(sutskever[-1]) == pytest.approx(0.173, abs=5e-4)
    # at a constant rate, v = −η b: Sutskever's velocity from PyTorch's buffer
    opt = sgd(0.02, momentum=m)
    x, state, v = START, opt.init(START), np.zeros(2)
    for _ in range(10):
        v = m * v - 0.02 * VALLEY.grad(x)
        x, state = opt.step(x, VALLEY.grad(x), state)
    assert np.allclose(v, -0.02 * state.slots["momentum_buffer"], rtol=1e-12)
