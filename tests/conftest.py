"""Shared fixtures: the book's root, a fresh matplotlib state, and the sample figure functions of the tests."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _english_checkers(monkeypatch):
    """The checkers speak English in every test (a reader's BOOK_LANGUAGE does not change what the tests expect)."""
    from book.language import use_language

    monkeypatch.delenv("BOOK_LANGUAGE", raising=False)
    use_language(None)
    yield
    use_language(None)


@pytest.fixture(autouse=True)
def _close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def assert_fails_with_hint(result, hint: str) -> None:
    """A checker's verdict on a typical mistake: wrong, one line, and the hint written for that mistake."""
    assert not result.passed
    assert "\n" not in result.message
    assert "Hint:" in result.message and hint in result.message, result.message
