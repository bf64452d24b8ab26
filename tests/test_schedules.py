"""book.schedules against the documented formulas of PyTorch, optax and Hugging Face, transcribed here."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from book import optim, schedules


def optax_warmup_cosine(t, init_value, peak_value, warmup_steps, decay_steps, end_value):
    """optax.warmup_cosine_decay_schedule: linear warmup, then cosine_decay_schedule over decay_steps - warmup."""
    if t < warmup_steps:
        return init_value + (peak_value - init_value) * t / warmup_steps
    count = min(t - warmup_steps, decay_steps - warmup_steps)
    cosine = 0.5 * (1 + math.cos(math.pi * count / (decay_steps - warmup_steps)))
    alpha = end_value / peak_value
    return peak_value * ((1 - alpha) * cosine + alpha)


def hugging_face_multiplier(t, warmup, total):
    """transformers.get_cosine_schedule_with_warmup's lr_lambda (num_cycles = 0.5)."""
    if t < warmup:
        return t / max(1, warmup)
    progress = (t - warmup) / max(1, total - warmup)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))


@pytest.mark.parametrize("warmup, total, min_lr", [(10, 100, 0.0), (10, 100, 3e-5), (0, 50, 1e-4), (1, 2, 0.0)])
def test_warmup_cosine_equals_optax(warmup, total, min_lr):
    schedule = schedules.warmup_cosine(3e-4, warmup, total, min_lr)
    for t in range(total + 20):
        assert schedule(t) == pytest.approx(
            optax_warmup_cosine(t, 0.0, 3e-4, warmup, total, min_lr), rel=1e-12, abs=1e-18
        )


def test_warmup_cosine_to_zero_equals_hugging_face():
    schedule = schedules.warmup_cosine(1.0, 7, 40)
    for t in range(41):  # Hugging Face's rule is meant for t <= total (past it, its cosine rises again)
        assert schedule(t) == pytest.approx(hugging_face_multiplier(t, 7, 40), rel=1e-12, abs=1e-15)


def test_warmup_starts_at_zero_and_peaks_at_warmup_steps():
    schedule = schedules.warmup_cosine(2.0, 5, 20, min_lr=0.2)
    assert schedule(0) == 0.0 and schedule(5) == 2.0 and schedule(20) == pytest.approx(0.2) and schedule(10**6) == 0.2
    assert np.all(np.diff(schedule(np.arange(6))) > 0) and np.all(np.diff(schedule(np.arange(5, 21))) < 0)


def test_cosine_equals_pytorchs_closed_form_and_stays_at_min_after():
    lr, low, total = 0.1, 0.001, 30
    schedule = schedules.cosine(lr, total, low)
    for t in range(total + 1):
        assert schedule(t) == pytest.approx(low + (lr - low) * (1 + math.cos(math.pi * t / total)) / 2, rel=1e-14)
    assert schedule(total + 7) == low


def wsd_by_hand(t, peak, warmup, total, decay, low):
    """Warmup–stable–decay as MiniCPM and Hägele et al. (2024) describe it, with a linear decay, written out."""
    if t < warmup:
        return peak * t / warmup
    if t <= total - decay:
        return peak
    if t >= total:
        return low
    return peak - (peak - low) * (t - (total - decay)) / decay


@pytest.mark.parametrize(
    "warmup, total, decay, low", [(15, 150, 30, 1e-3), (0, 20, 1, 0.0), (3, 10, 7, 0.005), (1, 2, 1, 0.0)]
)
def test_warmup_stable_decay_equals_the_piecewise_formula(warmup, total, decay, low):
    schedule = schedules.warmup_stable_decay(0.01, warmup, total, decay, low)
    for t in range(total + 10):
        assert schedule(t) == pytest.approx(wsd_by_hand(t, 0.01, warmup, total, decay, low), rel=1e-12, abs=1e-18)
    np.testing.assert_allclose(schedule(np.arange(total + 10)), [schedule(t) for t in range(total + 10)], rtol=0)


def test_warmup_stable_decay_equals_optax_joined_schedules():
    optax = pytest.importorskip("optax")
    peak, warmup, total, decay, low = 3e-4, 10, 100, 20, 3e-5
    joined = optax.join_schedules(
        [
            optax.linear_schedule(0.0, peak, warmup),
            optax.constant_schedule(peak),
            optax.linear_schedule(peak, low, decay),
        ],
        boundaries=[warmup, total - decay],
    )
    schedule = schedules.warmup_stable_decay(peak, warmup, total, decay, low)
    for t in range(total + 5):
        assert schedule(t) == pytest.approx(float(joined(t)), rel=1e-6, abs=1e-12)  # optax works in float32


def test_warmup_stable_decay_shares_the_warmup_of_warmup_cosine_and_is_continuous():
    wsd, cosine = schedules.warmup_stable_decay(1.0, 10, 50, 10, 0.1), schedules.warmup_cosine(1.0, 10, 50, 0.1)
    steps = np.arange(60)
    np.testing.assert_array_equal(wsd(steps[:11]), cosine(steps[:11]))
    assert np.max(np.abs(np.diff(wsd(steps)))) <= 0.1 + 1e-12  # no jump larger than one warmup or decay increment
    assert wsd(40) == 1.0 and wsd(41) == pytest.approx(0.91) and wsd(50) == pytest.approx(0.1)


