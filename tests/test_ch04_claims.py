"""Every number Chapter 4's prose states, asserted: if the text starts to lie, this fails."""

import math
import warnings

import numpy as np
import pytest

from book import convergence
from book.figures import ch04
from book.functions import Quadratic
from book.optim import backtracking_line_search, run, sgd


def distances(trajectory, f):
    return np.linalg.norm(trajectory.x - f.minimizer, axis=-1)


# Section 1: the algorithm on the bowl and the parabola
def test_bowl_from_1_1_shrinks_by_point_8_per_step():
    t = run(sgd(0.1), ch04.BOWL.grad, ch04.BOWL_START, 5, f=ch04.BOWL)
    assert np.allclose(t.x[:, 0], 0.8 ** np.arange(6), rtol=1e-14)
    assert np.allclose(t.x[:, 1], t.x[:, 0], rtol=0)
    assert np.allclose(t.f, [2.0, 1.28, 0.8192, 0.524288, 0.33554432, 0.2147483648], rtol=1e-13)


@pytest.mark.parametrize("lr", ch04.FIRST_LRS)
def test_parabola_regimes_match_the_factor_one_minus_two_eta(lr):
    xs = run(sgd(lr), ch04.PARABOLA.grad, np.array([1.5]), 50).x[:, 0]
    ratio = abs(xs[-1]) / abs(xs[0])
    if lr < 1:
        assert ratio < 1e-2  # "shrinks" (0.9^50 = 5e-3 is the slowest)
    elif lr == 1:
        assert ratio == 1 and xs[1] == -xs[0]  # "bounces"
    else:
        assert ratio > 100  # "grows"
    assert (xs[1] * xs[0] < 0) == (lr > 0.5)  # alternates exactly when 1 − 2η < 0
    assert (xs[1] == 0) == (lr == 0.5)  # lands on 0 in one step


# Section 2: the theorem, both sides of 2/L, and the rate
def test_both_sides_of_two_over_L():
    f = ch04.VALLEY
    below = run(sgd(1.99 / f.L), f.grad, ch04.VALLEY_START, 2000)
    above = run(sgd(2.01 / f.L), f.grad, ch04.VALLEY_START, 2000)
    shrink = distances(below, f)[-1] / distances(below, f)[0]
    growth = distances(above, f)[-1] / distances(above, f)[0]
    assert 1e-10 < shrink < 1e-8  # "about a billion times"
    assert growth > 1e8 and np.isfinite(growth) and not above.diverged  # "more than eight orders", still finite
    assert np.all(np.diff(distances(above, f)[100:]) > 0)  # it grows, it does not just wobble


def test_regimes_do_what_their_names_say():
    f = ch04.VALLEY
    ends = {name: distances(run(sgd(lr), f.grad, ch04.VALLEY_START, 60), f)[-1] for name, lr in ch04.REGIMES.items()}
    assert ends["best, 2/(L+μ)"] < ends["oscillating"] < ends["too small"] < 3.0 < ends["divergent"]
    best = min(
        ch04.REGIMES.values(), key=lambda lr: convergence.measured_rates(f, [lr], ch04.VALLEY_START, 300, 100)[0]
    )
    assert best == ch04.REGIMES["best, 2/(L+μ)"]


def test_measured_asymptotic_rate_at_the_best_step_is_kappa_minus_one_over_kappa_plus_one():
    f = ch04.SPREAD
    t = run(sgd(2 / (f.L + f.mu)), f.grad, ch04.SPREAD_START, ch04.RATE_STEPS)
    errors = distances(t, f)
    kappa = f.condition_number
    assert kappa == pytest.approx(10.0)
    measured = convergence.asymptotic_rate(errors, ch04.RATE_TAIL)
    assert abs(measured - (kappa - 1) / (kappa + 1)) < 1e-3  # the tolerance
    assert measured == pytest.approx(9 / 11, abs=5e-7)  # "agrees to all six digits shown"
    assert errors[1] / errors[0] == pytest.approx(0.661828, abs=1e-6)  # the short-run ratio differs
    assert errors[1] / errors[0] < measured - 0.1
    factors = np.abs(1 - 2 / 11 * f.eigenvalues)  # "9/11, 7/11, 1/11, 9/11"
    assert np.allclose(factors * 11, [9, 7, 1, 9])
    assert len(ch04.RATE_LRS) == 83  # "for 83 learning rates"


