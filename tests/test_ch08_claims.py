"""Every number Chapter 8's prose states, asserted: if the text starts to lie, this fails."""

import math

import numpy as np
import pytest

from book import schedules, training
from book.figures import ch08
from book.optim import adam, sgd

START_LOSS = training.sine_loss(training.sine_start())


# Section 1: six schedules


def test_schedule_values_the_text_reads_off():
    s = ch08.SCHEDULES
    assert s["step: ×0.5 every 250"](500) == pytest.approx(0.025, rel=1e-12)
    assert s["cosine to 0.01"](500) == pytest.approx(0.055, rel=1e-12)
    warm = s["warmup 100 + cosine"]
    assert warm(0) == 0.0 and warm(100) == pytest.approx(0.1, rel=1e-12)
    assert warm(99) < 0.1 and warm(1000) == pytest.approx(0.01, rel=1e-12)
    # exponential decay with γ = 0.997: halves in ≈ 231 steps, 5 % left after 1 000
    rates = s["exponential γ = 0.997"](np.arange(1001))
    assert np.argmax(rates <= 0.05) in (231, 232)
    assert rates[1000] / 0.1 == pytest.approx(0.05, abs=0.001)
    cosine = s["cosine to 0.01"](np.arange(1001))
    assert cosine[250] > 0.085 and cosine[750] < 0.025  # near the peak for a quarter, near the minimum for the last


# Section 2: conventions


def test_optax_with_the_cosine_length_as_decay_steps_ends_at_900():
    optax = pytest.importorskip("optax")
    peak, W, T = 1e-3, 100, 1000
    book = schedules.warmup_cosine(peak, W, T)(np.arange(T + 1))
    right = np.array([optax.warmup_cosine_decay_schedule(0.0, peak, W, T, 0.0)(t) for t in range(T + 1)])
    wrong = np.array([optax.warmup_cosine_decay_schedule(0.0, peak, W, T - W, 0.0)(t) for t in range(T + 1)])
    np.testing.assert_allclose(right, book, rtol=1e-5, atol=1e-10)  # optax computes in float32
    assert np.flatnonzero(wrong[W:] < 1e-12)[0] + W == 900
    assert np.max(np.abs(wrong - book)) / peak == pytest.approx(0.11, abs=0.01)


# Section 3: Adam's first steps and the warmup spike


@pytest.mark.parametrize("lr, at10, at100", [(0.01, 0.25, 0.10), (0.1, 0.22, 0.019)])
def test_adam_first_step_moves_every_weight_by_lr(lr, at10, at100):
    trajectory = training.fit_sine(adam(lr), ch08.STEPS)
    first = np.concatenate([np.abs(trajectory.x[k][1] - trajectory.x[k][0]).ravel() for k in trajectory.x])
    g0 = np.concatenate([np.abs(g).ravel() for g in training.sine_gradient(training.sine_start()).values()])
    assert first.size == 49 and np.sum(g0 < 1e-8) == 17  # the 17 biases: zero gradient by symmetry
    np.testing.assert_allclose(first, lr * g0 / (g0 + 1e-8), rtol=1e-9, atol=1e-15)  # m̂ = g, v̂ = g²
    assert np.sum(np.abs(first - lr) < 1e-3 * lr) == 32
    assert np.all(first[g0 < 1e-8] < 1e-2 * lr)
    ratios = training.step_to_lr_ratios(trajectory, lr)
    assert ratios[10] == pytest.approx(at10, rel=0.1) and ratios[100] == pytest.approx(at100, rel=0.15)
    assert np.all(ratios[50:] < 0.5)


def test_warmup_spike_table():
    spikes = {
        (peak, w): ch08.warmup_losses(peak, w)[1:51].max() / START_LOSS for peak in ch08.PEAK_LRS for w in ch08.WARMUPS
    }
    assert START_LOSS == pytest.approx(0.112, abs=5e-4)
    assert all(spikes[peak, w] < 1.1 for peak in (0.01, 0.03) for w in ch08.WARMUPS)
    assert spikes[0.1, 0] == pytest.approx(9, rel=0.1)
    assert spikes[0.3, 0] == pytest.approx(80, rel=0.15)
    assert spikes[1.0, 0] == pytest.approx(600, rel=0.15)
    assert spikes[1.0, 100] < 2
    assert max(spikes[1.0, w] for w in (5, 10, 20, 50)) > 5  # short warmups still spike at peak 1
    for peak in (0.1, 0.3):  # at the moderate peaks a longer warmup never spikes more
        assert all(spikes[peak, a] >= spikes[peak, b] * 0.99 for a, b in zip(ch08.WARMUPS, ch08.WARMUPS[1:]))


