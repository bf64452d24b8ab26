"""The library's import graph: no module reaches into another module's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
MODULES = sorted(BOOK.rglob("*.py"))


def _module_name(path: Path) -> str:
    """``book/figures/ch01.py`` -> ``book.figures.ch01`` (a package's ``__init__`` is the package)."""
    parts = path.relative_to(BOOK.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(source: str, module: str) -> list[str]:
    """Every ``from book.x import _name`` and ``book.x._name`` in ``source`` that reaches into another book module."""
    tree = ast.parse(source)
    aliases = {}  # local name -> book module it stands for
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "book":
            for alias in node.names:
                if node.module != module and _private(alias.name):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "book":
                    aliases[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name):
            target = aliases.get(node.value.id)
            if target is not None and target != module:
                found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_the_checker_finds_both_kinds_of_private_reach():
    source = "from book.optim import _betas, run\nfrom book import functions\nfunctions._scalar(1)\n"
    assert private_imports(source, "book.noise") == [
        "line 1: from book.optim import _betas",
        "line 3: functions._scalar",
    ]
    assert private_imports("from book.optim import _betas\n", "book.optim") == []
    assert private_imports("from book._validate import require_count\nfrom book.x import __all__\n", "book.y") == []


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(BOOK.parent)))
def test_no_module_imports_a_private_name_of_another(path):
    assert private_imports(path.read_text(encoding="utf-8"), _module_name(path)) == []


IDEA_MODULES = sorted(path for path in BOOK.glob("*.py") if path.name != "__init__.py")
"""The library's modules of ideas (figures, experiments and exercises are per chapter by design)."""


@pytest.mark.parametrize("path", IDEA_MODULES, ids=lambda path: path.name)
def test_a_module_is_organised_by_idea_not_by_chapter(path):
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    summary = docstring.split("\n\n")[0]
    assert docstring and "Chapter" not in summary, (
        f"{path.name}: the summary should name the module's idea: {summary!r}"
    )
