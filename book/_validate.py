"""Argument checks shared by the public functions: each failure is one sentence naming the argument."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


class NotCallableError(TypeError, ValueError):
    """A value that should be a function is not: a ``TypeError`` as Python has it, and a ``ValueError`` as the library's
    contract has it (every bad argument is one)."""


def require_callable(name: str, value: Any) -> Callable:
    """Return ``value`` if it can be called, else raise :class:`NotCallableError`.

    >>> require_callable("grad_fn", None)
    Traceback (most recent call last):
    ...
    book._validate.NotCallableError: grad_fn must be a callable (a function), got NoneType
    """
    if not callable(value):
        raise NotCallableError(f"{name} must be a callable (a function), got {type(value).__name__}")
    return value


def require_real(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a finite real number: ``TypeError`` for a non-number, else ``ValueError``.

    >>> require_real("c", "1")
    Traceback (most recent call last):
    ...
    TypeError: c must be a real number, got str
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    return float(value)


def require_positive(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a finite number > 0, else raise ``ValueError``.

    >>> require_positive("lr", -0.1)
    Traceback (most recent call last):
    ...
    ValueError: lr must be a positive number, got -0.1
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def require_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError``."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def require_real_array(name: str, value: Any, ndim: int | None = None) -> np.ndarray:
    """Return ``value`` as a float array of real numbers (inf and nan allowed), with ``ndim`` axes if given.

    >>> require_real_array("x", [1.0, float("inf")])
    array([ 1., inf])
    >>> require_real_array("x", [1j])
    Traceback (most recent call last):
    ...
    TypeError: x must be a real number or an array of real numbers, got list
    """
    if np.iscomplexobj(value):
        raise TypeError(f"{name} must be a real number or an array of real numbers, got {type(value).__name__}")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a real number or an array of real numbers, got {type(value).__name__}"
        ) from None
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {array.shape}")
    return array


def require_finite_array(name: str, value: Any, ndim: int | None = None) -> np.ndarray:
    """Return ``value`` as a float array if every entry is a finite real number (and it has ``ndim`` axes).

    >>> require_finite_array("x", [1.0, float("nan")])
    Traceback (most recent call last):
    ...
    ValueError: x must contain only finite real numbers, got [1.0, nan]
    """
    array = require_real_array(name, value, ndim)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite real numbers, got {value!r}")
    return array


def require_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a finite number >= 0, else raise ``ValueError``.

    >>> require_nonnegative("weight_decay", -1e-4)
    Traceback (most recent call last):
    ...
    ValueError: weight_decay must be a non-negative number, got -0.0001
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    return float(value)


def require_fraction(name: str, value: Any) -> float:
    """Return ``value`` as a float if it lies in [0, 1), else raise ``ValueError`` (a decay rate such as β or α).

    >>> require_fraction("alpha", 1.0)
    Traceback (most recent call last):
    ...
    ValueError: alpha must be a number in [0, 1), got 1.0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def require_count(name: str, value: Any, minimum: int = 0) -> int:
    """Return ``value`` if it is an integer >= ``minimum`` (a number of steps), else raise ``ValueError``.

    >>> require_count("steps", -1)
    Traceback (most recent call last):
    ...
    ValueError: steps must be a non-negative integer, got -1
    >>> require_count("step_size", 0, minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: step_size must be an integer >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        bound = "a non-negative integer" if minimum == 0 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return int(value)


def require_lr(lr: Any) -> float | Callable:
    """Return ``lr`` if it is a schedule (a callable t -> lr), else as a positive float, else raise ``ValueError``.

    >>> require_lr(0)
    Traceback (most recent call last):
    ...
    ValueError: lr must be a positive number or a schedule (a callable t -> lr), got 0
    """
    if callable(lr):
        return lr
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive number or a schedule (a callable t -> lr), got {lr!r}")
    return float(lr)


def require_betas(betas: Any) -> tuple[float, float]:
    """Return ``betas`` as a pair (β₁, β₂) of floats in [0, 1), else raise ``ValueError``.

    >>> require_betas((0.9, 0.999))
    (0.9, 0.999)
    """
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2) of numbers in [0, 1), got {betas!r}")
    return require_fraction("betas[0]", betas[0]), require_fraction("betas[1]", betas[1])
