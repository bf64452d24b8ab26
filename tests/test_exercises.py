"""Every chapter's exercises, both ways and against hostile answers: the public solutions pass; blanks, broken,
hostile and typical wrong answers get one line each (never a traceback, never a hang); and no answer can change a
case for the checks after it. Chapters are discovered from book/exercises/chNN.py and exercises/solutions/chNN.py,
so a new chapter is covered without new code here."""

from __future__ import annotations

import importlib
import inspect
import re
import signal
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import book.checks
from book.autodiff import Tensor

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p.stem for p in (ROOT / "book" / "exercises").glob("ch[0-9][0-9].py"))


def chapter_module(chapter: str):
    return importlib.import_module(f"book.exercises.{chapter}")


def checkers(chapter: str) -> dict:
    module = chapter_module(chapter)
    return {
        name: fn
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__
        and not name.startswith("_")
        and list(inspect.signature(fn).parameters) == ["learner"]
    }


def solutions(chapter: str):
    return importlib.import_module(f"exercises.solutions.{chapter}")


PAIRS = [(chapter, name) for chapter in CHAPTERS for name in checkers(chapter)]


def wrong_answers(chapter: str) -> dict:
    """The strength test's data of a chapter: checker name → [(a wrong answer learners write, hint fragment or
    None)]."""
    return importlib.import_module(f"test_exercises_{chapter}").WRONG_ANSWERS


STRENGTH = [
    (chapter, name, i)
    for chapter in CHAPTERS
    for name, answers in wrong_answers(chapter).items()
    for i in range(len(answers))
]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_exercise_has_at_least_six_wrong_answers(chapter):
    listed = wrong_answers(chapter)
    assert set(listed) == set(checkers(chapter)), set(listed) ^ set(checkers(chapter))
    assert all(len(answers) >= 6 for answers in listed.values()), {name: len(a) for name, a in listed.items()}


@pytest.mark.parametrize(("chapter", "name", "i"), STRENGTH, ids=[f"{c}-{n}-{i}" for c, n, i in STRENGTH])
def test_every_listed_wrong_answer_fails_with_its_hint(chapter, name, i):
    """Fails, in one line, and where the exercise names the mistake, says so (the hint fragment is in the message)."""
    answer, hint = wrong_answers(chapter)[name][i]
    with np.errstate(all="ignore"):
        result = checkers(chapter)[name](answer)
    assert not result.passed and "\n" not in result.message, result.message
    assert hint is None or hint in result.message, result.message


def _checker_and_solution(chapter: str, name: str):
    return checkers(chapter)[name], getattr(solutions(chapter), name)


def _blank(*args, **kwargs):
    raise NotImplementedError


def test_every_chapter_with_checkers_has_solutions_and_a_notebook():
    assert CHAPTERS, "no exercise checkers found"
    for chapter in CHAPTERS:
        number = chapter[2:]
        assert (ROOT / "exercises" / "solutions" / f"{chapter}.py").exists()
        assert list((ROOT / "exercises").glob(f"{number}_*.ipynb")), f"no exercises/{number}_*.ipynb"
        assert len(checkers(chapter)) >= 5, f"{chapter} needs at least 5 exercises"
        for name in checkers(chapter):
            assert hasattr(solutions(chapter), name), f"exercises/solutions/{chapter}.py has no {name}"


@pytest.mark.parametrize(("chapter", "name"), PAIRS)
def test_solution_passes(chapter, name):
    checker, solution = _checker_and_solution(chapter, name)
    result = checker(solution)
    assert result.passed, result.message
    assert result.message.startswith("Correct")


# Checkers with fewer than 10 cases, each for a reason: an open exploration's answer is one claim with no input to
# vary (a number the learner found), and the checker tests the claim by computation or simulation instead.
FEW_CASES = {
    ("ch01", "five_point_order"),  # measures the error ratio when h halves
    ("ch02", "level_set_angle"),  # measures the slope along the claimed direction
    ("ch03", "vanishing_depth"),  # runs book.autodiff at the claimed depth and one deeper
    ("ch04", "fastest_lr"),  # runs gradient descent at the claimed rate against a grid of rates
    ("ch05", "largest_sgd_lr"),  # runs 2 000 SGD chains at the claimed rate and at 1.1x it
    ("ch06", "largest_stable_step"),  # runs heavy ball at the claimed step and at 1.1x it
    ("ch07", "adam_steps_to_half"),  # runs Adam for the claimed number of steps and one fewer
    ("ch08", "shortest_warmup"),  # trains with the claimed warmup and one step shorter
    ("ch09", "saturating_dimension"),  # measures the softmax Jacobian's median norm on 2 000 draws of its own
    ("ch10", "largest_lost_lr"),  # rounds the update to bf16 at the claimed rate and at 1.1x it
    ("ch11", "best_temperature"),  # measures the calibration of the bigram's samples at the claimed temperature
    ("ch11", "fast_recipe"),  # a challenge: trains the model with the claimed recipe on two seeds
}