def test_the_best_rate_is_at_two_over_L_plus_mu_by_search():
    """Minimise the measured rate over a fine grid of η instead of trusting the formula."""
    f = ch04.SPREAD
    lrs = np.linspace(0.15, 0.2, 501)
    rates = convergence.measured_rates(f, lrs, ch04.SPREAD_START, ch04.RATE_STEPS, ch04.RATE_TAIL)
    assert lrs[np.argmin(rates)] == pytest.approx(2 / 11, abs=2e-4)  # two grid steps: the tail still mixes both ends
    crossing = convergence.measured_rates(f, ch04.RATE_LRS, ch04.SPREAD_START, ch04.RATE_STEPS, ch04.RATE_TAIL)
    assert np.all((crossing < 1) == (ch04.RATE_LRS < 0.2))  # the V crosses 1 at 2/L


# Section 3: conditioning
COUNTS = {
    1.0: (1, 1, 1),
    2.0: (13, 13, 20),
    5.0: (35, 35, 62),
    10.0: (69, 69, 131),
    20.0: (139, 139, 268),
    50.0: (346, 346, 681),
    100.0: (691, 691, 1368),
    1000.0: (6908, 6908, 13735),
}


@pytest.mark.parametrize("kappa", COUNTS)
def test_iteration_counts_against_the_bound(kappa):
    f = Quadratic(np.diag([1.0, kappa]))
    bound, best, safe = COUNTS[kappa]
    assert convergence.iteration_bound(kappa, ch04.TOLERANCE) == bound
    for lr, expected in ((2 / (f.L + f.mu), best), (1 / f.L, safe)):
        errors = distances(run(sgd(lr), f.grad, ch04.CONDITIONING_START, 20000), f)
        assert convergence.iterations_to(errors, ch04.TOLERANCE) == expected
        if expected > 1:  # not on a knife edge: round-off (~1e-12 relative) cannot move the count
            assert errors[expected - 1] / errors[0] > (1 + 1e-6) * ch04.TOLERANCE
            assert errors[expected] / errors[0] < (1 - 1e-6) * ch04.TOLERANCE


def test_measured_counts_grow_like_6_9_kappa_plus_one():
    """The runs' own counts, not the formula: steps / (κ + 1) approaches 6.9 and the 1/L rule needs about twice."""
    per_kappa = []
    for kappa in (100.0, 1000.0):
        f = Quadratic(np.diag([1.0, kappa]))
        errors = distances(run(sgd(2 / (f.L + f.mu)), f.grad, ch04.CONDITIONING_START, 20000), f)
        per_kappa.append(convergence.iterations_to(errors, ch04.TOLERANCE) / (kappa + 1))
    assert (
        per_kappa[1] == pytest.approx(6.9, abs=0.01) and abs(per_kappa[0] - 6.9) < 0.07
    )  # 6.84 at κ = 100: "for large κ"
    f = Quadratic(np.diag([1.0, 1000.0]))
    safe = convergence.iterations_to(
        distances(run(sgd(1 / f.L), f.grad, ch04.CONDITIONING_START, 20000), f), ch04.TOLERANCE
    )
    assert safe / (per_kappa[1] * 1001) == pytest.approx(2.0, abs=0.02)


@pytest.mark.parametrize("kappa", ch04.KAPPAS)
@pytest.mark.parametrize("rule", ch04.STEP_RULES)
def test_conditioning_panel_draws_each_rules_own_bound_and_the_run_stays_under_it(kappa, rule):
    import matplotlib.pyplot as plt

    fig = ch04.conditioning_figure(kappa, rule, fig=plt.figure())
    right = fig.axes[1]
    lines = {line.get_label(): line for line in right.get_lines()}
    measured = lines[f"η = {rule}"].get_ydata()
    bound = next(line for label, line in lines.items() if label.startswith("bound")).get_ydata()
    plt.close(fig)
    rate = (kappa - 1) / (kappa + 1) if rule == "2/(L+μ)" else 1 - 1 / kappa  # by hand, per rule
    ks = np.arange(len(bound))
    np.testing.assert_allclose(bound, np.maximum(rate**ks, 1e-300), rtol=1e-9)
    shown = bound > 1e-100  # far below the axes (1e-9); the norm of a 1e-160 vector squares into subnormals
    assert np.all(measured[shown] <= bound[shown] * (1 + 1e-9))
    if rule == "1/L" and kappa > 1:  # the old ((κ−1)/(κ+1))ᵏ would be exceeded
        assert np.any(measured[1:200] > ((kappa - 1) / (kappa + 1)) ** ks[1:200])


