"""Solutions to the exercises of Chapter 1 (derivatives)."""

import numpy as np

STEPS = np.logspace(-16, 0, 161)


def forward_difference(f, x, h):
    """(f(x + h) − f(x)) / h: first-order accurate."""
    return (f(x + h) - f(x)) / h


def central_difference(f, x, h):
    """(f(x + h) − f(x − h)) / (2h): second-order accurate."""
    return (f(x + h) - f(x - h)) / (2 * h)


def best_step(f, df, x, method):
    """The h in STEPS where the forward or central difference is closest to df(x)."""
    difference = forward_difference if method == "forward" else central_difference
    errors = np.abs(difference(f, x, STEPS) - df(x))
    return STEPS[np.argmin(errors)]


def sigmoid_prime(x):
    """σ'(x) = σ(x)(1 − σ(x)), with σ written to avoid overflow for large negative x."""
    sigma = 0.5 * (1 + np.tanh(0.5 * np.asarray(x, dtype=float)))
    return sigma * (1 - sigma)


def descent_step(f, x, lr):
    """One gradient-descent step x − lr · f'(x), with f'(x) by a central difference."""
    return x - lr * central_difference(f, x, 1e-5)


def richardson(f, x, h):
    """(4 D(h/2) − D(h)) / 3 with D the central difference: the h² error terms cancel (fourth order)."""
    return (4 * central_difference(f, x, h / 2) - central_difference(f, x, h)) / 3


def complex_step(f, x, h=1e-20):
    """Im f(x + ih) / h: no subtraction, so no cancellation, so h can be tiny and the result exact to ε."""
    return np.imag(f(x + 1j * h)) / h


def five_point_order():
    """4: halving h divides the five-point error by about 16 = 2⁴ (measured below), so the error shrinks like h⁴."""

    def five_point(f, x, h):
        return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)

    errors = [abs(five_point(np.exp, 1.0, h) - np.exp(1.0)) for h in (0.2, 0.1, 0.05)]
    return round(np.log2(errors[1] / errors[2]))
