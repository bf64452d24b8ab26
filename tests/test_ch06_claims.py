"""Every number Chapter 6's prose states, asserted: if the text starts to lie, this fails."""

import math

import numpy as np
import pytest

from book import conventions, convergence, noise
from book.figures import ch06
from book.optim import run, sgd
from book.schedules import step_decay

VALLEY, START = ch06.VALLEY, ch06.START


def distances(optimizer, steps):
    return np.linalg.norm(run(optimizer, VALLEY.grad, START, steps).x, axis=-1)


def plain_heavy_ball(alpha, beta, steps, lookahead=False):
    """Heavy ball (or Nesterov's look-ahead form) on the valley, written without book.optim or book.convergence."""
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
    heavy = distances(sgd(ch06.BEST_LR, momentum=ch06.BEST_BETA), 100)
    assert gd[-1] == pytest.approx(0.41, abs=0.005) and 6.5 < gd[0] / gd[-1] < 7.5
    assert heavy[-1] == pytest.approx(1.5e-7, abs=0.05e-7) and 1e7 < heavy[0] / heavy[-1] < 1e8
    assert np.allclose(heavy, plain_heavy_ball(ch06.BEST_LR, ch06.BEST_BETA, 100), rtol=1e-9, atol=0)


def test_slider_lists_hold_the_best_pair_and_stay_under_80_frames():
    assert len(ch06.LRS) * len(ch06.BETAS) <= 80
    assert ch06.BEST_LR in ch06.LRS and ch06.BEST_BETA in ch06.BETAS and 2 / 101 in ch06.LRS


# Section 2: the example matrix at α = 0.02, β = 0.5
def test_example_roots_by_the_quadratic_formula():
    steep = np.roots([1, -(1 - 0.02 * 100 + 0.5), 0.5])
    flat = np.roots([1, -(1 - 0.02 * 1 + 0.5), 0.5])
    assert np.iscomplexobj(steep) and np.allclose(np.abs(steep), math.sqrt(0.5))
    assert np.isrealobj(flat) and sorted(np.abs(flat)) == pytest.approx([0.5218, 0.9582], abs=5e-5)
    assert convergence.heavy_ball_rate(0.02, 0.5, ch06.CURVATURES) == pytest.approx(max(abs(flat)), rel=1e-12)


def test_one_coordinate_simulation_approaches_the_radius():
    xs = run(sgd(0.02, momentum=0.5), lambda x: x, np.array([1.0]), 200).x[:, 0]
    assert xs[200] / xs[199] == pytest.approx(0.9582, abs=5e-5)


def test_stability_boundary_is_alpha_L_equal_two_one_plus_beta():
    for beta in (0.0, 0.5, 0.9):
        edge = 2 * (1 + beta) / 100
        assert convergence.heavy_ball_rate(edge * 0.999, beta, ch06.CURVATURES) < 1
        assert convergence.heavy_ball_rate(edge * 1.001, beta, ch06.CURVATURES) > 1


# Section 3: the map, against simulation
@pytest.mark.parametrize(("alpha", "beta"), ch06.CHECK_POINTS)
def test_map_check_points_agree_with_simulation(alpha, beta):
    errors = distances(sgd(alpha, momentum=beta), ch06.CHECK_STEPS)
    predicted = convergence.heavy_ball_rate(alpha, beta, ch06.CURVATURES)
    assert abs(convergence.fitted_rate(errors, ch06.CHECK_START) - predicted) < 1e-3


def test_map_agrees_with_simulation_on_random_points():
    rng = np.random.default_rng(6)
    for alpha, beta in zip(rng.uniform(0.002, 0.035, 25), rng.uniform(0.0, 0.9, 25)):
        predicted = convergence.heavy_ball_rate(alpha, beta, ch06.CURVATURES)
        if not 0.75 < predicted < 0.995:
            continue
        errors = plain_heavy_ball(alpha, beta, 600)
        assert abs(convergence.fitted_rate(errors, 200) - predicted) < 2e-3, (alpha, beta)


def test_band_where_both_roots_are_complex_has_rate_root_beta_independent_of_alpha():
    for alpha in (0.02, 0.025, 0.03):
        assert convergence.heavy_ball_rate(alpha, 0.9, ch06.CURVATURES) == pytest.approx(math.sqrt(0.9), rel=1e-9)


