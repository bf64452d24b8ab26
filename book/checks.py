"""Checkers for exercises: run a learner's function on cases and say, kindly and in one line, what happened.

Whatever the learner's code does, a checker answers with a :class:`Result` and does not raise (only
``KeyboardInterrupt`` gets through, so that a reader can still stop a cell). The answer is one of:

- "Not attempted yet." when the exercise's own blank raises ``NotImplementedError`` on the first case, or the name
  of another unfinished function that the answer calls;
- one line for an exception of any class (even one whose message cannot be printed), for more than
  ``TIME_LIMIT`` seconds (an endless loop, or "too slow" when the cases it finished were right; an answer that
  catches the stop is stopped again), for a call to a checker from inside the answer, for an input changed in
  place, and for an answer that is not real numbers (None, text, True/False, an object that cannot be converted, a
  non-zero imaginary part), has the wrong count, shape, or a non-finite value;
- the first wrong case, its worst entry (index, expected and got, with enough digits to differ), and the hint of
  the typical mistake the answer agrees with on every case, generated ones included;
- "Correct ✔".

Every call gets its own copy of the case's arguments, so an answer that changes its inputs cannot change the case,
the reference or a later check. What the answer prints is shown after the check, cut to ``OUTPUT_LIMIT``
characters. ``follow_up`` gives notebook cells that use the learner's functions the same one-line treatment.

Every message is said in the learner's language, English unless :mod:`book.language` is told otherwise; a
result's HTML carries it in every language, for the site's two editions.

>>> from book.checks import Case, check_function
>>> check_function(lambda x: 2 * x, lambda x: 2 * x, [Case((1.0,), "x = 1")]).passed
True
"""

from __future__ import annotations

import contextlib
import html
import inspect
import io
import signal
import sys
import sysconfig
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from types import FrameType, MappingProxyType, SimpleNamespace
from typing import Any, NamedTuple

import numpy as np

from book.language import ENGLISH, LANGUAGES, Message, current_language

__all__ = [
    "TIME_LIMIT",
    "OUTPUT_LIMIT",
    "OUTPUT_LINES",
    "Result",
    "Case",
    "Mistake",
    "check_function",
    "close_to",
    "follow_up",
    "frozen",
    "generated",
    "not_attempted",
    "correct",
    "wrong",
]

TIME_LIMIT = 5.0
"""Seconds a check gives the learner's code over all its cases (enforced with SIGALRM, so on POSIX's main thread)."""

OUTPUT_LIMIT = 2000
"""Characters of what the learner's code prints during a check that are shown (and at most ``OUTPUT_LINES`` lines)."""

OUTPUT_LINES = 40

