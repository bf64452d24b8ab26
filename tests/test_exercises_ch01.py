"""Chapter 1's checkers recognise the typical mistakes and show the hint written for each."""

import numpy as np
import pytest

from book.exercises import ch01 as check
from exercises.solutions import ch01 as solutions


def _central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def _sigma(x):
    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))


def _best(f, df, x, method, pick=np.argmin, steps=solutions.STEPS):
    difference = solutions.forward_difference if method == "forward" else solutions.central_difference
    with np.errstate(all="ignore"):
        return steps[pick(np.abs(difference(f, x, steps) - df(x)))]


def _five(f, x, h):
    return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)


# Per exercise, answers learners write and the hint each gets (None where the exercise names no such mistake).
WRONG_ANSWERS = {
    "forward_difference": [
        (lambda f, x, h: (f(x) - f(x - h)) / h, "looks ahead"),
        (lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h), "asks for the one-sided"),
        (lambda f, x, h: f(x + h) - f(x), "divide the change in f"),
        (lambda f, x, h: (f(x) - f(x + h)) / h, "sign is flipped"),
        (lambda f, x, h: (f(x + h) - f(x)) / (2 * h), None),  # a factor 2 too many
        (lambda f, x, h: f(x + h) - f(x) / h, None),  # operator precedence
        (lambda f, x, h: (f(x + 1e-5) - f(x)) / 1e-5, None),  # ignores the h it is given
    ],
    "central_difference": [
        (lambda f, x, h: (f(x + h) - f(x - h)) / h, "divide by 2h"),
        (lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h, "operator precedence"),
        (lambda f, x, h: (f(x + h) - f(x)) / h, "one-sided forward difference"),
        (lambda f, x, h: (f(x + h) + f(x - h)) / (2 * h), None),
        (lambda f, x, h: (f(x + h / 2) - f(x - h / 2)) / (2 * h), None),  # points h apart, divided by 2h
        (lambda f, x, h: (f(x + 1e-5) - f(x - 1e-5)) / 2e-5, None),  # ignores h
        (lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h), None),
    ],
    "best_step": [
        (lambda f, df, x, method: _best(f, df, x, method, np.argmax), "rounding error grows"),
        (lambda f, df, x, method: _best(f, df, x, "forward"), "best h for the forward difference"),
        (lambda f, df, x, method: 1e-8, None),  # √ε for every method
        (lambda f, df, x, method: 1e-16, None),  # the smallest h
        (lambda f, df, x, method: _best(f, df, x, "central"), None),  # the central one's for both
        (lambda f, df, x, method: _best(f, df, x, method, steps=solutions.STEPS[::-1]) * 1e-3, None),  # a unit slip
        (
            lambda f, df, x, method: _best(f, df, x, method, lambda e: min(len(e) - 1, int(np.argmin(e)) + 10)),
            None,
        ),  # a decade off
    ],
    "sigmoid_prime": [
        (lambda x: _sigma(x) * (1 + _sigma(x)), "not 1 + σ(x)"),
        (lambda x: 1 - np.tanh(x) ** 2, "derivative of tanh"),
        (lambda x: _sigma(x), "that is σ(x) itself"),
        (lambda x: _sigma(x) * (1 - np.asarray(x)), "not 1 − x"),
        (lambda x: _sigma(x) ** 2, None),
        (lambda x: -_sigma(x) * (1 - _sigma(x)), None),
        (lambda x: np.exp(-np.asarray(x)) / (1 + np.exp(-np.asarray(x))), None),  # the square left out
    ],
    "descent_step": [
        (lambda f, x, lr: x + lr * _central(f, x, 1e-5), "stepped uphill"),
        (lambda f, x, lr: x - _central(f, x, 1e-5), "scaled by the learning rate"),
        (lambda f, x, lr: -lr * _central(f, x, 1e-5), "not only the change"),
        (lambda f, x, lr: x - lr * f(x), None),  # the value, not the slope
        (lambda f, x, lr: x - lr * _central(f, x, 1e-5) / 2, None),
        (lambda f, x, lr: x - lr * (f(x + 1e-5) - f(x - 1e-5)) / 1e-5, None),  # divides by h, not 2h
        (lambda f, x, lr: x - lr * _central(f, x - lr, 1e-5), None),  # the slope at the wrong point
    ],
    "richardson": [
        (lambda f, x, h: _central(f, x, h), "plain central difference"),
        (lambda f, x, h: 2 * _central(f, x, h / 2) - _central(f, x, h), "cancels an O(h) error"),
        (lambda f, x, h: (4 * _central(f, x, h) - _central(f, x, h / 2)) / 3, None),  # the two swapped
        (lambda f, x, h: 4 * _central(f, x, h / 2) - _central(f, x, h), None),  # the /3 left out
        (lambda f, x, h: (4 * _central(f, x, h / 2) - _central(f, x, h)) / 4, None),
        (lambda f, x, h: (4 * _central(f, x, 2 * h) - _central(f, x, h)) / 3, None),  # 2h for h/2
        (lambda f, x, h: 2 * solutions.forward_difference(f, x, h / 2) - solutions.forward_difference(f, x, h), None),
    ],
    "complex_step": [
        (lambda f, x, h=1e-20: np.real(f(x + 1j * h)) / h, "imaginary part"),
        (lambda f, x, h=1e-20: np.imag(f(x + 1j * h)), "divide the imaginary part by h"),
        (lambda f, x, h=1e-20: (f(x + 1e-8) - f(x - 1e-8)) / 2e-8, None),  # a central difference: only ~8 digits
        (lambda f, x, h=1e-20: np.abs(f(x + 1j * h)) / h, None),
        (lambda f, x, h=1e-20: np.imag(f(x + 1j * h)) / (2 * h), None),
        (lambda f, x, h=1e-20: np.imag(f(x + h)) / h, None),  # forgot the 1j: all real, so 0
        (lambda f, x, h=1e-20: np.imag(f(x - 1j * h)) / h, None),  # the sign of the step
    ],
    "five_point_order": [
        (lambda: 2, "order of the central difference"),
        (lambda: 1, "order of the forward difference"),
        (lambda: 3, None),
        (lambda: 5, None),
        (lambda: 16, None),  # the factor, not its log₂
        (
            lambda: round(np.log2(abs(_five(np.exp, 1.0, 1e-6) - np.e) / abs(_five(np.exp, 1.0, 5e-7) - np.e))),
            None,
        ),  # measured in rounding noise
        (lambda: 4.0 + 0.6, None),
    ],
}


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
