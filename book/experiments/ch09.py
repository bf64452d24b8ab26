"""Chapter 9's settings and experiments (language models and the transformer): what its notebook, figures and
tests share."""

from __future__ import annotations

import functools

import numpy as np

SATURATION_KEYS, SATURATION_DRAWS, SATURATION_DIMS = 8, 2000, 256
"""Attention of one query over 8 keys, 2 000 random draws, key dimensions d = 1 … 256."""
SATURATION_THRESHOLD = 0.05
"""The exploration's target: the smallest d whose median softmax Jacobian norm (unscaled scores) is below 0.05."""


def softmax_jacobian_norms(d_max: int, *, scaled: bool, draws: int = SATURATION_DRAWS, keys: int = SATURATION_KEYS,
                           seed: int = 0) -> np.ndarray:
    """‖diag(p) − ppᵀ‖_F for p = softmax(q·k_j (/√d)) with standard normal q, k_j, for d = 1 … d_max: shape (d_max, draws).

    The dimensions are nested (the scores for d use the first d coordinates), so one draw serves every d.
    """
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal((draws, 1, d_max)), rng.standard_normal((draws, keys, d_max))
    scores = np.moveaxis(np.cumsum(q * k, axis=2), 2, 0)
    if scaled:
        scores = scores / np.sqrt(np.arange(1, d_max + 1))[:, None, None]
    p = np.exp(scores - scores.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    squares, cubes = (p**2).sum(axis=-1), (p**3).sum(axis=-1)  # ‖diag p − ppᵀ‖² = Σp² − 2Σp³ + (Σp²)²
    return np.sqrt(np.maximum(squares - 2 * cubes + squares**2, 0.0))


@functools.cache
def saturation_dimension(threshold: float = SATURATION_THRESHOLD, seed: int = 0) -> int:
    """The smallest d ≤ 256 at which the median norm of the unscaled softmax Jacobian is below ``threshold``."""
    medians = np.median(softmax_jacobian_norms(SATURATION_DIMS, scaled=False, seed=seed), axis=1)
    below = np.flatnonzero(medians < threshold)
    if below.size == 0:
        raise ValueError(f"threshold must be reached by d = {SATURATION_DIMS}, got {threshold!r}")
    return int(below[0]) + 1
