"""Showing the library's own code and numbers in a notebook, so the text and what ran cannot drift apart."""

from __future__ import annotations

import inspect
import math
import textwrap

from IPython.display import Markdown

SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def source(obj: object) -> Markdown:
    """The source code of ``obj``, read from its file, as a Markdown code block (shown highlighted)."""
    return Markdown(f"```python\n{textwrap.dedent(inspect.getsource(obj))}```")


def scientific(value: float, digits: int = 1) -> str:
    """``value`` as prose writes it, mantissa × 10 to a superscript power, with ``digits`` decimals in the mantissa.

    >>> scientific(3.8752e-07), scientific(528000.0, 0), scientific(-0.00123, 2)
    ('3.9 × 10⁻⁷', '5 × 10⁵', '−1.23 × 10⁻³')
    """
    if not math.isfinite(value) or value == 0:
        raise ValueError(f"value must be a finite non-zero number, got {value!r}")
    if not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be a non-negative integer, got {digits!r}")
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa.replace('-', '−')} × 10{str(int(exponent)).translate(SUPERSCRIPTS)}"