@pytest.mark.parametrize(("chapter", "name"), PAIRS)
def test_every_checker_runs_at_least_ten_cases(chapter, name):
    checker, solution = _checker_and_solution(chapter, name)
    message = checker(solution).message
    if (chapter, name) in FEW_CASES:
        assert message.startswith("Correct"), message
        return
    checked = re.search(r"\((\d+) cases checked\)", message)
    assert checked and int(checked.group(1)) >= 10, message


# --- broken and hostile answers that need no solution -----------------------------------------------------------


class _BrokenMessage(Exception):
    def __str__(self):
        raise RuntimeError("no message")


class _Stop(BaseException):
    """A learner's own BaseException."""


class _Odd:
    """An answer whose every conversion raises ``error`` (like a torch tensor that requires grad, or worse)."""

    def __init__(self, error: BaseException):
        self.error = error

    def _fail(self, *args, **kwargs):
        raise self.error

    __array__ = __float__ = __complex__ = __int__ = __index__ = __len__ = __iter__ = __getitem__ = _fail
    __eq__ = __bool__ = __repr__ = __str__ = __format__ = _fail
    __hash__ = None


def _raising(error: BaseException):
    def answer(*args, **kwargs):
        raise error

    return answer


def _returning(value):
    return lambda *args, **kwargs: value


BROKEN_ANSWERS = {
    "blank": (_blank, r"^Not attempted yet\.$"),
    "raises": (_raising(ValueError("oops\nsecond line")), r"raised ValueError: oops\.$"),
    "broken message": (_raising(_BrokenMessage()), r"raised _BrokenMessage \(its message could not be shown\)\.$"),
    "GeneratorExit": (_raising(GeneratorExit()), r"raised GeneratorExit\.$"),
    "SystemExit": (_raising(SystemExit(3)), r"raised SystemExit: 3\.$"),
    "own BaseException": (_raising(_Stop("halt")), r"raised _Stop: halt\.$"),
    "None": (_returning(None), r"returned None: did you forget the return statement\?"),
    "str": (_returning("0.5"), r"returned a str|got one str|got str"),
    "shape": (_returning(np.zeros((7, 3))), r"shape \(7, 3\)|, got 7\.|got ndarray"),
    "nan": (_returning(np.full((7, 3), np.nan)), r"shape \(7, 3\)|, got 7\.|got ndarray|not a finite number"),
    "odd object": (_returning(_Odd(RuntimeError("no conversion"))), r"_Odd"),
    "odd object raising a BaseException": (_returning(_Odd(_Stop())), r"_Odd"),
    "not callable": (3.5, r"got float"),
}


@pytest.mark.parametrize(("chapter", "name"), PAIRS)
@pytest.mark.parametrize("kind", list(BROKEN_ANSWERS))
def test_broken_answers_fail_in_one_line_and_never_raise(chapter, name, kind):
    learner, pattern = BROKEN_ANSWERS[kind]
    result = checkers(chapter)[name](learner)
    assert not result.passed
    assert "\n" not in result.message
    assert re.search(pattern, result.message), result.message


@pytest.mark.parametrize(("chapter", "name"), PAIRS)
def test_keyboard_interrupt_still_stops_a_check_and_leaves_nothing_behind(chapter, name):
    checker, solution = _checker_and_solution(chapter, name)
    stdout, handler, trace = sys.stdout, signal.getsignal(signal.SIGALRM), sys.gettrace()
    with pytest.raises(KeyboardInterrupt):
        checker(_raising(KeyboardInterrupt()))
    assert sys.stdout is stdout and signal.getsignal(signal.SIGALRM) is handler and sys.gettrace() is trace
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert checker(solution).passed


# --- hostile answers built on the solution ----------------------------------------------------------------------


def _arrays_in(values):
    for value in values:
        array = value.data if isinstance(value, Tensor) else value
        if isinstance(array, np.ndarray) and array.size and array.flags.writeable:
            yield array


@pytest.mark.parametrize(("chapter", "name"), PAIRS)
def test_an_answer_that_changes_its_inputs_is_told_so_and_the_cases_stay_intact(chapter, name):
    checker, solution = _checker_and_solution(chapter, name)
    changed = []

    def in_place(*args, **kwargs):
        answer = solution(*args, **kwargs)
        for array in _arrays_in([*args, *kwargs.values()]):
            array[...] = array + 1.0
            changed.append(array)
        return answer

    result = checker(in_place)
    if changed:
        assert not result.passed and re.search(r"changed its input (\w+|number \d) in place", result.message), (
            result.message
        )
    else:  # nothing it was given could change
        assert result.passed, result.message
    assert checker(solution).passed
    assert checker(_blank).message == "Not attempted yet."


