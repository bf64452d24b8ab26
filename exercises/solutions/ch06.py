"""Solutions to the exercises of Chapter 6 (momentum)."""

import numpy as np


def heavy_ball_step(grad, x, x_previous, lr, beta):
    """A gradient step plus beta times the previous step."""
    return x - lr * grad(x) + beta * (x - x_previous)


def optimal_heavy_ball(L, mu):
    """Polyak's best parameters: lr = (2/(√L + √μ))², beta = ((√κ − 1)/(√κ + 1))²."""
    root = np.sqrt(L / mu)
    return (2 / (np.sqrt(L) + np.sqrt(mu))) ** 2, ((root - 1) / (root + 1)) ** 2


def heavy_ball_rate(lr, beta, curvature):
    """The largest |eigenvalue| of [[1 − ηλ + β, −β], [1, 0]]."""
    matrix = np.array([[1 - lr * curvature + beta, -beta], [1.0, 0.0]])
    return np.max(np.abs(np.linalg.eigvals(matrix)))


def velocity_to_buffer(v, lr):
    """At a constant learning rate Sutskever's v equals −lr times PyTorch's b."""
    return -v / lr


def steps_from_rate(rate, tol):
    """The fewest k with rate**k <= tol: k >= ln(tol)/ln(rate), rounded up, then checked against rate**k itself."""
    k = max(0, int(np.ceil(np.log(tol) / np.log(rate))))
    while k > 0 and rate ** (k - 1) <= tol:  # round-off in the logarithms can push the ratio past a whole number
        k -= 1
    while rate**k > tol:
        k += 1
    return k


def largest_stable_step():
    """Bisect on η: keep the largest η whose 1000 heavy-ball steps stay below 10⁶, the smallest that blow up."""

    def blows_up(lr):
        x = x_previous = np.ones(2)
        for _ in range(1000):
            x, x_previous = heavy_ball_step(lambda v: np.array([1.0, 10.0]) * v, x, x_previous, lr, 0.9), x
            if not np.linalg.norm(x) <= 1e6:
                return True
        return False

    stable, unstable = 0.0, 1.0
    for _ in range(20):
        middle = (stable + unstable) / 2
        stable, unstable = (stable, middle) if blows_up(middle) else (middle, unstable)
    return stable
