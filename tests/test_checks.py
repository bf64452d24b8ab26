"""book.checks: a checker never raises (but KeyboardInterrupt), never hangs, and always answers in one readable line."""

import time
import warnings

import numpy as np
import pytest

import book.checks
from book.checks import Case, Mistake, check_function, close_to, correct, follow_up, not_attempted, wrong

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


def test_a_mistake_must_match_on_every_case_not_only_the_degenerate_first_one():
    cases = [Case((0.0,), "x = 0"), Case((np.array([1.0, 2.0]),), "x = [1, 2]")]
    mistakes = [
        Mistake(lambda x: np.asarray(x) ** 2 + 1, "you squared x."),
        Mistake(lambda x: np.cos(x), "that is cos x."),
    ]
    message = check_function(np.cos, lambda x: 2 * np.asarray(x), cases, mistakes=mistakes, hint="double it.").message
    assert message.endswith("Hint: that is cos x."), message  # x² + 1 = cos x = 1 at x = 0 as well


def test_a_broken_mistake_reference_does_not_crash_the_checker():
    mistakes = [Mistake(lambda x: 1 / 0, "never shown")]
    assert run(lambda x: 5 * x, mistakes=mistakes).status == "wrong"


def test_a_checker_with_no_case_fails_loudly():
    with pytest.raises(ValueError, match="cases must hold at least one Case"):
        check_function(double, double, [])


def test_tolerance_is_respected():
    assert run(lambda x: 2 * x + 1e-12).passed
    assert not run(lambda x: 2 * x * (1 + 1e-5)).passed
    assert check_function(lambda x: 2 * x * (1 + 1e-5), double, CASES, compare=close_to(rtol=1e-3)).passed


def test_html_display_is_styled_and_escaped():
    html = wrong("got <b>").__class__(False, "got <b>", "wrong")._repr_html_()
    assert "&lt;b&gt;" in html and "check-wrong" in html and 'role="status"' in html
    assert "check-correct" in correct()._repr_html_()
    assert "check-not-attempted" in not_attempted()._repr_html_()


# --- "Not attempted yet." only for the exercise's own blank -----------------------------------------------------


def helper(x):
    raise NotImplementedError


def test_a_blank_the_answer_calls_is_named():
    result = run(lambda x: 2 * helper(x))
    assert result.message == "Your answer calls helper, which is not written yet: complete it first."
    assert result.status == "not attempted" and not result.passed


def test_a_blank_left_for_a_later_case_is_not_called_not_attempted():
    def partly(x):
        if np.ndim(x):
            raise NotImplementedError
        return 2 * x

    assert (
        run(partly).message
        == "For x = [1, 2] your function raised NotImplementedError: it is not finished for this case yet."
    )


def test_not_implemented_from_someone_elses_code_is_an_ordinary_error():
    namespace = {}
    exec("def library(x):\n    raise NotImplementedError('no float128 here')", namespace)
    assert (
        run(lambda x: namespace["library"](x)).message
        == "For x = 1 your function raised NotImplementedError: no float128 here."
    )


# --- inputs changed in place -----------------------------------------------------------------------------------


def test_each_call_gets_its_own_copy_and_the_case_keeps_a_read_only_one():
    case = Case((np.array([1.0, 2.0]), [np.array([3.0])]), "x")
    args, _ = case.fresh()
    assert args[0].flags.writeable and not case.args[0].flags.writeable and not case.args[1][0].flags.writeable
    args[0][0] = 99.0
    assert case.args[0][0] == 1.0 and case.fresh()[0][0][0] == 1.0


def test_an_answer_that_changes_its_input_is_told_so_and_the_reference_sees_the_original():
    def clamped(x):
        x = np.asarray(x)
        if x.ndim:
            x[x > 1.5] = 1.5  # an in-place "guard" that corrupts the caller's array
        return 2 * x

    message = run(clamped).message
    assert message.startswith("For x = [1, 2] your function changed its input x in place")
    assert check_function(double, double, CASES).passed


# --- time limit, re-entry, output -------------------------------------------------------------------------------


def test_an_answer_that_swallows_the_time_limit_is_still_stopped(monkeypatch):
    monkeypatch.setattr(book.checks, "TIME_LIMIT", 0.02)

    def stubborn(x):
        try:
            while True:
                pass
        except BaseException:  # catches the checker's stop, then returns as if nothing happened
            return 2 * x

    assert "was still running after 0.02 s" in run(stubborn).message


