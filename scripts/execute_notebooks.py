"""Re-execute notebooks in place, so their stored outputs match the current library (what nbval compares against).

Usage: python scripts/execute_notebooks.py [NOTEBOOK ...]   (default: every notebook in chapters/ and exercises/)
Widget state and cell timings are not stored, so a re-run changes only what the cells print and draw.
"""

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def execute(path: Path) -> None:
    """Run every cell of ``path`` top to bottom in its own folder and write the outputs back."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        store_widget_state=False,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nbformat.write(notebook, path)
    print(f"executed {path.relative_to(ROOT)}")


def main(arguments: list[str]) -> None:
    os.environ.pop("BOOK_STATIC_FRAMES", None)  # stored outputs are the live ones; the site build adds the frames
    os.environ.pop("BOOK_LANGUAGE", None)  # stored checker outputs speak English (their HTML carries Chinese too)
    paths = [Path(a).resolve() for a in arguments] or sorted(ROOT.glob("chapters/*.ipynb")) + sorted(
        ROOT.glob("exercises/*.ipynb")
    )
    for path in paths:
        execute(path)


if __name__ == "__main__":
    main(sys.argv[1:])
