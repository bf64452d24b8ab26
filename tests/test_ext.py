"""The Sphinx extensions of _ext: slider frames leave the page as content-addressed files, and a notebook's cached
execution is dropped exactly when a library module it runs changed."""

import importlib.util
import json
import re
import subprocess
import sys

import nbformat
from conftest import ROOT
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

from book.explore import STATIC_ENV, explore, format_value
from book.figures import ch01


def _extension(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


offline, library_cache = _extension("offline"), _extension("library_cache")


def test_site_pages_link_frames_written_once_by_content(monkeypatch, tmp_path):
    monkeypatch.setenv(STATIC_ENV, "1")
    first = explore(ch01.tangent_figure, x0=[0.0, 1.0, 2.0], h=[0.5, 1.0])
    second = explore(ch01.tangent_figure, x0=[2.0, 0.0], h=[1.0])  # two frames the first figure also has
    inline = first._repr_mimebundle_()["text/html"] + second._repr_mimebundle_()["text/html"]
    page = offline.move_frames(inline, tmp_path / "_frames", "../_frames/")
    assert "base64" not in page and len(page) < len(inline) / 20
    assert len(list((tmp_path / "_frames").iterdir())) == 6  # the second figure's frames are the first one's
    blocks = [json.loads(b) for b in re.findall(r'class="explore-data">(.*?)</script>', page)]
    for figure, data in zip((first, second), blocks, strict=True):
        assert data["values"] == [[format_value(v) for v in values] for values in figure.grid.values()]
        for png, url in zip(figure.frames, data["frames"], strict=True):
            assert url.startswith("../_frames/")
            assert (tmp_path / "_frames" / url.removeprefix("../_frames/")).read_bytes() == png
    shown = re.findall(r'<img class="explore-frame"[^>]* src="([^"]+)"', page)
    assert shown == [data["frames"][f.frame_index(f.params)] for f, data in zip((first, second), blocks)]
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "02.html").write_text(page.replace(blocks[0]["frames"][0], "gone.png"))
    offline.drop_unused_frames(tmp_path)  # the frame only the first figure's first value had is not linked any more
    assert len(list((tmp_path / "_frames").iterdir())) == 5


def test_imports_are_resolved_absolute_and_relative():
    source = "import numpy as np\nfrom book.figures import ch01 as figures\nfrom . import plotting\nfrom ..x import y"
    assert library_cache.imported_modules(source, "book.figures") == {
        "numpy",
        "book.figures",
        "book.figures.ch01",
        "book.figures.plotting",
        "book.x",
        "book.x.y",
    }


