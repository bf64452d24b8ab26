"""Chapter 1's checkers recognise the typical mistakes and show the hint written for each."""

import numpy as np
import pytest
from conftest import assert_fails_with_hint

from book.exercises import ch01 as check

TYPICAL_MISTAKES = [
    (check.forward_difference, lambda f, x, h: (f(x) - f(x - h)) / h, "looks ahead"),
    (check.forward_difference, lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h), "asks for the one-sided"),
    (check.forward_difference, lambda f, x, h: f(x + h) - f(x), "divide the change in f"),
    (check.forward_difference, lambda f, x, h: (f(x) - f(x + h)) / h, "sign is flipped"),
    (check.central_difference, lambda f, x, h: (f(x + h) - f(x - h)) / h, "divide by 2h"),
    (check.central_difference, lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h, "operator precedence"),
    (check.central_difference, lambda f, x, h: (f(x + h) - f(x)) / h, "one-sided forward difference"),
    (check.best_step, lambda f, df, x, method: 1e-16, "rounding error grows"),
    (check.best_step, lambda f, df, x, method: 1e-8, "best h for the forward difference"),
    (check.sigmoid_prime, lambda x: 1 / (1 + np.exp(-x)) * (1 + 1 / (1 + np.exp(-x))), "not 1 + σ(x)"),
    (check.sigmoid_prime, lambda x: 1 - np.tanh(x) ** 2, "derivative of tanh"),
    (check.descent_step, lambda f, x, lr: x + lr * (f(x + 1e-5) - f(x - 1e-5)) / 2e-5, "stepped uphill"),
    (check.descent_step, lambda f, x, lr: x - (f(x + 1e-5) - f(x - 1e-5)) / 2e-5, "scaled by the learning rate"),
    (check.richardson, lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h), "plain central difference"),
    (check.complex_step, lambda f, x, h=1e-20: np.real(f(x + 1j * h)) / h, "imaginary part"),
]


@pytest.mark.parametrize(("checker", "answer", "hint"), TYPICAL_MISTAKES)
def test_typical_mistake_fails_with_its_hint(checker, answer, hint):
    assert_fails_with_hint(checker(answer), hint)


def test_the_message_names_the_input_and_both_values():
    message = check.forward_difference(lambda f, x, h: (f(x) - f(x - h)) / h).message
    assert message.startswith("For f = sin, x = 0.5, h = 0.001 expected 0.877")
    assert "but got 0.8778" in message


def test_an_almost_right_answer_is_still_wrong():
    assert not check.central_difference(lambda f, x, h: 1.001 * (f(x + h) - f(x - h)) / (2 * h)).passed
    assert not check.complex_step(lambda f, x, h=1e-20: (f(x + 1e-8) - f(x - 1e-8)) / 2e-8).passed  # only ~8 digits
