"""book.explore: the static frames are exactly what the live figure draws, the cap holds, bad input is explained."""

import io
import re

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from book.explore import MAX_FRAMES, STATIC_ENV, explore, grid_values, new_figure, parameter_grid, render_png
from book.figures import ch01, ch04


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def two_panel(a: float = 1.0, kind: str = "sin", fig=None):
    """Two panels: a scaled sine or cosine and its square."""
    f = np.sin if kind == "sin" else np.cos
    xs = np.linspace(0, 6, 100)
    left, right = fig.subplots(1, 2)
    left.plot(xs, a * f(xs))
    right.plot(xs, (a * f(xs)) ** 2)
    left.set_ylim(-3, 3)
    right.set_ylim(0, 9)
    return fig


def diagram(label: str = "a", ax=None):
    """A diagram without axes: a labelled box."""
    ax.text(0.5, 0.5, label, ha="center", bbox={"facecolor": "#dddddd"})
    ax.plot([0.1, 0.9], [0.2, 0.2])
    ax.set_axis_off()
    return ax


def test_grid_values_are_inclusive_and_clean():
    assert grid_values("h", (0.0, 1.0, 0.25)) == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert grid_values("x", (-2.0, 2.0, 0.1))[-1] == 2.0
    assert len(grid_values("x", (-2.0, 2.0, 0.1))) == 41
    assert 0.3 in grid_values("x", (0.0, 1.0, 0.1))  # no 0.30000000000000004
    assert grid_values("f", ["exp", "sin"]) == ("exp", "sin")


def test_frame_cap_names_the_cap():
    with pytest.raises(ValueError, match=f"cap of {MAX_FRAMES}"):
        parameter_grid({"a": (0.0, 1.0, 0.01), "b": (0.0, 1.0, 0.1)})  # 101 × 11 = 1111 frames
    with pytest.raises(ValueError, match="cap of 10"):
        parameter_grid({"a": (0.0, 1.0, 0.1)}, max_frames=10)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: explore(3, x0=(0.0, 1.0, 0.5)), TypeError, "figure_fn must be a callable"),
        (lambda: explore(ch01.tangent_figure), ValueError, "at least one slider"),
        (lambda: explore(ch01.tangent_figure, nope=(0.0, 1.0, 0.5)), ValueError, "no parameter named nope"),
        (lambda: explore(lambda x0: None, x0=(0.0, 1.0, 0.5)), TypeError, "must accept an ax= or a fig= keyword"),
        (
            lambda: explore(ch01.tangent_figure, x0=(1.0, 0.0, 0.5)),
            ValueError,
            "slider x0 must be \\(min, max, step\\)",
        ),
        (lambda: explore(ch01.tangent_figure, x0=(0.0, 1.0, 0.0)), ValueError, "step > 0"),
        (lambda: explore(ch01.tangent_figure, x0=[]), ValueError, "non-empty list"),
    ],
)
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_initial_values_come_from_the_defaults_when_on_the_grid():
    e = explore(ch01.tangent_figure, x0=(-2.0, 2.0, 0.5), h=[0.1, 0.5, 1.0])
    assert e.params == {"x0": 1.0, "h": 1.0}
    e = explore(ch01.tangent_figure, x0=(-2.0, 2.0, 0.25), h=[0.2, 0.3, 0.4])
    assert e.params["h"] == 0.3  # default 1.0 not on the grid: the middle value


@pytest.mark.parametrize(
    ("figure_fn", "sliders", "samples"),
    [
        (
            ch01.tangent_figure,
            {"x0": (-2.0, 2.0, 0.5), "h": [-1.0, 0.1, 1.0]},
            [{"x0": -2.0, "h": 0.1}, {"x0": 1.5, "h": -1.0}],
        ),
        (ch01.error_figure, {"function": ["exp", "sin"], "x0": [0.5, 2.0]}, [{"function": "sin", "x0": 2.0}]),
        (
            two_panel,
            {"a": [0.5, 1.0, 2.5], "kind": ["sin", "cos"]},
            [{"a": 2.5, "kind": "cos"}, {"a": 0.5, "kind": "sin"}],
        ),
        (diagram, {"label": ["a", "b", "c"]}, [{"label": "c"}, {"label": "a"}]),
        # titles that change with the values, drawn over a background kept from another frame
        (ch04.conditioning_figure, {"kappa": [1.0, 10.0, 100.0], "rule": ["1/L"]}, [{"kappa": 100.0, "rule": "1/L"}]),
    ],
)
def test_static_frames_equal_the_live_drawing_and_a_full_redraw(figure_fn, sliders, samples):
    e = explore(figure_fn, **sliders)
    frames = e.render_frames()
    assert len(frames) == np.prod([len(grid_values(n, s)) for n, s in sliders.items()])
    for params in samples:
        live = e.set(**params)  # what a reader sees after moving the sliders in a kernel
        static = frames[e.frame_index(params)]  # what the site shows for the same values
        assert pixels(live).shape == pixels(static).shape
        assert np.array_equal(pixels(live), pixels(static))
        reference = render_png(figure_fn, params, e.initial)  # drawn from scratch, no blitting
        assert np.array_equal(pixels(static), pixels(reference))


