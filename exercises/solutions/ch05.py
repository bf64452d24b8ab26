"""Solutions to the exercises of Chapter 5 (stochastic and mini-batch gradient descent)."""

import itertools

import numpy as np


def minibatch_gradient(X, y, w, indices):
    """(1/B) Σ over the batch of (xᵢᵀw − yᵢ) xᵢ: the least-squares gradient on the rows in indices only."""
    X_batch, y_batch = X[indices], y[indices]
    return X_batch.T @ (X_batch @ w - y_batch) / len(indices)


def expected_minibatch_gradient(X, y, w, batch_size):
    """The average of the mini-batch gradient over all n**B equally likely batches drawn with replacement."""
    batches = itertools.product(range(len(y)), repeat=batch_size)
    return np.mean([minibatch_gradient(X, y, w, list(batch)) for batch in batches], axis=0)


def minibatch_variance(X, y, w, batch_size, replace):
    """E‖g_B − ∇f‖² = σ²/B, times the finite-population correction (n − B)/(n − 1) without replacement."""
    n = len(y)
    example_gradients = (X @ w - y)[:, None] * X  # row i is ∇fᵢ(w)
    deviations = example_gradients - example_gradients.mean(axis=0)
    sigma2 = np.mean(np.sum(deviations**2, axis=1))
    variance = sigma2 / batch_size
    return variance if replace else variance * (n - batch_size) / (n - 1)


def sgd_epoch(X, y, w, lr, batch_size, seed):
    """One epoch of mini-batch SGD: shuffle once, then one step per consecutive batch (the last may be smaller)."""
    order = np.random.default_rng(seed).permutation(len(y))
    for start in range(0, len(y), batch_size):
        w = w - lr * minibatch_gradient(X, y, w, order[start : start + batch_size])
    return w


def decaying_lr(t, lr0, tau):
    """η_t = lr0 / (1 + t/tau): Σ η_t diverges like Σ 1/t and Σ η_t² converges like Σ 1/t² (Robbins–Monro)."""
    return lr0 / (1 + np.asarray(t) / tau)


def largest_sgd_lr():
    """Bisect between a stable and an unstable rate; a rate is stable if, over 2 000 simulated chains of batch-1 SGD,
    the mean ‖w − w*‖² is no larger after 200 steps than after 100."""
    scales = np.array([1.0, 1.5, 2.0, 3.0])  # example i: xᵢ = cᵢ eᵢ, yᵢ = cᵢ, so w* = (1, 1, 1, 1)

    def stable(lr):
        rng = np.random.default_rng(2000)
        errors, means = np.full((2000, 4), -1.0), []  # w − w*, from w = 0
        for _ in range(2):
            for _ in range(100):
                i = rng.integers(0, 4, 2000)
                errors[np.arange(2000), i] *= 1 - lr * scales[i] ** 2
            means.append(np.mean(np.sum(errors**2, axis=1)))
        return means[1] <= means[0]

    low, high = 0.01, 1.0  # stable, unstable
    for _ in range(30):
        middle = (low + high) / 2
        low, high = (middle, high) if stable(middle) else (low, middle)
    return low
