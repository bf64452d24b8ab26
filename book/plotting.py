"""The book's figure style: one place for sizes, fonts and colours, and small helpers that take ``ax=None``.

Figures are drawn on an opaque white card with dark ink and the Okabe–Ito colour-blind-safe palette, so they read
the same on the site's light and dark themes (the dark theme shows them as light cards).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

__all__ = ["PALETTE", "FIGSIZE", "DPI", "STYLE", "book_style", "use_book_style", "axes", "finish"]

PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "red": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "ink": "#222222",
    "grey": "#888888",
}
FIGSIZE = (6.4, 4.0)
DPI = 90

STYLE = {
    "figure.figsize": FIGSIZE,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.edgecolor": PALETTE["ink"],
    "axes.labelcolor": PALETTE["ink"],
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=[PALETTE[c] for c in ("blue", "orange", "green", "red", "purple", "sky")]),
    "lines.linewidth": 2.0,
    "xtick.color": PALETTE["ink"],
    "ytick.color": PALETTE["ink"],
    "text.color": PALETTE["ink"],
    "legend.frameon": True,
    "legend.framealpha": 0.9,
    "legend.fontsize": 10,
    "font.size": 10.5,
    "figure.constrained_layout.use": True,
}


def use_book_style() -> None:
    """Make the book's style the default for every later figure (notebooks call this once)."""
    mpl.rcParams.update(STYLE)


@contextmanager
def book_style() -> Iterator[None]:
    """Apply the book's style inside a ``with`` block only."""
    with mpl.rc_context(STYLE):
        yield


def axes(ax: Axes | None = None) -> Axes:
    """Return ``ax``, or the current axes of the current figure when ``ax`` is None."""
    return ax if ax is not None else plt.gca()


def finish(ax: Axes, title: str, xlabel: str, ylabel: str, legend: bool = True) -> Axes:
    """Set the title and axis labels (every figure in the book has them) and show the legend if any line is labelled."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend and any(not label.startswith("_") for label in ax.get_legend_handles_labels()[1]):
        ax.legend()
    return ax

