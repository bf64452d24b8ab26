"""The pages around the chapters: the landing page's map and table, the glossary, and the deploy workflow.

The map must list every chapter of the table of contents with a time that follows from the chapter's length; every
glossary entry gives a Chinese term and links to a chapter that exists; the deploy workflow builds with `make book`.
"""

from __future__ import annotations

import re

import nbformat
import pytest
import yaml
from conftest import ROOT

READING_WORDS_PER_MINUTE = 100  # technical prose with formulas, read with the code cells run alongside
MINUTES_PER_EXERCISE = 12


def _chapters() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [f.split("/")[1] for f in files if f.startswith("chapters/") and f.split("/")[1][:2].isdigit()]


def _words(stem: str) -> int:
    notebook = nbformat.read(ROOT / "chapters" / f"{stem}.ipynb", as_version=4)
    return sum(len(cell.source.split()) for cell in notebook.cells if cell.cell_type == "markdown")


def _exercises(stem: str) -> int:
    notebook = nbformat.read(ROOT / "exercises" / f"{stem}.ipynb", as_version=4)
    return sum(cell.source.count("```{exercise}") for cell in notebook.cells if cell.cell_type == "markdown")


def estimated_minutes(stem: str) -> int:
    """Reading the chapter at ``READING_WORDS_PER_MINUTE`` plus ``MINUTES_PER_EXERCISE`` per exercise."""
    return round(_words(stem) / READING_WORDS_PER_MINUTE + MINUTES_PER_EXERCISE * _exercises(stem))


def stated_minutes(text: str) -> int:
    """'1 h 15 min', '45 min' or '2 h' as minutes."""
    match = re.fullmatch(r"(?:(\d+) h)?\s*(?:(\d+) min)?", text.strip())
    assert match and any(match.groups()), f"a time is written like '1 h 15 min', got {text!r}"
    hours, minutes = (int(g) if g else 0 for g in match.groups())
    return 60 * hours + minutes


def _map_rows() -> dict[str, list[str]]:
    rows = {}
    for line in (ROOT / "intro.md").read_text().splitlines():
        link = re.match(r"\| \[(\d+)\. [^\]]+\]\(chapters/(\w+)\.ipynb\) \|", line)
        if link:
            rows[link.group(2)] = [cell.strip() for cell in line.strip("|").split("|")]
    return rows


def test_the_map_lists_every_chapter_in_order_as_a_station_and_a_row():
    intro = (ROOT / "intro.md").read_text()
    chapters = _chapters()
    assert list(_map_rows()) == chapters
    stations = re.findall(r'<a href="chapters/(\w+)\.html"', intro)
    assert stations == chapters
    assert (
        '<svg class="book-map" role="group" aria-labelledby=' in intro and "<desc id=" in intro
    )  # links stay reachable


@pytest.mark.parametrize("stem", _chapters())
def test_each_chapter_time_follows_from_its_length_and_exercises(stem):
    row = _map_rows()[stem]
    stated, estimate = stated_minutes(row[2]), estimated_minutes(stem)
    assert stated % 15 == 0, f"round times to a quarter hour: {row[2]}"
    assert abs(stated - estimate) <= 15, f"{stem}: the map says {row[2]}, the estimate is {estimate} min"


def test_times_are_rounded_the_way_the_map_rounds():
    assert stated_minutes("1 h 15 min") == 75 and stated_minutes("45 min") == 45 and stated_minutes("2 h") == 120
    with pytest.raises(AssertionError):
        stated_minutes("an hour")


def _glossary() -> list[tuple[str, str]]:
    body = (ROOT / "glossary.md").read_text().split("```{glossary}")[1].split("```")[0]
    entries = re.findall(r"^(\S[^\n]*)\n((?:  [^\n]*\n)+)", body, flags=re.MULTILINE)
    return [(term, " ".join(definition.split())) for term, definition in entries]


def test_every_glossary_entry_has_chinese_a_definition_and_a_link_to_a_chapter_that_exists():
    entries = _glossary()
    assert len(entries) >= 60
    chapters = set(_chapters())
    for term, definition in entries:
        chinese, _, rest = definition.partition(" · ")
        assert re.search(r"[\u4e00-\u9fff]", chinese) or term in {"AdaGrad", "Adam", "AdamW", "RMSProp", "softmax"}, (
            term
        )
        assert len(rest) > 20, term
        links = re.findall(r"\]\(chapters/(\w+)\.ipynb\)", rest)
        assert links and set(links) <= chapters, (term, links)


def test_the_glossary_has_the_core_chinese_terms():
    text = (ROOT / "glossary.md").read_text()
    for term in [
        "梯度",
        "偏导数",
        "方向导数",
        "学习率",
        "动量",
        "随机梯度下降",
        "小批量",
        "自动微分",
        "反向传播",
        "权重衰减",
        "学习率预热",
        "余弦退火",
        "梯度裁剪",
        "注意力",
        "层归一化",
        "残差连接",
    ]:
        assert term in text, term


def test_the_deploy_workflow_builds_with_make_book_and_publishes_the_html():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    assert any(step.get("run") == "make book" for step in steps)
    upload = next(step for step in steps if "upload-pages-artifact" in step.get("uses", ""))
    assert upload["with"]["path"] == "_build/html"
    assert "pages" in workflow["permissions"] and workflow["permissions"]["pages"] == "write"