# Section 4: best parameters, rate √β
def test_best_parameters_by_grid_search_of_the_map():
    alphas, betas = np.linspace(0.028, 0.038, 401), np.linspace(0.62, 0.72, 401)
    rates = convergence.heavy_ball_rate(alphas[None, :], betas[:, None], ch06.CURVATURES)
    row, column = np.unravel_index(np.argmin(rates), rates.shape)
    assert alphas[column] == pytest.approx(0.033058, abs=1e-4) and betas[row] == pytest.approx(0.669421, abs=1e-3)
    assert rates.min() == pytest.approx(9 / 11, abs=1e-3)


def test_stated_best_values():
    assert (ch06.BEST_LR, ch06.BEST_BETA) == pytest.approx((0.033058, 0.669421), abs=5e-7)
    assert math.sqrt(ch06.BEST_BETA) == pytest.approx(9 / 11, rel=1e-14)
    # gradient descent's best rate 0.9802 at η = 2/101, by brute force over the step size
    lrs = np.linspace(0.001, 0.0199, 18_901)
    worst = np.maximum(np.abs(1 - lrs), np.abs(1 - 100 * lrs))
    assert worst.min() == pytest.approx(0.9802, abs=5e-5) and lrs[np.argmin(worst)] == pytest.approx(2 / 101, abs=2e-6)


def _largest_root(lr, beta, curvature):
    """The larger |root| of z² − (1 − ηλ + β) z + β, by the quadratic formula with a complex square root."""
    trace = 1 - lr * curvature + beta
    root = np.sqrt(np.asarray(trace * trace - 4 * beta, dtype=complex))
    return max(abs((trace + root) / 2), abs((trace - root) / 2))


def test_the_jump_from_rounding_is_mostly_the_step_size_rounded_up():
    rate = {name: max(_largest_root(lr, beta, c) for c in (1.0, 100.0)) for name, (lr, beta) in ch06.ROUNDINGS.items()}
    assert rate == pytest.approx({"both": 0.8855, "lr": 0.8791, "beta": 0.8461, "down": 0.8291}, abs=5e-4)
    best = 9 / 11
    assert rate["lr"] - best > 2 * (rate["beta"] - best)  # η's rounding, not β's, makes most of the jump
    assert ch06.ROUNDINGS["both"] == (round(ch06.BEST_LR, 4), round(ch06.BEST_BETA, 3))


def test_the_best_corner_is_sharp_rounding_costs_a_lot():
    assert convergence.heavy_ball_rate(0.0331, 0.669, ch06.CURVATURES) == pytest.approx(0.885, abs=5e-4)
    errors = plain_heavy_ball(0.0331, 0.669, 600)
    assert convergence.fitted_rate(errors, 200) == pytest.approx(0.885, abs=1e-3)
    assert convergence.heavy_ball_rate(0.0330, 0.669, ch06.CURVATURES) == pytest.approx(0.829, abs=5e-4)
    assert convergence.fitted_rate(plain_heavy_ball(0.0330, 0.669, 600), 200) == pytest.approx(0.829, abs=1e-3)


def test_heavy_ball_rate_from_a_long_run_is_within_1e_3_of_root_beta():
    errors = plain_heavy_ball(ch06.BEST_LR, ch06.BEST_BETA, 1500)
    rate = convergence.asymptotic_rate(errors, 750)
    assert abs(rate - math.sqrt(ch06.BEST_BETA)) < 1e-3
    assert rate == pytest.approx(0.8189, abs=5e-5)
    assert abs(rate / (math.sqrt(ch06.BEST_BETA) * 2 ** (1 / 750)) - 1) < 1e-5  # the k·ρᵏ of a double root
    assert rate > math.sqrt(ch06.BEST_BETA)


# Section 5: Nesterov
def test_nesterov_rate_is_one_minus_one_over_root_kappa():
    lr, mu = ch06.NESTEROV_LR, ch06.NESTEROV_MOMENTUM
    assert (lr, mu) == pytest.approx((0.01, 9 / 11), rel=1e-14)
    curvatures = np.linspace(1.0, 100.0, 991)
    assert convergence.nesterov_rate(lr, mu, curvatures) == pytest.approx(0.9, abs=5e-5)
    errors = distances(sgd(lr, momentum=mu, nesterov=True), 1500)
    measured = convergence.asymptotic_rate(errors, 750)
    assert abs(measured - 0.9) < 1e-3 and measured == pytest.approx(0.9008, abs=5e-5)
    lookahead = convergence.asymptotic_rate(plain_heavy_ball(lr, mu, 1500, lookahead=True), 750)
    assert lookahead == pytest.approx(measured, abs=1e-4)  # PyTorch's form and the look-ahead form: one rate