_STYLES = {
    "correct": ("✔", "#1a7f37", "#e6f4ea"),
    "not attempted": ("…", "#57606a", "#f2f3f5"),
    "wrong": ("✘", "#b42318", "#fdecea"),
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Result:
    """What a checker found: ``passed``, a one-line ``message`` (in the learner's language, see
    :mod:`book.language`), and a ``status`` for styling; ``text`` says the message in every language."""

    passed: bool
    message: str
    status: str
    text: Message | None = field(default=None, compare=False, repr=False)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        """The message in every language, each in a ``lang`` span, all but the learner's ``hidden``: the site's
        editions show their own (``_assets/book.css``), from the same stored output."""
        icon, ink, paper = _STYLES[self.status]
        if self.text is None:
            shown = html.escape(self.message)
        else:
            here = current_language()
            shown = "".join(
                f'<span lang="{language.replace("_", "-")}"{"" if language == here else " hidden"}>'
                f"{html.escape(self.message if language == here else _one_line(self.text.said(language)))}</span>"
                for language in LANGUAGES
            )
        return (
            f'<div class="check-result check-{self.status.replace(" ", "-")}" role="status" '
            f'style="border-left:4px solid {ink};background:{paper};color:#1f2328;padding:6px 10px;margin:4px 0;'
            f'font-family:sans-serif">{icon} {shown}</div>'
        )


def _result(passed: bool, text: Message, status: str) -> Result:
    return Result(passed, _one_line(text.said()), status, text)


def not_attempted() -> Result:
    """The answer to a blank exercise."""
    return _result(False, Message("Not attempted yet."), "not attempted")


def correct(detail: str | Message = "") -> Result:
    """The answer to a correct solution."""
    if not detail:
        return _result(True, Message("Correct ✔"), "correct")
    return _result(True, Message("Correct ✔ {detail}", detail=_message(detail)), "correct")


def wrong(message: str | Message) -> Result:
    """The answer to anything else: one line saying what is wrong."""
    return _result(False, _message(message), "wrong")


def _message(text: str | Message) -> Message:
    """``text`` as a message: English text is translated by the catalogue at display time."""
    return text if isinstance(text, Message) else Message(text)


def frozen(values: Any) -> np.ndarray:
    """A read-only float64 copy of ``values``: data a checker keeps and no answer can change."""
    array = np.array(values, dtype=float)
    array.setflags(write=False)
    return array


def _stored(value: Any) -> Any:
    """``value`` as a case keeps it: arrays copied and read-only, containers rebuilt, everything else as is."""
    if isinstance(value, np.ndarray):
        array = value.copy()
        array.setflags(write=False)
        return array
    if isinstance(value, (tuple, list)):
        return type(value)(_stored(item) for item in value)
    return value


def _fresh(value: Any) -> Any:
    """A writable copy of a stored argument for one call."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (tuple, list)):
        return type(value)(_fresh(item) for item in value)
    return value


def _same(before: Any, after: Any) -> bool:
    """Whether a call left an argument as it was (only arrays and containers can change in place)."""
    if isinstance(before, np.ndarray):
        kind = before.dtype.kind
        return before.shape == after.shape and bool(np.array_equal(before, after, equal_nan=kind in "fc"))
    if isinstance(before, (tuple, list)):
        return len(before) == len(after) and all(_same(a, b) for a, b in zip(before, after))
    return True


@dataclass(frozen=True, eq=False)
class Case:
    """One input to try: positional ``args`` and a ``label`` the learner reads, e.g. ``"f = sin at x = 0.5"``.

    The case keeps read-only copies of its arrays; every call receives fresh, writable copies (``fresh()``).
    """

    args: tuple
    label: str
    kwargs: Mapping = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "args", tuple(_stored(value) for value in self.args))
        object.__setattr__(
            self, "kwargs", MappingProxyType({key: _stored(value) for key, value in self.kwargs.items()})
        )

    def fresh(self) -> tuple[tuple, dict]:
        """Copies of the arguments for one call."""
        return tuple(_fresh(value) for value in self.args), {key: _fresh(value) for key, value in self.kwargs.items()}


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer, written as the learner would write it, and the hint to show when the learner matches
    it."""

    reference: Callable
    hint: str


def generated(draw: Callable[[np.random.Generator], Case], count: int = 20, seed: int = 0) -> tuple[Case, ...]:
    """``count`` cases made by ``draw`` from one generator seeded with ``seed``: the same cases, in the same order, on
    every run.

    >>> draw = lambda rng: Case((int(rng.integers(1, 100)),), "a whole number below 100")
    >>> [case.args for case in generated(draw, 3)] == [case.args for case in generated(draw, 3)]
    True
    """
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive whole number, got {count!r}")
    rng = np.random.default_rng(seed)
    return tuple(draw(rng) for _ in range(count))


Compare = Callable[[np.ndarray, np.ndarray], bool]


def close_to(rtol: float = 1e-7, atol: float = 1e-10) -> Compare:
    """A comparison: same shape and equal within ``rtol`` and ``atol`` (numpy's ``allclose``)."""
    return lambda got, expected: got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


# --- guarding the learner's code ------------------------------------------------------------------------------


class _TimeUp(BaseException):
    """The learner's code ran past the time limit (a BaseException, so ``except Exception`` does not swallow it)."""


class _Reentered(BaseException):
    """The learner's code called a checker."""


_PASS_THROUGH = (KeyboardInterrupt, _TimeUp, _Reentered)
_STATE = SimpleNamespace(in_learner=False, reentered="")


_OURS = frozenset({__file__, contextlib.__file__})
"""The files whose code runs around the learner's and must never be interrupted."""

_LIBRARIES = tuple({sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")})
"""Where installed code lives (Python's own, numpy, pytest, …): never interrupted either. A finalizer or a warning
hook that happens to run while the learner's code is stopped must finish; the learner's code is stopped again at its
next line once the library returns to it."""

_ALARM_REPEAT = 1e-4
"""Seconds between the repeated alarms after time-up (see :func:`_arm`)."""


def _interruptible(frame: FrameType) -> bool:
    """Whether ``frame`` runs code that is neither the checker's nor an installed library's."""
    filename = frame.f_code.co_filename
    return filename not in _OURS and not filename.startswith(_LIBRARIES)


def _in_learner(frame: FrameType | None, caller: FrameType, caller_is_learner: bool) -> bool:
    """Whether ``frame`` runs the learner's code: not ours, and called (maybe indirectly) by what ``caller`` called
    (or ``caller`` itself, when it is a cell of the learner's)."""
    if frame is None or (frame is not caller and not _interruptible(frame)):
        return False
    while frame is not None:
        if frame is caller:
            return caller_is_learner
        if frame.f_back is caller:
            return _interruptible(frame)
        frame = frame.f_back
    return False


def _arm(seconds: float, caller: FrameType, caller_is_learner: bool = False) -> Callable[[], None]:
    """Raise ``_TimeUp`` in the learner's code (what ``caller`` calls) after ``seconds``, and again until it has left;
    return the function that disarms the alarm.

    At time-up a trace function goes on every frame of the learner's functions and on every frame they call next,
    and raises ``_TimeUp`` again at the next line they run: an answer that catches it (``except BaseException``
    inside an endless loop) meets it again on the first line of its handler. CPython removes a trace function that
    raises, so a timer repeating every ``_ALARM_REPEAT`` seconds puts it back and raises again (which also ends a
    sleep, and soon lands in the handler of an outer ``try`` that caught the first). Only the learner's code is ever
    interrupted, never the checker's or an installed library's (a cell using ``follow_up`` is stopped once).
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return lambda: None
    if seconds <= 0:
        raise _TimeUp
    state = SimpleNamespace(expired=False, done=False, marked=set(), trace=sys.gettrace())

    def learner(frame: FrameType | None) -> bool:
        return _in_learner(frame, caller, caller_is_learner)

    def again(frame: FrameType, event: str, arg: Any) -> Any:
        if state.done or frame is caller or not learner(frame):
            return None
        if event in ("call", "line"):
            raise _TimeUp
        return again

    def time_up(signum: int, frame: FrameType | None) -> None:
        if state.done:
            return
        first, state.expired = not state.expired, True
        stack = frame
        while stack is not None and stack is not caller:
            if learner(stack):
                stack.f_trace, stack.f_trace_lines = again, True
                state.marked.add(stack)
            stack = stack.f_back
        sys.settrace(again)
        if learner(frame) and (first or frame is not caller):  # a cell itself is stopped once: its `with` must exit
            raise _TimeUp

    previous = signal.signal(signal.SIGALRM, time_up)
    signal.setitimer(signal.ITIMER_REAL, seconds, _ALARM_REPEAT)

    def disarm() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        state.done = True
        if state.expired:
            sys.settrace(state.trace)
            for frame in state.marked:
                frame.f_trace = None
            state.marked.clear()
        signal.pthread_sigmask(
            signal.SIG_BLOCK, []
        )  # lets a last pending alarm run its handler, which now does nothing
        signal.signal(signal.SIGALRM, previous)

    return disarm


@contextmanager
def _learner_running(deadline: float, output: io.TextIOBase, caller: FrameType):
    """Run the learner's code that ``caller`` calls: until ``deadline``, printing into ``output``, warnings and numpy
    errors silenced."""
    _STATE.in_learner, _STATE.reentered = True, ""
    try:
        with redirect_stdout(output), redirect_stderr(output), warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            disarm = _arm(deadline - time.monotonic(), caller)
            try:
                yield
            finally:
                disarm()
    finally:
        _STATE.in_learner = False


class _CappedText(io.TextIOBase):
    """Where the learner's prints go during a check: the first ``OUTPUT_LIMIT`` characters are kept, the rest
    counted."""

    def __init__(self) -> None:
        self._kept: list[str] = []
        self._room, self._lines, self.dropped = OUTPUT_LIMIT, OUTPUT_LINES, 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        keep = text[: self._room] if not self.dropped else ""
        if keep.count("\n") > self._lines:
            keep = "".join(keep.splitlines(keepends=True)[: self._lines])
        self._kept.append(keep)
        self._room -= len(keep)
        self._lines -= keep.count("\n")
        self._room = self._room if self._lines > 0 else 0
        self.dropped += len(text) - len(keep)
        return len(text)

    def show(self) -> None:
        text = "".join(self._kept)
        if self.dropped:
            more = Message("… {count} more characters of your output not shown", count=self.dropped)
            text += ("\n" if text and not text.endswith("\n") else "") + f"{more}\n"
        sys.stdout.write(text)


def _error_text(error: BaseException) -> Message:
    """``Name: first line of the message``, even when the message itself cannot be printed."""
    name = type(error).__name__
    try:
        lines = str(error).strip().splitlines()
    except _PASS_THROUGH:
        raise
    except BaseException:  # an exception whose __str__ fails
        return Message("{name} (its message could not be shown)", name=name)
    detail = lines[0] if lines else ""
    if len(detail) > 200:
        detail = detail[:199] + "…"
    return Message("{name}: {detail}", name=name, detail=detail) if detail else Message("{name}", name=name)


def _innermost_frame(error: BaseException) -> FrameType | None:
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback.tb_frame if traceback is not None else None


def _frames(error: BaseException) -> list[FrameType]:
    frames, traceback = [], error.__traceback__
    while traceback is not None:
        frames.append(traceback.tb_frame)
        traceback = traceback.tb_next
    return frames


# --- reading an answer ----------------------------------------------------------------------------------------


class _Numbers(NamedTuple):
    """An answer read as real numbers: ``array`` (None if it is not numbers), the largest imaginary part refused,
    and whether it was computed in low precision (float32 or less)."""

    array: np.ndarray | None
    imaginary: float = 0.0
    low_precision: bool = False
    type_name: str = ""


def _has_bool(value: Any) -> bool:
    """Whether ``value`` is True/False, or a list, tuple or array holding one: not a number, though numpy reads 1 and
    0."""
    if isinstance(value, (bool, np.bool_)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "b" or (value.dtype.kind == "O" and any(_has_bool(item) for item in value.flat))
    return isinstance(value, (tuple, list)) and any(_has_bool(item) for item in value)


def _numbers(value: Any) -> _Numbers:
    """Read ``value`` as real numbers; a complex value with a zero imaginary part counts as real; True/False do not."""
    type_name = type(value).__name__
    if value is None or isinstance(value, (str, bytes)):
        return _Numbers(None, type_name=type_name)
    try:
        if _has_bool(value):
            return _Numbers(None, type_name="bool")
        raw = np.asarray(value)
        if raw.dtype.kind == "O":
            raw = raw.astype(complex)
        if raw.dtype.kind not in "iufc":
            return _Numbers(None, type_name=type_name)
        imaginary = float(np.max(np.abs(raw.imag), initial=0.0)) if raw.dtype.kind == "c" else 0.0
        low_precision = raw.dtype.kind in "fc" and raw.dtype.itemsize < (8 if raw.dtype.kind == "f" else 16)
        return _Numbers(np.real(raw).astype(float), imaginary, low_precision, type_name)
    except _PASS_THROUGH:
        raise
    except BaseException:  # an object whose __array__, __float__ or __len__ raises: not numbers
        return _Numbers(None, type_name=type_name)


class _Answer(NamedTuple):
    """An answer split into its parts (one part without ``parts``), or the count it had instead."""

    parts: tuple[_Numbers, ...] | None
    count: str | Message = ""


def _read(answer: Any, parts: Mapping[str, int] | None) -> _Answer:
    if parts is None:
        return _Answer((_numbers(answer),))
    try:
        if isinstance(answer, (tuple, list)) or (isinstance(answer, np.ndarray) and answer.ndim > 0):
            items = list(answer)
            if len(items) == len(parts):
                return _Answer(tuple(_numbers(item) for item in items))
            return _Answer(None, str(len(items)))
    except _PASS_THROUGH:
        raise
    except BaseException:
        pass
    return _Answer(None, Message("one {type}", type=type(answer).__name__))


class _Attempt(NamedTuple):
    """What one call of the learner's code did."""

    answer: _Answer | None = None
    is_none: bool = False
    error: BaseException | None = None
    error_text: str | Message = ""
    timed_out: bool = False
    reentered: str = ""
    seconds: float = 0.0


def _attempt(
    run: Callable, args: tuple, kwargs: dict, parts: Mapping[str, int] | None, deadline: float, output: io.TextIOBase
) -> _Attempt:
    """Call the learner's code and read its answer, all within the time limit; never raises but KeyboardInterrupt."""
    start = time.monotonic()
    try:
        with _learner_running(deadline, output, sys._getframe()):
            try:
                answer = run(*args, **kwargs)
                attempt = _Attempt(_read(answer, parts), is_none=answer is None, seconds=time.monotonic() - start)
            except _PASS_THROUGH:
                raise
            except BaseException as error:  # the learner's code may raise anything, SystemExit and GeneratorExit too
                attempt = _Attempt(error=error, error_text=_error_text(error))
    except _TimeUp:
        return _Attempt(timed_out=True, seconds=time.monotonic() - start)
    except _Reentered as error:
        return _Attempt(reentered=str(error.args[0]) if error.args else "")
    if _STATE.reentered:  # the learner's code caught the _Reentered and carried on
        return _Attempt(reentered=_STATE.reentered)
    if time.monotonic() > deadline:  # ... or ran past the time limit where it could not be stopped
        return _Attempt(timed_out=True, seconds=time.monotonic() - start)
    return attempt


def _ours(run: Callable, case: Case, parts: Mapping[str, int] | None) -> tuple[_Numbers, ...] | None:
    """The parts of the answer of our own code (the reference or a mistake) on fresh copies of the case."""
    args, kwargs = case.fresh()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return _read(run(*args, **kwargs), parts).parts


# --- what to say ----------------------------------------------------------------------------------------------


def _unwrapped(learner: Any) -> tuple[Any, Any]:
    """The code object and the global namespace of the learner's function, if it has them."""
    try:
        function = inspect.unwrap(learner)
        return getattr(function, "__code__", None), getattr(function, "__globals__", None)
    except Exception:
        return None, None


def _not_implemented(error: BaseException, learner: Any, case: Case, first: bool) -> Result:
    """NotImplementedError: the exercise's own blank, a later case left unfinished, or another blank it calls."""
    frame = _innermost_frame(error)
    code, namespace = _unwrapped(learner)
    if frame is not None and code is not None and frame.f_code is code:
        if first:
            return not_attempted()
        return wrong(
            Message(
                "For {label} your function raised NotImplementedError: it is not finished for this case yet.",
                label=_label(case),
            )
        )
    if (
        frame is not None
        and namespace is not None
        and frame.f_globals is namespace
        and frame.f_code.co_name != "<module>"
    ):
        text = Message(
            "Your answer calls {name}, which is not written yet: complete it first.", name=frame.f_code.co_name
        )
        return _result(False, text, "not attempted")
    return wrong(Message("For {label} your function raised {error}.", label=_label(case), error=_error_text(error)))


def _label(case: Case) -> Message:
    """A case's label, which the catalogue translates where it has words (``the bowl``), not its math."""
    return Message(case.label)


def _changed_argument(learner: Any, before: Case, args: tuple, kwargs: dict) -> str | Message | None:
    """The name of an argument the call changed in place, if any."""
    for position, (was, now) in enumerate(zip(before.args, args)):
        if not _same(was, now):
            try:
                names = [
                    p.name for p in inspect.signature(learner).parameters.values() if p.kind <= p.POSITIONAL_OR_KEYWORD
                ]
                return names[position]
            except Exception:
                return Message("number {position}", position=position + 1)
    return next((key for key in kwargs if not _same(before.kwargs[key], kwargs[key])), None)


def _problem(
    attempt: _Attempt,
    learner: Any,
    case: Case,
    first: bool,
    changed: str | None,
    parts: Mapping[str, int] | None,
    noun: str,
) -> Result | None:
    """Anything wrong with an attempt before its numbers are compared."""
    label = _label(case)
    if attempt.reentered:
        which = (
            Message("the checker check.{name}", name=attempt.reentered)
            if attempt.reentered.isidentifier()
            else Message("a checker")
        )
        return wrong(
            Message(
                "For {label} your function called {which} itself; a check cannot run inside the answer it checks: "
                "remove that call.",
                label=label,
                which=which,
            )
        )
    if attempt.timed_out:
        return wrong(
            Message(
                "For {label} your function was still running after {seconds} s, the time a check allows: is there an "
                "endless loop, or a sleep?",
                label=label,
                seconds=f"{TIME_LIMIT:g}",
            )
        )
    if attempt.error is not None:
        if isinstance(attempt.error, NotImplementedError):
            return _not_implemented(attempt.error, learner, case, first)
        return wrong(Message("For {label} your function raised {error}.", label=label, error=attempt.error_text))
    if changed:
        return wrong(
            Message(
                "For {label} your function changed its input {name} in place, which corrupts the caller's data: "
                "leave the inputs as they are and compute into a new array (or into a copy made with .copy()).",
                label=label,
                name=changed,
            )
        )
    if attempt.is_none:
        return wrong(
            Message("For {label} your function returned None: did you forget the return statement?", label=label)
        )
    if attempt.answer.parts is None:
        names = sorted(parts, key=parts.get)
        listed = Message(
            ", ".join(f"{{{i}}}" for i in range(len(names))), **{str(i): Message(n) for i, n in enumerate(names)}
        )
        return wrong(
            Message(
                "For {label} expected {count} {noun} ({names}), got {got}.",
                label=label,
                count=len(parts),
                noun=Message(noun),
                names=listed,
                got=attempt.answer.count,
            )
        )
    return None


def _part_label(part: str | None, case: Case) -> Message:
    return Message("{part} with {label}", part=Message(part), label=_label(case)) if part else _label(case)


def _value_problem(got: _Numbers, expected: np.ndarray, label: Message) -> Message | None:
    """Not numbers, complex, the wrong shape or not finite: what to say, or None if the numbers can be compared."""
    if got.array is None and got.type_name == "bool":
        return Message(
            "For {label} your function returned True or False where a number is expected: a bool is not the number 1 "
            "or 0, so return the number itself.",
            label=label,
        )
    if got.array is None:
        return Message(
            "For {label} your function returned a {type}; expected a number or an array of numbers.",
            label=label,
            type=got.type_name,
        )
    if got.imaginary != 0:
        return Message(
            "For {label} your function returned complex numbers (imaginary part up to {imaginary}); expected real "
            "numbers.",
            label=label,
            imaginary=f"{got.imaginary:.2g}",
        )
    if got.array.shape != expected.shape:
        if expected.ndim == 0:
            return Message(
                "For {label} your function returned shape {shape}; expected a single number.",
                label=label,
                shape=got.array.shape,
            )
        return Message(
            "For {label} your function returned shape {shape}; expected shape {expected}.",
            label=label,
            shape=got.array.shape,
            expected=expected.shape,
        )
    if not np.all(np.isfinite(got.array)) and np.all(np.isfinite(expected)):
        return Message(
            "For {label} your function returned {got} (not a finite number); expected {expected}.",
            label=label,
            got=_short(got.array),
            expected=_short(expected),
        )
    return None


def _short(array: np.ndarray) -> Message:
    if array.ndim == 0:
        return Message("{value}", value=f"{float(array):.6g}")
    if array.size <= 6:
        return Message("{value}", value=np.array2string(array, precision=6))
    return Message("an array of shape {shape}", shape=array.shape)


def _apart(expected: float, got: float) -> tuple[str, str]:
    """Both numbers with at least 6 significant digits, and as many more as it takes to tell them apart."""
    for digits in range(6, 18):
        shown = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if shown[0] != shown[1]:
            break
    return shown


def _difference(got: np.ndarray, expected: np.ndarray, label: Message) -> Message:
    """The first sentence about a wrong value: the worst entry, its index, both values and the gap."""
    gaps = np.abs(got - expected)
    worst = np.unravel_index(int(np.argmax(np.where(np.isnan(gaps), np.inf, gaps))), got.shape)
    e, g = _apart(float(expected[worst]), float(got[worst]))
    off = Message("off by {gap}", gap=f"{float(gaps[worst]):.2g}")
    if got.ndim == 0:
        return Message("For {label} expected {e} but got {g} ({off}).", label=label, e=e, g=g, off=off)
    index = "[" + ", ".join(str(int(i)) for i in worst) + "]"
    whole_e, whole_g = np.array2string(expected, precision=6), np.array2string(got, precision=6)
    if got.size <= 6 and whole_e != whole_g:
        return Message(
            "For {label} expected {whole_e} but got {whole_g}; at {index} expected {e} but got {g} ({off}).",
            label=label,
            whole_e=whole_e,
            whole_g=whole_g,
            index=index,
            e=e,
            g=g,
            off=off,
        )
    return Message(
        "For {label} at {index} of the {shape} array expected {e} but got {g} ({off}).",
        label=label,
        index=index,
        shape=got.shape,
        e=e,
        g=g,
        off=off,
    )


def _float32_note(got: _Numbers, expected: np.ndarray) -> Message | None:
    """Close, but only to float32's ~7 digits: say so."""
    array = got.array
    rounded = np.all(array.astype(np.float32) == array) and not np.all(array == np.round(array))
    if (got.low_precision or rounded) and np.allclose(array, expected, rtol=1e-5, atol=1e-6):
        return Message(
            "close, but not within tolerance — float32? Those carry only about 7 digits; compute in float64, numpy's "
            "default."
        )
    return None


def _agree(compare: Compare, got: np.ndarray, typical: np.ndarray) -> bool:
    """``compare``, or the very same numbers, non-finite ones and shapes included."""
    return (got.shape == typical.shape and bool(np.array_equal(got, typical, equal_nan=True))) or compare(got, typical)


def _hint_for(part: int, outcomes: list, mistakes: Sequence[Mistake], adapt: Callable, compare: Compare, parts) -> str:
    """The hint of the first mistake whose answer agrees with the learner's on every case (an error with an error)."""
    for mistake in mistakes:
        agrees = True
        for case, got in outcomes:
            try:
                typical = _ours(adapt(mistake.reference), case, parts)
            except Exception:  # a mistake that cannot run on this case matches only an answer that raised there too
                typical = None
            if got is None and typical is None:
                continue
            if (
                got is None
                or typical is None
                or typical[part].array is None
                or not _agree(compare, got[part].array, typical[part].array)
            ):
                agrees = False
                break
        if agrees:
            return mistake.hint
    return ""


def check_function(
    learner: Any,
    reference: Callable,
    cases: Sequence[Case],
    *,
    mistakes: Sequence[Mistake] = (),
    hint: str = "",
    compare: Compare = close_to(),
    name: str = "your function",
    parts: Mapping[str, int] | None = None,
    parts_noun: str = "values",
    adapt: Callable[[Callable], Callable] | None = None,
    agree: Compare | None = None,
    describe: Callable[[np.ndarray, np.ndarray, str], str] | None = None,
) -> Result:
    """Run ``learner`` and ``reference`` on every case and ``compare`` the answers; never raise.

    ``mistakes`` are written like the learner's function. ``parts`` names the items of an answer that is a tuple,
    ``{name: position}``, in the order to check them; ``adapt`` turns any such function (the learner's, the
    reference, a mistake) into the function of the case's arguments whose answer is compared. A mistake's hint is
    shown only when its answer agrees with the learner's on every case (by ``agree``, ``compare`` by default).
    ``describe(got, expected, label)`` replaces the sentence about the first wrong case, for a check whose
    expected answer must not be given away (an open exploration judged by simulation).
    """
    if _STATE.in_learner:  # the learner's code called a checker: stop it at once rather than recurse
        _STATE.reentered = name
        raise _Reentered(name)
    if not cases:
        raise ValueError("cases must hold at least one Case: a checker with nothing to run would pass anything")
    if not callable(learner):
        return wrong(
            Message("Expected {name} to be a function, got {type}.", name=Message(name), type=type(learner).__name__)
        )
    adapt = adapt or (lambda function: function)
    output = _CappedText()
    try:
        with np.errstate(all="ignore"):  # huge or non-finite answers are reported, not warned about
            return _judge(
                learner,
                adapt(learner),
                reference,
                cases,
                mistakes,
                hint,
                compare,
                parts,
                parts_noun,
                adapt,
                output,
                agree,
                describe,
            )
    finally:
        output.show()


def _too_slow(attempt: _Attempt, finished: int, longest: float, total: int) -> Result | None:
    """A time-out after correct cases, in a call no longer than the slowest finished one: slow, not endless."""
    if not attempt.timed_out or not finished or attempt.seconds > 2 * longest + 0.01:
        return None
    return wrong(
        Message(
            "Too slow (over {seconds} s): your function was right on the {finished} cases it finished, but all {total} "
            "take longer than the {seconds} s a check allows: make it faster (numpy operations on whole arrays rather "
            "than Python loops, no work done twice).",
            seconds=f"{TIME_LIMIT:g}",
            finished=finished,
            total=total,
        )
    )


def _described(describe: Callable, got: np.ndarray, expected: np.ndarray, label: Message) -> Message:
    """The checker's own sentence about a wrong answer (written in English, translated by the catalogue), or the
    usual one if it cannot say (a claim too odd to simulate)."""
    try:
        return Message(describe(got, expected, label.said(ENGLISH)))
    except Exception:
        return Message("For {label} your answer {answer} is not right.", label=label, answer=_short(got))


def _judge(
    learner, run, reference, cases, mistakes, hint, compare, parts, noun, adapt, output, agree, describe
) -> Result:
    deadline = time.monotonic() + TIME_LIMIT
    order = [(None, 0)] if parts is None else list(parts.items())
    outcomes, failure, longest = [], None, 0.0
    for index, case in enumerate(cases):
        args, kwargs = case.fresh()
        attempt = _attempt(run, args, kwargs, parts, deadline, output)
        problem = None if failure is not None else _too_slow(attempt, len(outcomes), longest, len(cases))
        if problem is None:
            problem = _problem(
                attempt, learner, case, index == 0, _changed_argument(learner, case, args, kwargs), parts, noun
            )
        if problem is None:
            expected = _ours(adapt(reference), case, parts)
            messages = (
                _value_problem(attempt.answer.parts[i], expected[i].array, _part_label(part, case)) for part, i in order
            )
            problem = next((wrong(message) for message in messages if message), None)
        if problem is not None and failure is None:
            return problem
        if problem is not None:  # after the first wrong case only the hint is left to find, which needs every case
            if (
                attempt.answer is not None
                and attempt.answer.parts is not None
                and all(p.array is not None for p in attempt.answer.parts)
            ):
                outcomes.append((case, attempt.answer.parts))  # numbers, if of the wrong shape or not finite
                continue
            if attempt.error is not None and not isinstance(attempt.error, NotImplementedError):
                outcomes.append((case, None))  # agrees with a mistake that raises on this case too
                continue
            outcomes = []  # a case left unanswered otherwise agrees with no mistake: none is named
            break
        got = attempt.answer.parts
        outcomes.append((case, got))
        longest = max(longest, attempt.seconds)
        if failure is None:
            wrong_parts = ((part, i) for part, i in order if not compare(got[i].array, expected[i].array))
            failure = next(((_part_label(part, case), i, got[i], expected[i].array) for part, i in wrong_parts), None)
    if failure is None:
        return correct(Message("({count} cases checked)", count=len(cases)) if len(cases) > 1 else "")
    label, position, got, expected = failure
    found = outcomes and _hint_for(position, outcomes, mistakes, adapt, agree or compare, parts)
    targeted = (Message(found) if found else None) or _float32_note(got, expected) or (Message(hint) if hint else None)
    first = _described(describe, got.array, expected, label) if describe else _difference(got.array, expected, label)
    return wrong(Message("{first} Hint: {hint}", first=first, hint=targeted) if targeted else first)


# --- notebook cells that use the learner's functions ----------------------------------------------------------


class follow_up:
    """A notebook cell that uses the reader's functions, in one line whatever happens.

    ``with follow_up(): ...`` prints "Complete f above first." when the blank ``f`` is still to be written, one line
    for any other exception, and stops the cell after ``TIME_LIMIT`` seconds; ``KeyboardInterrupt`` still stops it.
    """

    def __init__(self) -> None:
        self._namespace = sys._getframe(1).f_globals  # the cell's: functions defined there are the reader's
        self._disarm: Callable[[], None] = lambda: None

    def __enter__(self) -> follow_up:
        self._disarm = _arm(TIME_LIMIT, sys._getframe(1), caller_is_learner=True)
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, traceback: Any) -> bool:
        self._disarm()
        if error is None or isinstance(error, KeyboardInterrupt):
            return False
        print(self._message(error).said())
        return True

    def _message(self, error: BaseException) -> Message:
        if isinstance(error, _TimeUp):
            return Message(
                "This cell stopped after {seconds} s, the time it allows: is there an endless loop, or a sleep, in a "
                "function above?",
                seconds=f"{TIME_LIMIT:g}",
            )
        readers = [f for f in _frames(error) if f.f_globals is self._namespace and f.f_code.co_name != "<module>"]
        if isinstance(error, NotImplementedError) and readers and readers[-1] is _innermost_frame(error):
            return Message("Complete {name} above first.", name=readers[-1].f_code.co_name)
        if readers:
            return Message(
                "This cell stopped: {name} raised {error}.", name=readers[-1].f_code.co_name, error=_error_text(error)
            )
        return Message(
            "This cell stopped with {error}: check what your functions above return.", error=_error_text(error)
        )
