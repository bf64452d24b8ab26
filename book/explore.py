"""Explorable figures: one call gives live sliders in a kernel and working sliders on the static site.

``explore(figure_fn, x0=(-2.0, 2.0, 0.5), h=[0.1, 0.5, 1.0])`` takes a *pure* drawing function and one slider per
keyword. Each slider is ``(min, max, step)`` (inclusive) or a list of values (numbers or strings). Both paths draw
with the same :class:`FrameRenderer` on the same parameter grid, so a frame on the site is exactly what the
live figure shows for those values.

Live path (a Jupyter kernel): one ``ipywidgets.SelectionSlider`` per parameter, restricted to the grid values, and
an ``ipywidgets.Image``. A slider change calls ``figure_fn`` on a reused Matplotlib ``Figure`` (no pyplot, no new
figure) and swaps the PNG bytes in the image. When only data and titles changed (same axes, limits, ticks and axis
labels), only the data artists and the titles are drawn again over a cached background; and a frame already shown
is shown again from its bytes (the figure is a pure function of the slider values).

Static path (the site build): when the environment variable ``BOOK_STATIC_FRAMES`` is ``1`` (the build sets it, see
``_ext/offline.py``), every frame of the grid is rendered while the notebook executes, capped at
:data:`MAX_FRAMES`. The cell's output then also carries a small self-contained ``text/html`` block: the frames as
data URIs in a JSON block, native ``<input type="range">`` controls (keyboard-accessible), the current values as
text, and a few lines of inline JavaScript that swap the ``<img>`` source. No CDN and no kernel are involved, and no
widget is created, so the page carries no widget state. On the site, ``_ext/offline.py`` moves every frame into its
own file and leaves only relative URLs in the page; the script fetches a figure's frames when its slider is first
focused or pointed at.

``figure_fn`` takes the slider parameters as keywords plus either ``ax`` (one ``Axes`` to draw on) or ``fig`` (the
whole ``Figure``, for several panels). The first line of its docstring is the figure's alt text.
"""

from __future__ import annotations

import base64
import html
import inspect
import io
import itertools
import json
import math
import numbers
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.ft2font import RenderMode
from matplotlib.text import Text
from PIL import Image

from book import plotting
from book._validate import require_callable

__all__ = [
    "MAX_FRAMES",
    "STATIC_ENV",
    "Explorable",
    "FrameRenderer",
    "explore",
    "grid_values",
    "parameter_grid",
    "render_png",
]

MAX_FRAMES = 400
_ids = itertools.count(1)
STATIC_ENV = "BOOK_STATIC_FRAMES"
Value = float | str
SliderSpec = tuple[float, float, float] | Sequence[Value]


def grid_values(name: str, spec: SliderSpec) -> tuple[Value, ...]:
    """The values a slider takes: ``(min, max, step)`` inclusive, or the given list.

    >>> grid_values("h", (0.0, 1.0, 0.25))
    (0.0, 0.25, 0.5, 0.75, 1.0)
    """
    if isinstance(spec, tuple) and len(spec) == 3 and all(isinstance(v, numbers.Real) for v in spec):
        low, high, step = (float(v) for v in spec)
        if not (math.isfinite(low) and math.isfinite(high) and math.isfinite(step)) or step <= 0 or high < low:
            raise ValueError(f"slider {name} must be (min, max, step) with min <= max and step > 0, got {spec}")
        count = int(round((high - low) / step)) + 1
        return tuple(float(np.round(low + i * step, 12)) for i in range(count))
    if isinstance(spec, Sequence) and not isinstance(spec, str) and len(spec) > 0:
        return tuple(v if isinstance(v, str) else float(v) for v in spec)
    raise ValueError(f"slider {name} must be a (min, max, step) tuple or a non-empty list of values, got {spec!r}")