def limits(top: float = 1.0, slope: float = 1.0, ax=None):
    """A line under a ceiling that sets the y limits: two layouts."""
    ax.plot([0, 1], [0, slope * top / 2], label=f"slope {slope:g}")
    ax.set_ylim(0, top)
    ax.set_title(f"top {top:g}, slope {slope:g}")
    ax.legend()
    return ax


def test_a_layout_seen_before_reuses_its_background_and_draws_the_same_frame():
    e = explore(limits, top=[1.0, 2.0], slope=[0.5, 1.0])
    e.set(top=2.0)  # a second layout
    frame = e.set(top=1.0, slope=0.5)  # a new frame on the first layout: its background comes back from the cache
    assert len(e.renderer.backgrounds) == 2
    assert np.array_equal(pixels(frame), pixels(render_png(limits, {"top": 1.0, "slope": 0.5}, e.initial)))


def test_glyph_cache_draws_the_pixels_agg_draws():
    def text_figure(figure):
        ax = figure.add_subplot()
        ax.set_title("Secant → tangent, slope 0.821")
        ax.text(0.3, 0.4, r"$\Vert\partial \ell/\partial W_l\Vert$ and $\frac{1}{2}$", rotation=30)
        ax.text(0.1, 0.8, "x ≈ 0.333", fontsize=7.5)
        ax.set_xlabel("step t")
        ax.set_ylabel("learning rate η_t")
        for x in np.linspace(0.05, 0.9, 7):  # the same glyphs at many sub-pixel offsets, drawn from the cache
            ax.text(x, 0.15 + x / 3, "0.5", fontsize=9)
        return figure

    cached = text_figure(new_figure())
    cached.canvas.draw()
    plain = text_figure(new_figure())
    FigureCanvasAgg(plain).draw()
    assert type(cached.canvas.get_renderer()).__name__ == "GlyphCacheRenderer"
    assert np.array_equal(np.asarray(cached.canvas.buffer_rgba()), np.asarray(plain.canvas.buffer_rgba()))


def test_a_frame_shown_again_is_the_same_frame():
    e = explore(ch01.descent_figure, w0=[0.0, 4.0], lr=[0.1])
    first = e.set(w0=4.0)
    e.set(w0=0.0)
    assert e.set(w0=4.0) == first
    assert np.array_equal(pixels(first), pixels(render_png(ch01.descent_figure, {"w0": 4.0, "lr": 0.1}, e.initial)))


def test_frames_differ_when_parameters_differ():
    e = explore(ch01.tangent_figure, x0=[0.0, 1.0], h=[0.5])
    a, b = e.render_frames()
    assert not np.array_equal(pixels(a), pixels(b))


def test_live_slider_redraws_the_image():
    e = explore(ch01.descent_figure, w0=[0.0, 4.0], lr=[0.1])
    assert "widget" not in e.__dict__  # nothing live is built until it is needed
    before = e.set()
    e.sliders["w0"].value = 4.0
    assert e.image.value != before
    assert e.params == {"w0": 4.0, "lr": 0.1}
    with pytest.raises(ValueError, match="sliders are w0, lr"):
        e.set(nope=1.0)


def test_static_html_is_self_contained_and_accessible(monkeypatch):
    e = explore(ch01.tangent_figure, x0=[0.0, 1.0, 2.0], h=[0.5, 1.0])
    monkeypatch.delenv(STATIC_ENV, raising=False)
    assert "text/html" not in e._repr_mimebundle_()
    monkeypatch.setenv(STATIC_ENV, "1")
    bundle = e._repr_mimebundle_()
    page = bundle["text/html"]
    assert "application/vnd.jupyter.widget-view+json" not in bundle  # no widget, no widget state on the site
    assert page.count('type="range"') == 2
    assert page.count('src="data:image/png;base64,') == 1  # the first frame; the others live in the JSON block
    assert len(re.findall(r'"data:image/png;base64,[A-Za-z0-9+/=]{200,}"', page)) == 6 + 1  # 6 frames + the shown one
    assert 'aria-valuetext="x0 = 1"' in page and "<output" in page
    assert 'alt="Secant of f(x) = sin(x) + x²/4' in page
    assert "http" not in page  # no CDN, no network


def test_alt_text_is_the_docstring_first_line():
    e = explore(two_panel, a=[1.0])
    assert 'alt="Two panels: a scaled sine or cosine and its square."' in e.static_html()
