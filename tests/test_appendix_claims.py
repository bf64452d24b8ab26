"""Every number the conventions appendix states, asserted (re-derived where a closed form exists); the forms are also
checked against optax itself in tests/test_optax_agreement.py."""

import math

import numpy as np
import pytest

from book import conventions
from book.figures import appendix as figures
from book.optim import adagrad, adam, adamw, rmsprop, run, sgd


# SGD momentum: equal at a constant rate (v = −η b), apart after the drop
def test_momentum_forms_agree_before_the_drop_and_part_after():
    pytorch, sutskever = conventions.momentum_forms(
        figures.VALLEY.grad, figures.VALLEY_START, figures.DROP, figures.MOMENTUM, figures.MOMENTUM_STEPS
    )
    gap = np.abs(pytorch - sutskever).max(axis=1)
    assert gap[:31].max() < 1e-12
    assert gap.max() == pytest.approx(0.109, abs=5e-4) and gap.argmax() == 45
    assert gap[-1] == pytest.approx(0.064, abs=5e-4)
    assert np.all(gap[32:] > 1e-3)  # apart at once, not just eventually


def test_sutskever_velocity_is_minus_lr_times_the_buffer_at_a_constant_rate():
    lr, beta = 0.05, 0.9
    pytorch, sutskever = conventions.momentum_forms(figures.VALLEY.grad, figures.VALLEY_START, lr, beta, 40)
    buffers = -np.diff(pytorch, axis=0) / lr  # x_(k+1) = x_k − η b_k
    velocities = np.diff(sutskever, axis=0)
    np.testing.assert_allclose(velocities, -lr * buffers, rtol=1e-10, atol=1e-14)


def test_momentum_coasts_about_one_over_one_minus_beta_steps():
    # after the drop Sutskever's velocity fades as β^k: it is below 1/e of its size after ≈ 1/(1 − β) = 10 steps
    _, sutskever = conventions.momentum_forms(
        figures.VALLEY.grad, figures.VALLEY_START, figures.DROP, figures.MOMENTUM, figures.MOMENTUM_STEPS
    )
    speed = np.linalg.norm(np.diff(sutskever, axis=0), axis=1)
    fade = np.argmax(speed[30:] < speed[30] / math.e)
    assert 5 <= fade <= 15


# Nesterov: PyTorch's iterates are Sutskever's look-ahead points
def test_nesterov_is_sutskever_shifted():
    lr, beta, steps = 0.05, 0.9, 60
    x = run(sgd(lr, momentum=beta, nesterov=True), figures.VALLEY.grad, figures.VALLEY_START, steps).x
    theta, v = conventions.sutskever_nesterov(figures.VALLEY.grad, figures.VALLEY_START, lr, beta, steps)
    assert np.abs(x - (theta + beta * v)).max() < 1e-12
    assert np.abs(x - theta).max() == pytest.approx(0.45, abs=5e-3)


# AdaGrad
def test_adagrad_first_steps():
    g = np.array([0.1, 1.0, 10.0])
    ours = conventions.first_step(adagrad(0.1), g)
    theirs = conventions.first_step(conventions.adagrad_eps_in_sqrt(0.1), g)
    np.testing.assert_allclose(ours, -0.1 * g / (g + 1e-10), rtol=1e-14)
    np.testing.assert_allclose(theirs, -0.1 * g / np.sqrt(0.1 + g * g + 1e-7), rtol=1e-14)
    np.testing.assert_allclose(theirs, [-0.0302, -0.0953, -0.1000], atol=5e-5)
    np.testing.assert_allclose(theirs / ours, [0.302, 0.953, 1.000], atol=5e-4)


def test_adagrad_gap_closes_as_the_sum_grows():
    g = np.full(1, 0.1)
    ours, theirs = adagrad(0.1), conventions.adagrad_eps_in_sqrt(0.1)
    x = run(ours, lambda x: g, np.zeros(1), 100).x
    y = run(theirs, lambda x: g, np.zeros(1), 100).x
    last = (y[-1] - y[-2]) / (x[-1] - x[-2])
    assert last == pytest.approx(1 / math.sqrt(1.1), rel=1e-6)  # √1 against √(0.1 + 1)