def _wreck(module) -> None:
    """What a learner's code could do to a checker module's data: empty every container, overwrite every array."""
    for key, value in vars(module).items():
        if key.startswith("__"):
            continue
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            if isinstance(item, (list, dict, set)):
                item.clear()
            for array in _arrays_in([item, *(item.args if isinstance(item, book.checks.Case) else ())]):
                array[...] = 0.0


@pytest.mark.parametrize(("chapter", "name"), PAIRS)
def test_an_answer_that_wrecks_the_checker_module_changes_no_later_check(chapter, name, monkeypatch):
    checker, solution = _checker_and_solution(chapter, name)
    mistakes = _listed_mistakes(chapter, name, monkeypatch)

    def wrecker(*args, **kwargs):
        _wreck(chapter_module(chapter))
        return solution(*args, **kwargs)

    checker(wrecker)
    assert checker(solution).passed
    assert not checker(mistakes[0].reference).passed


@pytest.mark.parametrize(("chapter", "name"), PAIRS)
@pytest.mark.parametrize("swallow", [False, True], ids=["plain", "swallowing the stop"])
def test_an_answer_that_calls_the_checker_is_stopped_at_once(chapter, name, swallow):
    checker, solution = _checker_and_solution(chapter, name)
    calls = []

    def recursive(*args, **kwargs):
        calls.append(args)
        try:
            checker(recursive)
        except BaseException:
            if not swallow:
                raise
        return solution(*args, **kwargs)

    result = checker(recursive)
    assert len(calls) == 1  # not the exponential recursion of a million calls
    assert f"called the checker check.{name} itself" in result.message, result.message
    assert checker(solution).passed


@pytest.mark.parametrize(("chapter", "name"), PAIRS)
@pytest.mark.parametrize("kind", ["sleep", "endless loop"])
def test_an_answer_that_never_returns_is_stopped_by_the_time_limit(chapter, name, kind, monkeypatch):
    checker, solution = _checker_and_solution(chapter, name)
    monkeypatch.setattr(book.checks, "TIME_LIMIT", 0.02)  # a few seconds for a reader; a fraction here

    def never_returns(*args, **kwargs):
        if kind == "sleep":
            time.sleep(60)
        while True:
            pass

    result = checker(never_returns)
    assert not result.passed
    assert "was still running after 0.02 s, the time a check allows" in result.message, result.message
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    monkeypatch.undo()  # the real limit again: a correct answer may take longer than the test's fraction of a second
    assert checker(solution).passed


@pytest.mark.parametrize(("chapter", "name"), PAIRS)
def test_what_an_answer_prints_is_capped_so_the_verdict_stays_visible(chapter, name, capsys):
    checker, solution = _checker_and_solution(chapter, name)

    def chatty(*args, **kwargs):
        for line in range(10_000):
            print(f"debugging line {line}")
        return solution(*args, **kwargs)

    assert checker(chatty).passed
    printed = capsys.readouterr().out
    assert printed.startswith("debugging line 0\n")
    assert len(printed) <= book.checks.OUTPUT_LIMIT + 100 and printed.count("\n") <= book.checks.OUTPUT_LINES + 1
    assert re.search(r"… \d+ more characters of your output not shown\n$", printed), printed[-200:]


def _plus(answer, imaginary: complex):
    """The answer with ``imaginary`` added to every number in it (a Tensor's data too)."""
    if isinstance(answer, Tensor):
        answer.data = answer.data + imaginary
        return answer
    if isinstance(answer, (tuple, list)):
        return type(answer)(_plus(item, imaginary) for item in answer)
    return answer + imaginary


@pytest.mark.parametrize(("chapter", "name"), PAIRS)
def test_a_nonzero_imaginary_part_is_wrong_with_a_message_and_a_zero_one_is_fine(chapter, name):
    checker, solution = _checker_and_solution(chapter, name)
    with_5j = checker(lambda *args, **kwargs: _plus(solution(*args, **kwargs), 5j))
    assert (
        not with_5j.passed and "complex numbers (imaginary part up to 5); expected real numbers" in with_5j.message
    ), with_5j.message
    with_0j = checker(lambda *args, **kwargs: _plus(solution(*args, **kwargs), 0j))
    assert with_0j.passed, with_0j.message


# --- typical mistakes: each gets its own hint, and no other, on every case --------------------------------------


