"""Solutions to the exercises of Chapter 10 (training large models)."""

import numpy as np

from book import scale


def clip_by_global_norm(grads, max_norm):
    """One norm over all arrays together, one factor min(1, max_norm / norm) for all: the direction is kept."""
    norm = np.sqrt(sum(np.sum(np.square(g)) for g in grads))
    factor = min(1.0, max_norm / (norm + 1e-6))  # PyTorch's clip_grad_norm_ adds 1e-6
    return [g * factor for g in grads]


def accumulated_gradient(w, X, y, micro_batches):
    """Mean-loss gradients of the micro-batches, each weighted by its share n_i / n of the examples, summed."""
    n = len(y)
    total = np.zeros_like(w, dtype=float)
    for rows in np.array_split(np.arange(n), micro_batches):
        residual = X[rows] @ w - y[rows]
        total += len(rows) / n * (2 * X[rows].T @ residual / len(rows))
    return total


def training_memory_gb(parameters, optimizer, precision):
    """Weights + gradients (+ fp32 master if mixed) + 4 bytes per optimizer slot, per parameter, in GB = 1e9 bytes."""
    slots = {"sgd": 0, "momentum": 1, "adam": 2}[optimizer]
    per_parameter = (2 + 2 + 4 if precision == "mixed" else 4 + 4) + 4 * slots
    return per_parameter * parameters / 1e9


def steepest_lr(lrs, losses):
    """The left end of the segment where log ℓ falls fastest against log η."""
    slopes = np.diff(np.log(losses)) / np.diff(np.log(lrs))
    return float(lrs[np.argmin(slopes)])


def zero_memory_per_device(parameters, stage, devices):
    """Adam, mixed precision: stage ≥ 1 shards master + m + v (12 bytes), ≥ 2 the gradients (2), 3 the weights (2)."""
    sizes = [(12, 1), (2, 2), (2, 3)]  # (bytes per parameter, first stage that shards them)
    return sum(size * parameters / (devices if stage >= first else 1) for size, first in sizes) / 1e9


def largest_lost_lr():
    """Bisect on the rate between one whose bf16 update of w = 1 is lost (w stays 1) and one that moves w."""
    lost, moves = 1e-4, 1e-2
    for _ in range(40):
        middle = (lost + moves) / 2
        if scale.bf16_descent(1.0, 0.0, middle, 100, master=False)[-1] == 1.0:
            lost = middle
        else:
            moves = middle
    return lost
