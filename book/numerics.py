"""Numerically stable elementary functions on numpy arrays — the logistic sigmoid, log-sum-exp, softmax, log-softmax
and the softmax cross-entropy — and the library's return convention: a single point gives a Python ``float``, a
batch gives an array.

Objectives, automatic differentiation and the networks all import these from here, so each is written once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "float_if_scalar",
    "log_sigmoid",
    "sigmoid",
    "logsumexp",
    "log_softmax",
    "softmax",
    "target_log_probs",
    "cross_entropy",
]


def float_if_scalar(value: Any) -> np.ndarray | float:
    """A Python float for a 0-d result (a single point), the array otherwise.

    >>> float_if_scalar(np.array(2.5)), float_if_scalar(np.array([2.5]))
    (2.5, array([2.5]))
    """
    return float(value) if np.ndim(value) == 0 else value


def log_sigmoid(z: Any) -> np.ndarray:
    """log σ(z) = −log(1 + e^(−z)), without overflow for large |z|."""
    return -np.logaddexp(0.0, -np.asarray(z, dtype=float))


def sigmoid(z: Any) -> np.ndarray | float:
    """σ(z) = 1 / (1 + e^(−z)), computed as e^(log σ(z)) so that no e^(−z) overflows for large negative z.

    >>> sigmoid(0.0)
    0.5
    >>> sigmoid(np.array([-800.0, 800.0]))
    array([0., 1.])
    """
    return float_if_scalar(np.exp(log_sigmoid(z)))


def _floats(z: Any) -> np.ndarray:
    """``z`` as an array of floats: float32 and float64 kept as they are, anything else as float64."""
    array = np.asarray(z)
    return array if array.dtype in (np.float32, np.float64) else array.astype(float)


def logsumexp(z: Any, axis: int = -1) -> np.ndarray:
    """log Σ_j e^(z_j) along ``axis``, kept as a size-1 axis: m + log Σ_j e^(z_j − m), m the largest z, so no exp
    overflows.

    >>> logsumexp(np.array([1000.0, 1000.0])) - 1000
    array([0.69314718])
    """
    z = _floats(z)
    top = np.max(z, axis=axis, keepdims=True)
    return top + np.log(np.sum(np.exp(z - top), axis=axis, keepdims=True))


def log_softmax(z: Any, axis: int = -1) -> np.ndarray:
    """log softmax(z) = (z − m) − log Σ_j e^(z_j − m) along ``axis``, m the largest z: no exp overflows.

    >>> log_softmax(np.array([1000.0, 1000.0]))
    array([-0.69314718, -0.69314718])
    """
    shifted = _floats(z)
    shifted = shifted - np.max(shifted, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(z: Any, axis: int = -1) -> np.ndarray:
    """exp(z_i) / Σ_j exp(z_j) along ``axis``, shifted by the largest z so that no exp overflows (an entry of −∞ gets
    probability 0).

    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    z = _floats(z)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def target_log_probs(log_probs: Any, targets: Any) -> np.ndarray:
    """log_probs[..., target] for each position: ``log_probs`` of shape (..., V), integer class ids ``targets`` of
    shape (...), checked.

    >>> target_log_probs(np.log([[0.25, 0.75]]), [1])
    array([-0.28768207])
    """
    log_probs, ids = np.asarray(log_probs), np.asarray(targets)
    if ids.dtype.kind not in "iu" or ids.shape != log_probs.shape[:-1]:
        raise ValueError(
            f"targets must be integers of shape {log_probs.shape[:-1]} (the scores' shape without the "
            f"last axis), got {ids.dtype} of shape {ids.shape}"
        )
    if ids.size and (ids.min() < 0 or ids.max() >= log_probs.shape[-1]):
        raise ValueError(
            f"targets must be class ids in 0..{log_probs.shape[-1] - 1}, got values in {ids.min()}..{ids.max()}"
        )
    return np.take_along_axis(log_probs, ids[..., None], axis=-1)[..., 0]


def cross_entropy(scores: Any, targets: Any) -> float:
    """The softmax cross-entropy in nats: the mean over every position of −log softmax(scores)[target], ``scores`` of
    shape (..., V) and integer class ids ``targets`` of shape (...).

    >>> cross_entropy(np.zeros((2, 4)), [1, 3])  # uniform over 4 classes: log 4
    1.3862943611198906
    """
    return float(-np.mean(target_log_probs(log_softmax(scores), targets)))
