"""Showing the library's own code in a notebook, so the text and the code that ran cannot drift apart."""

from __future__ import annotations

import inspect
import textwrap

from IPython.display import Markdown


def source(obj: object) -> Markdown:
    """The source code of ``obj``, read from its file, as a Markdown code block (shown highlighted)."""
    return Markdown(f"```python\n{textwrap.dedent(inspect.getsource(obj))}```")
