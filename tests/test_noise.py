"""Unit tests of book.noise (mini-batches, variance, noise ball, training), book.functions.SoftmaxRegression and
book.data."""

import itertools
import warnings

import numpy as np
import pytest

from book import data, functions, noise, schedules
from book.functions import LeastSquares, LogisticRegression, Rosenbrock
from book.optim import run, sgd

RNG = np.random.default_rng(0)
X = np.column_stack([np.ones(12), RNG.standard_normal((12, 2))])
LINEAR = LeastSquares(X, X @ np.array([1.0, -1.0, 0.5]) + RNG.standard_normal(12))
LOGISTIC = LogisticRegression(X, (RNG.random(12) < 0.5).astype(float), l2=0.1)
SOFTMAX = functions.SoftmaxRegression(X, RNG.integers(0, 3, 12), classes=3, l2=0.05)


@pytest.mark.parametrize("f", [LINEAR, LOGISTIC, SOFTMAX], ids=["least squares", "logistic", "softmax"])
def test_minibatch_gradient_over_every_row_is_the_full_gradient_and_batches_equal_loops(f):
    w = RNG.standard_normal((4, f.dim))
    indices = RNG.integers(0, f.n, size=(4, 5))
    np.testing.assert_allclose(noise.minibatch_gradient(f, w[0], np.arange(f.n)), f.grad(w[0]), rtol=1e-12)
    batched = noise.minibatch_gradient(f, w, indices)
    looped = np.array([noise.minibatch_gradient(f, w[k], indices[k]) for k in range(4)])
    np.testing.assert_array_equal(batched, looped)
    subset = type(f)(
        f.X[indices[0]],
        f.y[indices[0]],
        **({"classes": 3} if f is SOFTMAX else {}),
        **({"l2": f.l2} if f is not LINEAR else {}),
    )
    np.testing.assert_allclose(batched[0], subset.grad(w[0]), rtol=1e-12)


def test_softmax_gradient_matches_central_differences():
    w = RNG.standard_normal(SOFTMAX.dim)
    steps = np.eye(SOFTMAX.dim) * 1e-6
    central = np.array([(SOFTMAX(w + e) - SOFTMAX(w - e)) / 2e-6 for e in steps])
    np.testing.assert_allclose(SOFTMAX.grad(w), central, atol=1e-8)


def test_softmax_rejects_bad_labels_and_minibatch_gradient_rejects_other_objectives():
    with pytest.raises(ValueError, match="y must hold one integer label in 0..2"):
        functions.SoftmaxRegression(X, np.full(12, 3), classes=3)
    with pytest.raises(ValueError, match="l2 must be a non-negative number"):
        functions.SoftmaxRegression(X, np.zeros(12), classes=3, l2=-1.0)
    with pytest.raises(ValueError, match="f must be a LeastSquares, LogisticRegression or SoftmaxRegression"):
        noise.minibatch_gradient(Rosenbrock(), np.zeros(2), np.array([0]))


def test_sample_batch_with_and_without_replacement():
    rng = np.random.default_rng(1)
    without = noise.sample_batch(12, 12, rng, replace=False, runs=(50,))
    assert without.shape == (50, 12) and all(np.array_equal(np.sort(row), np.arange(12)) for row in without)
    assert noise.sample_batch(12, 30, rng).shape == (30,)  # with replacement a batch may be larger than n
    with pytest.raises(ValueError, match="batch_size must be an integer between 1 and n = 12, got 13"):
        noise.sample_batch(12, 13, rng, replace=False)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        noise.sample_batch(12, 0, rng)


def test_batches_cover_an_epoch_and_are_reproducible():
    stream = noise.batches(12, 5, seed=3, scheme="replace", runs=(2,))
    epoch = [next(stream) for _ in range(3)]  # ⌈12/5⌉ batches
    assert [b.shape for b in epoch] == [(2, 5)] * 3
    first, again = noise.batches(12, 5, seed=3), noise.batches(12, 5, seed=3)
    for _ in range(6):
        np.testing.assert_array_equal(next(first), next(again))
    with pytest.raises(ValueError, match="scheme must be one of 'shuffle', 'replace'"):
        next(noise.batches(12, 5, seed=0, scheme="sorted"))


