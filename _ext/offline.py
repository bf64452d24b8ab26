"""Sphinx extension for a site that works with no network and pages that load light.

1. Notebooks executed during the build precompute their slider frames: the kernel inherits this process's
   environment, so ``book.explore`` sees ``BOOK_STATIC_FRAMES=1`` and emits its static slider, frames inlined.
2. Each page's slider frames move out of the HTML into ``_frames/<sha256 prefix>.png`` (one file per distinct frame,
   shared across pages), and the page keeps relative URLs to them: it works from ``file://`` and offline, and a
   figure's frames are fetched only when its slider is used. Frames no page links any more are deleted.
3. Jupyter Book always loads sphinx-thebe, which writes a CDN address for its (here disabled) live-code button
   into every page; those two scripts are dropped from the pages.
"""

import base64
import hashlib
import json
import os
import re
from pathlib import Path

from book.explore import STATIC_ENV

FRAMES_DIR = "_frames"
_DATA_URI = "data:image/png;base64,"
_EXPLORE_DATA = re.compile(r'(<script type="application/json" class="explore-data">)(.*?)(</script>)', re.DOTALL)
_INLINE_SRC = re.compile(r'src="(data:image/png;base64,[A-Za-z0-9+/=]+)"')
_LINKED_FRAME = re.compile(FRAMES_DIR + r'/([0-9a-f]{20}\.png)"')


def write_frame(uri: str, frames_dir: Path) -> str:
    """Write a data-URI frame once, named by its content; return the file name."""
    png = base64.b64decode(uri.removeprefix(_DATA_URI), validate=True)
    name = hashlib.sha256(png).hexdigest()[:20] + ".png"
    path = frames_dir / name
    if not path.exists():
        frames_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(png)
        os.replace(partial, path)  # atomic: parallel writers of the same frame never leave half a file
    return name


def move_frames(body: str, frames_dir: Path, url_prefix: str) -> str:
    """``body`` with every explore figure's inline frames written to ``frames_dir`` and replaced by
    ``url_prefix + file name`` (in its JSON block and its first ``<img src>``)."""
    urls: dict[str, str] = {}

    def to_url(uri: str) -> str:
        if uri not in urls:
            urls[uri] = url_prefix + write_frame(uri, frames_dir)
        return urls[uri]

    def rewrite(match: re.Match) -> str:
        data = json.loads(match[2])
        data["frames"] = [to_url(f) if f.startswith(_DATA_URI) else f for f in data["frames"]]
        return match[1] + json.dumps(data) + match[3]

    body = _EXPLORE_DATA.sub(rewrite, body)
    return _INLINE_SRC.sub(lambda m: f'src="{urls[m[1]]}"' if m[1] in urls else m[0], body)


def _move_page_frames(app, pagename, templatename, context, doctree):
    if "body" in context and "explore-data" in context["body"]:
        prefix = context["pathto"](FRAMES_DIR, 1) + "/"  # relative to the page, e.g. "../_frames/"
        context["body"] = move_frames(context["body"], Path(app.outdir) / FRAMES_DIR, prefix)


def drop_unused_frames(outdir: Path) -> None:
    """Delete the frame files no page of ``outdir`` links any more (left by earlier builds)."""
    linked = {name for page in outdir.rglob("*.html") for name in _LINKED_FRAME.findall(page.read_text())}
    for path in (outdir / FRAMES_DIR).glob("*.png"):
        if path.name not in linked:
            path.unlink()


def _drop_unused_frames(app, exception):
    if exception is None and app.builder.format == "html":
        drop_unused_frames(Path(app.outdir))


def _drop_thebe(app, pagename, templatename, context, doctree):
    def is_thebe(script) -> bool:
        body = getattr(script, "attributes", {}).get("body", "") or ""
        return "THEBE_JS_URL" in body or str(getattr(script, "filename", script)).endswith("sphinx-thebe.js")

    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not is_thebe(s)]


def setup(app):
    os.environ[STATIC_ENV] = "1"
    app.connect("html-page-context", _drop_thebe)
    app.connect("html-page-context", _move_page_frames)
    app.connect("build-finished", _drop_unused_frames)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
