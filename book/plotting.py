"""The book's figure style: one place for sizes, fonts and colours, and small helpers that take ``ax=None``.

Figures are drawn on an opaque white card with dark ink and the Okabe–Ito colour-blind-safe palette, so they read
the same on the site's light and dark themes (the dark theme shows them as light cards).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "PALETTE",
    "FIGSIZE",
    "WIDE",
    "WIDER",
    "DPI",
    "STYLE",
    "book_style",
    "use_book_style",
    "axes",
    "sized",
    "finish",
    "plane_grid",
    "arrow",
    "contour_map",
    "direction_field",
    "progress_bar",
]

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
WIDE = (8.0, 3.6)
"""Size (inches) of a figure with two panels side by side."""
WIDER = (9.0, 3.6)
"""Size of a two-panel figure whose panels need more width (a wide left panel, long labels)."""
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


def sized(fig: Figure | None, size: tuple[float, float] = WIDE) -> Figure:
    """``fig`` (a new pyplot figure if None) set to ``size`` inches: how a figure of several panels starts."""
    fig = fig if fig is not None else plt.figure(layout="constrained")
    fig.set_size_inches(*size)
    return fig


def finish(ax: Axes, title: str, xlabel: str, ylabel: str, legend: bool = True) -> Axes:
    """Set the title and axis labels (every figure in the book has them) and show the legend if any line is labelled."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend and any(not label.startswith("_") for label in ax.get_legend_handles_labels()[1]):
        ax.legend()
    return ax


def plane_grid(low: float, high: float, count: int = 201) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A count×count grid of the square [low, high]²: the X and Y arrays, and the points stacked, shape (count,
    count, 2)."""
    xs = np.linspace(low, high, count)
    X, Y = np.meshgrid(xs, xs)
    return X, Y, np.stack([X, Y], axis=-1)


def arrow(ax: Axes, start: np.ndarray, vector: np.ndarray, colour: str, label: str | None = None, **kwargs) -> Axes:
    """Draw ``vector`` as an arrow from ``start`` (a legend entry if ``label``); ``kwargs`` go to the arrow's style."""
    ax.annotate(
        "", xy=start + vector, xytext=start, arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 2.2, **kwargs}
    )
    if label:
        ax.plot([], [], color=colour, lw=2.2, label=label)
    return ax


def contour_map(ax: Axes, f: Callable, low: float, high: float, levels: list, count: int = 201) -> Axes:
    """Contours of ``f`` (vectorised over points shaped (..., 2)) on the square [low, high]², with equal axes."""
    X, Y, points = plane_grid(low, high, count)
    ax.contour(X, Y, f(points), levels=levels, cmap="viridis", linewidths=1.0)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    return ax


def direction_field(ax: Axes, grad: Callable, low: float, high: float, count: int = 15) -> Axes:
    """The directions of ``grad`` on a count×count grid, every arrow of one length (lengths of ∇f vary too much)."""
    X, Y, points = plane_grid(low, high, count)
    g = grad(points)
    norm = np.linalg.norm(g, axis=-1)
    unit = g / np.where(norm == 0, 1.0, norm)[..., None]
    ax.quiver(
        X,
        Y,
        unit[..., 0],
        unit[..., 1],
        color=PALETTE["red"],
        angles="xy",
        pivot="mid",
        scale=count * 1.4,
        width=0.005,
        label="direction of ∇f",
    )
    return ax


def _progress(done: int, total: int, label: str) -> dict:
    """A progress bar as HTML (for notebooks and the site) and as text, e.g. ``"epochs: 3 of 40"``."""
    text = f"{label}: {done} of {total}"
    return {"text/plain": text, "text/html": f'<progress value="{done}" max="{total}"></progress> {text}'}


def progress_bar(total: int, label: str) -> Callable[[int], None]:
    """Show a progress bar at 0 of ``total`` and return the function that moves it to ``done``.

    It is one display updated in place, so a finished cell keeps "label: total of total", the same on every run.
    """
    from IPython.display import display

    handle = display(_progress(0, total, label), raw=True, display_id=True)
    return lambda done: handle.update(_progress(done, total, label), raw=True)