def parameter_grid(sliders: Mapping[str, SliderSpec], max_frames: int = MAX_FRAMES) -> dict[str, tuple[Value, ...]]:
    """Every slider's values, after checking the grid has at most ``max_frames`` frames."""
    grid = {name: grid_values(name, spec) for name, spec in sliders.items()}
    frames = math.prod(len(values) for values in grid.values())
    if frames > max_frames:
        sizes = " × ".join(f"{len(v)} ({n})" for n, v in grid.items())
        raise ValueError(
            f"sliders give {frames} frames ({sizes}), more than the cap of {max_frames}; use coarser steps or fewer "
            f"values"
        )
    return grid


def _draws_on_figure(figure_fn: Callable) -> bool:
    parameters = inspect.signature(figure_fn).parameters
    if "fig" in parameters:
        return True
    if "ax" in parameters:
        return False
    raise TypeError(
        f"figure_fn must accept an ax= or a fig= keyword to draw on, got "
        f"{figure_fn.__name__}{inspect.signature(figure_fn)}"
    )


_GLYPHS: dict[tuple, tuple[np.ndarray, int, int]] = {}
"""Rasterised glyphs by font, size, angle and sub-pixel offset (see :class:`GlyphCacheRenderer`)."""
MAX_GLYPHS = 20_000


_LAYOUTS: dict[tuple, list[tuple]] = {}
"""Each text's glyphs and their offsets by font, size and string (see :class:`GlyphCacheRenderer`)."""


class GlyphCacheRenderer(RendererAgg):
    """Agg's renderer, drawing each glyph from a cache: FreeType rasterises a glyph at a given font, size, angle
    and sub-pixel offset to the same bitmap wherever it lands (a whole-pixel shift moves the bitmap, nothing else),
    so titles, legends and labels drawn again on every frame cost a copy instead of a rasterisation; a string's
    layout (its glyphs and their offsets) is kept too. The pixels are those of ``RendererAgg``."""

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return self.draw_mathtext(gc, x, y, s, prop, angle)
        font = self._prepare_font(prop)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        size, flags = prop.get_size_in_points(), get_hinting_flag()
        key = (font, size, self.dpi, s, flags, features, language)
        try:
            items = _LAYOUTS.get(key)
        except TypeError:  # features or language given as a list: not kept
            key, items = None, None
        if items is None:
            items = [
                (item.ft_object, item.glyph_index, item.x, item.y)
                for item in font._layout(s, flags=flags, features=features, language=language)
            ]
            if key is not None:
                if len(_LAYOUTS) >= MAX_GLYPHS:
                    _LAYOUTS.clear()
                _LAYOUTS[key] = items
        glyphs = ((ft_object, size, glyph_index, 0, 1, dx, dy) for ft_object, glyph_index, dx, dy in items)
        self._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, [])

    def _draw_text_glyphs_and_boxes(self, gc, x, y, angle, glyphs, boxes):
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        load_flags = get_hinting_flag()
        mode = RenderMode.NORMAL if gc.get_antialiased() else RenderMode.MONO
        for font, size, glyph_index, slant, extend, dx, dy in glyphs:  # as RendererAgg's loop; dy is upwards
            px = round(0x40 * (x + dx * cos - dy * sin))  # 26.6 fixed point: 64ths of a pixel
            py = round(0x40 * (self.height - y + dx * sin + dy * cos))  # FreeType's y is upwards
            key = (font, size, self.dpi, glyph_index, slant, extend, angle, px & 63, py & 63, load_flags, mode)
            glyph = _GLYPHS.get(key)
            if glyph is None:
                font.set_size(size, self.dpi)
                matrix = 0x10000 * np.array([[cos, -sin], [sin, cos]]) @ [[extend, extend * slant], [0, 1]]
                font._set_transform(matrix.round().astype(int), [px & 63, py & 63])
                bitmap = font._render_glyph(glyph_index, load_flags, mode)
                buffer = np.array(bitmap.buffer)  # a copy: FreeType reuses its glyph slot
                if mode == RenderMode.MONO:
                    buffer *= 0xFF
                if len(_GLYPHS) >= MAX_GLYPHS:
                    _GLYPHS.clear()
                glyph = _GLYPHS[key] = (buffer, bitmap.left, bitmap.top)
            buffer, left, top = glyph
            # draw_text_image's y is downwards & the bitmap's bottom side
            self._renderer.draw_text_image(
                buffer, left + (px >> 6), int(self.height) - (top + (py >> 6)) + buffer.shape[0], 0, gc
            )
        if boxes:
            super()._draw_text_glyphs_and_boxes(gc, x, y, angle, (), boxes)