def test_a_check_inside_the_answer_is_stopped_at_the_first_call():
    calls = []

    def recursive(x):
        calls.append(x)
        run(recursive)
        return 2 * x

    assert (
        "your function called a checker itself; a check cannot run inside the answer it checks"
        in run(recursive).message
    )
    assert len(calls) == 1

    def named(x):
        check_function(named, double, CASES, name="double")
        return 2 * x

    assert "called the checker check.double itself" in check_function(named, double, CASES, name="double").message


def test_printed_output_is_shown_after_the_check_and_capped(capsys, monkeypatch):
    monkeypatch.setattr(book.checks, "OUTPUT_LIMIT", 30)

    def chatty(x):
        print("x" * 100)
        return 2 * x

    assert run(chatty).passed
    assert capsys.readouterr().out == "x" * 30 + "\n… 172 more characters of your output not shown\n"


# --- numbers: complex, odd objects, messages -------------------------------------------------------------------


@pytest.mark.parametrize("zero", [0j, np.complex64(0)])
def test_a_zero_imaginary_part_is_fine_and_converts_silently(zero):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ComplexWarning would fail the test
        assert run(lambda x: 2 * x + zero).passed
        assert check_function(lambda: complex(2.0, 0.0), lambda: 2.0, [Case((), "no input")]).passed


def test_a_nonzero_imaginary_part_is_wrong_with_a_message():
    message = run(lambda x: 2 * x + 5j).message
    assert (
        message == "For x = 1 your function returned complex numbers (imaginary part up to 5); expected real numbers."
    )


class Unconvertible:
    def __init__(self, error):
        self.error = error

    def __array__(self, *args, **kwargs):
        raise self.error

    __float__ = __array__


@pytest.mark.parametrize(
    "error", [RuntimeError("requires grad"), GeneratorExit(), type("Custom", (BaseException,), {})()]
)
def test_an_answer_whose_conversion_raises_anything_is_not_numbers(error):
    assert (
        run(lambda x: Unconvertible(error)).message
        == "For x = 1 your function returned a Unconvertible; expected a number or an array of numbers."
    )


def test_keyboard_interrupt_gets_through_even_from_a_conversion():
    with pytest.raises(KeyboardInterrupt):
        run(lambda x: Unconvertible(KeyboardInterrupt()))
    assert not book.checks._STATE.in_learner


def test_the_worst_entry_is_shown_with_enough_digits_to_differ():
    cases = [Case((np.array([1.0, 1.0]),), "g = [1, 1]")]
    unit = lambda g: -g / np.linalg.norm(g)  # noqa: E731
    message = check_function(lambda g: unit(g) + [0.0, -1.2e-8], unit, cases, compare=close_to(rtol=1e-10)).message
    assert (
        message == "For g = [1, 1] at [1] of the (2,) array expected -0.70710678 but got -0.70710679 (off by 1.2e-08)."
    )


def test_a_large_array_shows_its_worst_entry_not_its_shape_twice():
    cases = [Case((np.zeros((3, 3)),), "W of shape (3, 3)")]
    got = np.zeros((3, 3))
    got[1, 2] = 1.8
    message = check_function(lambda W: W + got, lambda W: W, cases).message
    assert message == "For W of shape (3, 3) at [1, 2] of the (3, 3) array expected 0 but got 1.8 (off by 1.8)."


def test_a_small_array_is_shown_whole_when_that_tells_the_difference():
    assert run(lambda x: 3 * x).message.startswith("For x = 1 expected 2 but got 3")
    two_cases = run(lambda x: 2 * x if np.ndim(x) == 0 else 3 * x).message
    assert two_cases == "For x = [1, 2] expected [2. 4.] but got [3. 6.]; at [1] expected 4 but got 6 (off by 2)."


def test_float32_is_named_when_it_is_the_reason():
    cases = [Case((0.1,), "x = 0.1")]
    message = check_function(
        lambda x: np.float32(2 * x), double, cases, hint="double it.", compare=close_to(rtol=1e-12)
    ).message
    assert message.endswith(
        "Hint: close, but not within tolerance — float32? Those carry only about 7 digits; compute in float64, "
        "numpy's default."
    )
    assert check_function(lambda x: 2 * x + 1e-3, double, cases, hint="double it.").message.endswith("Hint: double it.")


def test_a_tuple_answer_is_counted_and_each_part_named():
    def reference(a):
        return a, 2 * a

    checked = lambda learner: (
        check_function(learner, reference, CASES, parts={"da": 0, "db": 1}, parts_noun="gradients").message
    )  # noqa: E731
    assert checked(lambda a: (a, 2 * a, 3 * a)) == "For x = 1 expected 2 gradients (da, db), got 3."
    assert checked(lambda a: 2 * a) == "For x = 1 expected 2 gradients (da, db), got one float."
    assert checked(lambda a: (a, 3 * a)) == "For db with x = 1 expected 2 but got 3 (off by 1)."
    assert check_function(reference, reference, CASES, parts={"da": 0, "db": 1}).passed