def _nesterov_radius(lr, beta, curvatures):
    """Nesterov's largest |root| over the curvatures, by the quadratic formula, broadcasting lr and beta."""
    lr, beta = np.asarray(lr)[..., None], np.asarray(beta)[..., None]
    shrink = 1 - lr * curvatures
    trace, det = (1 + beta) * shrink, beta * shrink
    root = np.sqrt((trace * trace - 4 * det).astype(complex))
    return np.maximum(np.abs(trace + root), np.abs(trace - root)).max(axis=-1) / 2


def test_nesterov_tuned_for_quadratics_by_grid_search():
    curvatures = np.linspace(1.0, 100.0, 397)
    lrs, betas = np.linspace(0.0125, 0.014, 151), np.linspace(0.78, 0.81, 151)
    rates = _nesterov_radius(lrs[None, :], betas[:, None], curvatures)
    assert rates.min() == pytest.approx(0.8847, abs=3e-4)
    row, column = np.unravel_index(np.argmin(rates), rates.shape)
    assert abs(lrs[column] - ch06.TUNED_NESTEROV_LR) < 2e-5 and abs(betas[row] - ch06.TUNED_NESTEROV_MOMENTUM) < 2e-3
    assert rates.min() < _nesterov_radius(0.01, 9 / 11, curvatures) - 0.01  # better than the η = 1/L tuning


def test_the_large_kappa_approximations_of_the_rates():
    for kappa in (1e4, 1e6):
        root = math.sqrt(kappa)
        heavy, nesterov, tuned = (root - 1) / (root + 1), 1 - 1 / root, 1 - 2 / math.sqrt(3 * kappa + 1)
        assert abs(heavy - (1 - 2 / root)) * root < 3 / root  # (√κ−1)/(√κ+1) ≈ 1 − 2/√κ
        assert (1 - nesterov) * root == pytest.approx(1.0) and abs((1 - tuned) * root - 2 / math.sqrt(3)) < 1e-3
        assert (
            abs((1 - heavy) * root - 2) < 3 / root and abs((1 - nesterov) * root - 2) > 0.9
        )  # only heavy ball's is 1 − 2/√κ


# Section 6: the race
def _pytorch_nesterov_by_hand(lr, beta, steps):
    """PyTorch's Nesterov step b ← βb + g, x ← x − η(g + βb), written out; the distances to the minimum."""
    x, b, path = START.copy(), np.zeros(2), [START]
    for _ in range(steps):
        g = np.array([1.0, 100.0]) * x
        b = beta * b + g
        x = x - lr * (g + beta * b)
        path.append(x)
    return np.linalg.norm(np.array(path), axis=-1)


def test_steps_to_one_in_a_million():
    tuned_lr, tuned_beta = ch06.TUNED_NESTEROV_LR, ch06.TUNED_NESTEROV_MOMENTUM
    counts = {
        "gd": convergence.iterations_to(plain_heavy_ball(2 / 101, 0.0, 800), 1e-6),
        "heavy": convergence.iterations_to(plain_heavy_ball(ch06.BEST_LR, ch06.BEST_BETA, 800), 1e-6),
        "nesterov": convergence.iterations_to(_pytorch_nesterov_by_hand(0.01, 9 / 11, 800), 1e-6),
        "tuned": convergence.iterations_to(_pytorch_nesterov_by_hand(tuned_lr, tuned_beta, 800), 1e-6),
    }
    assert counts == {"gd": 691, "heavy": 85, "nesterov": 157, "tuned": 135}
    assert convergence.iterations_to(distances(sgd(tuned_lr, momentum=tuned_beta, nesterov=True), 800), 1e-6) == 135
    # more steps than the rate alone predicts: the double roots' k·ρᵏ
    for name, rate in (("heavy", 9 / 11), ("nesterov", 0.9), ("tuned", 1 - 2 / math.sqrt(301))):
        assert counts[name] > math.log(1e-6) / math.log(rate) + 10


