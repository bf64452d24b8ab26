"""Checkers for Chapter 1's exercises (derivatives): ``check.central_difference(central_difference)``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from book.calculus import EPS
from book.checks import Case, Mistake, Result, check_function, close_to, frozen, generated


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def _cube(x):
    return x**3


def _central(f: Callable, x: float, h: float) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def _quartic(x):
    return x**4 - 3 * x


# Smooth functions with their derivatives and names, for the generated cases (every one real-analytic, so the
# complex step applies too).
_FUNCTIONS = (
    (np.sin, np.cos, "sin"),
    (np.exp, np.exp, "exp"),
    (np.cos, lambda x: -np.sin(x), "cos"),
    (_cube, lambda x: 3 * x**2, "x³"),
    (_quartic, lambda x: 4 * x**3 - 3, "x⁴ − 3x"),
)


def _pick(rng: np.random.Generator) -> tuple:
    return _FUNCTIONS[int(rng.integers(len(_FUNCTIONS)))]


def _x(rng: np.random.Generator) -> float:
    """A point of either sign, rounded so that its label shows it exactly."""
    return round(float(rng.uniform(-2.5, 2.5)), 3)


def _draw_difference(rng: np.random.Generator) -> Case:
    f, _, name = _pick(rng)
    x, h = _x(rng), float(10.0 ** -rng.integers(1, 5)) * int(rng.integers(1, 6))
    return Case((f, x, h), f"f = {name}, x = {x:g}, h = {h:g}")


_DIFFERENCE_CASES = (
    Case((np.sin, 0.5, 1e-3), "f = sin, x = 0.5, h = 0.001"),
    Case((np.exp, 1.0, 0.1), "f = exp, x = 1, h = 0.1"),
    Case((_cube, 2.0, 0.5), "f(x) = x³, x = 2, h = 0.5"),
    *generated(_draw_difference, seed=1),
)

_forward = Mistake(
    lambda f, x, h: (f(x + h) - f(x)) / h,
    "that is the one-sided forward difference; the central one looks both ways: (f(x + h) − f(x − h)) / (2h).",
)
_backward = Mistake(
    lambda f, x, h: (f(x) - f(x - h)) / h,
    "you evaluated f at x − h; the forward difference looks ahead: (f(x + h) − f(x)) / h.",
)
_no_division = Mistake(
    lambda f, x, h: f(x + h) - f(x), "a derivative is a ratio: divide the change in f by the change in x, h."
)
_sign_flip = Mistake(
    lambda f, x, h: (f(x) - f(x + h)) / h, "the sign is flipped: subtract f(x) from f(x + h), not the other way round."
)


def forward_difference(learner: Callable) -> Result:
    """Exercise 1.1: (f(x + h) − f(x)) / h."""
    return check_function(
        learner,
        _forward.reference,
        _DIFFERENCE_CASES,
        mistakes=[
            _backward,
            Mistake(
                _central, "that is the central difference; this exercise asks for the one-sided forward difference."
            ),
            _no_division,
            _sign_flip,
        ],
        hint="the forward difference is (f(x + h) − f(x)) / h.",
        name="forward_difference",
    )


def central_difference(learner: Callable) -> Result:
    """Exercise 1.2: (f(x + h) − f(x − h)) / (2h)."""
    return check_function(
        learner,
        _central,
        _DIFFERENCE_CASES,
        mistakes=[
            Mistake(lambda f, x, h: (f(x + h) - f(x - h)) / h, "the two points are 2h apart, so divide by 2h, not h."),
            _forward,
            Mistake(
                lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h,
                "operator precedence: / 2 * h multiplies by h; write / (2 * h).",
            ),
        ],
        hint="the central difference is (f(x + h) − f(x − h)) / (2h).",
        name="central_difference",
    )


_STEPS = frozen(np.logspace(-16, 0, 161))


def _best_step(f: Callable, df: Callable, x: float, method: str, pick: Callable = np.argmin) -> float:
    with np.errstate(all="ignore"):
        if method == "forward":
            estimates = (f(x + _STEPS) - f(x)) / _STEPS
        else:
            estimates = (f(x + _STEPS) - f(x - _STEPS)) / (2 * _STEPS)
    return float(_STEPS[pick(np.abs(estimates - df(x)))])


def _within_half_a_decade(got: np.ndarray, expected: np.ndarray) -> bool:
    return got.shape == expected.shape and bool(np.all(got > 0) and np.all(np.abs(np.log10(got / expected)) <= 0.5))


def _draw_best_step(rng: np.random.Generator) -> Case:
    f, df, name = _FUNCTIONS[int(rng.integers(3))]  # sin, exp, cos: a derivative well away from 0 at these points
    x, method = round(float(rng.uniform(0.2, 1.2)), 3), ("forward", "central")[int(rng.integers(2))]
    return Case((f, df, x, method), f"f = {name}, x = {x:g}, method = '{method}'")


_BEST_STEP_CASES = (
    Case((np.exp, np.exp, 1.0, "forward"), "f = exp, x = 1, method = 'forward'"),
    Case((np.exp, np.exp, 1.0, "central"), "f = exp, x = 1, method = 'central'"),
    Case((np.sin, np.cos, 1.0, "central"), "f = sin, x = 1, method = 'central'"),
    *generated(_draw_best_step, count=12, seed=2),
)


def best_step(learner: Callable) -> Result:
    """Exercise 1.3: the h in ``STEPS`` with the smallest error; accepted within half a decade of the true best."""
    return check_function(
        learner,
        _best_step,
        _BEST_STEP_CASES,
        mistakes=[
            Mistake(
                lambda f, df, x, method: _best_step(f, df, x, "forward"),
                f"that is the best h for the forward difference (about √ε ≈ {EPS**0.5:.0e}); the central difference's "
                f"truncation error shrinks like h², so its best h is larger, about ε^(1/3) ≈ {EPS ** (1 / 3):.0e}.",
            ),
            Mistake(  # the h with the largest error is the smallest h too: one hint for both
                lambda f, df, x, method: _best_step(f, df, x, method, pick=np.argmax),
                "the smallest h is the worst, not the best: rounding error grows like ε/h. Return the h with the "
                "smallest error (np.argmin, not np.argmax).",
            ),
        ],
        hint="compute the absolute error |estimate − f'(x)| for every h in STEPS and return the h where it is "
        "smallest.",
        compare=_within_half_a_decade,
        name="best_step",
    )


def _draw_sigmoid_points(rng: np.random.Generator) -> Case:
    size, scale = int(rng.integers(1, 8)), float(10.0 ** rng.uniform(-1, 1.5))
    x = np.round(scale * rng.standard_normal(size), 3)
    return Case((x,), f"x = {np.array2string(x, separator=', ')}")


def sigmoid_prime(learner: Callable) -> Result:
    """Exercise 1.4: σ'(x) = σ(x)(1 − σ(x)), for a number or an array."""
    return check_function(
        learner,
        lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
        [
            Case((0.0,), "x = 0"),
            Case((np.linspace(-6.0, 6.0, 13),), "x = np.linspace(-6, 6, 13)"),
            Case((np.array([-40.0, 40.0]),), "x = [-40, 40]"),
            *generated(_draw_sigmoid_points, seed=4),
        ],
        mistakes=[
            Mistake(
                lambda x: _sigmoid(x) * (1 + _sigmoid(x)), "σ' = σ(1 − σ): the second factor is 1 − σ(x), not 1 + σ(x)."
            ),
            Mistake(lambda x: _sigmoid(x) * (1 - np.asarray(x)), "the factor is 1 − σ(x), not 1 − x."),
            Mistake(
                lambda x: 1 - np.tanh(x) ** 2, "1 − tanh² is the derivative of tanh; the sigmoid's is σ(x)(1 − σ(x))."
            ),
            Mistake(_sigmoid, "that is σ(x) itself; its derivative is σ(x)(1 − σ(x))."),
        ],
        hint="write σ(x) = 1 / (1 + e^(−x)) first, then return σ(x) * (1 − σ(x)).",
        compare=close_to(rtol=1e-9, atol=1e-12),
        name="sigmoid_prime",
    )