def test_stochastic_gradient_is_seeded_and_checks_the_batch_size():
    w = np.zeros(3)
    one, two = (noise.stochastic_gradient(LINEAR, 4, seed=9) for _ in range(2))
    np.testing.assert_array_equal([one(w) for _ in range(5)], [two(w) for _ in range(5)])
    with pytest.raises(ValueError, match="batch_size must be an integer between 1 and n = 12"):
        noise.stochastic_gradient(LINEAR, 13, seed=0)


def test_measured_variance_and_theory_agree_and_the_correction_is_exact_at_b_equals_n():
    w = np.array([0.5, 0.0, 0.0])
    assert noise.measured_variance(LINEAR, w, 3, draws=20_000, seed=0) == pytest.approx(
        noise.minibatch_variance(LINEAR, w, 3), rel=0.05
    )
    assert noise.minibatch_variance(LINEAR, w, 12, replace=False) == 0.0
    assert noise.measured_variance(LINEAR, w, 12, draws=10, seed=0, replace=False) == pytest.approx(0.0, abs=1e-25)
    with pytest.raises(ValueError, match="batch_size must be an integer between 1 and n = 12"):
        noise.minibatch_variance(LINEAR, w, 0)


def test_the_whole_data_without_replacement_has_no_variance_even_for_one_example():
    single = LeastSquares([[1.0, 2.0]], [3.0])
    assert noise.minibatch_variance(single, np.zeros(2), 1, replace=False) == 0.0
    assert noise.minibatch_variance(single, np.zeros(2), 1, replace=True) == 0.0


@pytest.mark.parametrize("B", [1, 2, 3, 4])
def test_variance_without_replacement_equals_the_mean_over_every_subset(B):
    """Brute force over all C(n, B) subsets, with example gradients written out by hand: kills (n − B)/n and friends."""
    n = 6
    rows, targets = X[:n], LINEAR.y[:n]
    small, w = LeastSquares(rows, targets), np.array([0.2, -0.4, 0.9])
    by_hand = (rows @ w - targets)[:, None] * rows  # ∇fᵢ = (xᵢᵀw − yᵢ) xᵢ
    full = by_hand.mean(axis=0)
    subsets = [by_hand[list(c)].mean(axis=0) for c in itertools.combinations(range(n), B)]
    exact = np.mean([np.sum((g - full) ** 2) for g in subsets])
    assert noise.minibatch_variance(small, w, B, replace=False) == pytest.approx(exact, rel=1e-12)
    with_replacement = np.mean(
        [np.sum((by_hand[list(c)].mean(axis=0) - full) ** 2) for c in itertools.product(range(n), repeat=B)]
    )
    assert noise.minibatch_variance(small, w, B, replace=True) == pytest.approx(with_replacement, rel=1e-12)


def _one_step_second_moment(f, lr, moment):
    """E[e' e'ᵀ] after one SGD step with B = 1, averaged over every example and over four points of second moment C."""
    root = np.linalg.cholesky(moment + 1e-300 * np.eye(f.dim))
    points = np.concatenate([root.T, -root.T]) * np.sqrt(f.dim)  # 2d points e with mean 0 and (1/2d) Σ e eᵀ = C
    w = f.minimizer + points[:, None, :]  # (points, 1, d)
    residuals = np.einsum("nd,pkd->pn", f.X, w) - f.y  # (points, n)
    steps = points[:, None, :] - lr * residuals[..., None] * f.X  # every example's step from every point
    return np.einsum("pni,pnj->ij", steps, steps) / (steps.shape[0] * f.n)


def test_noise_ball_is_the_fixed_point_of_the_exact_one_step_second_moment():
    lr, moment = 0.15, np.zeros((3, 3))
    for _ in range(3000):  # brute force: every example from points of the current second moment, iterated
        moment = _one_step_second_moment(LINEAR, lr, moment)
    assert noise.noise_ball(LINEAR, lr, 1) == pytest.approx(np.trace(moment), rel=1e-8)
    assert noise.additive_noise_ball(LINEAR, lr, 1) < 0.97 * np.trace(moment)  # the additive model is short


