"""Every number Chapter 7's prose states, asserted: if the text starts to lie, this fails.

Where a claim is about an optimizer's formula, the test re-derives it with a loop written here from the documented
PyTorch algorithm, not with ``book.optim``.
"""

import math

import numpy as np
import pytest

from book import adaptive
from book.descent import iterations_to, smoothness_constant
from book.figures import ch07
from book.functions import LeastSquares, Rosenbrock
from book.optim import adagrad, adam, adamw, rmsprop, run, sgd


def adam_by_hand(gradient_of, x, steps, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, l2=0.0, decoupled=0.0, correct=True):
    """PyTorch's Adam/AdamW transcribed for one number: every iterate, x0 first."""
    m = v = 0.0
    out = [x]
    for k in range(1, steps + 1):
        x = x * (1 - lr * decoupled)
        g = gradient_of(x) + l2 * x
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        m_hat, v_hat = (m / (1 - betas[0] ** k), v / (1 - betas[1] ** k)) if correct else (m, v)
        x = x - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(x)
    return np.array(out)


# Section 1: per-coordinate step sizes
def test_first_steps_on_the_scaled_quadratic():
    f, start = ch07.scaled_quadratic(100), ch07.SCALED_START
    np.testing.assert_allclose(f.grad(start), [-2.0, 100.0])
    expected = {"GD": [2 * 2 / 101, -100 * 2 / 101], "AdaGrad": [0.5, -0.5], "RMSProp": [0.1, -0.1], "Adam": [0.05, -0.05]}
    for name, make in ch07.SCALED_OPTIMIZERS.items():
        opt = make(100)
        step = opt.step(start, f.grad(start), opt.init(start))[0] - start
        np.testing.assert_allclose(step, expected[name.split(" ")[0]], rtol=1e-6)
    assert -expected["GD"][1] / expected["GD"][0] == 50  # "fifty times longer along y", though y is half as far


def _counts(kappa):
    f = ch07.scaled_quadratic(kappa)
    return [iterations_to(np.linalg.norm(run(make(kappa), f.grad, ch07.SCALED_START, 3000).x, axis=-1), 1e-3)
            for make in ch07.SCALED_OPTIMIZERS.values()]


def test_steps_to_a_thousandth_gd_grows_with_kappa_the_adaptive_counts_do_not():
    table = {kappa: _counts(kappa) for kappa in ch07.KAPPAS}
    assert [table[k][0] for k in ch07.KAPPAS] == [1, 35, 346, None]
    for kappa in ch07.KAPPAS:
        assert table[kappa][1:] == [40, 323, 108]
    # GD's count ≈ (κ/2)·ln 1000: re-derived from the rate (κ − 1)/(κ + 1) per step
    assert abs(346 - math.log(1e-3) / math.log(99 / 101)) < 1.5
    assert abs(100 / 2 * math.log(1000) - 346) < 1.5


def test_rmsprop_hovers_within_0007_and_adam_and_adagrad_converge():
    f = ch07.scaled_quadratic(100)
    distance = lambda opt: np.linalg.norm(run(opt, f.grad, ch07.SCALED_START, 3000).x[-100:], axis=-1)
    hover = distance(rmsprop(0.01))
    assert 0.0065 < hover.max() < 0.0075 and hover.min() > 0.006  # it stays away: hovers, does not converge
    assert distance(adam(0.05)).max() < 1e-60
    assert distance(adagrad(0.5)).max() < 1e-60


# Section 2: AdaGrad
def test_adagrad_steps_with_a_constant_gradient_are_lr_over_root_k():
    lengths = np.abs(np.diff(adaptive.replay(adagrad(0.01), 0.0, np.full(10_000, 3.0))))
    k = np.arange(1, 10_001)
    np.testing.assert_allclose(lengths, 0.01 * 3 / (np.sqrt(k) * 3 + 1e-10), rtol=1e-9)
    np.testing.assert_allclose(lengths[[0, 3, 99, 9999]], [0.01, 0.005, 0.001, 0.0001], rtol=1e-9)


def _sparse():
    frequencies = np.array([1.0, 0.3, 0.03, 0.01])
    return frequencies, LeastSquares(*adaptive.sparse_features(1000, frequencies, [1.0, -2.0, 3.0, 2.0], seed=0))