class Canvas(FigureCanvasAgg):
    """The Agg canvas, drawing with a :class:`GlyphCacheRenderer`."""

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = GlyphCacheRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def new_figure() -> Figure:
    """A Figure in the book's style, outside pyplot (so nothing is shown twice and nothing leaks)."""
    with plotting.book_style():
        figure = Figure(figsize=plotting.FIGSIZE, dpi=plotting.DPI, layout="constrained")
    Canvas(figure)
    return figure


def clear_figure(figure: Figure) -> None:
    """``figure.clear()`` without clearing each Axes first (the costly part; the Axes are dropped anyway)."""
    for ax in list(figure.axes):
        figure.delaxes(ax)
    figure.clear()


STATIC_COMPRESSION = 6
"""zlib level of the site's frames: the smallest files."""
LIVE_COMPRESSION = 1
"""zlib level of a live frame: a third of the encoding time, a third larger (it only crosses to the browser)."""


def encode_png(rgba: np.ndarray, compress_level: int = STATIC_COMPRESSION) -> bytes:
    """A compact PNG of an RGBA buffer: 64-colour palette (about a quarter of the size, no visible change).

    The palette depends on the pixels only, so the compression level changes the bytes, never the image."""
    height, width = rgba.shape[:2]
    rgb = Image.frombuffer("RGBA", (width, height), np.ascontiguousarray(rgba), "raw", "RGBA", 0, 1).convert("RGB")
    buffer = io.BytesIO()
    rgb.quantize(64, method=Image.Quantize.FASTOCTREE).save(buffer, format="png", compress_level=compress_level)
    return buffer.getvalue()


def _titles(ax: Axes) -> list[Text]:
    """The titles of ``ax`` (centre, left, right): its text children that are not among ``ax.texts``."""
    return [a for a in ax.get_children() if isinstance(a, Text) and not any(a is t for t in ax.texts)]


def _static_artists(ax: Axes) -> list[Artist]:
    return [ax.patch, *ax.spines.values(), ax.xaxis, ax.yaxis, *_titles(ax)]


def _redrawn_artists(ax: Axes) -> list[Artist]:
    """The artists to draw over the background, in the order ``Axes.draw`` uses: every data artist, and every
    other artist stacked above the lowest of them (so a spine over a line stays over it). Titles are not among
    them: they sit above the axes, outside the data, and are drawn last."""
    static = _static_artists(ax)
    background_only = [ax.patch, *_titles(ax)]
    if not ax.axison:  # Axes.draw skips spines and axes after ax.set_axis_off(); so must the blit
        background_only += [*ax.spines.values(), ax.xaxis, ax.yaxis]
    children = sorted(ax.get_children(), key=lambda a: a.get_zorder())
    dynamic = [a for a in children if not any(a is s for s in static)]
    if not dynamic:
        return []
    lowest = min(a.get_zorder() for a in dynamic)
    return [a for a in children if a.get_zorder() >= lowest and not any(a is s for s in background_only)]


def _layout_key(figure: Figure) -> tuple | None:
    """What the background of the figure depends on (not the titles: they are drawn over it); None where blitting is
    not safe (3-D axes)."""
    key: list = [tuple(text.get_text() for text in figure.texts)]
    for ax in figure.axes:
        if ax.name != "rectilinear":
            return None
        ticks = (ax.get_xticks(), ax.get_yticks())
        key.append(
            (
                tuple(np.round(ax.get_position().bounds, 6)),
                ax.get_xlim(),
                ax.get_ylim(),
                ax.get_xscale(),
                ax.get_yscale(),
                ax.axison,
                ax.get_xlabel(),
                ax.get_ylabel(),
                tuple(ticks[0]),
                tuple(ticks[1]),
                tuple(ax.xaxis.get_major_formatter().format_ticks(ticks[0])),
                tuple(ax.yaxis.get_major_formatter().format_ticks(ticks[1])),
            )
        )
    return tuple(key)


