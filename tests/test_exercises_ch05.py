"""Chapter 5's checkers recognise the typical mistakes and show the hint written for each."""

import itertools

import numpy as np
import pytest

from book.exercises import ch05 as check
from exercises.solutions import ch05 as solutions


def _gradient(X, y, w, idx, *, divide_by=None, sign=1.0):
    X_b, y_b = X[idx], y[idx]
    return sign * X_b.T @ (X_b @ w - y_b) / (len(idx) if divide_by is None else divide_by(X, idx))


def _sigma2(X, y, w, centred=True):
    g = (X @ w - y)[:, None] * X
    return np.mean(np.sum((g - g.mean(axis=0) if centred else g) ** 2, axis=1))


def _epoch(X, y, w, lr, B, seed, *, order="permutation", drop_last=False, frozen=False, full=False):
    n = len(y)
    rng = np.random.default_rng(seed)
    steps = -(-n // B)
    indices = {
        "permutation": lambda: rng.permutation(n),
        "none": lambda: np.arange(n),
        "replace": lambda: rng.integers(0, n, size=steps * B),
    }[order]()
    if drop_last:
        indices = indices[: n - n % B]
    start_w = w
    for start in range(0, len(indices), B):
        batch = np.arange(n) if full else indices[start : start + B]
        w = w - lr * solutions.minibatch_gradient(X, y, start_w if frozen else w, batch)
    return w


WRONG_ANSWERS = {
    "minibatch_gradient": [
        (lambda X, y, w, idx: _gradient(X, y, w, idx, divide_by=lambda X, idx: len(X)), "not by n"),
        (lambda X, y, w, idx: _gradient(X, y, w, idx, divide_by=lambda X, idx: 1), "divide the sum by B"),
        (lambda X, y, w, idx: _gradient(X, y, w, np.arange(len(y))), "that is the full gradient"),
        (lambda X, y, w, idx: _gradient(X, y, w, idx, sign=-1.0), "sign is flipped"),
        (lambda X, y, w, idx: _gradient(X, y, w, np.unique(idx)), "counts twice"),
        (
            lambda X, y, w, idx: (
                X[np.asarray(idx) - 1].T @ (X[np.asarray(idx) - 1] @ w - y[np.asarray(idx) - 1]) / len(idx)
            ),
            None,
        ),  # counts rows from 1
    ],
    "expected_minibatch_gradient": [
        (
            lambda X, y, w, B: np.mean(
                [B * _gradient(X, y, w, list(b)) for b in itertools.product(range(len(y)), repeat=B)], axis=0
            ),
            "divide its sum over the batch by B",
        ),
        (
            lambda X, y, w, B: np.sum(
                [_gradient(X, y, w, list(b)) for b in itertools.product(range(len(y)), repeat=B)], axis=0
            ),
            "divide the total by their number",
        ),
        (lambda X, y, w, B: _gradient(X, y, w, list(range(B))), "that is one batch"),
        (lambda X, y, w, B: X.T @ (X @ w - y), None),  # the sum, not the mean
        (lambda X, y, w, B: X.T @ (X @ w - y) / B, None),
        (
            lambda X, y, w, B: np.mean([solutions.minibatch_gradient(X, y, w, [i]) for i in range(len(y) - 1)], axis=0),
            None,
        ),  # range stops early
    ],
    "minibatch_variance": [
        (lambda X, y, w, B, replace: _sigma2(X, y, w), "that is σ²"),
        (lambda X, y, w, B, replace: _sigma2(X, y, w) / B, "multiply by (n − B)/(n − 1)"),
        (lambda X, y, w, B, replace: _sigma2(X, y, w) / B * (len(y) - B) / (len(y) - 1), "only when replace is False"),
        (lambda X, y, w, B, replace: _sigma2(X, y, w) / B * (1 if replace else (len(y) - B) / len(y)), "not (n − B)/n"),
        (
            lambda X, y, w, B, replace: (
                _sigma2(X, y, w, centred=False) / B * (1 if replace else (len(y) - B) / (len(y) - 1))
            ),
            "subtract ∇f",
        ),
        (lambda X, y, w, B, r: solutions.minibatch_variance(X, y, w, B, not r), None),  # replace read the wrong way
    ],
    "sgd_epoch": [
        (lambda *a: _epoch(*a, order="none"), "shuffle first"),
        (lambda *a: _epoch(*a, order="replace"), "instead of drawing indices with replacement"),
        (lambda *a: _epoch(*a, drop_last=True), "keep the last, smaller batch"),
        (lambda *a: _epoch(*a, frozen=True), "recompute the gradient at the current w"),
        (lambda *a: _epoch(*a, full=True), "not the full gradient"),
        (lambda X, y, w, lr, B, seed: solutions.sgd_epoch(X, y, w, lr, B, seed + 1), None),
    ],
    "decaying_lr": [
        (lambda t, lr0, tau: lr0 / (1 + (np.asarray(t) + 1) / tau), "t = 0 is the first step"),
        (lambda t, lr0, tau: lr0 / (1 + np.asarray(t) / tau) ** 2, "Σ ηₜ is finite"),
        (lambda t, lr0, tau: lr0 / np.sqrt(1 + np.asarray(t) / tau), "Σ ηₜ² diverges"),
        (lambda t, lr0, tau: lr0 * np.exp(-np.asarray(t) / tau), "exponential decay"),
        (lambda t, lr0, tau: lr0 / (1 + np.asarray(t) * tau), "divide t by tau"),
        (lambda t, lr0, tau: lr0 * (1 - np.asarray(t) / tau), None),
    ],
    "largest_sgd_lr": [
        (lambda: 8 / 9, "full-batch gradient descent"),
        (lambda: 1 / 9, "not the largest"),
        (lambda: 2 / np.mean(np.array([1.0, 1.5, 2.0, 3.0]) ** 2), "average curvature"),
        (lambda: 0.25, None),
        (lambda: 0.18, None),
        (lambda: 2 / 3, None),
    ],
}


def test_an_almost_right_answer_is_still_wrong():
    assert not check.minibatch_gradient(lambda *a: 1.000001 * solutions.minibatch_gradient(*a)).passed
    assert not check.sgd_epoch(lambda *a: solutions.sgd_epoch(*a) + 1e-7).passed
    assert not check.decaying_lr(lambda t, lr0, tau: 1.0001 * solutions.decaying_lr(t, lr0, tau)).passed


def test_a_permuted_epoch_from_another_generator_call_is_wrong():
    def other_shuffle(X, y, w, lr, B, seed):
        order = np.random.default_rng(seed + 1).permutation(len(y))
        for start in range(0, len(y), B):
            w = w - lr * solutions.minibatch_gradient(X, y, w, order[start : start + B])
        return w

    result = check.sgd_epoch(other_shuffle)
    assert not result.passed and "default_rng(seed).permutation(n)" in result.message


def test_the_references_agree_with_independent_formulas():
    X, y, w = np.asarray(check._X), np.asarray(check._Y), np.asarray(check._W)
    full = X.T @ (X @ w - y) / len(y)
    np.testing.assert_allclose(solutions.expected_minibatch_gradient(X, y, w, 2), full, rtol=1e-12)
    batches = list(itertools.permutations(range(6), 3))  # without replacement: enumerate every ordered batch
    gradients = np.array([solutions.minibatch_gradient(X, y, w, list(b)) for b in batches])
    exact = np.mean(np.sum((gradients - full) ** 2, axis=1))
    assert check._variance(X, y, w, 3, False) == pytest.approx(exact, rel=1e-12)
    assert check._epoch(X, y, w, 0.2, 6, 0) == pytest.approx(w - 0.2 * full, rel=1e-12)  # B = n: one full step
