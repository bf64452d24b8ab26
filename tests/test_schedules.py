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
        assert schedule(t) == pytest.approx(optax_warmup_cosine(t, 0.0, 3e-4, warmup, total, min_lr), rel=1e-12, abs=1e-18)


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
        (lambda: schedules.warmup_cosine(0.1, 2, 10, min_lr=-0.1), "min_lr must be a number in [0, peak_lr] = [0, 0.1], got -0.1"),
        (lambda: schedules.warmup_cosine(-0.1, 2, 10), "peak_lr must be a positive number, got -0.1"),
        (lambda: schedules.cosine(0.1, 0), "total_steps must be an integer >= 1, got 0"),
        (lambda: schedules.step_decay(0.1, 2, 0.0), "gamma must be a positive number, got 0.0"),
        (lambda: schedules.cosine(0.1, 10)(np.array([0, -2])), "t must be a step number 0, 1, 2, ..., got array([ 0, -2])"),
        (lambda: schedules.warmup_cosine(0.1, -1, 10), "warmup_steps must be a non-negative integer, got -1"),
        (lambda: schedules.constant(0.1)(-1), "t must be a step number 0, 1, 2, ..., got -1"),
        (lambda: schedules.constant(0.1)(0.5), "t must be a step number 0, 1, 2, ..., got 0.5"),
    ],
)
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