# --- exceptions --------------------------------------------------------------------------------------------------


class BrokenMessage(Exception):
    def __str__(self):
        raise ValueError


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (SystemExit(1), "raised SystemExit: 1."),
        (GeneratorExit(), "raised GeneratorExit."),
        (BrokenMessage(), "raised BrokenMessage (its message could not be shown)."),
        (type("Halt", (BaseException,), {})("stop"), "raised Halt: stop."),
        (RuntimeError("x" * 500), "raised RuntimeError: " + "x" * 199 + "…."),
    ],
)
def test_any_exception_is_one_line(error, text):
    def raises(x):
        raise error

    assert run(raises).message == f"For x = 1 your function {text}"


def test_keyboard_interrupt_still_stops():
    def interrupted(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(interrupted)


# --- follow_up: notebook cells that use the reader's functions --------------------------------------------------


def unfinished(x):
    raise NotImplementedError


def returns_nothing(x):
    return None


def test_follow_up_names_the_blank_to_complete(capsys):
    with follow_up():
        print(unfinished(1.0) + 1)
    assert capsys.readouterr().out == "Complete unfinished above first.\n"


def test_follow_up_reports_any_other_error_in_one_line(capsys):
    with follow_up():
        float(returns_nothing(1.0))
    cell = {"follow_up": follow_up, "returns_nothing": returns_nothing, "__name__": "__main__"}
    exec("with follow_up():\n    print(f'{returns_nothing(1.0):.3f}')", cell)
    assert capsys.readouterr().out.splitlines() == [
        "This cell stopped: test_follow_up_reports_any_other_error_in_one_line raised TypeError: float() argument "
        "must be a string or a real number, not 'NoneType'.",
        "This cell stopped with TypeError: unsupported format string passed to NoneType.__format__: check what your "
        "functions above return.",
    ]


def test_follow_up_stops_a_cell_that_never_ends_and_lets_keyboard_interrupt_through(capsys, monkeypatch):
    monkeypatch.setattr(book.checks, "TIME_LIMIT", 0.02)
    with follow_up():
        time.sleep(5)
    assert (
        capsys.readouterr().out
        == "This cell stopped after 0.02 s, the time it allows: is there an endless loop, or a sleep, in a function "
        "above?\n"
    )
    with pytest.raises(KeyboardInterrupt), follow_up():
        raise KeyboardInterrupt


# --- stubborn and slow answers, bools, the hint rule ------------------------------------------------------------


def _nothing_left_behind(stdout, handler, trace) -> None:
    import signal
    import sys

    assert sys.stdout is stdout and sys.gettrace() is trace
    assert signal.getsignal(signal.SIGALRM) is handler and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def _loop_forever():
    while True:
        pass


def _swallowing_loop(x):
    while True:
        try:
            while True:
                pass
        except BaseException:  # catches the checker's stop and carries on
            pass


def _swallowing_twice(x):
    while True:
        try:
            while True:
                try:
                    while True:
                        pass
                except BaseException:  # the inner handler swallows the first stop ...
                    pass
        except BaseException:  # ... and the outer one the stop raised in the inner handler
            pass


def _swallowing_helper(x):
    while True:
        try:
            _loop_forever()
        except BaseException:
            continue


def _swallowing_sleep(x):
    while True:
        try:
            time.sleep(30)
        except BaseException:
            time.sleep(30)


@pytest.mark.parametrize("stubborn", [_swallowing_loop, _swallowing_twice, _swallowing_helper, _swallowing_sleep])
def test_an_answer_that_catches_base_exception_in_an_endless_loop_is_stopped_and_leaves_nothing_behind(
    stubborn, monkeypatch
):
    import signal
    import sys

    monkeypatch.setattr(book.checks, "TIME_LIMIT", 0.05)
    stdout, handler, trace = sys.stdout, signal.getsignal(signal.SIGALRM), sys.gettrace()
    message = run(stubborn).message
    assert message.startswith("For x = 1 your function was still running after 0.05 s"), message
    _nothing_left_behind(stdout, handler, trace)
    assert run(double).passed


def test_a_cell_whose_function_swallows_the_stop_is_still_stopped(capsys, monkeypatch):
    monkeypatch.setattr(book.checks, "TIME_LIMIT", 0.05)
    with follow_up():
        _swallowing_loop(1.0)
    assert capsys.readouterr().out.startswith("This cell stopped after 0.05 s")
    total = 0
    for i in range(1000):  # the kernel runs on as before: no trace function is left to stop it
        total += i
    assert total == 499500


def test_a_slow_but_correct_answer_is_called_too_slow_not_endless(monkeypatch):
    monkeypatch.setattr(book.checks, "TIME_LIMIT", 0.3)
    cases = [Case((float(i),), f"x = {i}") for i in range(40)]

    def slow(x):
        time.sleep(0.02)
        return 2 * x

    message = check_function(slow, double, cases).message
    assert message.startswith("Too slow (over 0.3 s): your function was right on the "), message
    assert "cases it finished, but all 40 take longer" in message


def test_an_answer_endless_on_a_later_case_only_is_still_called_endless(monkeypatch):
    monkeypatch.setattr(book.checks, "TIME_LIMIT", 0.1)

    def endless_on_arrays(x):
        if np.ndim(x):
            _loop_forever()
        return 2 * x

    assert run(endless_on_arrays).message.startswith("For x = [1, 2] your function was still running after 0.1 s")


def test_keyboard_interrupt_from_deep_in_the_answer_still_stops_and_leaves_nothing_behind():
    import signal
    import sys

    stdout, handler, trace = sys.stdout, signal.getsignal(signal.SIGALRM), sys.gettrace()

    def deep(n):
        if n == 0:
            print("about to stop")
            raise KeyboardInterrupt
        return deep(n - 1)

    with pytest.raises(KeyboardInterrupt):
        run(lambda x: deep(50))
    _nothing_left_behind(stdout, handler, trace)


@pytest.mark.parametrize("answer", [True, np.bool_(False), [True, 2.0], (1.0, False), np.array([True, False])])
def test_true_and_false_are_not_numbers(answer):
    message = check_function(
        lambda: answer, lambda: 1.0 if np.ndim(answer) == 0 else np.ones(2), [Case((), "your rate")]
    ).message
    assert (
        message
        == "For your rate your function returned True or False where a number is expected: a bool is not the number "
        "1 or 0, so return the number itself."
    )


def test_a_hint_needs_agreement_on_every_case_generated_ones_included():
    cases = [
        Case((1.0,), "x = 1"),
        *book.checks.generated(lambda rng: Case((float(rng.uniform(-5, 5)),), "a drawn x"), 12),
    ]
    mistakes = [Mistake(lambda x: x + x + 1, "you added one.")]
    assert check_function(lambda x: 2 * x + 1, double, cases, mistakes=mistakes).message.endswith(
        "Hint: you added one."
    )
    last = cases[-1].args[0]
    agrees_but_on_the_last = check_function(
        lambda x: 2 * x + (1 if x != last else 5), double, cases, mistakes=mistakes
    ).message
    assert "Hint" not in agrees_but_on_the_last, agrees_but_on_the_last


def test_no_hint_when_a_later_case_is_not_answered():
    mistakes = [Mistake(lambda x: x + x + 1, "you added one.")]
    message = run(lambda x: 2 * x + 1 if np.ndim(x) == 0 else None, mistakes=mistakes).message
    assert message.startswith("For x = 1 expected 2 but got 3") and "Hint" not in message


def test_describe_and_agree_serve_a_check_that_must_not_give_the_answer_away():
    def describe(got, expected, label):
        return f"For {label} your claim {float(got):g} is off."

    cases = [Case((), "your claim")]
    result = check_function(
        lambda: 0.5,
        lambda: 0.25,
        cases,
        mistakes=[Mistake(lambda: 0.51, "twice too big.")],
        compare=lambda got, expected: abs(got - expected) < 0.01,
        agree=close_to(rtol=0.05),
        describe=describe,
    )
    assert result.message == "For your claim your claim 0.5 is off. Hint: twice too big."


def test_an_answer_that_raises_where_the_mistake_raises_still_gets_its_hint_and_no_other():
    cases = [Case((np.array([1.0, 2.0]),), "x = [1, 2]"), Case((np.array([[1.0, 2.0]]),), "x = [[1, 2]]")]

    def tripled_vectors_only(x):
        return 3 * x if x.ndim == 1 else x.item()  # wrong on the first case, raises on the second (two numbers)

    mistakes = [
        Mistake(lambda x: 3 * x, "never raises."),
        Mistake(lambda x: 3 * x if x.ndim == 1 else x.item(), "vectors only."),
    ]
    message = check_function(tripled_vectors_only, double, cases, mistakes=mistakes).message
    assert message.endswith("Hint: vectors only."), message


def test_a_describe_that_cannot_say_falls_back_to_one_plain_line():
    def describe(got, expected, label):
        raise OverflowError("too large to simulate")

    result = check_function(lambda: 1e300, lambda: 0.25, [Case((), "your claim")], describe=describe)
    assert result.message == "For your claim your answer 1e+300 is not right."
