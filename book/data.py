"""Data sets and their preparation: the digits images shipped with scikit-learn, seeded synthetic sets (two labelled
blobs, linear targets with noise, sparse 0/1 features), a seeded train/test split, and standardised features with a
bias column.

The digits are a copy of the test set of the UCI "Optical Recognition of Handwritten Digits" data (E. Alpaydin and
C. Kaynak, 1998; licence CC BY 4.0) that scikit-learn (BSD-3-Clause) installs with itself: nothing is downloaded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from book._validate import require_count, require_finite_array

__all__ = ["load_digits", "split", "standardize", "with_bias", "two_blobs", "linear_data", "sparse_features"]


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1 797 digit images as rows of 64 pixel values in 0..16 (8×8, row by row) and their labels 0..9.

    >>> images, labels = load_digits()
    >>> images.shape, labels.shape, int(images.max()), sorted(set(labels.tolist())) == list(range(10))
    ((1797, 64), (1797,), 16, True)
    """
    from sklearn.datasets import load_digits as sklearn_digits  # imported here: only this loader needs scikit-learn

    digits = sklearn_digits()
    return digits.data.astype(float), digits.target.astype(int)


def split(X: np.ndarray, y: np.ndarray, test_fraction: float = 0.25, seed: int = 0):
    """A seeded random split into (X_train, X_test, y_train, y_test); the test set has round(test_fraction·n) rows.

    >>> X_train, X_test, y_train, y_test = split(np.arange(8.0)[:, None], np.arange(8), 0.25, seed=1)
    >>> X_train.shape, X_test.shape, sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(8))
    ((6, 1), (2, 1), True)
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"y must have one entry per row of X ({X.shape[0]}), got {y.shape[0]}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction!r}")
    order = np.random.default_rng(seed).permutation(X.shape[0])
    test = round(test_fraction * X.shape[0])
    return X[order[test:]], X[order[:test]], y[order[test:]], y[order[:test]]


def standardize(train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every array with the training columns' mean subtracted and divided by their standard deviation (1 where a
    column is constant): the test set is scaled with the training statistics, never its own.

    >>> standardize(np.array([[0.0, 5.0], [2.0, 5.0]]), np.array([[4.0, 6.0]]))
    (array([[-1.,  0.],
           [ 1.,  0.]]), array([[3., 1.]]))
    """
    train = require_finite_array("train", train, ndim=2)
    mean, std = train.mean(axis=0), train.std(axis=0)
    scale = np.where(std > 0, std, 1.0)
    return tuple((np.asarray(a, dtype=float) - mean) / scale for a in (train, *others))


def with_bias(X: np.ndarray) -> np.ndarray:
    """X with a leading column of ones, so a linear model's first weight is its bias.

    >>> with_bias(np.array([[2.0], [3.0]]))
    array([[1., 2.],
           [1., 3.]])
    """
    X = np.asarray(X, dtype=float)
    return np.column_stack([np.ones(X.shape[0]), X])


def two_blobs(n: int, seed: int = 0, separation: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """n points in the plane, half around (−s/2, −s/2) with label 0 and half around (s/2, s/2) with label 1.

    Returns the design matrix with a leading column of ones (the bias) and the labels.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    centres = (labels[:, None] - 0.5) * separation
    points = centres + rng.standard_normal((n, 2))
    return np.column_stack([np.ones(n), points]), labels.astype(float)


def linear_data(n: int, weights: np.ndarray, noise: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A design matrix (a column of ones, then standard normal features) and targets X·weights + noise·N(0, 1)."""
    rng = np.random.default_rng(seed)
    weights = np.asarray(weights, dtype=float)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, weights.size - 1))])
    return X, X @ weights + noise * rng.standard_normal(n)


def sparse_features(
    n: int, frequencies: Any, weights: Any, seed: int = 0, noise: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """n examples of 0/1 features, feature j present with probability frequencies[j], and targets X·weights + noise."""
    rng = np.random.default_rng(seed)
    frequencies = np.asarray(frequencies, dtype=float)
    X = (rng.random((require_count("n", n, minimum=1), frequencies.size)) < frequencies).astype(float)
    return X, X @ np.asarray(weights, dtype=float) + noise * rng.standard_normal(n)