@pytest.mark.parametrize("kappa", [k for k in ch04.KAPPAS if k > 1])
def test_two_over_L_plus_mu_zig_zags_and_one_over_L_does_not(kappa):
    f = Quadratic(np.diag([1.0, kappa]))
    best = run(sgd(2 / (f.L + f.mu)), f.grad, ch04.CONDITIONING_START, 40).x[:, 1]
    safe = run(sgd(1 / f.L), f.grad, ch04.CONDITIONING_START, 40).x[:, 1]
    assert np.all(best[1:] * best[:-1] < 0)  # the steep coordinate changes sign at every step
    assert np.all(safe[1:] == 0)  # gone after one step: no zig-zag


# Section 4: smoothness and the descent lemma
def test_smoothness_constant_of_the_logistic_loss_is_attained_at_zero_and_never_exceeded():
    f = ch04.CLASSES
    L = convergence.smoothness_constant(f)
    assert np.linalg.eigvalsh(f.hessian(np.zeros(f.dim)))[-1] == pytest.approx(L, rel=1e-12)
    points = np.random.default_rng(1).normal(scale=3.0, size=(500, f.dim))
    assert np.max(np.linalg.eigvalsh(f.hessian(points))) <= L * (1 + 1e-12)


def test_descent_lemma_holds_below_two_over_L_and_a_wrong_L_breaks_it():
    f = ch04.CLASSES
    L = convergence.smoothness_constant(f)
    points = np.random.default_rng(0).normal(scale=3.0, size=(1000, f.dim))
    g = f.grad(points)

    def slack(lr, constant):
        return f(points) - lr * (1 - constant * lr / 2) * np.sum(g**2, axis=1) - f(points - lr * g)

    for factor in (0.25, 0.5, 1.0, 1.5, 1.99):
        assert np.all(slack(factor / L, L) >= -1e-12)
    assert np.any(slack(1.5 / L, L / 4) < -1e-6)  # the check can fail: a too-small L is caught


def test_logistic_stopping_rule():
    f = ch04.CLASSES
    t = run(sgd(1 / convergence.smoothness_constant(f)), f.grad, np.zeros(f.dim), 1000, f=f)
    norms = np.linalg.norm(f.grad(t.x), axis=1)
    stop = int(np.flatnonzero(norms <= 1e-6)[0])
    assert stop == 287
    assert norms[stop - 1] > (1 + 1e-6) * 1e-6  # not a knife edge (round-off is ~1e-12 relative)
    assert np.all(np.diff(t.f[: stop + 1]) < 0)
    assert t.f[0] == pytest.approx(math.log(2), abs=1e-12)
    assert t.f[stop] == pytest.approx(0.199742, abs=1e-6)


# Section 5: backtracking
def test_armijo_at_rosenbrocks_start():
    f, x = ch04.ROSENBROCK, ch04.ROSENBROCK_START
    g = f.grad(x)
    alpha = backtracking_line_search(f, f.grad, x, -g)
    assert alpha == 2.0**-10
    assert np.linalg.norm(g) == pytest.approx(232.87, abs=0.005)
    assert f(x) == pytest.approx(24.2) and f(x - alpha * g) == pytest.approx(5.10, abs=0.005)
    armijo = lambda a: f(x - a * g) <= f(x) - 1e-4 * a * (g @ g)  # noqa: E731
    assert armijo(alpha) and not armijo(2 * alpha)  # re-derived: the first halving that passes


def test_backtracking_beats_fixed_steps_on_rosenbrock_without_warnings():
    f, x = ch04.ROSENBROCK, ch04.ROSENBROCK_START
    path, lengths = convergence.line_search_descent(f, x, 2000)
    fixed = run(sgd(0.001), f.grad, x, 2000, f=f)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        too_large = run(sgd(0.01), f.grad, x, 2000, f=f)
    assert too_large.diverged and too_large.steps_done == 8
    assert 0.07 < fixed.f[-1] < 0.085  # "still above 0.07", printed 7.8e-02
    assert 1e-4 < f(path[-1]) < 2e-4  # "below 2e-4", printed 1.3e-04
    assert np.mean(lengths == 2.0**-9) == pytest.approx(0.87, abs=0.005)
    assert np.mean(lengths == 2.0**-8) == pytest.approx(0.126, abs=0.0005)
    limit = 2 / np.linalg.eigvalsh(f.hessian(f.minimizer))[-1]
    assert 2.0**-9 < limit < 2.0**-8 and limit == pytest.approx(0.0020, abs=5e-5)
    curvature_along_path = np.max(np.linalg.eigvalsh(f.hessian(fixed.x)))
    assert 0.001 < 2 / curvature_along_path  # the fixed step is stable everywhere it goes


