"""book.plotting: the style is applied in a block and undone after, and finish() labels every figure."""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from book.plotting import PALETTE, STYLE, book_style, finish


def test_book_style_is_scoped():
    before = mpl.rcParams["axes.spines.top"]
    with book_style():
        assert mpl.rcParams["axes.spines.top"] is False
        assert mpl.rcParams["figure.facecolor"] == "white"  # an opaque card: readable on the dark theme
    assert mpl.rcParams["axes.spines.top"] == before


def test_palette_is_the_colour_blind_safe_one():
    assert STYLE["axes.prop_cycle"].by_key()["color"][:2] == [PALETTE["blue"], PALETTE["orange"]]
    assert PALETTE["blue"] == "#0072B2"


def test_finish_sets_title_labels_and_legend():
    fig, ax = plt.subplots()
    ax.plot(np.linspace(0, 1, 5), np.sin(np.linspace(0, 1, 5)), label="sin")
    assert finish(ax, "T", "x", "y") is ax
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("T", "x", "y")
    assert ax.get_legend() is not None
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    finish(ax, "T", "x", "y")
    assert ax.get_legend() is None  # nothing labelled, no empty legend


def test_sized_resizes_the_given_figure_and_keeps_it():
    from matplotlib.figure import Figure

    from book.plotting import WIDE, WIDER, sized

    fig = Figure()
    assert sized(fig) is fig and tuple(fig.get_size_inches()) == WIDE
    assert tuple(sized(fig, WIDER).get_size_inches()) == WIDER
