"""Figures of Chapter 1 (derivatives). Each is a pure function of its parameters; ``explore`` adds the sliders."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from book.calculus import EPS, derivative, difference_errors, difference_quotients, optimal_step, taylor_polynomial
from book.functions import line_loss
from book.plotting import PALETTE, axes, finish

FUNCTIONS = {
    "exp": (np.exp, np.exp, np.exp, np.exp),
    "sin": (np.sin, np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x)),
    "x³": (lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x, lambda x: 6 + 0 * x),
    "log": (np.log, lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3),
}
"""name → (f, f', f'', f''') for the Taylor and error-analysis figures."""

STEPS = np.logspace(-16, 0, 161)
"""The steps h of the error-analysis figure: 10 per decade from 1e-16 to 1."""

ERROR_FLOOR = 1e-18
"""Where the error figure draws an error of exactly 0 (its bottom edge)."""

TAYLOR_POINT = 1.0
"""x₀ of the Taylor primer, on f = sin."""
TAYLOR_COLOURS = {1: PALETTE["blue"], 2: PALETTE["orange"], 3: PALETTE["green"]}
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

TANGENT_SLIDERS = {"x0": (-2.0, 2.0, 0.5), "h": [-1.5, -1.0, -0.5, -0.1, 0.1, 0.5, 1.0, 1.5]}
ERROR_SLIDERS = {"function": ["exp", "sin", "x³"], "x0": [0.0, 0.5, 1.0, 2.0, 5.0]}
"""The explorable's grid (log, undefined at 0, is drawn once at x₀ = 1 instead)."""
DESCENT_SLIDERS = {"w0": (0.0, 4.0, 0.5), "lr": [0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]}
DESCENT_VIEW = ((-2.0, 6.5), (-3.0, 70.0))
"""(w limits, loss limits) of the descent figure: every w₀ and w₁ of DESCENT_SLIDERS fits, markers whole."""


def square(x):
    """f(x) = x², the chapter's running example."""
    return x**2


def wave(x):
    """f(x) = sin x + x²/4, the secant-to-tangent example."""
    return np.sin(x) + x**2 / 4


def wave_slope(x):
    """f'(x) = cos x + x/2, the derivative of :func:`wave` by the rules."""
    return np.cos(x) + x / 2


def difference_quotient_figure(x0: float = 3.0, ax: Axes | None = None) -> Axes:
    """Difference quotients of x² at x0 approach the derivative 2·x0 as h shrinks."""
    ax = axes(ax)
    hs = np.logspace(-4, 0, 50)
    ax.semilogx(hs, difference_quotients(square, x0, hs), color=PALETTE["blue"], label="(f(x₀+h) − f(x₀)) / h")
    ax.axhline(2 * x0, color=PALETTE["orange"], linestyle="--", label=f"f'(x₀) = {2 * x0:g}")
    return finish(ax, f"Slopes of secants of f(x) = x² at x₀ = {x0:g}", "step h (log scale)", "slope of the secant")


def tangent_figure(x0: float = 1.0, h: float = 1.0, ax: Axes | None = None) -> Axes:
    """Secant of f(x) = sin(x) + x²/4 through x0 and x0 + h, and the tangent it approaches as h shrinks."""
    ax = axes(ax)
    xs = np.linspace(-3, 3, 300)
    slope = float(difference_quotients(wave, x0, np.array([h]))[0])
    ax.plot(xs, wave(xs), color=PALETTE["ink"], label="f(x) = sin x + x²/4")
    tangent = wave(x0) + wave_slope(x0) * (xs - x0)
    ax.plot(xs, tangent, color=PALETTE["orange"], linestyle="--", label=f"tangent, slope {wave_slope(x0):.3f}")
    ax.plot(xs, wave(x0) + slope * (xs - x0), color=PALETTE["blue"], label=f"secant, slope {slope:.3f}")
    ax.plot([x0, x0 + h], [wave(x0), wave(x0 + h)], "o", color=PALETTE["blue"], markersize=7)
    ax.set_xlim(-3, 3)
    ax.set_ylim(-2, 4)
    ax.legend(loc="upper left")
    return finish(ax, "Secant → tangent as h → 0", "x", "f(x)", legend=False)


