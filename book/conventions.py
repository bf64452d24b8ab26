"""The forms of the optimizers that other libraries and the original papers use, transcribed for comparison with
:mod:`book.optim` (which follows PyTorch). Each is a :class:`book.optim.Optimizer`, so it runs through
:func:`book.optim.run` like the book's own; the appendix puts them side by side.

* :func:`rmsprop_eps_in_sqrt` — optax's ``rmsprop`` (``eps_in_sqrt=True``, its default): g/√(v + ε_opt).
* :func:`adagrad_eps_in_sqrt` — optax's ``adagrad``: g/√(s + ε_opt), with its defaults s₀ = 0.1, ε_opt = 1e-7.
* :func:`adam_paper` — Kingma & Ba's "efficient" Adam: the bias corrections folded into the step size, ε_opt not
  corrected.
* :func:`adamw_paper` — Loshchilov & Hutter's AdamW: x ← x − (lr·m̂/(√v̂ + ε_opt) + λx), λ not multiplied by lr.
* :func:`sutskever_momentum` and :func:`polyak_momentum` — Sutskever et al.'s velocity form and Polyak's heavy-ball
  form of momentum, written literally (:func:`sutskever` and :func:`polyak` run them).
* :func:`sutskever_nesterov` — Sutskever et al.'s Nesterov momentum, whose velocity v gives PyTorch's x = θ + βv.
* :func:`first_step` and :func:`momentum_forms` — what the appendix compares: one step from 0, and PyTorch's
  momentum beside Sutskever's under the same learning rate (a schedule, for the drop).
* :func:`layer_gradient` — the gradient of a linear layer's weights in the (out, in) and the (in, out) layouts.

The first step of RMSProp with a gradient of 1e-4 and ε_opt = 1e-8: almost lr·(1 − β)^(−1/2) with ε_opt outside the
root, about a third of that with ε_opt inside:

>>> from book.optim import rmsprop
>>> [round(float(opt.step(np.zeros(1), np.full(1, 1e-4), opt.init(np.zeros(1)))[0][0]), 4)
...  for opt in (rmsprop(lr=0.1, alpha=0.9), rmsprop_eps_in_sqrt(lr=0.1, alpha=0.9))]
[-0.3161, -0.0953]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from book._validate import (
    require_betas,
    require_callable,
    require_choice,
    require_count,
    require_finite_array,
    require_fraction,
    require_lr,
    require_nonnegative,
    require_positive,
)
from book.optim import Optimizer, Schedule, run, sgd

__all__ = [
    "rmsprop_eps_in_sqrt",
    "adagrad_eps_in_sqrt",
    "adam_paper",
    "adamw_paper",
    "sutskever_nesterov",
    "first_step",
    "momentum_forms",
    "layer_gradient",
    "sutskever_momentum",
    "polyak_momentum",
    "sutskever",
    "polyak",
]


def rmsprop_eps_in_sqrt(lr: float | Schedule = 0.01, alpha: float = 0.9, eps: float = 1e-8) -> Optimizer:
    """optax's RMSProp (its defaults decay β = 0.9 (argument alpha), ε_opt = 1e-8, ε_opt inside the root): v ← βv +
    (1 − β)g²; x ← x − lr·g/√(v + ε_opt)."""
    lr, alpha, eps = require_lr(lr), require_fraction("alpha", alpha), require_positive("eps", eps)

    def update(x, g, slots, t, lr):
        v = alpha * slots["square_avg"] + (1 - alpha) * g * g
        return x - lr * (g / np.sqrt(v + eps)), {"square_avg": v}

    return Optimizer("rmsprop_eps_in_sqrt", lr, {"square_avg": 0.0}, update)


def adagrad_eps_in_sqrt(lr: float | Schedule, initial_accumulator_value: float = 0.1, eps: float = 1e-7) -> Optimizer:
    """optax's AdaGrad (its defaults s₀ = 0.1, ε_opt = 1e-7, ε_opt inside the root): s ← s + g²; x ← x − lr·g/√(s +
    ε_opt)."""
    lr, eps = require_lr(lr), require_positive("eps", eps)
    initial = require_nonnegative("initial_accumulator_value", initial_accumulator_value)

    def update(x, g, slots, t, lr):
        s = slots["sum"] + g * g
        return x - lr * (g / np.sqrt(s + eps)), {"sum": s}

    return Optimizer("adagrad_eps_in_sqrt", lr, {"sum": initial}, update)


def adam_paper(lr: float | Schedule = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> Optimizer:
    """Kingma & Ba (2015), end of Section 2: η̂_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ), x ← x − η̂_t·m/(√v + ε_opt) (ε_opt
    uncorrected)."""
    lr, (beta1, beta2), eps = require_lr(lr), require_betas(betas), require_positive("eps", eps)

    def update(x, g, slots, t, lr):
        m = beta1 * slots["exp_avg"] + (1 - beta1) * g
        v = beta2 * slots["exp_avg_sq"] + (1 - beta2) * g * g
        step = lr * math.sqrt(1 - beta2 ** (t + 1)) / (1 - beta1 ** (t + 1))
        return x - step * (m / (np.sqrt(v) + eps)), {"exp_avg": m, "exp_avg_sq": v}

    return Optimizer("adam_paper", lr, {"exp_avg": 0.0, "exp_avg_sq": 0.0}, update)


def adamw_paper(
    lr: float | Schedule = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.01,
) -> Optimizer:
    """Loshchilov & Hutter (2019), Algorithm 2 with η_t = 1: x ← x − (lr·m̂/(√v̂ + ε_opt) + λx), λ not multiplied by
    lr."""
    lr, (beta1, beta2), eps = require_lr(lr), require_betas(betas), require_positive("eps", eps)
    weight_decay = require_nonnegative("weight_decay", weight_decay)

    def update(x, g, slots, t, lr):
        m = beta1 * slots["exp_avg"] + (1 - beta1) * g
        v = beta2 * slots["exp_avg_sq"] + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1 ** (t + 1)), v / (1 - beta2 ** (t + 1))
        return x - (lr * m_hat / (np.sqrt(v_hat) + eps) + weight_decay * x), {"exp_avg": m, "exp_avg_sq": v}

    return Optimizer("adamw_paper", lr, {"exp_avg": 0.0, "exp_avg_sq": 0.0}, update)


def sutskever_nesterov(
    grad_fn: Callable, x0: Any, lr: float, momentum: float, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sutskever et al. (2013): v ← βv − lr·∇f(θ + βv), θ ← θ + v, from θ₀ = x0, v₀ = 0; (θ_k, v_k) stacked, k =
    0..steps.

    Not an :class:`book.optim.Optimizer`: it takes the gradient at the look-ahead point θ + βv, not at its iterate θ,
    while ``run`` evaluates ``grad_fn`` at the iterate. In x = θ + βv it is ``sgd(lr, momentum, nesterov=True)``.
    """
    require_callable("grad_fn", grad_fn)
    theta, velocity = require_finite_array("x0", x0), np.zeros(np.shape(x0))
    lr, momentum, steps = (
        require_positive("lr", lr),
        require_fraction("momentum", momentum),
        require_count("steps", steps),
    )
    thetas, velocities = [theta], [velocity]
    for _ in range(steps):
        velocity = momentum * velocity - lr * np.asarray(grad_fn(theta + momentum * velocity), dtype=float)
        theta = theta + velocity
        thetas.append(theta)
        velocities.append(velocity)
    return np.stack(thetas), np.stack(velocities)


