"""Checkers for exercises: run a learner's function on cases and say, kindly and in one line, what happened.

A checker never raises, whatever the learner's function does. It answers with a :class:`Result`:
"Not attempted yet." for the blank (``raise NotImplementedError``), one line naming any other exception, a note on a
wrong type, shape or NaN, the first wrong case (input, expected, got) with a hint aimed at the typical mistake, or
"Correct".

>>> from book.checks import Case, check_function
>>> check_function(lambda x: 2 * x, lambda x: 2 * x, [Case((1.0,), "x = 1")]).passed
True
"""

from __future__ import annotations

import html
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Result", "Case", "Mistake", "check_function", "close_to", "not_attempted", "correct", "wrong"]

_STYLES = {
    "correct": ("✔", "#1a7f37", "#e6f4ea"),
    "not attempted": ("…", "#57606a", "#f2f3f5"),
    "wrong": ("✘", "#b42318", "#fdecea"),
}


@dataclass(frozen=True)
class Result:
    """What a checker found: ``passed``, a one-line ``message``, and a ``status`` for styling."""

    passed: bool
    message: str
    status: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        icon, ink, paper = _STYLES[self.status]
        return (
            f'<div class="check-result check-{self.status.replace(" ", "-")}" role="status" '
            f'style="border-left:4px solid {ink};background:{paper};color:#1f2328;padding:6px 10px;margin:4px 0;'
            f'font-family:sans-serif">{icon} {html.escape(self.message)}</div>'
        )


def not_attempted() -> Result:
    """The answer to a blank exercise."""
    return Result(False, "Not attempted yet.", "not attempted")


def correct(detail: str = "") -> Result:
    """The answer to a correct solution."""
    return Result(True, f"Correct ✔{' ' + detail if detail else ''}", "correct")


def wrong(message: str) -> Result:
    """The answer to anything else: one line saying what is wrong."""
    return Result(False, " ".join(message.split()), "wrong")


@dataclass(frozen=True)
class Case:
    """One input to try: positional ``args`` and a ``label`` the learner reads, e.g. ``"f = sin at x = 0.5"``."""

    args: tuple
    label: str
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer, given as a wrong implementation, and the hint to show when the learner matches it."""

    reference: Callable
    hint: str


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = float(value)
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return np.array2string(value, precision=6)
        return f"array of shape {value.shape}"
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{float(value):.10g}"
    return repr(value)


def _as_number_array(value: Any) -> np.ndarray | None:
    """The learner's answer as a float array, or None if it is not numbers."""
    if value is None or isinstance(value, (str, bytes, bool)):
        return None
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array


Compare = Callable[[np.ndarray, np.ndarray], bool]


def close_to(rtol: float = 1e-7, atol: float = 1e-10) -> Compare:
    """A comparison: same shape and equal within ``rtol`` and ``atol`` (numpy's ``allclose``)."""
    return lambda got, expected: got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def _call(fn: Callable, case: Case) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*case.args, **case.kwargs)


def _shape_problem(answer: Any, got: np.ndarray | None, expected: np.ndarray, case: Case) -> str | None:
    if answer is None:
        return f"For {case.label} your function returned None: did you forget the return statement?"
    if got is None:
        return f"For {case.label} your function returned a {type(answer).__name__}; expected a number or an array of numbers."
    if got.shape != expected.shape:
        if expected.ndim == 0:
            return f"For {case.label} your function returned shape {got.shape}; expected a single number."
        return f"For {case.label} your function returned shape {got.shape}; expected shape {expected.shape}."
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        return f"For {case.label} your function returned {_describe(answer)} (not a finite number); expected {_describe(expected)}."
    return None


def _hint_for(got: np.ndarray, case: Case, mistakes: Sequence[Mistake], compare: Compare) -> str | None:
    for mistake in mistakes:
        try:
            typical = np.asarray(_call(mistake.reference, case), dtype=float)
        except Exception:  # a mistake that cannot even run on this case simply does not match
            continue
        if compare(got, typical):
            return mistake.hint
    return None


def check_function(
    learner: Any,
    reference: Callable,
    cases: Sequence[Case],
    *,
    mistakes: Sequence[Mistake] = (),
    hint: str = "",
    compare: Compare = close_to(),
    name: str = "your function",
) -> Result:
    """Run ``learner`` and ``reference`` on every case and ``compare`` the answers; never raise."""
    if not callable(learner):
        return wrong(f"Expected {name} to be a function, got {type(learner).__name__}.")
    for case in cases:
        try:
            answer = _call(learner, case)
        except NotImplementedError:
            return not_attempted()
        except (Exception, SystemExit) as error:  # the learner's code may raise anything; report it in one line
            detail = str(error).splitlines()[0] if str(error) else ""
            return wrong(f"For {case.label} your function raised {type(error).__name__}{': ' + detail if detail else ''}.")
        expected = np.asarray(_call(reference, case), dtype=float)
        got = _as_number_array(answer)
        problem = _shape_problem(answer, got, expected, case)
        if problem:
            return wrong(problem)
        if not compare(got, expected):
            off = float(np.max(np.abs(got - expected)))
            targeted = _hint_for(got, case, mistakes, compare) or hint
            return wrong(
                f"For {case.label} expected {_describe(expected)} but got {_describe(got)} (off by {off:.2g})."
                + (f" Hint: {targeted}" if targeted else "")
            )
    return correct(f"({len(cases)} cases checked)" if len(cases) > 1 else "")

