"""Chapter 7's checkers recognise the typical mistakes and show the hint written for each."""

import math

import numpy as np
import pytest
from conftest import assert_fails_with_hint

from book.exercises import ch07 as check
from exercises.solutions import ch07 as solution

def _adam(x, g, m, v, k, lr, beta1, beta2, eps, inside=False, correct=True, new_v=True):
    m = beta1 * m + (1 - beta1) * g
    v_used = beta2 * v + (1 - beta2) * g * g if new_v else v
    m_hat, v_hat = (m / (1 - beta1**k), v_used / (1 - beta2**k)) if correct else (m, v_used)
    return x - lr * m_hat / (np.sqrt(v_hat + eps) if inside else np.sqrt(v_hat) + eps)


TYPICAL_MISTAKES = [
    (check.correction_factor, lambda beta, k: beta**k, "weight left on the zero start"),
    (check.correction_factor, lambda beta, k: 1 - beta ** (k - 1), "off by one"),
    (check.correction_factor, lambda beta, k: 1 - beta * k, "not β times k"),
    (check.adam_step, lambda *a: _adam(*a, correct=False), "bias correction is missing"),
    (check.adam_step, lambda *a: _adam(*a, inside=True), "outside the square root"),
    (check.adam_step, lambda *a: _adam(*a, new_v=False), "use the new v"),
    (check.adam_step, lambda x, *a: 2 * x - _adam(x, *a), "goes uphill"),
    (check.adamw_step, lambda x, g, m, v, k, lr, b1, b2, eps, wd: _adam(x, g + wd * x, m, v, k, lr, b1, b2, eps), "Adam with L2"),
    (check.adamw_step, lambda x, g, m, v, k, lr, b1, b2, eps, wd: _adam(x * (1 - wd), g, m, v, k, lr, b1, b2, eps), "paper's λ"),
    (check.adamw_step, lambda *a: _adam(*a[:-1]), "weight decay is missing"),
    (check.adagrad_accumulator, lambda gs, s0: s0 + np.sum(gs, axis=0) ** 2, "not (Σ g)²"),
    (check.adagrad_accumulator, lambda gs, s0: np.sum(np.square(gs), axis=0), "add initial"),
    (check.adagrad_accumulator, lambda gs, s0: s0 + np.mean(np.square(gs), axis=0), "not the mean"),
    (check.adagrad_accumulator, lambda gs, s0: np.sqrt(s0 + np.sum(np.square(gs), axis=0)), "accumulator s itself"),
    (check.steps_until_half, lambda beta: solution.steps_until_half(beta) - 1, "one too few"),
    (check.steps_until_half, lambda beta: math.log(0.5) / math.log(beta), "whole number of steps"),
    (check.steps_until_half, lambda beta: round(1 / (1 - beta)), "memory length"),
]


@pytest.mark.parametrize(("checker", "answer", "hint"), TYPICAL_MISTAKES)
def test_typical_mistake_fails_with_its_hint(checker, answer, hint):
    assert_fails_with_hint(checker(answer), hint)


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
    assert not check.adamw_step(lambda x, g, m, v, k, lr, b1, b2, eps, wd:
                                solution.adamw_step(x, g, m, v, k, lr, b1, b2, eps, wd * 1.01)).passed