def test_sparse_features_gd_leaves_the_rare_weight_far_adagrad_fits_all():
    frequencies, f = _sparse()
    assert np.allclose(f.X.mean(axis=0), frequencies, atol=0.02)
    curvatures, vectors = np.linalg.eigh(f.X.T @ f.X / f.n)
    np.testing.assert_allclose(curvatures, [0.0099, 0.0262, 0.1857, 1.1012], atol=6e-5)
    assert np.argmax(np.abs(vectors[:, 0])) == 3  # the smallest curvature belongs to the 1 % feature
    gd = np.abs(run(sgd(1 / smoothness_constant(f)), f.grad, np.zeros(4), 200).x[-1] - f.minimizer)
    ada = np.abs(run(adagrad(0.5), f.grad, np.zeros(4), 200).x[-1] - f.minimizer)
    assert 0.25 < gd[3] < 0.45 and 0.02 < gd[2] < 0.04 and gd[2] < gd[3]
    assert ada.max() < 1e-5


# Section 3: RMSProp
def _drop_steps(opt):
    return np.abs(np.diff(adaptive.replay(opt, 0.0, np.r_[np.ones(500), np.full(1500, 0.01)])))


def test_rmsprop_first_step_is_lr_over_root_one_minus_alpha():
    assert np.isclose(_drop_steps(rmsprop(0.01))[0], 0.01 / math.sqrt(1 - 0.99), rtol=1e-6)


def test_after_the_drop_adagrad_stays_tiny_and_rmsprop_recovers_in_806_steps():
    ada, rms = _drop_steps(adagrad(0.01)), _drop_steps(rmsprop(0.01))
    assert np.isclose(ada[500], 0.01 * 0.01 / math.sqrt(500 + 1e-4), rtol=1e-6)
    assert np.isclose(ada[-1], 0.01 * 0.01 / math.sqrt(500 + 1500e-4), rtol=1e-6)
    assert np.isclose(rms[500], 1.0e-4, rtol=0.02) and np.isclose(rms[-1], 1.0e-2, rtol=0.01)
    # re-derived: the moving average by hand, the first k at the small gradient with a step >= lr/2
    v = 0.0
    for _ in range(500):
        v = 0.99 * v + 0.01
    k = 0
    while True:
        v = 0.99 * v + 0.01 * 1e-4
        if 0.01 * 0.01 / (math.sqrt(v) + 1e-8) >= 0.005:
            break
        k += 1
    assert k == 806 == int(np.argmax(rms[500:] >= 0.005))
    assert 7 < k / 100 < 9  # "about eight memory lengths 1/(1 − α)"


# Section 4: Adam
def test_correction_factors_and_the_first_k_with_one_half():
    assert [round(float(adaptive.correction_factor(0.9, k)), 4) for k in (1, 10, 100, 1000)] == [0.1, 0.6513, 1.0, 1.0]
    assert [round(float(adaptive.correction_factor(0.999, k)), 4) for k in (1, 10, 100, 1000)] == [0.001, 0.01, 0.0952, 0.6323]
    k = 1
    while 1 - 0.999**k < 0.5:
        k += 1
    assert k == 693 == adaptive.steps_until(0.999, 0.5)
    assert 1 - 0.999**692 < 0.5 <= 1 - 0.999**693


def test_adams_first_step_is_lr_g_over_abs_g_plus_eps_and_about_316_lr_uncorrected():
    g0 = np.array([1e3, 1.0, -1e-3, 1e-6])
    opt = adam(1e-3)
    step = opt.step(np.zeros(4), g0, opt.init(np.zeros(4)))[0]
    by_hand = np.array([adam_by_hand(lambda x, g=g: g, 0.0, 1)[1] for g in g0])
    uncorrected = np.array([adam_by_hand(lambda x, g=g: g, 0.0, 1, correct=False)[1] for g in g0])
    np.testing.assert_allclose(step, by_hand, rtol=1e-15)
    np.testing.assert_allclose(step / 1e-3, -g0 / (np.abs(g0) + 1e-8), rtol=1e-12)
    assert [round(value, 4) for value in step / 1e-3] == [-1, -1, 1, -0.9901]
    assert round(-step[3] / 1e-3, 4) == 0.9901
    np.testing.assert_allclose(uncorrected[:2] / 1e-3, [-3.16227766, -3.16227766], rtol=1e-6)
    assert round(uncorrected[2] / 1e-3, 4) == 3.1613 and round(-uncorrected[3] / 1e-3, 4) == 2.4025


def test_adam_on_rosenbrock_only_lr_01_reaches_the_minimum_in_1000_steps():
    f = ch07.ROSENBROCK
    finals = [run(adam(lr), f.grad, ch07.ROSENBROCK_START, 1000, f=f).f[-1] for lr in ch07.ADAM_LRS]
    assert finals[0] > 1 and 0.1 < finals[1] < 2 and 1e-4 < finals[2] < 0.1 and finals[3] < 1e-6


