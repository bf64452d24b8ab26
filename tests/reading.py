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
    """Words, with each inline formula counted as one and link targets not counted."""
    text = re.sub(r"\]\([^)]*\)", "]", re.sub(r"\$[^$]+\$", " M ", text))
    return len(re.findall(r"[A-Za-z0-9][\w'’–-]*", text))
