"""Chapter 7's checkers fail the wrong answers learners write, each with its own hint where the exercise names it."""

import math

import numpy as np

from book.exercises import ch07 as check
from exercises.solutions import ch07 as solution


def _adam(
    x, g, m, v, k, lr, beta1, beta2, eps, inside=False, correct=True, new_v=True, new_m=True, correct_v=True, root=True
):
    m_used = beta1 * m + (1 - beta1) * g if new_m else m
    v_used = beta2 * v + (1 - beta2) * g * g if new_v else v
    m_hat = m_used / (1 - beta1**k) if correct else m_used
    v_hat = v_used / (1 - beta2**k) if correct and correct_v else v_used
    scale = np.sqrt(v_hat) if root else v_hat
    return x - lr * m_hat / (np.sqrt(v_hat + eps) if inside else scale + eps)


def _slipped_half(beta):
    k = 1
    while 1 - beta**k <= 0.5:
        k += 1
    return k


WRONG_ANSWERS = {
    "correction_factor": [
        (lambda beta, k: beta**k, "weight left on the zero start"),
        (lambda beta, k: 1 - beta ** (k - 1), "off by one"),
        (lambda beta, k: 1 - beta * k, "not β times k"),
        (lambda beta, k: 1 - beta ** (k + 1), None),
        (lambda beta, k: (1 - beta) ** k, None),
        (lambda beta, k: 1 / (1 - beta**k), None),
    ],
    "adam_step": [
        (lambda *a: _adam(*a, correct=False), "bias correction is missing"),
        (lambda *a: _adam(*a, inside=True), "outside the square root"),
        (lambda *a: _adam(*a, new_v=False), "use the new v"),
        (lambda x, *a: 2 * x - _adam(x, *a), "goes uphill"),
        (lambda *a: _adam(*a, correct_v=False), None),  # only m corrected
        (lambda *a: _adam(*a, new_m=False), None),  # the old m
        (lambda *a: _adam(*a, root=False), None),  # v̂ where √v̂ belongs
        (lambda x, g, m, v, k, lr, b1, b2, eps: _adam(x, g, m, v, k, lr, b2, b1, eps), None),  # β₁ and β₂ swapped
    ],
    "adamw_step": [
        (lambda x, g, m, v, k, lr, b1, b2, eps, wd: _adam(x, g + wd * x, m, v, k, lr, b1, b2, eps), "Adam with L2"),
        (lambda x, g, m, v, k, lr, b1, b2, eps, wd: _adam(x * (1 - wd), g, m, v, k, lr, b1, b2, eps), "paper's λ"),
        (lambda *a: _adam(*a[:-1]), "weight decay is missing"),
        (
            lambda x, g, m, v, k, lr, b1, b2, eps, wd: _adam(x, g, m, v, k, lr, b1, b2, eps) * (1 - lr * wd),
            None,
        ),  # decay after
        (
            lambda x, g, m, v, k, lr, b1, b2, eps, wd: _adam(x * (1 + lr * wd), g, m, v, k, lr, b1, b2, eps),
            None,
        ),  # sign
        (
            lambda x, g, m, v, k, lr, b1, b2, eps, wd: _adam(x * (1 - lr * wd) ** 2, g, m, v, k, lr, b1, b2, eps),
            None,
        ),  # twice
        (
            lambda x, g, m, v, k, lr, b1, b2, eps, wd: _adam(
                x * (1 - lr * wd), g * (1 - lr * wd), m, v, k, lr, b1, b2, eps
            ),
            None,
        ),  # the gradient decayed too
    ],
    "adagrad_accumulator": [
        (lambda gs, s0: s0 + np.sum(gs, axis=0) ** 2, "not (Σ g)²"),
        (lambda gs, s0: np.sum(np.square(gs), axis=0), "add initial"),
        (lambda gs, s0: s0 + np.mean(np.square(gs), axis=0), "not the mean"),
        (lambda gs, s0: np.sqrt(s0 + np.sum(np.square(gs), axis=0)), "accumulator s itself"),
        (lambda gs, s0: s0 + np.sum(np.square(gs), axis=1), None),  # the wrong axis
        (lambda gs, s0: s0 + np.square(gs[-1]), None),  # the last gradient only
        (lambda gs, s0: s0**2 + np.sum(np.square(gs), axis=0), None),  # the initial value squared too
        (lambda gs, s0: s0 + np.sum(np.abs(gs), axis=0), None),  # |g| for g²
    ],
    "steps_until_half": [
        (lambda beta: solution.steps_until_half(beta) - 1, "one too few"),
        (lambda beta: math.log(0.5) / math.log(beta), "whole number of steps"),
        (
            lambda beta: round(1 / (1 - beta)),
            "until 1 − β**k >= 0.5",
        ),  # the memory length: at β = 0.5 it is the slip's 2
        (lambda beta: round(math.log(0.5) / math.log(beta)), "not to the nearest whole number"),
        (_slipped_half, "(>=, not >)"),
        (lambda beta: math.floor(math.log(0.5) / math.log(beta)), None),
        (lambda beta: math.ceil(math.log(0.5) / math.log(beta)) + 1, None),
    ],
    "adam_steps_to_half": [
        (lambda: 54, "still above 1/2"),
        (lambda: 56, "fewer steps do it"),
        (lambda: 50, "still above 1/2"),  # lr = 0.01 per step for 0.5
        (lambda: round(math.log(2) / (0.01 * 1e-3)), "fewer steps do it"),  # gradient descent's count
        (lambda: 0, "still above 1/2"),
        (lambda: 693, "fewer steps do it"),  # where β₂'s correction reaches 1/2
        (lambda: 54.5, "still above 1/2"),
    ],
}


