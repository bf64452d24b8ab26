"""Chapter 1's checkers recognise the typical mistakes and show the hint written for each."""

import numpy as np
import pytest
from conftest import assert_fails_with_hint

from book.exercises import ch01 as check
from exercises.solutions import ch01 as solutions

TYPICAL_MISTAKES = [
    (check.forward_difference, lambda f, x, h: (f(x) - f(x - h)) / h, "looks ahead"),
    (check.forward_difference, lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h), "asks for the one-sided"),
    (check.forward_difference, lambda f, x, h: f(x + h) - f(x), "divide the change in f"),
    (check.forward_difference, lambda f, x, h: (f(x) - f(x + h)) / h, "sign is flipped"),
    (check.central_difference, lambda f, x, h: (f(x + h) - f(x - h)) / h, "divide by 2h"),
    (check.central_difference, lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h, "operator precedence"),
    (check.central_difference, lambda f, x, h: (f(x + h) - f(x)) / h, "one-sided forward difference"),
    (check.best_step, lambda f, df, x, method: 1e-16, "rounding error grows"),
    (check.best_step, lambda f, df, x, method: solutions.best_step(f, df, x, "forward"), "best h for the forward difference"),
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


def test_returning_sigma_itself_gets_its_own_hint_though_all_coincide_at_0():
    message = check.sigmoid_prime(lambda x: 1 / (1 + np.exp(-x))).message
    assert message.startswith("For x = 0 expected 0.25 but got 0.5") and "that is σ(x) itself" in message
    assert "not 1 − x" not in message


def test_an_answer_that_empties_the_cases_cannot_make_later_checks_pass():
    def vandal(f, x, h):
        check._DIFFERENCE_CASES.clear()
        return 0.0

    assert "raised AttributeError" in check.forward_difference(vandal).message  # the cases are a tuple
    assert not check.forward_difference(lambda f, x, h: 0.0).passed
    assert check.forward_difference(solutions.forward_difference).passed


def test_a_blank_from_an_earlier_exercise_is_named():
    def central_difference(f, x, h):
        raise NotImplementedError

    def best_step(f, df, x, method):
        return solutions.STEPS[np.argmin(np.abs(central_difference(f, x, solutions.STEPS) - df(x)))]

    result = check.best_step(best_step)
    assert result.message == "Your answer calls central_difference, which is not written yet: complete it first."


def test_a_complex_step_answer_with_a_zero_imaginary_part_passes_and_a_nonzero_one_does_not():
    assert check.complex_step(lambda f, x, h=1e-20: np.imag(f(x + 1j * h)) / h + 0j).passed
    assert check.complex_step(lambda f, x, h=1e-20: complex(np.imag(f(x + 1j * h)) / h)).passed
    message = check.complex_step(lambda f, x, h=1e-20: f(x + 1j * h) / h).message
    assert "returned complex numbers" in message and "expected real numbers" in message


def test_numbers_the_exercise_notebook_states():
    w = 0.0
    for _ in range(50):
        w = solutions.descent_step(lambda w: (w - 3.0) ** 2 + 1.0, w, 0.1)
    assert f"{w:.5f}" == "2.99996"  # the follow-up cell of exercise 5 prints it
    assert w == pytest.approx(3 - 3 * 0.8**50, abs=1e-9)  # and the solution explains it


def test_an_almost_right_answer_is_still_wrong():
    assert not check.central_difference(lambda f, x, h: 1.001 * (f(x + h) - f(x - h)) / (2 * h)).passed
    assert not check.complex_step(lambda f, x, h=1e-20: (f(x + 1e-8) - f(x - 1e-8)) / 2e-8).passed  # only ~8 digits
