"""Solutions to the exercises of Chapter 2 (partial derivatives and the gradient)."""

import numpy as np


def partial_derivative(f, x, i, h=1e-5):
    """∂f/∂xᵢ by a central difference: move only coordinate i, by ±h."""
    step = np.zeros(len(x))
    step[i] = h
    return (f(x + step) - f(x - step)) / (2 * h)


def numerical_gradient(f, x, h=1e-5):
    """All partial derivatives, one per coordinate, in an array shaped like x."""
    return np.array([partial_derivative(f, x, i, h) for i in range(len(x))])


def directional_derivative(g, u):
    """The slope along the unit vector u/‖u‖ given the gradient g: g·u/‖u‖."""
    return g @ u / np.linalg.norm(u)


def steepest_descent_direction(g):
    """The unit vector along which f decreases fastest: −g/‖g‖."""
    return -g / np.linalg.norm(g)


def quadratic_gradient(A, b, x):
    """∇(½ xᵀAx + bᵀx) = ½(A + Aᵀ)x + b; it is Ax + b for a symmetric A."""
    return 0.5 * (A + A.T) @ x + b


def condition_number(H):
    """κ = λ_max / λ_min of a symmetric positive definite matrix."""
    # eigvalsh returns the eigenvalues of a symmetric matrix, smallest first
    eigenvalues = np.linalg.eigvalsh(H)
    return eigenvalues[-1] / eigenvalues[0]


def numerical_jacobian(f, x, h=1e-5):
    """J[i, j] = ∂fᵢ/∂xⱼ (rows are outputs), one column per input xⱼ."""
    columns = []
    for j in range(len(x)):
        step = np.zeros(len(x))
        step[j] = h
        columns.append((f(x + step) - f(x - step)) / (2 * h))
    return np.stack(columns, axis=1)


def logistic_gradient(w, X, y):
    """Gradient of the mean logistic loss: Xᵀ(σ(Xw) − y) / n."""
    probabilities = 1 / (1 + np.exp(-(X @ w)))
    return X.T @ (probabilities - y) / len(y)


def level_set_angle():
    """An angle θ with zero slope along (cos θ, sin θ) at (1, 1): perpendicular to the gradient, (−g₁, g₀)/‖g‖."""

    def himmelblau(v):
        return (v[0] ** 2 + v[1] - 11) ** 2 + (v[0] + v[1] ** 2 - 7) ** 2

    g = numerical_gradient(himmelblau, np.array([1.0, 1.0]))
    return np.arctan2(g[0], -g[1])  # the angle of the vector (−g₁, g₀)
