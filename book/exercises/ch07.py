"""Checkers for Chapter 7's exercises (adaptive methods): ``check.adam_step(...)``."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from book.checks import Case, Mistake, Result, check_function, close_to, frozen, generated
from book.exercises._claims import probed, same_side


def _show(values) -> str:
    return np.array2string(np.asarray(values), precision=4, separator=", ")


def _beta(rng: np.random.Generator) -> float:
    """An averaging coefficient in (0.5, 0.9999), as likely near 1 (β₂) as in the middle (β₁)."""
    return float(1 - 10 ** rng.uniform(-4, np.log10(0.5)))


def _correction_factor(beta: float, k: int) -> float:
    return 1 - beta**k


def _draw_factor(rng: np.random.Generator) -> Case:
    beta, k = _beta(rng), int(rng.integers(1, 3000))
    return Case((beta, k), f"β = {beta!r}, k = {k}")


def correction_factor(learner: Callable) -> Result:
    """Exercise 7.1: Adam's bias-correction factor after k steps, 1 − βᵏ."""
    return check_function(
        learner,
        _correction_factor,
        [
            Case((0.9, 1), "β = 0.9, k = 1 (the first step)"),
            Case((0.999, 10), "β = 0.999, k = 10"),
            Case((0.999, 693), "β = 0.999, k = 693"),
            Case((0.5, 3), "β = 0.5, k = 3"),
            *generated(_draw_factor, seed=7),
        ],
        mistakes=[
            Mistake(
                lambda beta, k: beta**k,
                "that is the weight left on the zero start, βᵏ; the factor is what the average has collected, 1 − βᵏ.",
            ),
            Mistake(
                lambda beta, k: 1 - beta ** (k - 1),
                "off by one: after the first step (k = 1) the factor is 1 − β, not 0.",
            ),
            Mistake(lambda beta, k: 1 - beta * k, "the factor has β to the power k, not β times k: 1 − β**k."),
        ],
        hint="the weights (1 − β)(1 + β + … + βᵏ⁻¹) of the moving average add up to 1 − βᵏ.",
        compare=close_to(rtol=1e-12, atol=1e-14),
        name="correction_factor",
    )


