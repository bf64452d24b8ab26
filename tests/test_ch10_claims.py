"""Every number Chapter 10's prose states, asserted: if the text starts to lie, this fails."""

import numpy as np
import pytest

from book import landscape, networks, scale, training
from book.figures import ch10
from book.optim import adam, adamw, run

STEPS, PEAK, WARMUP = 400, 0.05, 20
INPUTS, TARGETS, _ = networks.two_layer_problem()


@pytest.fixture(scope="module")
def recipe_run():
    return run(scale.recipe_optimizer(PEAK, WARMUP, STEPS), scale.clipped(training.sine_gradient, 1.0),
               training.sine_start(), STEPS, f=training.sine_loss)


def _at(trajectory, t):
    return {k: v[t] for k, v in trajectory.x.items()}


# Section 1: the recipe


def test_recipe_is_adamw_with_the_published_settings():
    assert scale.RECIPE == {"betas": (0.9, 0.95), "weight_decay": 0.1, "max_norm": 1.0, "min_lr_fraction": 0.1}
    ours = scale.recipe_optimizer(PEAK, WARMUP, STEPS)
    assert ours.lr(0) == 0.0 and ours.lr(WARMUP) == pytest.approx(PEAK, rel=1e-12)
    assert ours.lr(STEPS) == pytest.approx(0.1 * PEAK, rel=1e-12) and ours.lr(STEPS // 2) > 0.1 * PEAK
    # during the warmup it is AdamW(β₂ = 0.95, λ = 0.1) at the rate η_t = PEAK · t / WARMUP
    reference = adamw(lambda t: PEAK * t / WARMUP, betas=(0.9, 0.95), weight_decay=0.1)
    a = run(ours, training.sine_gradient, training.sine_start(), WARMUP)
    b = run(reference, training.sine_gradient, training.sine_start(), WARMUP)
    for name in a.x:
        np.testing.assert_allclose(a.x[name], b.x[name], rtol=1e-12, atol=1e-15)


def test_recipe_and_adam_both_train_below_1e3_and_clipping_never_acts(recipe_run):
    adam_run = run(adam(0.01), training.sine_gradient, training.sine_start(), STEPS, f=training.sine_loss)
    assert recipe_run.f[0] == pytest.approx(0.112, abs=5e-4)
    assert recipe_run.f[-1] < 1e-3 and adam_run.f[-1] < 1e-3
    norms = [scale.global_norm(training.sine_gradient(_at(recipe_run, t))) for t in range(STEPS)]
    assert max(norms) == pytest.approx(0.88, abs=0.005) and max(norms) < 1.0
    unclipped = run(scale.recipe_optimizer(PEAK, WARMUP, STEPS), training.sine_gradient, training.sine_start(), STEPS)
    np.testing.assert_array_equal(unclipped.x["W1"], recipe_run.x["W1"])  # clipping at 1 is a no-op here


# Section 2: clipping


def test_clipped_gradient_has_norm_max_norm_and_the_same_direction():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    c = scale.clipped(lambda x: g, 1.0)(None)
    assert scale.global_norm(c) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(c["a"] / c["b"][0, 0], g["a"] / 4.0)


@pytest.mark.parametrize("s, order, raw_jump", [(10, 100, 300), (100, 1000, 1000)])
def test_outlier_norms_and_jumps(s, order, raw_jump):
    raw, clip = scale.outlier_run(None, s), scale.outlier_run(1.0, s)
    t = ch10.OUTLIER_STEP
    norm = scale.global_norm(networks.two_layer_backprop(_at(raw, t), INPUTS, s * (TARGETS + 1)))
    assert order / 3.2 < norm < order * 3.2
    assert raw.f[t + 1:].max() / raw.f[t] > raw_jump  # chaotic after the outlier: a bound, not a value
    assert 25 < clip.f[t + 1:].max() / clip.f[t] < 50
    np.testing.assert_array_equal(raw.f[:t + 1], clip.f[:t + 1])  # identical up to the outlier
    assert raw.f[-1] > 2 * clip.f[-1]  # the unclipped run recovers slowly: still above at step 400


# Section 3: accumulation


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 7, 64])
def test_accumulation_equals_the_full_batch_gradient(k):
    start = training.sine_start()
    full = networks.two_layer_backprop(start, INPUTS, TARGETS)
    acc = scale.accumulated_gradient(networks.two_layer_backprop, start, INPUTS, TARGETS, k)
    for name in full:
        np.testing.assert_allclose(acc[name], full[name], rtol=0, atol=1e-12)


def test_equal_weights_are_wrong_for_unequal_micro_batches():
    start = training.sine_start()
    full = networks.two_layer_backprop(start, INPUTS, TARGETS)
    parts = [networks.two_layer_backprop(start, INPUTS[r], TARGETS[r]) for r in np.array_split(np.arange(64), 5)]
    assert [len(r) for r in np.array_split(np.arange(64), 5)] == [13, 13, 13, 13, 12]
    naive = sum(p["W2"] for p in parts) / 5
    assert np.max(np.abs(naive - full["W2"])) > 1e-6


