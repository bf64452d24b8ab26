"""Reading a chapter notebook as the site shows it: the values it glues into its prose, and its main path."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

GLUE_MIME = "application/papermill.record/text/plain"


def glued_values(path: Path) -> dict:
    """name → value of every ``glue(name, value, display=False)`` in the notebook's stored outputs."""
    values = {}
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                values[name] = ast.literal_eval(output["data"][GLUE_MIME])
    return values


def markdown(path: Path) -> str:
    """All markdown cells of a notebook, joined."""
    return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown")


def main_path(text: str) -> str:
    """The words a reader meets outside collapsible boxes: dropdowns and display math removed."""
    text = re.sub(r"^(`{3,}|:{3,})\{admonition\}[^\n]*\n:class: dropdown\n.*?^\1\s*$", "", text, flags=re.S | re.M)
    text = re.sub(r"^(:{3,}|`{3,})\{dropdown\}.*?^\1\s*$", "", text, flags=re.S | re.M)
    return re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)


def word_count(text: str) -> int:
    """Words, with each inline formula counted as one, link targets and role names ({term}, {glue:text}) not."""
    text = re.sub(r"\{[\w:-]+\}`([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", text)
    text = re.sub(r"\]\([^)]*\)", "]", re.sub(r"\$[^$]+\$", " M ", text))
    return len(re.findall(r"[A-Za-z0-9][\w'’–-]*", text))


ROOT = Path(__file__).resolve().parent.parent
PLANNED = {9: "transformer", 10: "large", 11: "capstone"}
"""Chapters that may be named before they are written (the table of contents lists only chapters that exist)."""


def written_chapters() -> set[int]:
    """The numbers of the chapters the table of contents lists."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    stems = [
        c["file"].split("/")[1] for part in toc["parts"] for c in part["chapters"] if c["file"].startswith("chapters/")
    ]
    return {int(stem[:2]) for stem in stems if stem[:2].isdigit()}  # the appendix has no number


def unresolved_chapter_references(text: str) -> list[str]:
    """Every "Chapter N" that is neither a link to a written chapter's page nor a planned chapter named by subject."""
    written, problems = written_chapters(), []
    for match in re.finditer(r"Chapters? (\d+)(?:[–-](\d+))?", text):
        number, following = int(match.group(1)), text[match.end() :]
        if match.group(2) is not None:
            problems.append(f"a range instead of one chapter named by its subject: {match.group(0)!r}")
        elif number in written and not following.startswith(f"]({number:02d}_"):
            problems.append(f"not a link to the chapter's page: {match.group(0)!r} {following[:30]!r}")
        elif number not in written and not (number in PLANNED and PLANNED[number] in following[:40].lower()):
            problems.append(f"neither written nor planned: {match.group(0)!r}")
    return problems


def dropdown_problems(text: str) -> list[str]:
    """Dropdowns that would not render: an opening fence not on a line of its own after a blank line, or no closing
    fence."""
    problems = []
    for match in re.finditer(r":::\{dropdown\}", text):
        before = text[: match.start()]
        if before and not before.endswith("\n\n"):
            problems.append(f"no blank line before: {text[match.start() - 30 : match.end()]!r}")
        closing = re.search(r"(?m)^:::$", text[match.end() :])
        following = text[match.end() : match.end() + closing.start()] if closing else ""
        if closing is None or ":::{dropdown}" in following:
            problems.append(f"not closed: {text[match.start() : match.end() + 40]!r}")
    return problems


NOTATION = {
    r"(?:x|w|\\theta) \\in \\mathbb\{R\}\^n\b|\\mathbb\{R\}\^n \\to": "a dimension is d: x ∈ ℝ^d, f: ℝ^d → ℝ",
    r"\bn \\times n\b": "a square matrix in d dimensions is d × d",
    r"\\lambda(?![_\w])": "eigenvalues carry a subscript; a bare λ is weight decay",
    r"\\alpha\b": "α is only Armijo's trial step (Chapter 4); a learning rate is η",
    r"\\mu_m": "momentum is β",
    r"w_0 \+ w_1": "a linear model is ŷ = w x + b",
    r"\\epsilon(?!_)": "ε (\\varepsilon) is machine epsilon; an optimizer's constant is ε_opt",
}


def notation_problems(text: str) -> list[str]:
    """Uses of a symbol against the book's notation scheme (the table in how-to-use.md)."""
    return [
        f"{rule}: {text[m.start() - 30 : m.end() + 10]!r}"
        for pattern, rule in NOTATION.items()
        for m in re.finditer(pattern, text)
    ]


def opens_with_a_picture(path: Path) -> bool:
    """A cell drawing a figure or an explorable comes before the first numbered section."""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown" and re.search(r"(?m)^## 1\.", cell.source):
            return False
        if cell.cell_type == "code" and re.search(r"explore\(|_figure\(", cell.source):
            return True
    return False


def assert_reader_path(path: Path, exercises: str, main_path_budget: int) -> None:
    """The chapter opens with a picture, ends with its exercises, keeps proofs and asides in dropdowns that render,
    links every chapter it names, follows the notation table, and its main path stays within its word budget."""
    text = markdown(path)
    assert opens_with_a_picture(path), "no figure or explorable before Section 1"
    assert text.rstrip().endswith(f"Next: the [exercises](../exercises/{exercises}) for this chapter.")
    assert text.count(":::{dropdown}") >= 3 and not dropdown_problems(text), dropdown_problems(text)
    assert not unresolved_chapter_references(text), unresolved_chapter_references(text)
    assert not notation_problems(text), notation_problems(text)
    assert word_count(main_path(text)) <= main_path_budget