def _adam_step(x, g, m, v, k, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return x - lr * (m / (1 - beta1**k)) / (np.sqrt(v / (1 - beta2**k)) + eps)


_X = frozen([1.0, -2.0, 0.5])
_G = frozen([0.3, -4.0, 1e-3])
_M = frozen([0.1, -0.5, 0.0])
_V = frozen([0.02, 3.0, 1e-6])
_ZERO = frozen([0.0, 0.0, 0.0])

ADAM_CASES = (
    Case((_X, _G, _ZERO, _ZERO, 1, 1e-3, 0.9, 0.999, 1e-8), "the first step (k = 1, m = v = 0), lr = 1e-3, defaults"),
    Case((_X, _G, _M, _V, 5, 1e-2, 0.9, 0.999, 1e-8), "k = 5 with m = [0.1, -0.5, 0], v = [0.02, 3, 1e-6], lr = 0.01"),
    Case((_X, _G, _M, _V, 200, 0.1, 0.5, 0.9, 1e-3), "k = 200, lr = 0.1, β₁ = 0.5, β₂ = 0.9, ε = 1e-3"),
)


def _adam_arguments(rng: np.random.Generator) -> tuple[tuple, str]:
    d, scale = int(rng.integers(1, 5)), 10 ** rng.uniform(-3, 2)
    x, g, m = rng.normal(0, 1, d), rng.normal(0, scale, d), rng.normal(0, scale / 3, d)
    v = (scale * rng.uniform(0.1, 1.5, d)) ** 2
    k, lr, beta1, beta2, eps = (
        int(rng.integers(1, 1000)),
        10 ** rng.uniform(-4, -1),
        _beta(rng),
        _beta(rng),
        10 ** rng.uniform(-10, -3),
    )
    label = (
        f"x = {_show(x)}, g = {_show(g)}, m = {_show(m)}, v = {_show(v)}, k = {k}, lr = {lr:.4g}, "
        f"β₁ = {beta1:.6g}, β₂ = {beta2:.6g}, ε = {eps:.3g}"
    )
    return (x, g, m, v, k, lr, beta1, beta2, eps), label


def _draw_adam(rng: np.random.Generator) -> Case:
    return Case(*_adam_arguments(rng))


def _draw_adamw(rng: np.random.Generator) -> Case:
    args, label = _adam_arguments(rng)
    weight_decay = 10 ** rng.uniform(-3, 0)
    return Case((*args, weight_decay), f"{label}, λ = {weight_decay:.4g}")


def _no_correction(x, g, m, v, k, lr, beta1, beta2, eps):
    return _adam_step(x, g, m, v, math.inf, lr, beta1, beta2, eps)


def _eps_inside(x, g, m, v, k, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return x - lr * (m / (1 - beta1**k)) / np.sqrt(v / (1 - beta2**k) + eps)


def _old_v(x, g, m, v, k, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    return x - lr * (m / (1 - beta1**k)) / (np.sqrt(v / (1 - beta2**k)) + eps)


def adam_step(learner: Callable) -> Result:
    """Exercise 7.2: one Adam step with bias correction (PyTorch's form), returning the new x."""
    return check_function(
        learner,
        _adam_step,
        (*ADAM_CASES, *generated(_draw_adam, seed=71)),
        mistakes=[
            Mistake(
                _no_correction, "the bias correction is missing: divide m by 1 − β₁ᵏ and v by 1 − β₂ᵏ before the step."
            ),
            Mistake(_eps_inside, "ε goes outside the square root in PyTorch's Adam: √v̂ + ε, not √(v̂ + ε)."),
            Mistake(_old_v, "update v with this step's gradient first, v ← β₂v + (1 − β₂)g², and use the new v."),
            Mistake(
                lambda x, g, m, v, k, lr, beta1, beta2, eps: x + (x - _adam_step(x, g, m, v, k, lr, beta1, beta2, eps)),
                "that step goes uphill: subtract lr·m̂/(√v̂ + ε) from x.",
            ),
        ],
        hint="m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; return x − lr·(m/(1 − β₁ᵏ))/(√(v/(1 − β₂ᵏ)) + ε).",
        compare=close_to(rtol=1e-10, atol=1e-13),
        name="adam_step",
    )


def _adamw_step(x, g, m, v, k, lr, beta1, beta2, eps, weight_decay):
    return _adam_step(x * (1 - lr * weight_decay), g, m, v, k, lr, beta1, beta2, eps)


ADAMW_CASES = tuple(
    Case((*case.args, weight_decay), f"{case.label}, λ = {weight_decay:g}")
    for case, weight_decay in zip(ADAM_CASES, (0.01, 0.1, 0.5))
)


def adamw_step(learner: Callable) -> Result:
    """Exercise 7.3: one AdamW step: decay x by the factor 1 − lr·λ, then the Adam step with the undecayed g."""
    return check_function(
        learner,
        _adamw_step,
        (*ADAMW_CASES, *generated(_draw_adamw, seed=72)),
        mistakes=[
            Mistake(
                lambda x, g, m, v, k, lr, b1, b2, eps, wd: _adam_step(x, g + wd * x, m, v, k, lr, b1, b2, eps),
                "that is Adam with L2 (λx added to the gradient); AdamW decays x itself: x ← x(1 − lr·λ), then Adam.",
            ),
            Mistake(
                lambda x, g, m, v, k, lr, b1, b2, eps, wd: _adam_step(x * (1 - wd), g, m, v, k, lr, b1, b2, eps),
                "that is the AdamW paper's λ, not multiplied by lr; PyTorch's AdamW shrinks x by 1 − lr·λ.",
            ),
            Mistake(
                lambda x, g, m, v, k, lr, b1, b2, eps, wd: _adam_step(x, g, m, v, k, lr, b1, b2, eps),
                "the weight decay is missing: shrink x by the factor 1 − lr·λ before the Adam step.",
            ),
        ],
        hint="x ← x·(1 − lr·λ); then the Adam step of exercise 2 from that x, with the gradient g unchanged.",
        compare=close_to(rtol=1e-10, atol=1e-13),
        name="adamw_step",
    )


def _adagrad_accumulator(gradients, initial):
    return initial + np.sum(np.asarray(gradients) ** 2, axis=0)


_GRADIENTS = frozen([[1.0, 0.0, -2.0], [0.5, 0.0, 3.0], [-1.0, 0.0, 0.25], [2.0, 1e-3, -1.0]])


def _draw_gradients(rng: np.random.Generator) -> Case:
    count, d = int(rng.integers(1, 7)), int(rng.integers(1, 5))
    gradients, initial = (
        rng.normal(0, 10 ** rng.uniform(-2, 1), (count, d)),
        float(rng.choice([0.0, 0.1, rng.uniform(0, 2)])),
    )
    return Case(
        (gradients, initial), f"{count} gradients of {d} coordinates = {_show(gradients)}, initial value {initial:.6g}"
    )


def adagrad_accumulator(learner: Callable) -> Result:
    """Exercise 7.4: AdaGrad's accumulator after a list of gradients: initial + Σ g², entry by entry."""
    return check_function(
        learner,
        _adagrad_accumulator,
        [
            Case((_GRADIENTS, 0.0), "four gradients of three coordinates, initial value 0"),
            Case((_GRADIENTS, 0.1), "the same gradients, initial value 0.1 (optax's default)"),
            Case((_GRADIENTS[:1], 0.0), "a single gradient [1, 0, -2], initial value 0"),
            *generated(_draw_gradients, seed=73),
        ],
        mistakes=[
            Mistake(
                lambda gradients, initial: initial + np.sum(np.asarray(gradients), axis=0) ** 2,
                "square each gradient first, then add: Σ g², not (Σ g)².",
            ),
            Mistake(
                lambda gradients, initial: np.sum(np.asarray(gradients) ** 2, axis=0),
                "the accumulator starts at initial_accumulator_value: add initial.",
            ),
            Mistake(
                lambda gradients, initial: initial + np.mean(np.asarray(gradients) ** 2, axis=0),
                "AdaGrad keeps the sum, not the mean (the mean, decaying, is RMSProp's idea).",
            ),
            Mistake(
                lambda gradients, initial: np.sqrt(initial + np.sum(np.asarray(gradients) ** 2, axis=0)),
                "return the accumulator s itself; the square root is taken only when dividing, √s + ε.",
            ),
        ],
        hint="start from initial and add g² (entry by entry) for every gradient g in the list, in any order.",
        compare=close_to(rtol=1e-12, atol=1e-14),
        name="adagrad_accumulator",
    )


def _steps_until_half(beta):
    k = 1
    while 1 - beta**k < 0.5:
        k += 1
    return k


def _past_half(beta):
    """The count a loop with the boundary slipped returns: it goes on while 1 − βᵏ is still equal to 1/2."""
    k = 1
    while 1 - beta**k <= 0.5:
        k += 1
    return k


def _draw_beta(rng: np.random.Generator) -> Case:
    beta = float(1 - 10 ** rng.uniform(-3.5, -0.1))
    return Case((beta,), f"β = {beta!r}")


def steps_until_half(learner: Callable) -> Result:
    """Exercise 7.5: the first step count k >= 1 at which Adam's correction factor 1 − βᵏ reaches 1/2."""
    return check_function(
        learner,
        _steps_until_half,
        [
            Case((0.999,), "β = 0.999 (Adam's β₂)"),
            Case((0.9,), "β = 0.9 (Adam's β₁)"),
            Case((0.95,), "β = 0.95"),
            Case((0.3,), "β = 0.3"),
            Case((0.8,), "β = 0.8 (log(1/2)/log β ≈ 3.1)"),
            Case((0.5,), "β = 0.5 (1 − β is exactly 1/2)"),
            *generated(_draw_beta, seed=74),
        ],
        mistakes=[
            Mistake(
                lambda beta: _steps_until_half(beta) - 1,
                "one too few: at your k the factor is still below 1/2; the first k with 1 − βᵏ >= 1/2 rounds up.",
            ),
            Mistake(
                lambda beta: math.log(0.5) / math.log(beta),
                "the count is a whole number of steps: round log(1/2)/log β up.",
            ),
            Mistake(
                lambda beta: round(math.log(0.5) / math.log(beta)),
                "round up, not to the nearest whole number: at β = 0.8, log(1/2)/log β ≈ 3.1, and after 3 steps the "
                "factor "
                "1 − 0.8³ = 0.488 is still below 1/2.",
            ),
            Mistake(
                _past_half,
                "1 − βᵏ equal to 1/2 already counts: the answer is the first k with 1 − βᵏ >= 1/2 (>=, not >).",
            ),
        ],
        hint="count k = 1, 2, … until 1 − β**k >= 0.5 (or round log(0.5)/log(β) up to a whole number).",
        compare=close_to(rtol=0, atol=1e-9),
        name="steps_until_half",
    )


# --- Exploration: Adam's steps do not follow the gradient's size --------------------------------------------------

EXPLORE_LR, EXPLORE_CURVATURE, EXPLORE_LIMIT = 0.01, 1e-3, 10_000
"""Adam (lr 0.01, β₁ = 0.9, β₂ = 0.999, ε = 1e-8) on f(x) = ½·10⁻³·x² from x = 1; claims above 10 000 steps are cut."""


def adam_position(steps: float) -> float:
    """x after ``steps`` Adam steps (rounded down, at most 10 000) on f(x) = ½·10⁻³·x² from x = 1."""
    x, m, v = 1.0, 0.0, 0.0
    for k in range(1, int(min(max(steps, 0), EXPLORE_LIMIT)) + 1):
        g = EXPLORE_CURVATURE * x
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        x -= EXPLORE_LR * (m / (1 - 0.9**k)) / (math.sqrt(v / (1 - 0.999**k)) + 1e-8)
    return x


def adam_steps_to_half(learner: Callable) -> Result:
    """Exploration 7.6: the learner's claim, the steps Adam needs to bring x from 1 to 1/2, run for k and k − 1
    steps."""
    return check_function(
        learner,
        lambda: 55,
        (Case((), "Adam (lr = 0.01, β₁ = 0.9, β₂ = 0.999, ε = 1e-8) on f(x) = ½·10⁻³·x² from x = 1"),),
        mistakes=[
            Mistake(
                lambda: 69_315,
                "after k − 1 steps x is already at or below 1/2: fewer steps do it. (Gradient "
                "descent at lr = 0.01 would need ln 2/(lr·10⁻³) ≈ 69 000; Adam divides the "
                "gradient by its own size, so its steps are about lr long.)",
            ),
            Mistake(
                lambda: 50,
                "after your k steps x is still above 1/2: Adam needs a few more (its first steps are "
                "about lr long, then momentum and the shrinking gradient slow them).",
            ),
        ],
        hint="run your adam_step in a loop, keeping m and v up to date yourself, and count the steps until x <= 1/2.",
        compare=same_side(0.5),
        name="adam_steps_to_half",
        parts={"x after your k steps": 0, "x after k − 1 steps": 1},
        parts_noun="positions",
        adapt=probed(adam_position, lambda k: k, lambda k: k - 1),
    )