def test_activation_count_matches_the_arrays_backprop_stores():
    start = training.sine_start()
    z = INPUTS @ start["W1"] + start["b1"]
    stored = z.size + np.tanh(z).size + networks.two_layer_output(start, INPUTS).size
    assert scale.micro_batch_costs(64, 1, 33)["stored_activations"] == stored == 2112
    assert scale.micro_batch_costs(64, 64, 33) == {"stored_activations": 33, "passes": 64, "examples": 64}


# Section 4: memory


def test_bytes_per_parameter_and_the_7b_model():
    assert [scale.bytes_per_parameter(o, p) for o in ("sgd", "momentum", "adam") for p in ("fp32", "mixed")] == [8, 8, 12, 12, 16, 16]
    m = scale.training_memory(7e9, "adam", "mixed")
    assert m == {"weights": 14e9, "gradients": 14e9, "master": 28e9, "optimizer": 56e9, "total": 112e9}


def test_zero_reproduces_the_papers_7_5b_over_64_devices():
    # Rajbhandari et al. 2020, figure 1: 120 GB, 31.4 GB, 16.6 GB, 1.9 GB
    m = scale.training_memory(7.5e9, "adam", "mixed")
    per_device = [scale.sharded_memory(m, stage, 64)["total"] / 1e9 for stage in range(4)]
    np.testing.assert_allclose(per_device, [120, 31.4, 16.6, 1.9], atol=0.05)


def test_7b_over_8_devices_per_stage():
    m = scale.training_memory(7e9, "adam", "mixed")
    per_device = [scale.sharded_memory(m, stage, 8)["total"] / 1e9 for stage in range(4)]
    np.testing.assert_allclose(per_device, [112, 38.5, 26.25, 14], rtol=1e-12)


# Section 5: bf16


def test_bf16_rounding_and_spacing():
    assert scale.bf16(1 + 2.0**-9) == 1.0 and scale.bf16(1 + 2.0**-8) == 1.0  # below / at half the spacing (tie to even)
    assert scale.bf16(1 + 2.0**-7) == 1 + 2.0**-7 and scale.bf16(3.01) == 3.015625
    assert [float(np.spacing(np.float32(w).astype(scale.BF16))) for w in (1, 2, 4)] == [2.0**-7, 2.0**-6, 2.0**-5]


def test_bf16_descent_stalls_and_master_weights_fix_it():
    w0 = np.array([1.0, 2.0, 3.0, 4.0])
    only = scale.bf16_descent(w0, w0 - 0.5, 0.01, 1000, master=False)
    master = scale.bf16_descent(w0, w0 - 0.5, 0.01, 1000, master=True)
    np.testing.assert_array_equal(np.abs(only[-1] - (w0 - 0.5)), [0.1953125, 0.390625, 0.5, 0.5])
    np.testing.assert_array_equal(only[:, 2:], np.tile([3.0, 4.0], (1001, 1)))  # never move
    assert 60 < np.argmax(np.all(only == only[-1], axis=1)) < 100  # frozen after about 80 steps
    np.testing.assert_array_equal(master[-1], w0 - 0.5)
    assert 500 < np.argmax(np.all(master == w0 - 0.5, axis=1)) < 580  # reached after about 540 steps
    exact = w0 - 0.5 + 0.5 * 0.99 ** np.arange(1001)[:, None]
    assert np.max(np.abs(master - exact)) < 0.02  # the master run follows exact arithmetic to within bf16's spacing


# Section 6: surfaces


def test_minima_fractions_fall_faster_than_two_to_the_minus_n():
    counts = [round(landscape.positive_definite_fraction(n) * 20000) for n in range(1, 8)]
    assert counts == [9960, 2900, 520, 57, 2, 0, 0]
    assert landscape.positive_definite_fraction(3, seed=5) == pytest.approx(0.026, abs=0.004)  # other samples agree
    assert landscape.positive_definite_fraction(2, samples=200000, seed=1) == pytest.approx(0.146, abs=0.004)


def test_trained_network_is_the_lowest_point_of_its_plane(recipe_run):
    trained = _at(recipe_run, -1)
    d1, d2 = (landscape.filter_normalised_direction(trained, seed=s) for s in (1, 2))
    alphas = np.linspace(-1, 1, 41)
    plane = landscape.loss_plane(training.sine_loss, trained, d1, d2, alphas, alphas)
    assert np.unravel_index(np.argmin(plane), plane.shape) == (20, 20)
    assert 3 < plane.max() < 30 and plane.max() / plane[20, 20] > 1e4
    row = plane[20]
    assert np.all(np.diff(row[20:]) > 0) and np.all(np.diff(row[:21]) < 0)  # the 1-D slice is a valley


def test_adam_step_right_after_an_outlier_is_045_lr():
    lr, x = 0.01, np.zeros(3)
    opt = adamw(lr, betas=(0.9, 0.95), weight_decay=0.0)
    state = opt.init(x)
    for _ in range(200):
        x, state = opt.step(x, np.full(3, 1e-3), state)
    before = x
    x, state = opt.step(x, np.full(3, 1.0), state)  # an outlier 1 000 times the usual gradient
    np.testing.assert_allclose(np.abs(x - before) / lr, 0.1 / np.sqrt(0.05), rtol=0.01)
    assert 0.1 / np.sqrt(0.05) == pytest.approx(0.45, abs=0.005)