def first_step(optimizer: Optimizer, g: Any) -> np.ndarray:
    """The displacement x₁ − x₀ of ``optimizer``'s first step from x₀ = 0 with gradient ``g`` (entry by entry)."""
    g = require_finite_array("g", g)
    return optimizer.step(np.zeros_like(g), g, optimizer.init(np.zeros_like(g)))[0]


def momentum_forms(
    grad_fn: Callable, x0: Any, lr: float | Schedule, momentum: float, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """The iterates of PyTorch's momentum (:func:`book.optim.sgd`) and of Sutskever's (:func:`sutskever`)
    with the same learning rate or schedule, each stacked with x0 first."""
    return run(sgd(lr, momentum=momentum), grad_fn, x0, steps).x, sutskever(grad_fn, x0, lr, momentum, steps)


def layer_gradient(inputs: Any, upstream: Any, layout: str) -> np.ndarray:
    """∂ℓ/∂W of a linear layer from its inputs (batch, in) and ∂ℓ/∂output (batch, out): ``"out_in"`` for W of shape
    (out, in) with y = x Wᵀ (PyTorch, and papers' y = Wx), ``"in_out"`` for W of shape (in, out) with y = x W
    (JAX/flax)."""
    layout = require_choice("layout", layout, ["out_in", "in_out"])
    inputs, upstream = (
        require_finite_array("inputs", inputs, ndim=2),
        require_finite_array("upstream", upstream, ndim=2),
    )
    if len(inputs) != len(upstream):
        raise ValueError(f"upstream must have one row per row of inputs, got {len(upstream)} and {len(inputs)} rows")
    return upstream.T @ inputs if layout == "out_in" else inputs.T @ upstream


def sutskever_momentum(lr: float | Schedule, momentum: float) -> Optimizer:
    """Sutskever et al. (2013)'s momentum as an optimizer: v ← βv − η_t g, x ← x + v, from v = 0.

    >>> opt = sutskever_momentum(0.1, 0.9)
    >>> x, state = opt.step(np.array([1.0]), np.array([1.0]), opt.init(np.array([1.0])))
    >>> x, state.slots["velocity"]
    (array([0.9]), array([-0.1]))
    """
    momentum = require_fraction("momentum", momentum)

    def update(x, g, slots, t, lr):
        v = momentum * slots["velocity"] - lr * g
        return x + v, {"velocity": v}

    return Optimizer("sutskever_momentum", require_lr(lr), {"velocity": 0.0}, update)


def polyak_momentum(lr: float | Schedule, momentum: float) -> Optimizer:
    """Polyak's heavy ball as an optimizer: x_(k+1) = x_k − η_k g_k + β(x_k − x_(k−1)), keeping x_k − x_(k−1)
    (0 at first).

    >>> opt = polyak_momentum(0.1, 0.9)
    >>> x, state = opt.step(np.array([1.0]), np.array([1.0]), opt.init(np.array([1.0])))
    >>> x, state.slots["displacement"]
    (array([0.9]), array([-0.1]))
    """
    momentum = require_fraction("momentum", momentum)

    def update(x, g, slots, t, lr):
        new = x - lr * g + momentum * slots["displacement"]
        return new, {"displacement": new - x}

    return Optimizer("polyak_momentum", require_lr(lr), {"displacement": 0.0}, update)


def sutskever(grad_fn: Callable, x0: Any, lr: float | Schedule, momentum: float, steps: int) -> np.ndarray:
    """The iterates of :func:`sutskever_momentum` run from x0 for ``steps`` steps, stacked with x0 first."""
    return run(sutskever_momentum(lr, momentum), grad_fn, x0, steps).x


def polyak(grad_fn: Callable, x0: Any, lr: float | Schedule, momentum: float, steps: int) -> np.ndarray:
    """The iterates of :func:`polyak_momentum` run from x0 for ``steps`` steps, stacked with x0 first."""
    return run(polyak_momentum(lr, momentum), grad_fn, x0, steps).x