def test_mean_square_limit_separates_a_settling_from_a_growing_second_moment():
    limit = noise.mean_square_limit(LINEAR, 1)
    assert 0 < limit < 2 / np.linalg.eigvalsh(LINEAR.gram)[-1]
    growth = []
    for lr in (0.98 * limit, 1.02 * limit):
        moment = np.eye(3)
        for _ in range(400):
            moment = _one_step_second_moment(LINEAR, lr, moment)
        growth.append(np.trace(moment))
    assert growth[0] < 1e3 < growth[1]
    assert noise.mean_square_limit(LINEAR, 1) < noise.mean_square_limit(LINEAR, 4)


def test_noise_ball_and_schedule_reject_bad_rates():
    with pytest.raises(ValueError, match="lr must be a positive number"):
        noise.noise_ball(LINEAR, 0.0, 1)
    with pytest.raises(ValueError, match="lr must be below the mean-square limit"):
        noise.noise_ball(LINEAR, 1.01 * noise.mean_square_limit(LINEAR, 1), 1)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        noise.noise_ball(LINEAR, 0.1, 0)
    with pytest.raises(ValueError, match="f must be a LeastSquares objective"):
        noise.noise_ball(LOGISTIC, 0.1, 1)
    with pytest.raises(ValueError, match="f must be a LeastSquares objective"):
        noise.mean_square_limit(LOGISTIC, 1)
    with pytest.raises(ValueError, match="lr must be below 2/L"):
        noise.additive_noise_ball(LINEAR, 2.01 / np.linalg.eigvalsh(LINEAR.gram)[-1], 1)
    with pytest.raises(ValueError, match="decay_steps must be a positive number"):
        schedules.inverse_time_decay(0.1, 0)


def test_train_is_one_sgd_run_reported_per_epoch():
    schedule = schedules.inverse_time_decay(0.2, 5)
    reported = []
    weights = noise.train(LINEAR, np.zeros(3), schedule, batch_size=5, epochs=4, seed=2, progress=reported.append)
    assert reported == [1, 2, 3, 4] and weights.shape == (5, 3)
    whole = run(sgd(schedule), noise.stochastic_gradient(LINEAR, 5, seed=2), np.zeros(3), 4 * 3).x
    np.testing.assert_array_equal(weights, whole[::3])


def test_accuracy_counts_the_highest_scoring_class():
    f = functions.SoftmaxRegression(np.eye(3), [0, 1, 2], classes=3)
    assert noise.accuracy(f, np.eye(3).ravel(), np.eye(3), [0, 1, 2]) == 1.0
    assert noise.accuracy(f, np.eye(3).ravel(), np.eye(3), [0, 2, 2]) == pytest.approx(2 / 3)


def test_softmax_loss_is_silent_and_non_finite_far_away():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(SOFTMAX(np.full(SOFTMAX.dim, np.nan)))


def test_split_and_standardize():
    X_train, X_test, y_train, y_test = data.split(
        np.arange(20.0).reshape(10, 2), np.arange(10), test_fraction=0.3, seed=4
    )
    assert X_train.shape == (7, 2) and X_test.shape == (3, 2)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(10))
    np.testing.assert_array_equal(X_train[:, 0] / 2, y_train)  # rows stay with their labels
    with pytest.raises(ValueError, match="test_fraction must be strictly between 0 and 1"):
        data.split(np.zeros((4, 1)), np.zeros(4), test_fraction=1.0)
    with pytest.raises(ValueError, match="y must have one entry per row of X"):
        data.split(np.zeros((4, 1)), np.zeros(3))
    train, test = data.standardize(np.array([[1.0], [3.0]]), np.array([[5.0]]))
    np.testing.assert_array_equal(train, [[-1.0], [1.0]])
    np.testing.assert_array_equal(test, [[3.0]])