MAX_BACKGROUNDS = 8
"""Backgrounds a renderer keeps (one per layout: a slider that changes the limits does not redraw the axes of a layout
already seen)."""


class FrameRenderer:
    """Draws ``figure_fn`` for given parameters into PNG bytes; the one renderer of the live and the static path.

    The layout is computed once (constrained layout, at ``layout_params``) and then kept, so frames do not jump. When a
    new frame has the same axes, limits, ticks and axis labels as the last (the usual case for a slider), or as one of
    the last :data:`MAX_BACKGROUNDS` layouts drawn, only the data artists and the titles are drawn again over that
    layout's cached background, each title where the full drawing of that background placed it: the figure function
    runs as usual, but the costly drawing of axes, ticks and labels is skipped. Text is drawn by a
    :class:`GlyphCacheRenderer`.
    """

    def __init__(self, figure_fn: Callable, layout_params: Mapping[str, Value], blit: bool = True) -> None:
        self.figure_fn = figure_fn
        self.on_figure = _draws_on_figure(figure_fn)
        self.blit = blit
        self.figure = new_figure()
        self.positions: list | None = None
        self.layout_key: tuple | None = None
        self.background = None
        self.title_positions: list[tuple[float, float]] = []
        self.backgrounds: dict[tuple, tuple[Any, list[tuple[float, float]]]] = {}  # by layout key, oldest first
        self._draw_artists(layout_params)

    def _draw_artists(self, params: Mapping[str, Value]) -> None:
        figure = self.figure
        with plotting.book_style():
            if self.on_figure or len(figure.axes) != 1:
                clear_figure(figure)
            if self.on_figure:
                self.figure_fn(fig=figure, **params)
            else:
                ax = figure.axes[0] if figure.axes else figure.add_subplot()
                ax.cla()
                self.figure_fn(ax=ax, **params)
        if self.positions is None:
            figure.get_layout_engine().execute(figure)
            self.positions = [ax.get_position() for ax in figure.axes]
        elif len(self.positions) == len(figure.axes):
            for ax, position in zip(figure.axes, self.positions):
                ax.set_position(position)

    def render(self, params: Mapping[str, Value], compress_level: int = STATIC_COMPRESSION) -> bytes:
        """The PNG bytes of the figure for ``params``, drawn in the book's style (Matplotlib makes ticks and grid
        lines while drawing, from the style in force then)."""
        self._draw_artists(params)
        with plotting.book_style():
            return encode_png(self._drawn_pixels(), compress_level)

    def _drawn_pixels(self) -> np.ndarray:
        """The figure's pixels: drawn in full, or its data artists and titles over the background of its layout."""
        figure, canvas = self.figure, self.figure.canvas
        key = _layout_key(figure) if self.blit else None
        if key is None:
            figure.set_layout_engine("none")
            canvas.draw()
            return np.asarray(canvas.buffer_rgba())
        redrawn = [_redrawn_artists(ax) for ax in figure.axes]
        titles = [title for ax in figure.axes for title in _titles(ax)]
        if key != self.layout_key:
            if key not in self.backgrounds:
                if len(self.backgrounds) >= MAX_BACKGROUNDS:
                    del self.backgrounds[next(iter(self.backgrounds))]  # the oldest
                background = self._render_background(redrawn, titles)
                self.backgrounds[key] = background, [title.get_position() for title in titles]
            self.background, self.title_positions = self.backgrounds[key]
            self.layout_key = key
        for title, position in zip(titles, self.title_positions):
            title.set_position(position)
        canvas.restore_region(self.background)
        renderer = canvas.get_renderer()
        for artists in [*redrawn, titles]:
            for artist in artists:
                if artist.get_visible():
                    artist.draw(renderer)
        return np.asarray(canvas.buffer_rgba())

    def _render_background(self, redrawn: list[list[Artist]], titles: list[Text]):
        """The figure drawn in full without the ``redrawn`` artists, and with the titles transparent (so that the
        drawing still places them)."""
        hidden = [a for artists in redrawn for a in artists if a.get_visible()]
        alphas = [title.get_alpha() for title in titles]
        for artist in hidden:
            artist.set_visible(False)
        for title in titles:
            title.set_alpha(0.0)
        self.figure.set_layout_engine("none")
        self.figure.canvas.draw()
        for artist in hidden:
            artist.set_visible(True)
        for title, alpha in zip(titles, alphas):
            title.set_alpha(alpha)
        return self.figure.canvas.copy_from_bbox(self.figure.bbox)


