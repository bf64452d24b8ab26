"""Loss surfaces in many dimensions: how rare minima are among critical points, and slices through a trained network.

A critical point is a minimum only if every eigenvalue of the Hessian there is positive. For random symmetric
matrices (entries Gaussian, the Gaussian orthogonal ensemble) that gets rare fast as the dimension grows:

>>> positive_definite_fraction(1, samples=4000)
0.48675
>>> positive_definite_fraction(6, samples=4000)
0.0

Slices follow Li et al. (2018, "Visualizing the loss landscape of neural nets"): a random direction with each
filter (here each unit's column of weights) rescaled to the norm of the trained filter, biases left at zero.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from book._validate import require_count, require_finite_array

__all__ = ["filter_normalised_direction", "loss_plane", "positive_definite_fraction", "random_symmetric"]


def random_symmetric(dim: int, samples: int, seed: int = 0) -> np.ndarray:
    """``samples`` random symmetric dim×dim matrices (G + Gᵀ)/2 with G standard normal, stacked on a first axis."""
    n, count = require_count("dim", dim, 1), require_count("samples", samples, 1)
    g = np.random.default_rng(seed).standard_normal((count, n, n))
    return (g + np.swapaxes(g, 1, 2)) / 2


def positive_definite_fraction(dim: int, samples: int = 20000, seed: int = 0) -> float:
    """The fraction of ``random_symmetric`` matrices whose eigenvalues are all positive (a minimum, not a saddle)."""
    eigenvalues = np.linalg.eigvalsh(random_symmetric(dim, samples, seed))
    return float(np.mean(np.all(eigenvalues > 0, axis=1)))


def filter_normalised_direction(parameters: dict[str, np.ndarray], seed: int = 0) -> dict[str, np.ndarray]:
    """A Gaussian direction shaped like ``parameters``: each column of a 2-d weight scaled to that column's norm in
    ``parameters``, 1-d arrays (biases) zero."""
    rng = np.random.default_rng(seed)
    direction = {}
    for name in sorted(parameters):
        weights = require_finite_array(name, parameters[name])
        if weights.ndim < 2:
            direction[name] = np.zeros_like(weights)
            continue
        d = rng.standard_normal(weights.shape)
        direction[name] = d * np.linalg.norm(weights, axis=0) / np.linalg.norm(d, axis=0)
    return direction


def loss_plane(
    loss: Callable, parameters: dict[str, np.ndarray], d1: dict, d2: dict, alphas: np.ndarray, betas: np.ndarray
) -> np.ndarray:
    """ℓ(θ + α d1 + β d2) on the grid (rows β, columns α)."""
    return np.array(
        [[loss({k: parameters[k] + a * d1[k] + b * d2[k] for k in parameters}) for a in alphas] for b in betas]
    )
