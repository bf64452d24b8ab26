"""book._validate: one checker per kind of argument, each failure one sentence naming the argument."""

from __future__ import annotations

import pytest

from book._validate import NotCallableError, require_betas, require_callable, require_lr, require_real


def test_a_non_callable_is_both_a_type_error_and_a_value_error():
    for kind in (TypeError, ValueError, NotCallableError):
        with pytest.raises(kind, match="^grad_fn must be a callable \\(a function\\), got NoneType$"):
            require_callable("grad_fn", None)
    assert require_callable("f", abs) is abs


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        ("1", TypeError, "c must be a real number, got str"),
        (True, TypeError, "c must be a real number, got bool"),
        (float("nan"), ValueError, "c must be a finite real number, got nan"),
    ],
)
def test_require_real_refuses_non_numbers_and_non_finite_numbers(value, kind, message):
    with pytest.raises(kind, match=message):
        require_real("c", value)


def test_require_real_returns_a_float():
    assert type(require_real("c", 3)) is float


@pytest.mark.parametrize("lr", [0, -0.1, float("inf"), "0.1", True])
def test_require_lr_refuses_anything_but_a_positive_number_or_a_schedule(lr):
    with pytest.raises(ValueError, match="^lr must be a positive number or a schedule"):
        require_lr(lr)


def test_require_lr_passes_a_schedule_through_and_makes_a_number_a_float():
    schedule = lambda t: 0.1  # noqa: E731
    assert require_lr(schedule) is schedule
    assert type(require_lr(1)) is float


@pytest.mark.parametrize(
    ("betas", "argument"),
    [(0.9, "betas"), ((0.9,), "betas"), ((0.9, 1.0), "betas\\[1\\]"), ((-0.1, 0.9), "betas\\[0\\]")],
)
def test_require_betas_names_the_bad_coefficient(betas, argument):
    with pytest.raises(ValueError, match=f"^{argument} must be"):
        require_betas(betas)