def test_the_named_slips_fail_on_the_named_cases():
    """round() is wrong at β = 0.8 (3.1 rounds to 3, the answer is 4); > for >= is wrong at β = 0.5 (1 − β = 1/2)."""
    assert round(math.log(0.5) / math.log(0.8)) == 3 and solution.steps_until_half(0.8) == 4
    assert 1 - 0.5**1 == 0.5 and solution.steps_until_half(0.5) == 1
    assert "β = 0.8" in check.steps_until_half(lambda b: round(math.log(0.5) / math.log(b))).message
    assert "β = 0.5" in check.steps_until_half(_slipped_half).message


def test_the_exploration_is_judged_by_an_independent_adam():
    """book.optim's Adam takes 55 steps to bring x from 1 to 1/2 on f = ½·10⁻³·x², and 54 do not."""
    from book.optim import adam

    opt = adam(check.EXPLORE_LR)
    x, state, k = np.array([1.0]), opt.init(np.array([1.0])), 0
    while x[0] > 0.5:
        x, state = opt.step(x, check.EXPLORE_CURVATURE * x, state)
        k += 1
    assert k == solution.adam_steps_to_half() == 55
    assert check.adam_steps_to_half(lambda: k).passed


def test_gradient_descent_needs_about_69_000_steps_as_the_exploration_says():
    """Plain gradient descent at the same rate, x ← (1 − lr·10⁻³) x, counted step by step."""
    x, k = 1.0, 0
    while x > 0.5:
        x -= check.EXPLORE_LR * check.EXPLORE_CURVATURE * x
        k += 1
    assert 69_000 <= k <= 69_500


def test_the_checkers_agree_with_book_optim():
    from book.optim import adam, adamw

    x, g = np.array([1.0, -2.0, 0.5]), np.array([0.3, -4.0, 1e-3])
    for make, name, extra in ((adam, "adam_step", ()), (adamw, "adamw_step", (0.01,))):
        opt = make(1e-3)
        expected = opt.step(x, g, opt.init(x))[0]
        got = getattr(solution, name)(x, g, np.zeros(3), np.zeros(3), 1, 1e-3, 0.9, 0.999, 1e-8, *extra)
        np.testing.assert_allclose(got, expected, rtol=1e-14)
    assert solution.steps_until_half(0.999) == 693


def test_an_almost_right_answer_is_still_wrong():
    assert not check.adam_step(lambda *a: solution.adam_step(*a) * (1 + 1e-7)).passed
    assert not check.correction_factor(lambda beta, k: (1 - beta**k) * (1 + 1e-9)).passed
    assert not check.adamw_step(
        lambda x, g, m, v, k, lr, b1, b2, eps, wd: solution.adamw_step(x, g, m, v, k, lr, b1, b2, eps, wd * 1.01)
    ).passed