def _listed_mistakes(chapter: str, name: str, monkeypatch, cases: list | None = None) -> list:
    """The mistakes (and cases) a checker passes to check_function, seen by running it on the solution."""
    module = chapter_module(chapter)
    original, mistakes = module.check_function, []

    def spy(*args, **kwargs):
        mistakes.extend(kwargs.get("mistakes", ()))
        if cases is not None:
            cases.extend(args[2])
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "check_function", spy)
    checkers(chapter)[name](getattr(solutions(chapter), name))
    monkeypatch.undo()
    assert mistakes, f"{chapter}.{name} lists no typical mistake"
    return mistakes


def _hints_in(message: str, mistakes) -> set[str]:
    return {m.hint for m in mistakes if m.hint in message}


@pytest.mark.parametrize(("chapter", "name"), PAIRS)
def test_each_listed_mistake_gets_its_own_hint_and_no_other(chapter, name, monkeypatch):
    checker = checkers(chapter)[name]
    mistakes = _listed_mistakes(chapter, name, monkeypatch)
    for mistake in mistakes:
        result = checker(mistake.reference)
        assert not result.passed, f"the mistake {mistake.hint!r} passes"
        assert f"Hint: {mistake.hint}" in result.message, result.message
        assert _hints_in(result.message, mistakes) == {mistake.hint}, result.message


def _is_case(args: tuple, case) -> bool:
    """Whether a call's arguments are those of ``case`` (a Tensor compared by its data)."""
    if len(args) != len(case.args):
        return False
    for given, stored in zip(args, case.args):
        given = given.data if isinstance(given, Tensor) else given
        if callable(stored) or isinstance(stored, (str, tuple)):
            if given is not stored and given != stored:
                return False
        elif not (np.shape(given) == np.shape(stored) and np.array_equal(given, stored)):
            return False
    return True


@pytest.mark.parametrize(("chapter", "name"), PAIRS)
def test_a_mistake_made_on_one_case_only_never_gets_another_mistakes_hint(chapter, name, monkeypatch):
    """The degenerate case of a checker (x = 0, u = [1, 1], ...) must not pin a hint on the wrong mistake."""
    checker, solution = _checker_and_solution(chapter, name)
    cases: list = []
    mistakes = _listed_mistakes(chapter, name, monkeypatch, cases)
    for mistake in mistakes:
        for case in cases:

            def once(*args, **kwargs):
                return (mistake.reference if _is_case(args, case) else solution)(*args, **kwargs)

            result = checker(once)
            assert _hints_in(result.message, mistakes) <= {mistake.hint}, (case.label, result.message)


# --- the notebooks --------------------------------------------------------------------------------------------


def _notebook(chapter: str) -> Path:
    return next((ROOT / "exercises").glob(f"{chapter[2:]}_*.ipynb"))


def _outputs(nb, marker: str) -> list[str]:
    """The text outputs of the code cells that start with ``marker`` (a check) or hold it (a follow-up)."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type == "code" and (
            cell.source.startswith(marker) if marker == "check." else marker in cell.source
        ):
            texts += [
                o["data"]["text/plain"] if "data" in o else o["text"]
                for o in cell.outputs
                if o.get("output_type") in {"execute_result", "stream"}
            ]
    return texts


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notebook_with_the_solutions_filled_in_says_correct_everywhere(chapter):
    nb = nbformat.read(_notebook(chapter), as_version=4)
    module = solutions(chapter)
    filled = 0
    for cell in nb.cells:
        if "exercise" in cell.metadata.get("tags", []):
            name = re.match(r"def (\w+)", cell.source).group(1)
            cell.source = inspect.getsource(getattr(module, name))
            filled += 1
    assert filled >= 5
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "exercises")}}
    ).execute()
    results = _outputs(nb, "check.")
    assert len(results) == filled
    assert all(text.startswith("Correct") for text in results), results
    follow_ups = _outputs(nb, "with follow_up():")
    assert len(follow_ups) == sum("with follow_up():" in cell.source for cell in nb.cells)
    assert not [text for text in follow_ups if "Complete" in text or "stopped" in text], follow_ups


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_blank_notebook_as_committed_says_not_attempted_everywhere(chapter):
    nb = nbformat.read(_notebook(chapter), as_version=4)
    results = _outputs(nb, "check.")
    assert len(results) >= 5
    assert all(text == "Not attempted yet." for text in results), results
    follow_ups = _outputs(nb, "with follow_up():")
    assert len(follow_ups) == sum("with follow_up():" in cell.source for cell in nb.cells)
    assert all(re.fullmatch(r"Complete \w+ above first\.\n", text) for text in follow_ups), follow_ups
