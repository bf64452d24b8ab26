"""Solutions to the exercises of Chapter 4 (gradient descent)."""

import numpy as np


def gradient_step(grad, x, lr):
    """One step of gradient descent: move against the gradient by lr times its length."""
    return x - lr * grad(x)


def steps_to_tolerance(grad, x0, lr, tol):
    """Count the steps until the gradient's Euclidean norm is at most tol (0 if x0 already qualifies)."""
    x, steps = x0.copy(), 0
    while np.linalg.norm(grad(x)) > tol:
        x = x - lr * grad(x)
        steps += 1
    return steps


def largest_stable_lr(A):
    """GD on ½xᵀAx converges from every start iff 0 < lr < 2/λ_max(A): return that limit."""
    # eigvalsh returns the eigenvalues of a symmetric matrix, smallest first
    return 2 / np.linalg.eigvalsh(A)[-1]


def armijo_step(f, grad, x, alpha0=1.0, rho=0.5, c=1e-4):
    """Backtracking along −g: halve (times rho) until f falls by at least c·α·‖g‖², then return α."""
    g = grad(x)
    alpha = alpha0
    while f(x - alpha * g) > f(x) - c * alpha * (g @ g):
        alpha *= rho
    return alpha


def least_squares_gd(X, y, lr, steps):
    """steps GD steps from w = 0 on ‖Xw − y‖²/(2n), whose gradient is Xᵀ(Xw − y)/n."""
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        w = w - lr * X.T @ (X @ w - y) / len(y)
    return w


def fastest_lr():
    """The rate with the fewest steps on ½xᵀdiag(1, 10)x, found by counting steps over a grid (near 2/(L + μ) =
    2/11)."""

    def steps(lr):
        x, k = np.array([-2.5, 1.5]), 0
        while np.linalg.norm(np.array([1.0, 10.0]) * x) > 1e-8 and k < 1_000:
            x = x - lr * np.array([1.0, 10.0]) * x
            k += 1
        return k

    rates = np.linspace(0.01, 0.2, 96)
    return rates[np.argmin([steps(lr) for lr in rates])]
