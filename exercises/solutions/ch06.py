"""Solutions to the exercises of Chapter 6 (momentum)."""

import numpy as np


def heavy_ball_step(grad, x, x_previous, alpha, beta):
    """A gradient step plus beta times the previous step."""
    return x - alpha * grad(x) + beta * (x - x_previous)


def optimal_heavy_ball(L, mu):
    """Polyak's best parameters: alpha = (2/(√L + √μ))², beta = ((√κ − 1)/(√κ + 1))²."""
    root = np.sqrt(L / mu)
    return (2 / (np.sqrt(L) + np.sqrt(mu))) ** 2, ((root - 1) / (root + 1)) ** 2


def heavy_ball_rate(alpha, beta, curvature):
    """The largest |eigenvalue| of [[1 − αλ + β, −β], [1, 0]]."""
    matrix = np.array([[1 - alpha * curvature + beta, -beta], [1.0, 0.0]])
    return np.max(np.abs(np.linalg.eigvals(matrix)))


def velocity_to_buffer(v, lr):
    """At a constant learning rate Sutskever's v equals −lr times PyTorch's b."""
    return -v / lr


def steps_from_rate(rate, tol):
    """The fewest k with rate**k <= tol: k >= ln(tol)/ln(rate), rounded up."""
    return int(np.ceil(np.log(tol) / np.log(rate)))