def test_gradient_descent_shrinks_both_directions_by_exactly_rho_star():
    """The 691 is exact because ‖x_k‖ = ρ*ᵏ‖x_0‖ at every step (1 − ημ = ρ*, 1 − ηL = −ρ*), not because roots are
    simple."""
    errors = plain_heavy_ball(2 / 101, 0.0, 800)
    rho = 99 / 101
    np.testing.assert_allclose(errors, errors[0] * rho ** np.arange(801), rtol=1e-12)
    assert convergence.iterations_to(errors, 1e-6) == math.ceil(math.log(1e-6) / math.log(rho))
    # at another step size the two directions shrink by different factors and the count is not the rate's
    other = plain_heavy_ball(0.015, 0.0, 1500)
    assert convergence.iterations_to(other, 1e-6) != math.ceil(math.log(1e-6) / math.log(0.985))


# Section 7: momentum with noisy gradients
def test_heavy_ball_noise_equals_sgd_at_the_effective_step_for_small_steps_exactly_in_one_dimension():
    """Stationary variance of e' = (1 + β − ηλ)e − βe₋ − ηξ (a 2×2 Lyapunov equation) against SGD's at η/(1 − β)."""
    from scipy.linalg import solve_discrete_lyapunov

    def heavy_ball_variance(lr, beta, curvature=1.0):
        M = np.array([[1 + beta - lr * curvature, -beta], [1.0, 0.0]])
        return solve_discrete_lyapunov(M, np.diag([lr * lr, 0.0]))[0, 0]

    def sgd_variance(lr, curvature=1.0):
        return lr * lr / (1 - (1 - lr * curvature) ** 2)

    ratios = [heavy_ball_variance(lr, 0.9) / sgd_variance(lr / 0.1) for lr in (1e-5, 1e-4, 1e-3, 1e-2)]
    assert abs(ratios[0] - 1) < 1e-3 and abs(ratios[1] - 1) < 1e-2
    assert all(a > b for a, b in zip(ratios, ratios[1:]))  # the agreement is a small-step statement
    assert heavy_ball_variance(1e-4, 0.9) / sgd_variance(1e-4) == pytest.approx(10, rel=0.01)


