"""book.checks: a checker never raises and always answers in one readable line."""

import numpy as np
import pytest

from book.checks import Case, Mistake, check_function, close_to, correct, not_attempted, wrong

CASES = [Case((1.0,), "x = 1"), Case((np.array([1.0, 2.0]),), "x = [1, 2]")]


def double(x):
    return 2 * x


def run(learner, **kwargs):
    return check_function(learner, double, CASES, **kwargs)


def blank(x):
    raise NotImplementedError


@pytest.mark.parametrize(
    ("learner", "status", "fragment"),
    [
        (double, "correct", "Correct ✔ (2 cases checked)"),
        (blank, "not attempted", "Not attempted yet."),
        (lambda x: 1 / 0, "wrong", "raised ZeroDivisionError: division by zero"),
        (lambda x: None, "wrong", "returned None: did you forget the return statement?"),
        (lambda x: "2x", "wrong", "returned a str; expected a number"),
        (lambda x: [[1.0]], "wrong", "returned shape (1, 1); expected a single number"),
        (lambda x: np.nan * x, "wrong", "(not a finite number)"),
        (lambda x: 3 * x, "wrong", "For x = 1 expected 2 but got 3 (off by 1)"),
        (lambda x: 2.0 if np.ndim(x) == 0 else np.zeros(3), "wrong", "returned shape (3,); expected shape (2,)"),
        (lambda: 1.0, "wrong", "raised TypeError"),
        (42, "wrong", "Expected your function to be a function, got int."),
    ],
)
def test_every_outcome_is_one_line(learner, status, fragment):
    result = run(learner)
    assert result.status == status
    assert fragment in result.message
    assert "\n" not in result.message
    assert result.passed is (status == "correct")
    assert bool(result) is result.passed
    assert repr(result) == result.message


def test_typical_mistake_gets_its_hint_and_others_the_generic_one():
    mistakes = [Mistake(lambda x: x + x + 1, "you added one.")]
    assert run(lambda x: 2 * x + 1, mistakes=mistakes, hint="double it.").message.endswith("Hint: you added one.")
    assert run(lambda x: 5 * x, mistakes=mistakes, hint="double it.").message.endswith("Hint: double it.")


def test_a_broken_mistake_reference_does_not_crash_the_checker():
    mistakes = [Mistake(lambda x: 1 / 0, "never shown")]
    assert run(lambda x: 5 * x, mistakes=mistakes).status == "wrong"


def test_system_exit_is_reported_but_keyboard_interrupt_still_stops():
    def quits(x):
        raise SystemExit(1)

    def interrupted(x):
        raise KeyboardInterrupt

    assert "raised SystemExit: 1" in run(quits).message
    with pytest.raises(KeyboardInterrupt):
        run(interrupted)


def test_tolerance_is_respected():
    assert run(lambda x: 2 * x + 1e-12).passed
    assert not run(lambda x: 2 * x * (1 + 1e-5)).passed
    assert check_function(lambda x: 2 * x * (1 + 1e-5), double, CASES, compare=close_to(rtol=1e-3)).passed


def test_html_display_is_styled_and_escaped():
    html = wrong("got <b>").__class__(False, "got <b>", "wrong")._repr_html_()
    assert "&lt;b&gt;" in html and "check-wrong" in html and 'role="status"' in html
    assert "check-correct" in correct()._repr_html_()
    assert "check-not-attempted" in not_attempted()._repr_html_()