# Section 4: the range test


def test_range_test_blow_up_and_the_suggestion_training_runs():
    lrs, losses = training.lr_range_test(
        adam,
        training.sine_gradient,
        training.sine_loss,
        training.sine_start(),
        lr_min=ch08.LR_MIN,
        lr_max=ch08.LR_MAX,
        steps=200,
    )
    blow_up = training.blow_up_lr(lrs, losses)
    assert 0.085 < blow_up < 0.11 and losses.min() < START_LOSS / 10
    assert round(math.log10(training.suggest_lr(lrs, losses))) == -2
    finals = {}
    for peak in (0.001, 0.01, 0.1):
        f = training.fit_sine(adam(schedules.warmup_cosine(peak, 20, ch08.STEPS)), ch08.STEPS).f
        finals[peak] = f[-1]
        assert f.max() < 1.2 * f[0]  # no spike at any of the three
    assert 8 < finals[0.001] / finals[0.01] < 20  # "about ten times further"
    assert finals[0.1] < finals[0.01] / 3  # "ends lower still"


def test_range_test_is_specific_to_the_optimizer():
    adam_lrs, adam_losses = training.lr_range_test(
        adam,
        training.sine_gradient,
        training.sine_loss,
        training.sine_start(),
        lr_min=ch08.LR_MIN,
        lr_max=ch08.LR_MAX,
        steps=200,
    )
    gd_lrs, gd_losses = training.lr_range_test(
        sgd,
        training.sine_gradient,
        training.sine_loss,
        training.sine_start(),
        lr_min=ch08.LR_MIN,
        lr_max=ch08.LR_MAX,
        steps=200,
    )
    assert 3 < training.blow_up_lr(gd_lrs, gd_losses) / training.blow_up_lr(adam_lrs, adam_losses) < 20
    fast = training.lr_range_test(
        adam,
        training.sine_gradient,
        training.sine_loss,
        training.sine_start(),
        lr_min=ch08.LR_MIN,
        lr_max=ch08.LR_MAX,
        steps=50,
    )
    assert training.blow_up_lr(*fast) > training.blow_up_lr(adam_lrs, adam_losses)  # a faster sweep blows up later


# Section 3: the linear-scaling rule and Chapter 5's noise ball


def _settled_by_hand(lr, batch, runs=200, steps=3000, seed=0):
    """Mini-batch SGD (batches drawn with replacement) on Chapter 5's least squares, written out: E‖w − w*‖² once
    settled."""
    from book.figures import ch05

    f = ch05.PROBLEM
    rng = np.random.default_rng(seed)
    w = np.tile(f.minimizer, (runs, 1))
    total = 0.0
    for t in range(steps):
        rows = rng.integers(0, f.n, size=(runs, batch))
        X, y = f.X[rows], f.y[rows]
        residual = np.einsum("rbd,rd->rb", X, w) - y
        w = w - lr * np.einsum("rb,rbd->rd", residual, X) / batch
        if t >= steps // 2:
            total += np.mean(np.sum((w - f.minimizer) ** 2, axis=1))
    return total / (steps - steps // 2)


def test_linear_scaling_keeps_the_noise_ball_while_the_rate_is_small():
    balls = {(lr, batch): _settled_by_hand(lr, batch, seed=batch) for lr, batch in ch08.SCALING_SETTINGS}
    base = balls[ch08.SCALING_SETTINGS[0]]
    along = [balls[setting] / base for setting in ch08.SCALING_SETTINGS[:4]]
    assert all(abs(ratio - 1) < 0.1 for ratio in along)  # k× batch, k× η: the same ball
    assert balls[ch08.SCALING_SETTINGS[4]] / base == pytest.approx(0.25, rel=0.1)  # same η, 4× batch: a quarter
    assert _settled_by_hand(0.4, 4, steps=2000) / base > 1.3  # at large rates the rule no longer holds


def test_the_exponential_sweep_is_attributed_to_fastai_and_smith_swept_linearly():
    import json
    from pathlib import Path

    cells = json.loads((Path(__file__).parent.parent / "chapters" / "08_schedules.ipynb").read_text())["cells"]
    text = " ".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    smith = text[text.index("Smith (2017") :][:200]
    assert "linear" in smith and "exponential" not in smith
    assert "fastai's exponential sweep" in text
