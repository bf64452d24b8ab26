"""Every chapter's exercises, both ways: the public solutions pass, the blanks and broken answers do not, and no
checker ever raises. Chapters are discovered from book/exercises/chNN.py and exercises/solutions/chNN.py."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p.stem for p in (ROOT / "book" / "exercises").glob("ch[0-9][0-9].py"))


def checkers(chapter: str) -> dict:
    module = importlib.import_module(f"book.exercises.{chapter}")
    return {
        name: fn
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__ and not name.startswith("_") and list(inspect.signature(fn).parameters) == ["learner"]
    }


def solutions(chapter: str):
    return importlib.import_module(f"exercises.solutions.{chapter}")


PAIRS = [(chapter, name) for chapter in CHAPTERS for name in checkers(chapter)]


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
    result = checkers(chapter)[name](getattr(solutions(chapter), name))
    assert result.passed, result.message
    assert result.message.startswith("Correct")


def _broken_answers():
    def blank(*args, **kwargs):
        raise NotImplementedError

    def raises(*args, **kwargs):
        raise ValueError("oops\nsecond line")

    def returns_none(*args, **kwargs):
        return None

    def returns_text(*args, **kwargs):
        return "0.5"

    def wrong_shape(*args, **kwargs):
        return np.zeros((7, 3))

    def not_a_number(*args, **kwargs):
        return np.full((7, 3), np.nan)

    return {
        "blank": (blank, r"^Not attempted yet\.$"),
        "raises": (raises, r"raised ValueError: oops\.$"),
        "None": (returns_none, r"returned None"),
        "str": (returns_text, r"returned a str"),
        "shape": (wrong_shape, r"shape \(7, 3\)"),
        "nan": (not_a_number, r"shape \(7, 3\)|not a finite number"),
        "not callable": (3.5, r"got float"),
    }


@pytest.mark.parametrize(("chapter", "name"), PAIRS)
@pytest.mark.parametrize("kind", list(_broken_answers()))
def test_broken_answers_fail_in_one_line_and_never_raise(chapter, name, kind):
    learner, pattern = _broken_answers()[kind]
    result = checkers(chapter)[name](learner)
    assert not result.passed
    assert "\n" not in result.message
    assert re.search(pattern, result.message), result.message


def _notebook(chapter: str) -> Path:
    return next((ROOT / "exercises").glob(f"{chapter[2:]}_*.ipynb"))


def _check_outputs(nb) -> list[str]:
    texts = []
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("check."):
            texts += [o["data"]["text/plain"] for o in cell.outputs if o.get("output_type") == "execute_result"]
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
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "exercises")}}).execute()
    results = _check_outputs(nb)
    assert len(results) == filled
    assert all(text.startswith("Correct") for text in results), results


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_blank_notebook_as_committed_says_not_attempted_everywhere(chapter):
    nb = nbformat.read(_notebook(chapter), as_version=4)
    results = _check_outputs(nb)
    assert len(results) >= 5
    assert all(text == "Not attempted yet." for text in results), results