def render_png(
    figure_fn: Callable, params: Mapping[str, Value], layout_params: Mapping[str, Value] | None = None
) -> bytes:
    """``figure_fn`` drawn in full for ``params`` (layout computed at ``layout_params``): the blitting's reference."""
    return FrameRenderer(figure_fn, layout_params or params, blit=False).render(params)


def data_uri(png: bytes) -> str:
    """PNG bytes as a ``data:`` URI, the form a frame has in a notebook's output."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def format_value(value: Value) -> str:
    """How a slider value is shown to the reader: ``0.5`` → ``'0.5'``, ``1e-08`` → ``'1e-08'``."""
    return value if isinstance(value, str) else f"{value:.6g}"


def alt_text(figure_fn: Callable) -> str:
    """The first line of the figure function's docstring (its alt text), or its name."""
    doc = inspect.getdoc(figure_fn)
    return doc.splitlines()[0] if doc else figure_fn.__name__.replace("_", " ")


def _initial(figure_fn: Callable, name: str, values: tuple[Value, ...]) -> Value:
    default = inspect.signature(figure_fn).parameters.get(name)
    if default is not None and default.default in values:
        return default.default
    return values[len(values) // 2]


@dataclass
class Explorable:
    """A figure with sliders: ``.widget`` for a live kernel, ``.frames`` (PNG bytes by grid index) for the site."""

    figure_fn: Callable
    grid: dict[str, tuple[Value, ...]]
    frames: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.initial = {name: _initial(self.figure_fn, name, values) for name, values in self.grid.items()}
        self.renderer = FrameRenderer(self.figure_fn, self.initial)
        self.shown: dict[tuple[Value, ...], bytes] = {}

    @cached_property
    def widget(self) -> widgets.VBox:
        """The live view: one slider per parameter over an image, built on first use (never on the static site)."""
        self.sliders = {
            name: widgets.SelectionSlider(
                options=[(format_value(v), v) for v in values],
                value=self.initial[name],
                description=name,
                continuous_update=True,
                style={"description_width": "initial"},
                layout=widgets.Layout(width="420px"),
            )
            for name, values in self.grid.items()
        }
        self.image = widgets.Image(format="png")
        for slider in self.sliders.values():
            slider.observe(self._redraw, names="value")
        self._redraw()
        return widgets.VBox([*self.sliders.values(), self.image])

    @property
    def params(self) -> dict[str, Value]:
        """The parameter values the sliders show now (the initial ones before the live view exists)."""
        if "widget" not in self.__dict__:
            return dict(self.initial)
        return {name: slider.value for name, slider in self.sliders.items()}

    def set(self, **params: Value) -> bytes:
        """Move sliders as a reader would (values must lie on the grid); return the PNG now shown."""
        self.widget  # noqa: B018 - build the live view if needed
        for name, value in params.items():
            if name not in self.sliders:
                raise ValueError(f"{name} is not a slider of this figure; sliders are {', '.join(self.sliders)}")
            self.sliders[name].value = value
        return self.image.value

    def _redraw(self, _change: Any = None) -> None:
        """Show the frame of the sliders' values: drawn on its first visit, from its bytes after that."""
        params = self.params
        key = tuple(params.values())
        if key not in self.shown:
            self.shown[key] = self.renderer.render(params, LIVE_COMPRESSION)
        self.image.value = self.shown[key]

    def frame_index(self, params: Mapping[str, Value]) -> int:
        """Row-major index of ``params`` in the grid (the first slider varies slowest)."""
        index = 0
        for name, values in self.grid.items():
            index = index * len(values) + values.index(params[name])
        return index

    def render_frames(self) -> list[bytes]:
        """Render every frame of the grid, in :meth:`frame_index` order."""
        names = list(self.grid)
        self.frames = [
            self.renderer.render(dict(zip(names, combo))) for combo in itertools.product(*self.grid.values())
        ]
        return self.frames

    def static_html(self) -> str:
        """Self-contained HTML + JS that switches between the precomputed frames (no kernel, no network)."""
        if not self.frames:
            self.render_frames()
        uid = f"explore-{self.figure_fn.__name__}-{next(_ids)}"
        start = self.frame_index(self.params)
        data = {
            "values": [[format_value(v) for v in values] for values in self.grid.values()],
            "frames": [data_uri(frame) for frame in self.frames],
        }
        controls = "\n".join(
            _range_control(uid, i, name, values, values.index(self.params[name]))
            for i, (name, values) in enumerate(self.grid.items())
        )
        alt = html.escape(alt_text(self.figure_fn))
        return _TEMPLATE.format(
            uid=uid,
            controls=controls,
            alt=alt,
            src=data["frames"][start],
            data=json.dumps(data),
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        if os.environ.get(STATIC_ENV) == "1":
            return {"text/plain": f"<explorable {self.figure_fn.__name__}>", "text/html": self.static_html()}
        return self.widget._repr_mimebundle_(**kwargs)


def _range_control(uid: str, i: int, name: str, values: tuple[Value, ...], position: int) -> str:
    label = html.escape(name)
    shown = html.escape(f"{name} = {format_value(values[position])}")
    return (
        f'<div class="explore-control"><label for="{uid}-{i}">{label}</label>'
        f'<input type="range" id="{uid}-{i}" min="0" max="{len(values) - 1}" step="1" value="{position}" '
        f'aria-valuetext="{shown}"><output for="{uid}-{i}" aria-live="polite">{shown}</output></div>'
    )


_TEMPLATE = """<div class="explore" id="{uid}">
<div class="explore-controls">
{controls}
</div>
<img class="explore-frame" alt="{alt}" src="{src}" loading="lazy">
<script type="application/json" class="explore-data">{data}</script>
<script>
(function () {{
  var root = document.getElementById("{uid}");
  var data = JSON.parse(root.querySelector(".explore-data").textContent);
  var inputs = root.querySelectorAll("input[type=range]");
  var img = root.querySelector("img.explore-frame");
  var fetched = null;  // the figure's frames, fetched (and kept) once its slider is first used
  function prefetch() {{
    if (fetched) return;
    fetched = data.frames.map(function (url) {{ var frame = new Image(); frame.src = url; return frame; }});
  }}
  function show() {{
    var index = 0;
    inputs.forEach(function (input, i) {{
      var pos = Number(input.value);
      index = index * data.values[i].length + pos;
      var text = input.previousElementSibling.textContent + " = " + data.values[i][pos];
      input.setAttribute("aria-valuetext", text);
      input.nextElementSibling.textContent = text;
    }});
    img.src = data.frames[index];
    img.dataset.frame = index;
  }}
  inputs.forEach(function (input) {{
    input.addEventListener("focus", prefetch);
    input.addEventListener("pointerenter", prefetch);
    input.addEventListener("input", show);
  }});
}})();
</script>
</div>"""


def explore(figure_fn: Callable, **sliders: SliderSpec) -> Explorable:
    """Show ``figure_fn`` with one slider per keyword: live in a kernel, precomputed frames on the site.

    ``explore(tangent_figure, x0=(-2.0, 2.0, 0.1), h=[0.01, 0.1, 1.0])``
    """
    require_callable("figure_fn", figure_fn)
    if not sliders:
        raise ValueError("explore needs at least one slider, e.g. explore(figure_fn, x0=(-2.0, 2.0, 0.5))")
    _draws_on_figure(figure_fn)
    missing = [name for name in sliders if name not in inspect.signature(figure_fn).parameters]
    if missing:
        raise ValueError(f"figure_fn has no parameter named {', '.join(missing)}")
    return Explorable(figure_fn, parameter_grid(sliders))
