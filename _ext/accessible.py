"""Sphinx extension: give the theme's controls the accessible names axe-core asks for, in every written page.

The theme (pydata-sphinx-theme under sphinx-book-theme) writes three kinds of control whose name a screen reader
cannot announce or announces differently from what is shown:

- the toggles of the sidebar's collapsible sections, ``<summary>`` elements holding only an icon: each gets the
  label "Sections of <the entry's title>";
- the search field button, labelled "Search" while it shows "Search Ctrl+K" (in the Chinese edition "搜索"): its
  label goes, so its name is what it shows;
- the colour-mode button's icons, whose tooltips count as visible text (Font Awesome turns each into an SVG
  ``<title>``): they are marked decorative and lose their tooltips, and the button keeps its label "Color mode".

The rewrite runs over every page after the build and changes nothing a second time (cached rebuilds stay correct).
"""

from __future__ import annotations

import re
from pathlib import Path

_TOGGLE = re.compile(r'(<a [^>]*>([^<]*)</a>\s*<details[^>]*>\s*)<summary>(\s*<span class="toctree-toggle")')
_SEARCH_FIELD = re.compile(r'(<button [^>]*search-button-field[^>]*?)\s+aria-label="[^"]*"([^>]*>)')
_SEARCH_FIELD_LABEL_FIRST = re.compile(r'(<button )aria-label="[^"]*" ([^>]*search-button-field[^>]*>)')
_MODE_ICON = re.compile(r'<i class="theme-switch ([^"]*)"(?! aria-hidden)')
_MODE_TOOLTIP = re.compile(r'(<i class="theme-switch [^"]*"[^>]*?)\s+title="[^"]*"')


def accessible(html: str) -> str:
    """``html`` with named section toggles, a search button named by its text and decorative colour-mode icons."""
    html = _TOGGLE.sub(
        lambda m: f'{m.group(1)}<summary aria-label="Sections of {m.group(2).strip()}">{m.group(3)}', html
    )
    html = _SEARCH_FIELD.sub(r"\1\2", html)
    html = _SEARCH_FIELD_LABEL_FIRST.sub(r"\1\2", html)
    html = _MODE_ICON.sub(r'<i class="theme-switch \1" aria-hidden="true"', html)
    return _MODE_TOOLTIP.sub(r"\1", html)  # Font Awesome turns a title into an SVG <title>, read as the button's text


def rewrite_pages(outdir: Path) -> None:
    """Apply :func:`accessible` to every HTML page under ``outdir``."""
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = accessible(text)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def _rewrite(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        rewrite_pages(Path(app.outdir))


def setup(app):
    app.connect("build-finished", _rewrite)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