def _library(root, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_a_notebook_runs_the_modules_it_imports_and_theirs(tmp_path):
    _library(
        tmp_path,
        {
            "book/__init__.py": "",
            "book/figures/__init__.py": "",
            "book/figures/ch01.py": "from .. import calculus\n",
            "book/calculus.py": "from book._validate import check\n",
            "book/_validate.py": "",
            "book/unused.py": "",
        },
    )
    files = library_cache.library_files({"numpy", "book.figures.ch01"}, tmp_path)
    assert sorted(str(p.relative_to(tmp_path)) for p in files) == [
        "book/__init__.py",
        "book/_validate.py",
        "book/calculus.py",
        "book/figures/__init__.py",
        "book/figures/ch01.py",
    ]


def test_only_notebooks_whose_library_changed_lose_their_cache(tmp_path):
    _library(tmp_path, {"book/__init__.py": "", "book/calculus.py": "A = 1\n", "book/optim.py": "B = 1\n"})
    notebooks = []
    sources = {"one": "from book.calculus import A\nprint(A)", "two": "%matplotlib inline\nimport book.optim"}
    for name, code in sources.items():
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nbformat.write(notebook, tmp_path / f"{name}.ipynb")
        notebooks.append(tmp_path / f"{name}.ipynb")
    cache_path = tmp_path / "cache"

    def cache_all() -> None:
        cache = get_cache(cache_path)
        for path in notebooks:
            if not any(entry.uri == str(path) for entry in cache.list_cache_records()):
                cache.cache_notebook_bundle(CacheBundleIn(nbformat.read(path, 4), str(path)), check_validity=False)

    def cached() -> list[str]:
        return sorted(entry.uri for entry in get_cache(cache_path).list_cache_records())

    assert library_cache.stale_notebooks(notebooks, cache_path, tmp_path) == notebooks  # never seen: not trusted
    cache_all()
    assert library_cache.stale_notebooks(notebooks, cache_path, tmp_path) == []
    (tmp_path / "book" / "optim.py").write_text("B = 2\n")
    assert library_cache.stale_notebooks(notebooks, cache_path, tmp_path) == [notebooks[1]]
    assert cached() == [str(notebooks[0])]  # only the notebook importing book.optim lost its entry
    cache_all()
    (tmp_path / "book" / "__init__.py").write_text("# every module runs the package's __init__\n")
    assert library_cache.stale_notebooks(notebooks, cache_path, tmp_path) == notebooks
    assert cached() == []


def test_a_change_to_a_data_file_a_module_names_makes_its_notebooks_stale(tmp_path):
    _library(
        tmp_path,
        {
            "book/__init__.py": "",
            "book/lm.py": 'from pathlib import Path\nFILES = ("sonnets.txt",)\n',
            "book/text.py": 'PATH = "tinyshakespeare/input.txt"\n',
            "book/calculus.py": "A = 1\n",
            "data/sonnets.txt": "Shall I compare thee",
            "data/carroll.txt": "Twas brillig",
            "data/tinyshakespeare/input.txt": "First Citizen:",
            "data/README.md": "sources",
        },
    )
    notebooks = []
    for name, code in {
        "lm": "import book.lm",
        "text": "from book import text",
        "calculus": "import book.calculus",
    }.items():
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), tmp_path / f"{name}.ipynb")
        notebooks.append(tmp_path / f"{name}.ipynb")
    modules = library_cache.library_files({"book.lm", "book.text"}, tmp_path)
    named = library_cache.data_files(modules, tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in named) == [
        "data/sonnets.txt",
        "data/tinyshakespeare/input.txt",
    ]
    cache_path = tmp_path / "cache"
    library_cache.stale_notebooks(notebooks, cache_path, tmp_path)
    (tmp_path / "data" / "carroll.txt").write_text("no module names this file")
    assert library_cache.stale_notebooks(notebooks, cache_path, tmp_path) == []
    (tmp_path / "data" / "tinyshakespeare" / "input.txt").write_text("Second Citizen:")
    assert library_cache.stale_notebooks(notebooks, cache_path, tmp_path) == [notebooks[1]]
    (tmp_path / "data" / "sonnets.txt").write_text("Shall I not")
    assert library_cache.stale_notebooks(notebooks, cache_path, tmp_path) == [notebooks[0]]


def _execute_uncached_in_a_fresh_process(notebooks, cache_path) -> list[str]:
    """``library_cache.execute_uncached`` run where no other test ran: it forks workers, which a process that has
    imported a multithreaded library (jax, in the optax tests) must not do."""
    script = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('library_cache', {str(ROOT / '_ext' / 'library_cache.py')!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        f"print(json.dumps(module.execute_uncached({[str(n) for n in notebooks]!r}, {str(cache_path)!r}, 60, False)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_uncached_notebooks_are_executed_into_the_cache_and_only_those(tmp_path):
    notebooks = []
    for name, code in {"cached": "print(6 * 7)", "new": "print(6 * 9)"}.items():
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), tmp_path / f"{name}.ipynb")
        notebooks.append(tmp_path / f"{name}.ipynb")
    cache_path = tmp_path / "cache"
    get_cache(cache_path).cache_notebook_bundle(
        CacheBundleIn(nbformat.read(notebooks[0], 4), str(notebooks[0])), check_validity=False
    )
    assert _execute_uncached_in_a_fresh_process(notebooks, cache_path) == [str(notebooks[1])]
    outputs = get_cache(cache_path).match_cache_file(str(notebooks[1]))
    cell = get_cache(cache_path).get_cache_bundle(outputs.pk).nb.cells[0]
    assert [output.get("text") for output in cell.outputs] == ["54\n"]
    assert _execute_uncached_in_a_fresh_process(notebooks, cache_path) == []
