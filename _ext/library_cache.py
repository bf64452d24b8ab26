"""Sphinx extension: re-execute a notebook when the library code it runs changed, and only then.

jupyter-cache keys an executed notebook on its code cells alone, and Sphinx re-reads a page only when its source
file changed; neither sees ``book/``. Here each notebook's dependencies are the ``book`` modules its code cells
import, followed through the imports of those modules (and their packages' ``__init__``). A digest of their
contents is kept per notebook next to the cache; when it changes, that notebook's cache entries are removed and its
page is read (so executed) again. A change to a module no notebook imports re-executes nothing.

Sphinx reads (and myst-nb executes) one page after another; so the notebooks about to be read that have no cache
entry are first executed side by side, one per core, into the cache, and the pages then read their outputs from it. A
notebook that fails there is simply executed again when its page is read, which reports the error as usual.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.executors import load_executor

LIBRARY = "book"
DATA = "data"
DIGESTS = "book-library-digests.json"


def imported_modules(source: str, package: str = "") -> set[str]:
    """Dotted names ``source`` imports, with ``from a import b`` giving ``a`` and ``a.b`` (``b`` may be a module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]) if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def module_file(name: str, root: Path) -> Path | None:
    """The file of library module ``name`` under ``root``, or None if ``name`` is not one."""
    if name.split(".")[0] != LIBRARY:
        return None
    path = root.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def library_files(names: set[str], root: Path) -> set[Path]:
    """The library files that importing ``names`` runs: the modules, their packages, and what they import."""
    files: set[Path] = set()
    pending = sorted(names)
    while pending:
        name = pending.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            path = module_file(".".join(parts[:depth]), root)
            if path is None or path in files:
                continue
            files.add(path)
            package = ".".join(parts[:depth] if path.name == "__init__.py" else parts[: depth - 1])
            pending.extend(imported_modules(path.read_text(), package))
    return files


def string_literals(source: str) -> set[str]:
    """Every string constant in ``source``."""
    return {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def data_files(modules: set[Path], root: Path) -> set[Path]:
    """The files under ``root/data`` that ``modules`` name: by relative path, by file name or by a folder's name."""
    literals = set().union(*(string_literals(path.read_text()) for path in modules)) if modules else set()
    files = set()
    for path in (root / DATA).rglob("*") if (root / DATA).is_dir() else ():
        relative = path.relative_to(root / DATA)
        if path.is_file() and (relative.as_posix() in literals or literals & set(relative.parts)):
            files.add(path)
    return files


def code_of(notebook: Path) -> str:
    """The Python of a notebook's code cells (IPython magics and shell lines left out)."""
    cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    lines = "\n".join(cells).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


def library_digest(notebook: Path, root: Path) -> str:
    """A digest of the contents of every library file ``notebook`` runs and of every data file those files name."""
    digest = hashlib.sha256()
    modules = library_files(imported_modules(code_of(notebook)), root)
    for path in sorted(modules | data_files(modules, root)):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def stale_notebooks(notebooks: list[Path], cache_path: Path, root: Path) -> list[Path]:
    """Drop the cache entries of the notebooks whose library changed since they were cached; return those."""
    record = cache_path / DIGESTS
    known = json.loads(record.read_text()) if record.exists() else {}
    digests = {str(nb): library_digest(nb, root) for nb in notebooks}
    stale = [nb for nb in notebooks if known.get(str(nb)) != digests[str(nb)]]
    cache = get_cache(cache_path)
    for entry in cache.list_cache_records():
        if Path(entry.uri) in stale:
            cache.remove_cache(entry.pk)
    record.write_text(json.dumps({**known, **digests}, indent=1, sort_keys=True))
    return stale


def execute_uncached(notebooks: list[Path], cache_path: Path, timeout: int, allow_errors: bool) -> list[str]:
    """Execute those of ``notebooks`` the cache has no entry for, in parallel, into the cache; return the executed."""
    cache = get_cache(cache_path)
    for notebook in notebooks:
        cache.add_nb_to_project(str(notebook))
    uris = [str(notebook) for notebook in notebooks]
    quiet = logging.getLogger(__name__)
    quiet.setLevel(logging.WARNING)  # a failure is reported when its page is read, not twice
    result = load_executor("local-parallel", cache, logger=quiet).run_and_cache(
        filter_uris=uris, timeout=timeout, allow_errors=allow_errors
    )
    return result.succeeded


def _outdated(app, env, added, changed, removed) -> list[str]:
    config = env.mystnb_config
    if config.execution_mode != "cache":
        return []
    notebooks = {Path(env.doc2path(name)).resolve(): name for name in env.found_docs}
    notebooks = {path: name for path, name in notebooks.items() if path.suffix == ".ipynb"}
    stale = stale_notebooks(sorted(notebooks), Path(config.execution_cache_path), Path(app.srcdir))
    to_read = [path for path, name in notebooks.items() if path in stale or name in added | changed]
    execute_uncached(
        sorted(to_read), Path(config.execution_cache_path), config.execution_timeout, config.execution_allow_errors
    )
    return [notebooks[path] for path in stale]


def setup(app):
    app.connect("env-get-outdated", _outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