# Section 5: AdamW
@pytest.mark.parametrize("lam", [1e-4, 1e-2, 1.0])
def test_zero_gradient_adamw_is_the_power_and_adam_l2_ignores_lambda(lam):
    decoupled = adaptive.replay(adamw(1e-3, weight_decay=lam), 1.0, np.zeros(1000))
    assert np.isclose(decoupled[-1], (1 - 1e-3 * lam) ** 1000, rtol=1e-12)
    with_l2 = adaptive.replay(adam(1e-3, weight_decay=lam), 1.0, np.zeros(1000))
    np.testing.assert_allclose(with_l2, adam_by_hand(lambda x: 0.0, 1.0, 1000, l2=lam), rtol=1e-12)
    np.testing.assert_allclose(decoupled, adam_by_hand(lambda x: 0.0, 1.0, 1000, decoupled=lam), rtol=1e-12)
    assert round(with_l2[-1], 4) == 0.2577


def test_decay_conventions_differ_by_the_learning_rate():
    assert round((1 - 1e-3 * 0.01) ** 1000, 4) == 0.99
    assert 4.2e-5 < (1 - 0.01) ** 1000 < 4.4e-5
    assert round((1 - 1e-3 * 1.0) ** 1000, 4) == 0.3677 and round((1 - 1e-7) ** 1000, 4) == 0.9999


# Section 6: where ε goes
def test_eps_inside_and_outside_the_square_root():
    table = {g: (rmsprop(1.0).step(np.zeros(1), np.array([g]), rmsprop(1.0).init(np.zeros(1)))[0][0],
                 g / math.sqrt(0.01 * g * g + 1e-8)) for g in (1.0, 1e-3, 1e-6)}
    assert [round(-a, 3) for a, _ in table.values()] == [10.0, 9.999, 9.091]
    assert [round(b, 3) for _, b in table.values()] == [10.0, 7.071, 0.01]
    assert 900 < -table[1e-6][0] / table[1e-6][1] < 1000  # "a factor of almost a thousand"
    assert np.isclose(adaptive.rms_step(1e-6, 1e-14, 1e-8, eps_in_sqrt=True), table[1e-6][1], rtol=1e-12)


# Section 7: six optimizers from 1 000 starts
def test_many_starts_comparison():
    rng = np.random.default_rng(0)
    starts = rng.uniform([-2.0, -1.0], [2.0, 3.0], size=(1000, 2))
    rosenbrock = Rosenbrock()
    # "curvature up to about 5 000 in this box": the Hessian's largest eigenvalue over a grid of the box
    xs, ys = np.meshgrid(np.linspace(-2, 2, 81), np.linspace(-1, 3, 81))
    top = np.linalg.eigvalsh(rosenbrock.hessian(np.stack([xs, ys], axis=-1)))[..., -1].max()
    assert 4500 < top < 5500
    assert 90 < (2 / 101) / 2e-4 < 110  # "a hundred times smaller than the quadratic needs"
    optimizers = {"sgd": sgd(2e-4), "momentum": sgd(2e-5, momentum=0.9), "adagrad": adagrad(0.5),
                  "rmsprop": rmsprop(0.01), "adam": adam(0.02), "adamw": adamw(0.02)}
    quadratic = ch07.scaled_quadratic(100)
    q = {name: quadratic(x) for name, x in adaptive.final_points(optimizers, quadratic, starts, 2000).items()}
    r = {name: rosenbrock(x) for name, x in adaptive.final_points(optimizers, rosenbrock, starts, 2000).items()}
    below = {name: (int(np.sum(q[name] < 1e-6)), int(np.sum(r[name] < 1e-6))) for name in optimizers}
    assert below == {"sgd": (2, 0), "momentum": (2, 1), "adagrad": (1000, 4), "rmsprop": (2, 0), "adam": (998, 120),
                     "adamw": (998, 0)}
    assert 0.1 < np.median(q["sgd"]) < 0.3 and 0.1 < np.median(q["momentum"]) < 0.3  # "median value 0.2"
    assert 5e-4 < np.median(q["rmsprop"]) < 2e-3  # hovers
    for name in optimizers:
        assert np.median(r[name]) > 1e-2  # most starts are still in the valley
    # one batched run equals the starts run one at a time
    looped = np.array([run(adam(0.02), rosenbrock.grad, s, 50).x[-1] for s in starts[:20]])
    np.testing.assert_array_equal(run(adam(0.02), rosenbrock.grad, starts[:20], 50).x[-1], looped)


# The library module's bad input
@pytest.mark.parametrize(("call", "argument"), [
    (lambda: adaptive.correction_factor(1.0, 3), "beta"),
    (lambda: adaptive.steps_until(-0.1, 0.5), "beta"),
    (lambda: adaptive.steps_until(0.9, 1.0), "level"),
    (lambda: adaptive.rms_step(1.0, 1.0, 0.0), "eps"),
    (lambda: adaptive.sparse_features(0, [0.5], [1.0]), "n"),
])
def test_bad_input_is_a_value_error_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()
