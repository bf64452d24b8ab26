"""Figures of Chapter 1 (derivatives). Each is a pure function of its parameters; ``explore`` adds the sliders."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from book.calculus import EPS, difference_errors, optimal_step
from book.plotting import PALETTE, axes, finish

FUNCTIONS = {
    "exp": (np.exp, np.exp, np.exp, np.exp),
    "sin": (np.sin, np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x)),
    "x³": (lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x, lambda x: 6 + 0 * x),
}
"""name → (f, f', f'', f''') for the error-analysis figure."""

STEPS = np.logspace(-16, 0, 161)


def sigmoid(x):
    """The logistic sigmoid σ(x) = 1 / (1 + e^(−x)), computed stably as (1 + tanh(x/2)) / 2."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def square(x):
    """f(x) = x², the chapter's running example."""
    return x**2


def difference_quotient_figure(x0: float = 3.0, ax: Axes | None = None) -> Axes:
    """Difference quotients of x² at x0 approach the derivative 2·x0 as h shrinks."""
    ax = axes(ax)
    hs = np.logspace(-4, 0, 50)
    ax.semilogx(hs, (square(x0 + hs) - square(x0)) / hs, color=PALETTE["blue"], label="(f(x₀+h) − f(x₀)) / h")
    ax.axhline(2 * x0, color=PALETTE["orange"], linestyle="--", label=f"f'(x₀) = {2 * x0:g}")
    return finish(ax, f"Slopes of secants of f(x) = x² at x₀ = {x0:g}", "step h (log scale)", "slope of the secant")


def tangent_figure(x0: float = 1.0, h: float = 1.0, ax: Axes | None = None) -> Axes:
    """Secant of f(x) = sin(x) + x²/4 through x0 and x0 + h, and the tangent it approaches as h shrinks."""
    ax = axes(ax)
    f, df = (lambda x: np.sin(x) + x**2 / 4), (lambda x: np.cos(x) + x / 2)
    xs = np.linspace(-3, 3, 300)
    slope = (f(x0 + h) - f(x0)) / h
    ax.plot(xs, f(xs), color=PALETTE["ink"], label="f(x) = sin x + x²/4")
    ax.plot(xs, f(x0) + df(x0) * (xs - x0), color=PALETTE["orange"], linestyle="--", label=f"tangent, slope {df(x0):.3f}")
    ax.plot(xs, f(x0) + slope * (xs - x0), color=PALETTE["blue"], label=f"secant, slope {slope:.3f}")
    ax.plot([x0, x0 + h], [f(x0), f(x0 + h)], "o", color=PALETTE["blue"], markersize=7)
    ax.set_xlim(-3, 3)
    ax.set_ylim(-2, 4)
    ax.legend(loc="upper left")
    return finish(ax, "Secant → tangent as h → 0", "x", "f(x)", legend=False)


def rule_figure(name: str, f, df, xs: np.ndarray, ax: Axes | None = None) -> Axes:
    """A function, its derivative by the rule, and central-difference estimates at a few points."""
    from book.calculus import derivative

    ax = axes(ax)
    ax.plot(xs, f(xs), color=PALETTE["blue"], label=name)
    ax.plot(xs, df(xs), color=PALETTE["orange"], label="derivative (rule)")
    marks = xs[:: max(1, len(xs) // 12)]
    ax.plot(marks, derivative(f, marks), "o", color=PALETTE["green"], markersize=5, label="central difference")
    return finish(ax, name, "x", "value")


def error_figure(function: str = "exp", x0: float = 1.0, ax: Axes | None = None) -> Axes:
    """Log-log error of forward and central differences against h: truncation error falls, rounding error rises."""
    ax = axes(ax)
    f, df, d2f, d3f = FUNCTIONS[function]
    for method, colour, bound in (("forward", PALETTE["blue"], d2f(x0)), ("central", PALETTE["orange"], d3f(x0))):
        errors = difference_errors(f, df, x0, STEPS, method)
        ax.loglog(STEPS, np.maximum(errors, 1e-18), color=colour, label=f"{method} difference")
        if bound != 0:
            h_star = optimal_step(method, f(x0), bound)
            ax.axvline(h_star, color=colour, linestyle=":", linewidth=1.5, label=f"{method}: predicted best h = {h_star:.1e}")
    ax.axvline(np.sqrt(EPS), color=PALETTE["grey"], linewidth=0.8, alpha=0.6)
    ax.set_ylim(1e-18, 1e2)
    ax.legend(loc="upper center", fontsize=8.5, title=f"f = {function}, x = {x0:g}", title_fontsize=9)
    return finish(ax, "Error of a finite-difference derivative", "step h", "|estimate − f'(x)|", legend=False)


INPUTS = np.array([1.0, 2.0, 3.0])
TARGETS = np.array([2.5, 3.5, 6.5])


def loss(w):
    """Mean squared error of the one-parameter model y = w·x on three data points (w a float or an array)."""
    w = np.asarray(w, dtype=float)[..., None]
    return np.mean((w * INPUTS - TARGETS) ** 2, axis=-1)


def descent_figure(w0: float = 0.0, lr: float = 0.1, ax: Axes | None = None) -> Axes:
    """The loss L(w) with its tangent at w0 and the first gradient-descent step w0 − lr·L'(w0)."""
    from book.calculus import derivative

    ax = axes(ax)
    ws = np.linspace(-1, 5, 300)
    slope = derivative(loss, w0)
    w1 = w0 - lr * slope
    ax.plot(ws, loss(ws), color=PALETTE["ink"], label="loss L(w)")
    near = np.linspace(w0 - 0.8, w0 + 0.8, 10)
    ax.plot(near, loss(w0) + slope * (near - w0), color=PALETTE["orange"], linestyle="--", label=f"slope L'(w₀) = {slope:.2f}")
    ax.annotate("", xy=(w1, loss(w1)), xytext=(w0, loss(w0)), arrowprops={"arrowstyle": "->", "color": PALETTE["red"], "lw": 2})
    ax.plot([w0], [loss(w0)], "o", color=PALETTE["blue"], markersize=8, label=f"w₀ = {w0:g}, L = {loss(w0):.2f}")
    ax.plot([w1], [loss(w1)], "s", color=PALETTE["red"], markersize=8, label=f"w₁ = {w1:.2f}, L = {loss(w1):.2f}")
    ax.set_xlim(-1, 5)
    ax.set_ylim(0, 40)
    ax.legend(loc="upper center")
    return finish(ax, f"One descent step, learning rate {lr:g}", "parameter w", "loss L(w)", legend=False)
