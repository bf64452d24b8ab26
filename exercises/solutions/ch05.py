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