def _descent_step(f: Callable, x: float, lr: float) -> float:
    return x - lr * _central(f, x, 1e-5)


def _loss(w):
    return (w - 3.0) ** 2 + 1.0


def _draw_descent(rng: np.random.Generator) -> Case:
    f, _, name = _pick(rng)
    x, lr = _x(rng), round(float(rng.uniform(0.01, 0.9)), 3)
    return Case((f, x, lr), f"f = {name}, x = {x:g}, lr = {lr:g}")


def descent_step(learner: Callable) -> Result:
    """Exercise 1.5: one gradient-descent step in 1-D, x − lr · f'(x)."""
    return check_function(
        learner,
        _descent_step,
        [
            Case((_loss, 0.0, 0.1), "f(w) = (w − 3)² + 1, x = 0, lr = 0.1"),
            Case((_loss, 5.0, 0.25), "f(w) = (w − 3)² + 1, x = 5, lr = 0.25"),
            Case((np.cos, 1.0, 0.5), "f = cos, x = 1, lr = 0.5"),
            *generated(_draw_descent, seed=5),
        ],
        mistakes=[
            Mistake(
                lambda f, x, lr: x + lr * _central(f, x, 1e-5),
                "you stepped uphill: move against the derivative, x − lr · f'(x).",
            ),
            Mistake(
                lambda f, x, lr: x - _central(f, x, 1e-5), "the step is scaled by the learning rate: x − lr · f'(x)."
            ),
            Mistake(
                lambda f, x, lr: -lr * _central(f, x, 1e-5), "return the new point x − lr · f'(x), not only the change."
            ),
        ],
        hint="estimate f'(x) with a central difference, then return x − lr · f'(x).",
        compare=close_to(rtol=1e-6, atol=1e-8),
        name="descent_step",
    )


def _richardson(f: Callable, x: float, h: float) -> float:
    return (4 * _central(f, x, h / 2) - _central(f, x, h)) / 3


