"""Numerically stable elementary functions on numpy arrays — the logistic sigmoid, softmax and log-softmax — and the
library's return convention: a single point gives a Python ``float``, a batch gives an array.

Objectives, automatic differentiation and the networks all import these from here, so each is written once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["float_if_scalar", "log_sigmoid", "sigmoid", "log_softmax", "softmax"]


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


def log_softmax(z: Any) -> np.ndarray:
    """log softmax(z) = (z − m) − log Σ_j e^(z_j − m) along the last axis, m the largest z: no exp overflows.

    >>> log_softmax(np.array([1000.0, 1000.0]))
    array([-0.69314718, -0.69314718])
    """
    shifted = np.asarray(z, dtype=float)
    shifted = shifted - np.max(shifted, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax(z: Any) -> np.ndarray:
    """exp(z_i) / Σ_j exp(z_j) along the last axis, shifted by the largest z so that no exp overflows.

    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
