"""Sphinx extension: tell notebooks executed during the site build to precompute their slider frames.

The kernel that executes the notebooks inherits this process's environment, so ``book.explore`` sees
``BOOK_STATIC_FRAMES=1`` and adds the self-contained static slider to each explorable figure's output.
"""

import os

from book.explore import STATIC_ENV


def setup(app):
    os.environ[STATIC_ENV] = "1"
    return {"parallel_read_safe": True, "parallel_write_safe": True}
