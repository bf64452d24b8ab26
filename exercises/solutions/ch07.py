"""Solutions to the exercises of Chapter 7 (adaptive methods)."""

import math

import numpy as np


def correction_factor(beta, k):
    """The weights (1 − β)(1 + β + … + βᵏ⁻¹) of a moving average started at zero add up to 1 − βᵏ."""
    return 1 - beta**k


def adam_step(x, g, m, v, k, lr, beta1, beta2, eps):
    """Update both averages with g, correct them by 1 − βᵏ, and step by lr·m̂/(√v̂ + ε) (ε outside the root)."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**k)
    v_hat = v / (1 - beta2**k)
    return x - lr * m_hat / (np.sqrt(v_hat) + eps)


def adamw_step(x, g, m, v, k, lr, beta1, beta2, eps, weight_decay):
    """Decay first, x(1 − lr·λ), independently of the gradient; then the plain Adam step with g unchanged."""
    return adam_step(x * (1 - lr * weight_decay), g, m, v, k, lr, beta1, beta2, eps)


def adagrad_accumulator(gradients, initial):
    """AdaGrad's s: the initial value plus the sum of the squared gradients, coordinate by coordinate."""
    s = np.full(np.shape(gradients[0]), float(initial))
    for g in gradients:
        s = s + np.asarray(g) ** 2
    return s


def steps_until_half(beta):
    """The first whole k with 1 − βᵏ >= 1/2: βᵏ <= 1/2 means k >= log(1/2)/log β, rounded up."""
    k = max(1, math.ceil(math.log(0.5) / math.log(beta)))
    while 1 - beta**k < 0.5:  # guard against round-off in the logarithms
        k += 1
    return k


def adam_steps_to_half():
    """Run Adam (my adam_step, with m and v kept up to date) from x = 1 and count the steps until x <= 1/2."""
    x, m, v = np.array([1.0]), np.zeros(1), np.zeros(1)
    k = 0
    while x[0] > 0.5:
        k += 1
        g = 1e-3 * x
        x = adam_step(x, g, m, v, k, 0.01, 0.9, 0.999, 1e-8)
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g**2
    return k