def test_armijo_sees_the_curvature_along_the_gradient_not_lambda_max():
    """At the accepted 2^-8 steps: the step passes Armijo (re-checked by hand) though it is twice 2/λ_max, and a
    fixed step of 2^-8 diverges; the curvature along −∇f (by central differences of f along the line) is small."""
    f, x = ch04.ROSENBROCK, ch04.ROSENBROCK_START
    path, lengths = convergence.line_search_descent(f, x, 2000)
    long = path[:-1][lengths == 2.0**-8]
    limit = 2 / np.linalg.eigvalsh(f.hessian(f.minimizer))[-1]
    assert 2.0**-8 / limit == pytest.approx(1.96, abs=0.005)
    for point in long:
        g = f.grad(point)
        assert f(point - 2.0**-8 * g) <= f(point) - 1e-4 * 2.0**-8 * (g @ g)
        assert not f(point - 2.0**-7 * g) <= f(point) - 1e-4 * 2.0**-7 * (g @ g)
        assert 2.0**-8 > 2 / np.linalg.eigvalsh(f.hessian(point))[-1]  # beyond the fixed-step limit there
    g = f.grad(long)
    unit = g / np.linalg.norm(g, axis=1, keepdims=True)
    h = 1e-4
    along = (f(long + h * unit) - 2 * f(long) + f(long - h * unit)) / h**2
    assert along.max() == pytest.approx(514, abs=1) and along.min() == pytest.approx(396, abs=1)
    assert np.linalg.eigvalsh(f.hessian(long))[:, -1].min() == pytest.approx(895, abs=1)
    assert abs(1 - 2.0**-8 * np.linalg.eigvalsh(f.hessian(f.minimizer))[-1]) > 1  # unstable at the minimum
    assert run(sgd(2.0**-8), f.grad, x, 2000, f=f).f[-1] > 0.1  # so as a fixed step it never settles there