def _draw_richardson(rng: np.random.Generator) -> Case:
    f, _, name = _pick(rng)
    x, h = _x(rng), round(float(rng.uniform(0.05, 0.5)), 3)
    return Case((f, x, h), f"f = {name}, x = {x:g}, h = {h:g}")


def richardson(learner: Callable) -> Result:
    """Exercise 1.6 (challenge): Richardson extrapolation of the central difference, (4 D(h/2) − D(h)) / 3."""
    return check_function(
        learner,
        _richardson,
        [
            Case((np.sin, 0.5, 0.1), "f = sin, x = 0.5, h = 0.1"),
            Case((np.exp, 1.0, 0.2), "f = exp, x = 1, h = 0.2"),
            *generated(_draw_richardson, seed=6),
        ],
        mistakes=[
            Mistake(
                lambda f, x, h: 2 * _central(f, x, h / 2) - _central(f, x, h),
                "2D(h/2) − D(h) cancels an O(h) error; the central difference's leading error is O(h²), so the "
                "weights are 4/3 and −1/3.",
            ),
            Mistake(
                _central, "that is the plain central difference D(h); combine D(h/2) and D(h) to cancel the h² term."
            ),
        ],
        hint="with D(h) the central difference, return (4·D(h/2) − D(h)) / 3.",
        compare=close_to(rtol=1e-9, atol=1e-12),
        name="richardson",
    )


def _complex_step(f: Callable, x: float, h: float = 1e-20) -> float:
    return float(np.imag(f(x + 1j * h)) / h)


def _draw_complex_step(rng: np.random.Generator) -> Case:
    f, _, name = _pick(rng)
    x, h = _x(rng), float(10.0 ** -rng.integers(15, 40))
    return Case((f, x, h), f"f = {name}, x = {x:g}, h = {h:g}")


def complex_step(learner: Callable) -> Result:
    """Exercise 1.7 (challenge): the complex-step derivative Im f(x + ih) / h, exact to machine precision."""
    return check_function(
        learner,
        _complex_step,
        [
            Case((np.sin, 0.5), "f = sin, x = 0.5 (default h)"),
            Case((np.exp, 2.0), "f = exp, x = 2 (default h)"),
            Case((lambda z: z**3 - 2 * z, 1.5, 1e-30), "f(z) = z³ − 2z, x = 1.5, h = 1e-30"),
            *generated(_draw_complex_step, seed=7),
        ],
        mistakes=[
            Mistake(
                lambda f, x, h=1e-20: float(np.real(f(x + 1j * h)) / h),
                "take the imaginary part, np.imag, not the real part.",
            ),
            Mistake(lambda f, x, h=1e-20: float(np.imag(f(x + 1j * h))), "divide the imaginary part by h."),
        ],
        hint="evaluate f at the complex point x + 1j*h and return np.imag(...) / h.",
        compare=close_to(rtol=1e-14, atol=1e-15),
        name="complex_step",
    )


# --- Exploration: the order of a new difference formula ---------------------------------------------------------


def _five_point(f: Callable, x: float, h: float) -> float:
    return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)


_ORDER_STEPS = (0.2, 0.1)  # large enough that the truncation error, not rounding, is measured


def _measured_order() -> float:
    """log₂ of the factor by which the five-point error for exp at x = 1 shrinks when h halves from 0.2 to 0.1."""
    errors = [abs(_five_point(np.exp, 1.0, h) - np.exp(1.0)) for h in _ORDER_STEPS]
    return float(np.log2(errors[0] / errors[1]))


def _order_confirmed(got: np.ndarray, expected: np.ndarray) -> bool:
    return got.shape == () and abs(float(got) - _measured_order()) < 0.5


def _order_report(got: np.ndarray, expected: np.ndarray, label: str) -> str:
    return (
        f"For {label}, order {float(got):g} predicts that halving h divides the error by 2^{float(got):g} = "
        f"{np.exp2(float(got)):.3g}; "
        f"the checker halved h from 0.2 to 0.1 for f = exp at x = 1 and the error fell by a factor "
        f"{2 ** _measured_order():.3g}."
    )


def five_point_order(learner: Callable) -> Result:
    """Exploration 1: the order p of the five-point formula, claimed by the learner and measured by the checker."""
    return check_function(
        learner,
        lambda: round(_measured_order()),
        [Case((), "your claim")],
        mistakes=[
            Mistake(
                lambda: 2,
                "2 is the order of the central difference. Measure this formula's: its error at h and at h/2, for h "
                "where rounding does not yet matter.",
            ),
            Mistake(
                lambda: 1,
                "1 is the order of the forward difference. Measure this formula's: its error at h and at h/2, for h "
                "where rounding does not yet matter.",
            ),
        ],
        hint="compute the error of the five-point formula at a few h (say 0.2, 0.1, 0.05) and take log₂ of the "
        "factor by which it falls each time h halves.",
        compare=_order_confirmed,
        agree=close_to(rtol=0, atol=0.1),
        describe=_order_report,
        name="five_point_order",
    )