@pytest.mark.parametrize("beta2", [0.9, 0.95, 0.999])
def test_radam_rho_is_twice_the_mean_age_of_adams_average_plus_one(beta2):
    """ρ_t matches the simple average of the last ρ_t gradients (mean age (ρ_t − 1)/2) to the bias-corrected EMA,
    whose weights (1 − β₂)β₂^a/(1 − β₂ᵗ) on the gradient of age a = 0..t−1 are summed here."""
    for t in (1, 2, 3, 7, 50, 400):
        ages = np.arange(t)
        weights = (1 - beta2) * beta2**ages / (1 - beta2**t)
        assert weights.sum() == pytest.approx(1.0)
        assert schedules.radam_rho(t, beta2) == pytest.approx(2 * (weights @ ages) + 1, rel=1e-10)
    assert schedules.radam_rho(10**5, beta2) == pytest.approx(2 / (1 - beta2) - 1)


def test_radam_rectification_switches_on_after_rho_passes_4_and_tends_to_1():
    r = schedules.radam_rectification(np.arange(1, 20_000))
    rho = schedules.radam_rho(np.arange(1, 20_000))
    np.testing.assert_array_equal(r > 0, rho > 4)
    assert np.all(np.diff(r[r > 0]) > 0) and r[-1] == pytest.approx(1.0, abs=1e-6)


def test_radam_rectification_is_the_ratio_of_standard_deviations_of_the_adaptive_factor():
    """r_t² approximates Var[ψ_∞]/Var[ψ_t] for ψ = √(ρ/χ²_ρ), the inverse root of a mean of ρ squared N(0, 1)
    gradients; the exact variance is ρ/(ρ − 2) − ρ·(Γ((ρ − 1)/2)/(√2·Γ(ρ/2)))². RAdam's first-order formula is within
    8 % of the exact ratio once ρ_t ≥ 15, and close where it matters (t large)."""

    def exact_variance(rho):
        return rho / (rho - 2) - rho * math.exp(math.lgamma((rho - 1) / 2) - math.lgamma(rho / 2)) ** 2 / 2

    for beta2 in (0.95, 0.99, 0.999):
        rho_infinity = 2 / (1 - beta2) - 1
        for t in (10, 20, 50, 200, 2000):
            rho = schedules.radam_rho(t, beta2)
            if rho >= 15:
                exact = math.sqrt(exact_variance(rho_infinity) / exact_variance(rho))
                assert schedules.radam_rectification(t, beta2) == pytest.approx(exact, rel=0.08)


def test_step_and_exponential_decay():
    step = schedules.step_decay(0.1, step_size=3, gamma=0.1)
    np.testing.assert_allclose(step(np.arange(9)), [0.1] * 3 + [0.01] * 3 + [0.001] * 3, rtol=1e-14)
    exponential = schedules.exponential(0.5, 0.9)
    assert exponential(0) == 0.5 and exponential(10) == pytest.approx(0.5 * 0.9**10, rel=1e-14)
    assert schedules.constant(0.3)(12345) == 0.3


def test_an_optimizer_takes_a_schedule_with_t_zero_first():
    schedule = schedules.step_decay(1.0, step_size=1, gamma=0.5)
    trajectory = optim.run(optim.sgd(schedule), lambda x: np.ones_like(x), np.zeros(1), 3)
    np.testing.assert_allclose(trajectory.x[:, 0], [0.0, -1.0, -1.5, -1.75], rtol=1e-15)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: schedules.constant(0.0), "lr must be a positive number, got 0.0"),
        (lambda: schedules.step_decay(0.1, 0, 0.5), "step_size must be an integer >= 1, got 0"),
        (lambda: schedules.exponential(0.1, -0.5), "gamma must be a positive number, got -0.5"),
        (lambda: schedules.cosine(0.1, 10, min_lr=0.2), "min_lr must be a number in [0, lr] = [0, 0.1], got 0.2"),
        (lambda: schedules.warmup_cosine(0.1, 10, 10), "total_steps must be an integer >= 11, got 10"),
        (
            lambda: schedules.warmup_cosine(0.1, 2, 10, min_lr=-0.1),
            "min_lr must be a number in [0, peak_lr] = [0, 0.1], got -0.1",
        ),
        (lambda: schedules.warmup_cosine(-0.1, 2, 10), "peak_lr must be a positive number, got -0.1"),
        (lambda: schedules.cosine(0.1, 0), "total_steps must be an integer >= 1, got 0"),
        (lambda: schedules.step_decay(0.1, 2, 0.0), "gamma must be a positive number, got 0.0"),
        (
            lambda: schedules.cosine(0.1, 10)(np.array([0, -2])),
            "t must be a step number 0, 1, 2, ..., got array([ 0, -2])",
        ),
        (lambda: schedules.warmup_cosine(0.1, -1, 10), "warmup_steps must be a non-negative integer, got -1"),
        (lambda: schedules.constant(0.1)(-1), "t must be a step number 0, 1, 2, ..., got -1"),
        (lambda: schedules.constant(0.1)(0.5), "t must be a step number 0, 1, 2, ..., got 0.5"),
        (lambda: schedules.warmup_stable_decay(0.1, 2, 10, 0), "decay_steps must be an integer >= 1, got 0"),
        (lambda: schedules.warmup_stable_decay(0.1, 5, 10, 6), "total_steps must be an integer >= 11, got 10"),
        (
            lambda: schedules.warmup_stable_decay(0.1, 2, 10, 3, min_lr=0.2),
            "min_lr must be a number in [0, peak_lr] = [0, 0.1], got 0.2",
        ),
        (lambda: schedules.radam_rho(0), "t must count gradients seen, 1, 2, 3, ..., got 0"),
        (lambda: schedules.radam_rectification(3, beta2=0.5), "beta2 must be a number in (0.8, 1), got 0.5"),
    ],
)
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