# Section 4: the theorem statements, checked on random instances
def _cosines(seed, d=3, terms=4):
    """f(x) = Σⱼ aⱼ cos(bⱼᵀx): L-smooth with L = Σ|aⱼ|‖bⱼ‖², bounded below by −Σ|aⱼ|, not convex."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=terms), rng.normal(size=(terms, d))
    value = lambda x: float(a @ np.cos(b @ x))  # noqa: E731
    grad = lambda x: -(a * np.sin(b @ x)) @ b  # noqa: E731
    return value, grad, float(np.abs(a) @ np.sum(b**2, axis=1)), -float(np.abs(a).sum()), rng.normal(size=d)


@pytest.mark.parametrize("seed", range(30))
def test_smallest_gradient_bound_on_random_smooth_nonconvex_functions(seed):
    value, grad, L, f_inf, x = _cosines(seed)
    for factor in (0.5, 1.0, 1.5, 1.9):
        lr, point, squares = factor / L, x.copy(), []
        for _ in range(200):
            g = grad(point)
            squares.append(g @ g)
            point = point - lr * g
        K = np.arange(1, 201)
        bound = (value(x) - f_inf) / (K * lr * (1 - L * lr / 2))
        assert np.all(np.minimum.accumulate(squares) <= bound * (1 + 1e-12))


def _logistic_instance(seed, l2=0.0):
    from scipy.optimize import minimize

    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(40), rng.normal(size=(40, 2))])
    y = (rng.random(40) < 0.5).astype(float)  # random labels: not separable, so a minimiser exists
    value = lambda w: float(np.mean(np.logaddexp(0, X @ w) - y * (X @ w)) + l2 / 2 * w @ w)  # noqa: E731
    grad = lambda w: X.T @ (1 / (1 + np.exp(-(X @ w))) - y) / 40 + l2 * w  # noqa: E731
    best = minimize(value, np.zeros(3), jac=grad, method="BFGS", options={"gtol": 1e-12})
    L = np.linalg.eigvalsh(X.T @ X / 40)[-1] / 4 + l2
    return value, grad, L, best.x, value(best.x)


@pytest.mark.parametrize("seed", range(10))
def test_convex_one_over_K_bound_on_random_instances(seed):
    value, grad, L, star, f_star = _logistic_instance(seed)
    rng = np.random.default_rng(100 + seed)
    for factor in (0.5, 1.0):
        lr, point = factor / L, 3 * rng.normal(size=3)
        start = point.copy()
        for K in range(1, 301):
            point = point - lr * grad(point)
            assert value(point) - f_star <= np.sum((start - star) ** 2) / (2 * lr * K) + 1e-10
    # least squares with more unknowns than equations: many minimisers, the bound holds for each
    A, b = rng.normal(size=(3, 5)), rng.normal(size=3)
    L = np.linalg.eigvalsh(A.T @ A)[-1]
    star = np.linalg.lstsq(A, b, rcond=None)[0] + 2.0 * np.linalg.svd(A)[2][-1]  # another minimiser
    point = np.zeros(5)
    for K in range(1, 301):
        point = point - (A.T @ (A @ point - b)) / L
        assert 0.5 * np.sum((A @ point - b) ** 2) <= np.sum(star**2) * L / (2 * K) + 1e-12


@pytest.mark.parametrize("seed", range(10))
def test_strongly_convex_rates_and_stopping_certificates_on_random_instances(seed):
    l2 = 0.05
    value, grad, L, star, f_star = _logistic_instance(seed, l2=l2)
    mu = l2  # the loss part is convex, the l2 term adds l2 to every curvature
    rng = np.random.default_rng(200 + seed)
    start = 3 * rng.normal(size=3)
    point = start.copy()
    for k in range(1, 101):
        point = point - grad(point) / L
        assert value(point) - f_star <= (1 - mu / L) ** k * (value(start) - f_star) + 1e-12
    point, rate = start.copy(), (L / mu - 1) / (L / mu + 1)
    for k in range(1, 101):
        point = point - 2 / (L + mu) * grad(point)
        assert np.linalg.norm(point - star) <= rate**k * np.linalg.norm(start - star) + 1e-9
    for point in 2 * rng.normal(size=(50, 3)):
        g = np.linalg.norm(grad(point))
        assert np.linalg.norm(point - star) <= g / mu + 1e-9 and value(point) - f_star <= g**2 / (2 * mu) + 1e-12


def test_gradient_descent_runs_off_to_infinity_on_a_function_without_minimiser():
    """f(w) = log(1 + e^(−w)): convex, ¼-smooth, bounded below by 0; GD with η = 4 sends w to ∞ while f′ → 0."""
    grid = np.linspace(-30, 30, 60001)
    second = 1 / (1 + np.exp(-grid)) * (1 / (1 + np.exp(grid)))  # σ(w)(1 − σ(w)), written out
    assert np.all(second >= 0) and second.max() == pytest.approx(0.25, abs=1e-9)
    w, values = 0.0, []
    for k in range(1, 100_001):  # a hand-written loop, not book.optim
        w += 4.0 / (1 + math.exp(w))  # w − η f′(w), f′(w) = −1/(1 + e^w)
        if k in (10, 100, 1000, 10_000, 100_000):
            values.append(w)
    assert np.all(np.diff(values) > 2.1) and values[-1] == pytest.approx(12.9, abs=0.05)
    assert values[-1] == pytest.approx(math.log(4 * 100_000), abs=0.05)  # w_k ≈ ln(4k): unbounded
    assert 1 / (1 + math.exp(values[-1])) < 3e-6  # the gradient → 0 all the same


# Section 6: landscapes
def test_rosenbrock_valley_values_and_conditioning():
    f = ch04.ROSENBROCK
    t = run(sgd(ch04.ROSENBROCK_LR), f.grad, ch04.ROSENBROCK_START, 20000, f=f)
    expected = {100: 4e0, 1000: 5e-1, 5000: 4e-3, 10000: 6e-5, 20000: 2e-8}
    for k, value in expected.items():
        assert float(f"{t.f[k]:.0e}") == value
        assert abs(math.log10(t.f[k] / value)) < 0.15  # not on a rounding edge
    low, high = np.linalg.eigvalsh(f.hessian(f.minimizer))
    assert low == pytest.approx(0.4, abs=0.005) and high / low == pytest.approx(2508, abs=1)


def test_himmelblau_basins():
    f = ch04.HIMMELBLAU
    labels = convergence.basin_grid(f, *ch04.BASIN_GRID, ch04.HIMMELBLAU_LR, ch04.HIMMELBLAU_STEPS)
    assert labels.shape == (161, 161) and np.all(labels >= 0)
    shares = [np.mean(labels == i) for i in range(4)]
    assert [round(100 * s) for s in shares] == [26, 26, 24, 25]
    assert all(abs(100 * s - round(100 * s)) < 0.45 for s in shares)  # not on a rounding edge
    x = np.linspace(*ch04.BASIN_GRID)
    for i, m in enumerate(f.minimizers):  # re-derived: a start next to each minimum is labelled with it
        row, column = np.argmin(np.abs(x - m[1])), np.argmin(np.abs(x - m[0]))
        assert labels[row, column] == i


def test_saddle_on_axis_converges_to_it_and_off_axis_escapes():
    f = ch04.SADDLE
    assert np.array_equal(np.sign(np.linalg.eigvalsh(f.hessian(np.zeros(2)))), [-1, 1])
    on = run(sgd(ch04.SADDLE_LR), f.grad, np.array([1.5, 0.0]), 400)
    assert np.all(on.x[:, 1] == 0) and np.linalg.norm(on.x[-1]) < 1e-12
    assert np.linalg.norm(f.grad(on.x[-1])) < 1e-12
    for y0, step in ((1e-6, 139), (1e-8, 188)):
        t = run(sgd(ch04.SADDLE_LR), f.grad, np.array([1.5, y0]), 400)
        assert int(np.flatnonzero(np.abs(t.x[:, 1]) > 0.5)[0]) == step
        assert np.allclose(t.x[-1], [0.0, 1.0], atol=1e-12)
    escapes = []
    for y0 in (1e-6, 1e-8, 1e-10, 1e-12):  # measured: two more decades cost about the same number of steps
        t = run(sgd(ch04.SADDLE_LR), f.grad, np.array([1.5, y0]), 600)
        escapes.append(int(np.flatnonzero(np.abs(t.x[:, 1]) > 0.5)[0]))
    growth = 1 - ch04.SADDLE_LR * np.linalg.eigvalsh(f.hessian(np.zeros(2)))[0]  # 1 + η from the Hessian
    assert np.allclose(np.diff(escapes), math.log(100) / math.log(growth), atol=1)


# Section 7: least squares and logistic regression
def test_least_squares_by_gd_matches_lstsq():
    f = ch04.REGRESSION
    L = convergence.smoothness_constant(f)
    mu = np.linalg.eigvalsh(f.gram)[0]
    assert (round(L, 3), round(mu, 3), round(L / mu, 2)) == (1.064, 0.743, 1.43)
    t = run(sgd(1 / L), f.grad, np.zeros(f.dim), 200, f=f)
    w = np.linalg.lstsq(f.X, f.y, rcond=None)[0]
    gaps = np.max(np.abs(t.x - w), axis=1)
    assert gaps[-1] < 1e-8
    assert int(np.flatnonzero(gaps < 1e-8)[0]) == 17 and gaps[16] > (1 + 1e-6) * 1e-8
    f_star = f(w)
    assert np.all(t.f - f_star <= (1 - mu / L) ** np.arange(201) * (t.f[0] - f_star) + 1e-15)


def test_logistic_regression_by_gd():
    f = ch04.CLASSES
    t = run(sgd(1 / convergence.smoothness_constant(f)), f.grad, np.zeros(f.dim), 200, f=f)
    assert t.f[10] == pytest.approx(0.2146, abs=5e-5) and t.f[200] == pytest.approx(0.1997, abs=5e-5)
    accuracy = np.mean((f.X @ t.x[-1] > 0) == (f.y == 1))
    assert accuracy == 75 / 80  # 93.8%
    first, last = t.x[1], t.x[200]
    angle = lambda w: np.degrees(np.arctan2(w[2], w[1]))  # noqa: E731 - direction of the boundary's normal
    assert 1 < abs(angle(first) - angle(last)) < 2  # "within 2° of its final direction" after one step
    assert np.linalg.norm(last[1:]) / np.linalg.norm(first[1:]) == pytest.approx(3.0, abs=0.1)  # "about threefold"
    assert abs(last[0] / np.linalg.norm(last[1:])) < 0.1  # the line moves only slightly (its offset from 0)


def test_slider_grids_stay_small():
    from book.explore import parameter_grid

    grids = [
        dict(lr=ch04.FIRST_LRS, x0=ch04.PARABOLA_STARTS),
        dict(lr=ch04.FIRST_LRS, angle=ch04.BOWL_ANGLES),
        dict(kappa=ch04.KAPPAS, rule=ch04.STEP_RULES),
        dict(x0=ch04.BASIN_STARTS, y0=ch04.BASIN_STARTS),
        dict(step=ch04.LOGISTIC_STEPS),
    ]
    for sliders in grids:
        parameter_grid(sliders, max_frames=100)  # raises above 100 frames (they are rendered at build time)
