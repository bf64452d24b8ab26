"""book.training: the sine fit, Adam's step ratios and the learning-rate range test."""

import numpy as np
import pytest

from book import networks, training
from book.optim import adam, sgd


def test_sine_loss_and_gradient_match_the_network_and_central_differences():
    start = training.sine_start()
    inputs, targets, _ = networks.two_layer_problem(samples=64, width=16, seed=0)
    assert training.sine_loss(start) == pytest.approx(
        np.mean((networks.two_layer_output(start, inputs) - targets) ** 2)
    )
    grad, h = training.sine_gradient(start), 1e-6
    for name in start:
        bumped = {k: v.copy() for k, v in start.items()}
        bumped[name].flat[0] += h
        below = {k: v.copy() for k, v in start.items()}
        below[name].flat[0] -= h
        numeric = (training.sine_loss(bumped) - training.sine_loss(below)) / (2 * h)
        assert grad[name].flat[0] == pytest.approx(numeric, rel=1e-5, abs=1e-9)


def test_sine_start_is_a_fresh_copy():
    start = training.sine_start()
    start["W1"][0, 0] = 99.0
    assert training.sine_start()["W1"][0, 0] != 99.0


def test_step_to_lr_ratios_of_plain_gradient_descent_are_gradient_sizes():
    trajectory = training.fit_sine(sgd(0.05), 3)
    g = np.concatenate([np.abs(v).ravel() for v in training.sine_gradient(training.sine_start()).values()])
    assert training.step_to_lr_ratios(trajectory, 0.05)[0] == pytest.approx(np.median(g), rel=1e-12)
    assert training.step_to_lr_ratios(trajectory, 0.05).shape == (3,)


def test_range_test_rates_grow_geometrically_and_stop_at_the_blow_up():
    lrs, losses = training.lr_range_test(
        adam, training.sine_gradient, training.sine_loss, training.sine_start(), lr_min=1e-4, lr_max=10.0, steps=200
    )
    assert len(lrs) == len(losses) < 200
    np.testing.assert_allclose(lrs, 1e-4 * (1e5) ** (np.arange(len(lrs)) / 199), rtol=1e-12)
    assert losses[-1] > 4 * min(training.sine_loss(training.sine_start()), losses[:-1].min())
    assert np.all(losses[1:-1] <= 4 * np.minimum.accumulate(losses)[:-2])


def test_range_test_runs_to_the_end_when_nothing_blows_up():
    lrs, losses = training.lr_range_test(
        adam, training.sine_gradient, training.sine_loss, training.sine_start(), lr_min=1e-6, lr_max=1e-4, steps=20
    )
    assert len(lrs) == 20 and lrs[-1] == pytest.approx(1e-4, rel=1e-12)


def test_blow_up_and_suggestion_on_a_made_up_curve():
    lrs = np.array([1e-3, 1e-2, 1e-1, 1.0, 10.0])
    losses = np.array([1.0, 0.5, 0.2, 0.9, 50.0])
    assert training.blow_up_lr(lrs, losses) == 1.0  # 0.9 > 4 × 0.2
    assert training.suggest_lr(lrs, losses) == pytest.approx(0.1)
    assert training.blow_up_lr(lrs, [1.0, 0.5, 0.2, 0.7, np.nan]) == 10.0  # a non-finite loss counts as a blow-up
    assert training.suggest_lr(lrs, losses, threshold=100.0, factor=5.0) == pytest.approx(2.0)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: training.blow_up_lr([1.0, 2.0], [1.0]), "lrs and losses"),
        (lambda: training.blow_up_lr([1.0, 2.0, 3.0], [1.0, 0.9, 0.8]), "never blow up"),
        (lambda: training.blow_up_lr([1.0, 2.0], [1.0, 9.0], threshold=0), "threshold"),
        (lambda: training.suggest_lr([1.0, 2.0], [1.0, 9.0], factor=-1), "factor"),
        (
            lambda: training.lr_range_test(
                adam, training.sine_gradient, training.sine_loss, training.sine_start(), lr_min=1.0, lr_max=0.1
            ),
            "lr_max",
        ),
        (
            lambda: training.lr_range_test(
                adam, training.sine_gradient, training.sine_loss, training.sine_start(), steps=1
            ),
            "steps",
        ),
        (
            lambda: training.lr_range_test(
                adam, training.sine_gradient, training.sine_loss, training.sine_start(), stop_factor=0
            ),
            "stop_factor",
        ),
        (lambda: training.step_to_lr_ratios(training.fit_sine(adam(0.1), 2), 0), "lr"),
    ],
)
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_warmup_cosine_losses_follow_the_schedule_and_are_computed_once():
    from book.optim import adam, run
    from book.schedules import warmup_cosine

    losses = training.warmup_cosine_losses(0.01, 20, 60)
    assert losses.shape == (61,) and not losses.flags.writeable
    assert training.warmup_cosine_losses(0.01, 20, 60) is losses
    by_hand = warmup_cosine(0.01, 20, 60)
    assert by_hand(0) == 0.0  # the first step does not move: the loss repeats
    assert losses[1] == pytest.approx(losses[0], rel=1e-15)
    recorded = run(adam(by_hand), training.sine_gradient, training.sine_start(), 60, f=training.sine_loss).f
    np.testing.assert_allclose(losses, recorded, rtol=1e-12)
    with pytest.raises(ValueError, match="warmup_steps"):
        training.warmup_cosine_losses(0.01, -1, 60)
