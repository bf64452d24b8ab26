"""Sphinx extension for a site that works with no network.

1. Notebooks executed during the build precompute their slider frames: the kernel inherits this process's
   environment, so ``book.explore`` sees ``BOOK_STATIC_FRAMES=1`` and emits its self-contained static slider.
2. Jupyter Book always loads sphinx-thebe, which writes a CDN address for its (here disabled) live-code button
   into every page; those two scripts are dropped from the pages.
"""

import os

from book.explore import STATIC_ENV


def _drop_thebe(app, pagename, templatename, context, doctree):
    def is_thebe(script) -> bool:
        body = getattr(script, "attributes", {}).get("body", "") or ""
        return "THEBE_JS_URL" in body or str(getattr(script, "filename", script)).endswith("sphinx-thebe.js")

    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not is_thebe(s)]


def setup(app):
    os.environ[STATIC_ENV] = "1"
    app.connect("html-page-context", _drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