def rule_figure(name: str, f, df, xs: np.ndarray, ax: Axes | None = None) -> Axes:
    """A function, its derivative by the rule, and central-difference estimates at a few points."""
    ax = axes(ax)
    ax.plot(xs, f(xs), color=PALETTE["blue"], label=name)
    ax.plot(xs, df(xs), color=PALETTE["orange"], label="derivative (rule)")
    marks = xs[:: max(1, len(xs) // 12)]
    ax.plot(marks, derivative(f, marks), "o", color=PALETTE["green"], markersize=5, label="central difference")
    return finish(ax, name, "x", "value")


def _sine_derivatives() -> list[float]:
    return [float(d(TAYLOR_POINT)) for d in FUNCTIONS["sin"]]


def taylor_figure(ax: Axes | None = None) -> Axes:
    """sin x near x₀ = 1 with its Taylor polynomials of degree 1, 2 and 3, each hugging the curve a little longer."""
    ax = axes(ax)
    hs = np.linspace(-2.0, 2.0, 201)
    ax.plot(TAYLOR_POINT + hs, np.sin(TAYLOR_POINT + hs), color=PALETTE["ink"], linewidth=2.5, label="f(x) = sin x")
    for degree, colour in TAYLOR_COLOURS.items():
        values = taylor_polynomial(_sine_derivatives()[: degree + 1], hs)
        ax.plot(TAYLOR_POINT + hs, values, color=colour, linestyle="--", label=f"degree {degree}")
    ax.plot([TAYLOR_POINT], [np.sin(TAYLOR_POINT)], "o", color=PALETTE["ink"])
    ax.set_ylim(-1.5, 1.5)
    return finish(ax, f"Taylor polynomials of sin at x₀ = {TAYLOR_POINT:g}", "x", "value")


def taylor_remainder_figure(ax: Axes | None = None) -> Axes:
    """Log-log remainders |f(x₀ + h) − Tₙ(h)| of sin at x₀ = 1: straight lines of slope 2, 3 and 4 as h shrinks."""
    ax = axes(ax)
    hs = np.logspace(-3, 0, 61)
    for degree, colour in TAYLOR_COLOURS.items():
        remainder = np.abs(np.sin(TAYLOR_POINT + hs) - taylor_polynomial(_sine_derivatives()[: degree + 1], hs))
        ax.loglog(hs, remainder, color=colour, label=f"degree {degree}: O(h{str(degree + 1).translate(SUPERSCRIPTS)})")
    return finish(ax, "Remainder after the degree-n term", "step h", "|f(x₀ + h) − Tₙ(h)|")


def error_figure(function: str = "exp", x0: float = 1.0, ax: Axes | None = None) -> Axes:
    """Log-log error of forward and central differences against h: truncation error falls, rounding error rises."""
    ax = axes(ax)
    f, df, d2f, d3f = FUNCTIONS[function]
    terms = (("forward", PALETTE["blue"], "f''", d2f(x0), 3.5), ("central", PALETTE["orange"], "f'''", d3f(x0), 1.8))
    for method, colour, name, higher, width in terms:  # the wider forward curve shows where the two coincide
        errors = difference_errors(f, df, x0, STEPS, method)
        ax.loglog(STEPS, np.maximum(errors, ERROR_FLOOR), color=colour, linewidth=width, label=f"{method} difference")
        if f(x0) == 0 and x0 == 0:
            ax.plot([], [], " ", label=f"{method}: f(x₀) = x₀ = 0, no rounding term, no best h")
        elif higher == 0:
            ax.plot([], [], " ", label=f"{method}: {name}(x₀) = 0, leading term gone")
        else:
            h_star = optimal_step(method, f(x0), higher, x=x0, slope=df(x0))
            ax.axvline(
                h_star, color=colour, linestyle=":", linewidth=1.5, label=f"{method}: predicted best h = {h_star:.1e}"
            )
    ax.axvline(np.sqrt(EPS), color=PALETTE["grey"], linewidth=0.8, alpha=0.6, label="h = √ε")
    ax.set_ylim(ERROR_FLOOR, 1e3)
    ax.legend(loc="best", fontsize=8.5, title=f"f = {function}, x₀ = {x0:g}", title_fontsize=9)
    return finish(ax, "Error of a finite-difference derivative", "step h", "|estimate − f'(x₀)|", legend=False)


def descent_figure(w0: float = 0.0, lr: float = 0.1, ax: Axes | None = None) -> Axes:
    """The loss ℓ(w) with its tangent at w0 and the first gradient-descent step w0 − lr·ℓ'(w0)."""
    ax = axes(ax)
    (w_low, w_high), (loss_low, loss_high) = DESCENT_VIEW
    ws = np.linspace(w_low, w_high, 300)
    slope = derivative(line_loss, w0)
    w1 = w0 - lr * slope
    ax.plot(ws, line_loss(ws), color=PALETTE["ink"], label="loss ℓ(w)")
    near = np.linspace(w0 - 0.8, w0 + 0.8, 10)
    ax.plot(
        near,
        line_loss(w0) + slope * (near - w0),
        color=PALETTE["orange"],
        linestyle="--",
        label=f"slope ℓ'(w₀) = {slope:.2f}",
    )
    arrow = {"arrowstyle": "->", "color": PALETTE["red"], "lw": 2}
    ax.annotate("", xy=(w1, line_loss(w1)), xytext=(w0, line_loss(w0)), arrowprops=arrow)
    ax.plot(
        [w0], [line_loss(w0)], "o", color=PALETTE["blue"], markersize=8, label=f"w₀ = {w0:g}, ℓ = {line_loss(w0):.2f}"
    )
    ax.plot(
        [w1], [line_loss(w1)], "s", color=PALETTE["red"], markersize=8, label=f"w₁ = {w1:.2f}, ℓ = {line_loss(w1):.2f}"
    )
    ax.set_xlim(w_low, w_high)
    ax.set_ylim(loss_low, loss_high)
    ax.legend(loc="upper center")
    return finish(ax, f"One descent step, learning rate {lr:g}", "parameter w", "loss ℓ(w)", legend=False)