def test_heavy_ball_noise_ball_on_chapter_5s_problem_by_an_independent_simulation():
    from book.figures import ch05

    f = ch05.PROBLEM
    X, y, w_star = f.X, f.y, f.minimizer
    rng = np.random.default_rng(123)

    def settled(lr, beta, runs=200, steps=3000):
        w = np.tile(w_star, (runs, 1))
        buffer = np.zeros_like(w)
        total = 0.0
        for t in range(steps):
            i = rng.integers(0, f.n, size=runs)
            g = X[i] * (np.sum(X[i] * w, axis=1) - y[i])[:, None]
            buffer = beta * buffer + g
            w = w - lr * buffer
            if t >= steps // 2:
                total += np.mean(np.sum((w - w_star) ** 2, axis=1))
        return total / (steps - steps // 2)

    for lr in ch06.NOISY_LRS[:2]:
        heavy, effective, plain = settled(lr, 0.9), settled(lr / 0.1, 0.0), settled(lr, 0.0)
        assert 0.85 < heavy / effective < 1.1 and 8 < heavy / plain < 12
        ours = noise.settled_distance(f, sgd(lr, momentum=0.9), 1, ch06.NOISY_STEPS, ch06.NOISY_RUNS, seed=0)
        assert ours == pytest.approx(heavy, rel=0.1)


# Section 8: the lower bound
def test_no_polynomial_with_p0_equal_1_beats_the_chebyshev_bound_and_heavy_ball_is_within_about_k():
    from numpy.polynomial import Chebyshev, Polynomial

    mu, L = 1.0, 100.0
    q = 9 / 11
    grid = np.linspace(mu, L, 4001)
    rng = np.random.default_rng(8)
    for k in (3, 10, 25):
        bound = 2 * q**k / (1 + q ** (2 * k))
        t_k = Chebyshev.basis(k)
        assert 1 / t_k((L + mu) / (L - mu)) == pytest.approx(bound, rel=1e-9)  # the minimax value, closed form
        chebyshev = lambda lam: t_k((L + mu - 2 * lam) / (L - mu)) / t_k((L + mu) / (L - mu))
        assert np.abs(chebyshev(grid)).max() == pytest.approx(bound, rel=1e-6)  # attained
        for _ in range(200):  # random polynomials with p(0) = 1 never do better
            p = Polynomial(np.r_[1.0, rng.normal(size=k) * 10.0 ** -rng.uniform(0, 2 * k, size=k)])
            assert np.abs(p(grid)).max() >= bound * (1 - 1e-9)
        # heavy ball, by a scalar loop per curvature: above the bound, within a factor of about k
        errors = np.array(
            [[e[0] for e in [_one_direction(ch06.BEST_LR, ch06.BEST_BETA, lam, k)]] for lam in grid[::20]]
        )
        worst = np.abs(errors).max()
        assert bound <= worst <= 2 * (k + 1) * bound
        np.testing.assert_allclose(
            convergence.residual_polynomial(ch06.BEST_LR, ch06.BEST_BETA, grid[::20], k)[k],
            errors[:, 0],
            rtol=1e-9,
            atol=1e-15,
        )


def _one_direction(lr, beta, curvature, steps):
    """Heavy ball's error along one curvature after ``steps`` steps from 1 (x₋₁ = x₀ = 1)."""
    x = previous = 1.0
    for _ in range(steps):
        x, previous = x - lr * curvature * x + beta * (x - previous), x
    return [x]


# Section 9: three forms, written out here
def _sutskever_by_hand(lr, m, steps):
    x, v, path = START.copy(), np.zeros(2), [START]
    for t in range(steps):
        v = m * v - lr(t) * VALLEY.grad(x)
        x = x + v
        path.append(x)
    return np.array(path)


def _polyak_by_hand(lr, m, steps):
    path = [START, START]
    for t in range(steps):
        x, previous = path[-1], path[-2]
        path.append(x - lr(t) * VALLEY.grad(x) + m * (x - previous))
    return np.array(path[1:])


def test_three_forms_as_the_chapter_runs_them():
    steps, m = ch06.FORM_STEPS, ch06.FORM_MOMENTUM
    assert (steps, m, ch06.DECAY) == (90, 0.9, {"lr": 0.02, "step_size": 30, "gamma": 0.1})
    constant = lambda t: 0.02
    torch_form = run(sgd(0.02, momentum=m), VALLEY.grad, START, steps).x
    assert np.max(np.abs(_sutskever_by_hand(constant, m, steps) - torch_form)) < 1e-12
    assert np.max(np.abs(conventions.sutskever(VALLEY.grad, START, 0.02, m, steps) - torch_form)) < 1e-12
    decayed = lambda t: 0.02 * 0.1 ** (t // 30)
    torch_form = run(sgd(step_decay(**ch06.DECAY), momentum=m), VALLEY.grad, START, steps).x
    sutskever = _sutskever_by_hand(decayed, m, steps)
    np.testing.assert_allclose(
        conventions.sutskever(VALLEY.grad, START, step_decay(**ch06.DECAY), m, steps), sutskever, atol=1e-12
    )
    np.testing.assert_allclose(
        conventions.polyak(VALLEY.grad, START, step_decay(**ch06.DECAY), m, steps),
        _polyak_by_hand(decayed, m, steps),
        atol=1e-12,
    )
    assert np.max(np.abs(sutskever[:31] - torch_form[:31])) < 1e-12
    assert np.max(np.abs(sutskever - torch_form)) == pytest.approx(0.48, abs=0.005)
    assert np.max(np.abs(_polyak_by_hand(decayed, m, steps) - sutskever)) < 1e-12
    assert np.linalg.norm(torch_form[-1]) == pytest.approx(0.261, abs=5e-4)
    assert np.linalg.norm(sutskever[-1]) == pytest.approx(0.173, abs=5e-4)
    # at a constant rate, v = −η b: Sutskever's velocity from PyTorch's buffer
    opt = sgd(0.02, momentum=m)
    x, state, v = START, opt.init(START), np.zeros(2)
    for _ in range(10):
        v = m * v - 0.02 * VALLEY.grad(x)
        x, state = opt.step(x, VALLEY.grad(x), state)
    assert np.allclose(v, -0.02 * state.slots["momentum_buffer"], rtol=1e-12)


def test_the_sobering_count_is_where_the_opening_points():
    import json
    import re
    from pathlib import Path

    def sections(notebook):
        cells = json.loads((Path(__file__).parent.parent / "chapters" / notebook).read_text())["cells"]
        text = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
        parts = re.split(r"\n## (\d+)\. ", "\n" + text)
        return text, {int(parts[i]): parts[i + 1] for i in range(1, len(parts), 2)}

    opening = sections("06_momentum.ipynb")[0]
    assert "[Chapter 4](04_gradient_descent.ipynb) ended its Section 3 on a sobering count" in opening
    counted = sections("04_gradient_descent.ipynb")[1][3]
    assert counted.startswith("Conditioning") and "10^{-6}" in counted  # the steps to 10⁻⁶ at a given κ
