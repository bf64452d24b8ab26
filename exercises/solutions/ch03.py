"""Solutions to the exercises of Chapter 3 (chain rule, backpropagation, automatic differentiation)."""

import numpy as np

from book.autodiff import node


def chain_rule_derivative(x):
    """d/dx sin(x²) = cos(x²) · 2x: the outer derivative at the inner value, times the inner derivative."""
    return np.cos(x**2) * 2 * x


def multiply_backward(g, a, b):
    """The backward rule of c = a·b: each input's local derivative is the other input, times the upstream g."""
    return g * b, g * a


def neuron_gradient(w, b, x, y):
    """[∂L/∂w, ∂L/∂b] for L = (σ(w·x + b) − y)², multiplying local derivatives from L back to w and b."""
    z = w * x + b
    a = 1 / (1 + np.exp(-z))
    d_z = 2 * (a - y) * a * (1 - a)  # ∂L/∂d = 2d, times ∂d/∂a = 1, times ∂a/∂z = σ'(z) = a(1 − a)
    return np.array([d_z * x, d_z])  # ∂z/∂w = x, ∂z/∂b = 1


def unbroadcast(grad, shape):
    """Sum grad over the leading axes broadcasting added, then over the axes it stretched from size 1."""
    added = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(added)))
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1)
    return grad.sum(axis=stretched, keepdims=True)


def two_layer_backward(X, Y, W1, b1, W2, b2):
    """(dW1, db1, dW2, db2) of L = mean((σ(X W1 + b1) W2 + b2 − Y)²) by backpropagation."""
    H = 1 / (1 + np.exp(-(X @ W1 + b1)))
    Y_hat = H @ W2 + b2
    d_Y_hat = 2 * (Y_hat - Y) / Y.size  # the mean runs over all N·k entries
    d_W2, d_b2 = H.T @ d_Y_hat, d_Y_hat.sum(axis=0)
    d_H = d_Y_hat @ W2.T
    d_Z = d_H * H * (1 - H)  # σ'(Z) = H(1 − H)
    d_W1, d_b1 = X.T @ d_Z, d_Z.sum(axis=0)
    return d_W1, d_b1, d_W2, d_b2


def softplus(t):
    """softplus(x) = log(1 + eˣ) as a Tensor operation: stable value, backward rule g ↦ g·σ(x)."""
    x = t.data
    sigma = 0.5 * (1 + np.tanh(0.5 * x))  # σ(x), without overflow
    return node(np.logaddexp(0.0, x), (t, lambda g: g * sigma))


def vanishing_depth():
    """9: each sigmoid multiplies the derivative by σ' of its input (1/4 at 0, then about 0.235, 0.225, …)."""
    from book.autodiff import Tensor

    def derivative(depth):
        x = Tensor(np.array(0.0))
        out = x
        for _ in range(depth):
            out = out.sigmoid()
        out.backward()
        return float(x.grad)

    depth = 1
    while derivative(depth + 1) >= 1e-6:
        depth += 1
    return depth