def test_adagrad_forms_agree_with_negligible_constants():
    grad = figures.VALLEY.grad
    x = run(adagrad(0.1, eps=1e-30), grad, figures.VALLEY_START, 100).x
    y = run(
        conventions.adagrad_eps_in_sqrt(0.1, initial_accumulator_value=0.0, eps=1e-60), grad, figures.VALLEY_START, 100
    ).x
    assert np.abs(x - y).max() <= 1e-12 * np.abs(x).max()


# RMSProp
def test_rmsprop_eps_placement_ratios():
    g = figures.EXAMPLE_GRADIENTS
    outside = conventions.first_step(rmsprop(figures.RMS_LR, alpha=figures.RMS_ALPHA), g)
    inside = conventions.first_step(conventions.rmsprop_eps_in_sqrt(figures.RMS_LR, alpha=figures.RMS_ALPHA), g)
    v = (1 - figures.RMS_ALPHA) * g * g
    np.testing.assert_allclose(inside / outside, (np.sqrt(v) + 1e-8) / np.sqrt(v + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(inside / outside, [0.9995, 0.9535, 0.3016, 0.0033], atol=5e-5)


def test_eps_placements_agree_when_root_v_is_far_above_root_eps_not_when_the_gradient_is():
    """Written out here: inside g/√(v + ε), outside g/(√v + ε). At g = 10√ε_opt they still differ; at √v = 100√ε_opt
    not."""
    eps = 1e-8
    for decay in (0.9, 0.99):
        g = 10 * math.sqrt(eps)  # "gradients ≫ 1e-4" would promise agreement here
        v = (1 - decay) * g * g
        assert 1 - (g / math.sqrt(v + eps)) / (g / (math.sqrt(v) + eps)) > 0.04
    rng = np.random.default_rng(14)
    for root_v, g in zip(10 ** rng.uniform(-2, 2, 50), 10 ** rng.uniform(-8, 2, 50)):  # √v ≥ 100 √ε_opt, any g
        v = root_v**2
        step = conventions.first_step(conventions.rmsprop_eps_in_sqrt(1.0, alpha=0.0), np.array([g]))  # v = g² here
        assert abs((g / math.sqrt(v + eps)) / (g / (math.sqrt(v) + eps)) - 1) < 1e-3
        assert step[0] == pytest.approx(-g / math.sqrt(g * g + eps), rel=1e-12)


def test_rmsprop_small_gradients_get_a_step_of_lr_over_root_one_minus_alpha():
    g = figures.GRADIENT_SIZES[figures.GRADIENT_SIZES >= 1e-6]
    steps = -conventions.first_step(rmsprop(figures.RMS_LR, alpha=figures.RMS_ALPHA), g) / figures.RMS_LR
    np.testing.assert_allclose(steps, 1 / math.sqrt(1 - figures.RMS_ALPHA), rtol=0.04)
    tiny = np.array([1e-8])
    inside = -conventions.first_step(conventions.rmsprop_eps_in_sqrt(figures.RMS_LR, alpha=figures.RMS_ALPHA), tiny)
    assert inside[0] == pytest.approx(figures.RMS_LR / math.sqrt(1e-8) * 1e-8, rel=1e-6)  # gradient descent at η/√δ


def test_ratio_crosses_one_half_near_root_delta():
    g = figures.GRADIENT_SIZES
    ratio = conventions.first_step(conventions.rmsprop_eps_in_sqrt(0.01, alpha=0.9), g) / conventions.first_step(
        rmsprop(0.01, alpha=0.9), g
    )
    crossing = g[np.argmax(ratio > 0.5)]
    assert 3e-5 < crossing < 3e-4


# Adam's efficient form
def test_adam_efficient_form_first_step_ratios():
    ratios = [
        (
            conventions.first_step(conventions.adam_paper(1e-3), np.array([gi]))
            / conventions.first_step(adam(1e-3), np.array([gi]))
        )[0]
        for gi in (1.0, 1e-8)
    ]
    assert ratios[0] == pytest.approx(1.0, abs=5e-5)
    # re-derived: α₁ = η√(1 − β₂)/(1 − β₁), m = (1 − β₁)g, √v = √(1 − β₂)|g|; PyTorch: η g/(|g| + δ)
    g, delta = 1e-8, 1e-8
    paper = math.sqrt(0.001) / 0.1 * (0.1 * g) / (math.sqrt(0.001) * g + delta)
    assert ratios[1] == pytest.approx(paper / (g / (g + delta)), rel=1e-10)
    assert ratios[1] == pytest.approx(0.0613, abs=5e-5)


# AdamW
def test_adamw_zero_gradient_weights():
    weights = [
        run(opt, np.zeros_like, np.ones(1), figures.ADAMW_STEPS).x[-1, 0] for opt in figures.WEIGHT_DECAYS.values()
    ]
    assert weights[0] == pytest.approx((1 - 1e-5) ** 1000, rel=1e-12) and f"{weights[0]:.3f}" == "0.990"
    assert weights[1] == pytest.approx((1 - 1e-7) ** 1000, rel=1e-12) and f"{weights[1]:.4g}" == "0.9999"
    assert weights[2] == pytest.approx(0.99**1000, rel=1e-12) and f"{weights[2]:.4g}" == "4.317e-05"


def test_adamw_paper_form_with_mapped_decay_equals_pytorch():
    x = run(adamw(1e-3, weight_decay=0.01), figures.VALLEY.grad, figures.VALLEY_START, 200).x
    y = run(conventions.adamw_paper(1e-3, weight_decay=1e-3 * 0.01), figures.VALLEY.grad, figures.VALLEY_START, 200).x
    assert np.abs(x - y).max() < 1e-12
    z = run(conventions.adamw_paper(1e-3, weight_decay=0.01), figures.VALLEY.grad, figures.VALLEY_START, 200).x
    assert np.abs(x - z).max() > 0.1  # unmapped, it is a different run


# Schedules
def test_warmup_misreading():
    t = np.arange(figures.TOTAL + 1)
    counted, misread = (schedule(t) for schedule in figures.SCHEDULES.values())
    assert counted[-1] == pytest.approx(0.0, abs=1e-15)
    assert misread[-1] == pytest.approx(0.5 * (1 + math.cos(math.pi * 900 / 1000)), rel=1e-12)
    assert f"{misread[-1]:.4f}" == "0.0245"
    assert np.abs(counted - misread).max() == pytest.approx(0.0956, abs=5e-5)
    np.testing.assert_array_equal(counted[:101], misread[:101])  # the warmups are the same
    assert counted[0] == 0.0 and counted[100] == 1.0


# Gradient layout
def test_layer_gradients_are_transposes_and_match_finite_differences():
    rng = np.random.default_rng(0)
    inputs, upstream = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    out_in = conventions.layer_gradient(inputs, upstream, "out_in")
    in_out = conventions.layer_gradient(inputs, upstream, "in_out")
    assert out_in.shape == (2, 3) and in_out.shape == (3, 2) and np.array_equal(out_in, in_out.T)
    # ℓ(W) = Σ upstream ⊙ (x Wᵀ) has ∂ℓ/∂y = upstream: its central differences in W give the (out, in) gradient
    loss = lambda w: float(np.sum(upstream * (inputs @ w.T)))
    w, h = rng.normal(size=(2, 3)), 1e-6
    numeric = np.array(
        [[(loss(w + h * e) - loss(w - h * e)) / (2 * h) for e in basis] for basis in np.eye(6).reshape(2, 3, 2, 3)]
    )
    np.testing.assert_allclose(numeric, out_in, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize(
    "bad, match",
    [
        (lambda: conventions.layer_gradient(np.ones((4, 3)), np.ones((5, 2)), "out_in"), "upstream"),
        (lambda: conventions.layer_gradient(np.ones((4, 3)), np.ones((4, 2)), "rows"), "layout"),
        (lambda: conventions.rmsprop_eps_in_sqrt(0.01, eps=0.0), "eps"),
        (lambda: conventions.adamw_paper(weight_decay=-1.0), "weight_decay"),
        (lambda: conventions.adam_paper(betas=(0.9, 1.0)), "betas"),
        (lambda: conventions.sutskever_nesterov(np.sin, np.ones(2), 0.1, 1.5, 3), "momentum"),
    ],
)
def test_bad_input_is_a_value_error_naming_the_argument(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()
