"""Live slider latency of every ``explore`` figure of the book: one-notch moves of each slider, as a reader drags.

Each figure is built as its chapter builds it (same function, same slider grid). Each slider in turn walks one notch
at a time from its initial value to one end, to the other end and back to where it started, the other sliders at
their initial values; every move is timed from the value change to the new PNG bytes in the image widget, in wall
time (what a reader waits on this machine, under its load) and in the process's CPU time (the work the update costs,
which the load of other processes does not inflate).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Collection, Iterator

import numpy as np

from book.explore import Explorable, explore

TABLE_HEADER = (
    "| chapter | figure | moves | median (ms) | p95 (ms) | CPU median (ms) | CPU p95 (ms) | "
    "first visits: CPU median (ms) | goal met (CPU) |\n|---|---|---|---|---|---|---|---|---|"
)
MEDIAN_GOAL_MS = 20.0
P95_GOAL_MS = 40.0


def explorables(trained: bool = True) -> Iterator[tuple[str, str, Callable[[], Explorable]]]:
    """(chapter, figure name, a function building the explorable as the chapter does), in the book's order."""
    from book.figures import ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch10, ch11

    yield "1", "tangent_figure", lambda: explore(ch01.tangent_figure, **ch01.TANGENT_SLIDERS)
    yield "1", "error_figure", lambda: explore(ch01.error_figure, **ch01.ERROR_SLIDERS)
    yield "1", "descent_figure", lambda: explore(ch01.descent_figure, **ch01.DESCENT_SLIDERS)
    yield "2", "slice_figure", lambda: explore(ch02.slice_figure, **ch02.SLICE_SLIDERS)
    yield "2", "level_set_figure", lambda: explore(ch02.level_set_figure, **ch02.LEVEL_SET_SLIDERS)
    yield "2", "directional_figure", lambda: explore(ch02.directional_figure, **ch02.DIRECTION_SLIDERS)
    yield "2", "taylor_figure", lambda: explore(ch02.taylor_figure, **ch02.TAYLOR_SLIDERS)
    yield "2", "quadratic_figure", lambda: explore(ch02.quadratic_figure, **ch02.QUADRATIC_SLIDERS)
    yield "2", "jacobian_figure", lambda: explore(ch02.jacobian_figure, **ch02.JACOBIAN_SLIDERS)
    yield "3", "neuron_graph_figure", lambda: explore(ch03.neuron_graph_figure, **ch03.NEURON_SLIDERS)
    yield "3", "gradient_norms_figure", lambda: explore(ch03.gradient_norms_figure, **ch03.NORM_SLIDERS)
    yield "4", "parabola_figure", lambda: explore(ch04.parabola_figure, lr=ch04.FIRST_LRS, x0=ch04.PARABOLA_STARTS)
    yield "4", "bowl_figure", lambda: explore(ch04.bowl_figure, lr=ch04.FIRST_LRS, angle=ch04.BOWL_ANGLES)
    yield "4", "conditioning_figure", lambda: explore(ch04.conditioning_figure, kappa=ch04.KAPPAS, rule=ch04.STEP_RULES)
    yield "4", "basins_figure", lambda: explore(ch04.basins_figure, x0=ch04.BASIN_STARTS, y0=ch04.BASIN_STARTS)
    yield "4", "logistic_figure", lambda: explore(ch04.logistic_figure, step=ch04.LOGISTIC_STEPS)
    yield (
        "5",
        "cloud_figure",
        lambda: explore(ch05.cloud_figure, batch_size=ch05.CLOUD_BATCH_SIZES, sampling=ch05.SAMPLINGS),
    )
    yield (
        "5",
        "sgd_path_figure",
        lambda: explore(
            ch05.sgd_path_figure, lr=ch05.PATH_LRS, batch_size=ch05.PATH_BATCH_SIZES, schedule=["constant", "decaying"]
        ),
    )
    yield "6", "paths_figure", lambda: explore(ch06.paths_figure, lr=ch06.LRS, beta=ch06.BETAS)
    yield "6", "eigenvalues_figure", lambda: explore(ch06.eigenvalues_figure, lr=ch06.LRS, beta=ch06.BETAS)
    yield (
        "7",
        "scaled_figure",
        lambda: explore(ch07.scaled_figure, kappa=ch07.KAPPAS, optimizer=list(ch07.SCALED_OPTIMIZERS)),
    )
    yield (
        "7",
        "adam_rosenbrock_figure",
        lambda: explore(ch07.adam_rosenbrock_figure, lr=ch07.ADAM_LRS, beta1=ch07.BETA1S, beta2=ch07.BETA2S),
    )
    yield "8", "warmup_figure", _warmup
    yield (
        "8",
        "sweep_figure",
        lambda: explore(ch08.sweep_figure, sweep_steps=ch08.SWEEP_STEPS, optimizer=ch08.SWEEP_OPTIMIZERS),
    )
    yield (
        "9",
        "one_query (weights_figure)",
        lambda: explore(_one_query, d=[1, 4, 16, 64, 256], scaling=["q·k", "q·k / √d"]),
    )
    if trained:
        yield "9", "attention_map (attention_figure)", _attention_map
    yield (
        "10",
        "clipping_figure",
        lambda: explore(ch10.clipping_figure, outlier_scale=ch10.OUTLIER_SCALES, max_norm=ch10.MAX_NORMS),
    )
    yield (
        "10",
        "memory_figure",
        lambda: explore(
            ch10.memory_figure,
            billions=ch10.PARAMETER_COUNTS,
            optimizer=list(ch10.OPTIMIZERS),
            precision=list(ch10.PRECISION_LABELS),
        ),
    )
    if trained:
        yield (
            "11",
            "temperature_figure",
            lambda: explore(
                ch11.temperature_figure, temperature=ch11.experiments.SLIDER_TEMPERATURES, prompt=ch11.PROMPT_LABELS
            ),
        )
        yield (
            "11",
            "checkpoint_figure",
            lambda: explore(ch11.checkpoint_figure, step=sorted(ch11.experiments.trained().checkpoints)),
        )


def _one_query(d=64, scaling="q·k", ax=None):
    """Softmax weights of one random query over 8 random keys at dimension d, scores scaled by 1/√d or not."""
    from book.experiments import ch09 as experiments
    from book.figures import ch09

    return ch09.weights_figure(experiments.one_query(int(d), scaling != "q·k"), int(d), scaling, ax=ax)


def _warmup() -> Explorable:
    """Chapter 8's warmup explorable, built after the chapter's spike table, which trains every run the sliders show
    (the 30 (peak, warmup) pairs, kept by ``warmup_losses``): a reader's slider only draws them."""
    from book.figures import ch08

    for peak in ch08.PEAK_LRS:
        for warmup in ch08.WARMUPS:
            ch08.warmup_losses(peak, warmup)
    return explore(ch08.warmup_figure, peak_lr=ch08.PEAK_LRS, warmup_steps=ch08.WARMUPS)


def _attention_map() -> Explorable:
    """Chapter 9's attention map of its trained transformer (trained here first, as the chapter does)."""
    from book import text
    from book.experiments import ch09 as experiments
    from book.figures import ch09

    maps = experiments.attention_maps(experiments.trained("transformer").params)
    chars = text.vocabulary().decode(experiments.prompt_ids())

    def attention_map(layer=1, head=1, query=31, fig=None):
        """Attention weights of one head of the trained transformer on a line of validation text, and one query's
        row."""
        return ch09.attention_figure(maps, chars, layer - 1, head - 1, query, fig=fig)

    return explore(attention_map, layer=[1, 2], head=[1, 2, 3, 4], query=list(range(experiments.CONFIG.block_size)))


def walk(values: tuple, start: int, moves: int) -> list:
    """``moves`` one-notch positions from index ``start``: to the far end, back to the other end, and so on."""
    if len(values) < 2:
        return []
    positions, i, step = [], start, 1 if start < len(values) - 1 else -1
    while len(positions) < moves:
        if not 0 <= i + step < len(values):
            step = -step
        i += step
        positions.append(values[i])
    return positions


def measure(e: Explorable, moves_per_slider: int) -> tuple[list[float], list[float], list[float]]:
    """Wall and CPU times (ms) of every one-notch move of every slider, and CPU times of the moves that showed
    values for the first time."""
    e.set()  # build the live view, as displaying the cell does
    seen = {tuple(e.params.values())}
    wall, cpu, first = [], [], []
    for name, values in e.grid.items():
        start = values.index(e.initial[name])
        for value in walk(values, start, moves_per_slider):
            began, began_cpu = time.perf_counter(), time.process_time()
            e.set(**{name: value})
            wall.append(1000 * (time.perf_counter() - began))
            cpu.append(1000 * (time.process_time() - began_cpu))
            key = tuple(e.params.values())
            if key not in seen:
                first.append(cpu[-1])
                seen.add(key)
        e.set(**{name: e.initial[name]})
    return wall, cpu, first


def row(chapter: str, name: str, e: Explorable, moves_per_slider: int) -> dict:
    """One figure's measures: median and p95 of its one-notch updates, in wall and in CPU time."""
    wall, cpu, first = measure(e, moves_per_slider)
    r = {
        "chapter": chapter,
        "figure": name,
        "moves": len(wall),
        "median": statistics.median(wall),
        "p95": float(np.percentile(wall, 95)),
        "cpu median": statistics.median(cpu),
        "cpu p95": float(np.percentile(cpu, 95)),
        "first": statistics.median(first) if first else float("nan"),
    }
    r["met"] = r["cpu median"] <= MEDIAN_GOAL_MS and r["cpu p95"] <= P95_GOAL_MS
    return r


def run(
    moves_per_slider: int = 12,
    trained: bool = True,
    on_row: Callable[[str], None] | None = None,
    skip: Collection[str] = (),
) -> list[dict]:
    """One row per explorable figure, measured one after the other in this process (chapters in ``skip`` left out)."""
    rows = []
    for chapter, name, build in explorables(trained):
        if chapter in skip:
            continue
        rows.append(row(chapter, name, build(), moves_per_slider))
        if on_row:
            on_row(line(rows[-1]))
    return rows


def line(r: dict) -> str:
    """One row of the Markdown table."""
    return (
        f"| {r['chapter']} | {r['figure']} | {r['moves']} | {r['median']:.1f} | {r['p95']:.1f} | "
        f"{r['cpu median']:.1f} | {r['cpu p95']:.1f} | {r['first']:.1f} | {'yes' if r['met'] else 'no'} |"
    )


SLOW_BECAUSE = {
    "data under the grid": (
        "jacobian_figure",
        "basins_figure",
        "cloud_figure",
        "one_query",
        "attention_map",
        "memory_figure",
    ),
    "a training or optimizer run per new value": (
        "conditioning_figure",
        "sgd_path_figure",
        "scaled_figure",
        "adam_rosenbrock_figure",
        "sweep_figure",
        "clipping_figure",
    ),
    "a layout per value of one slider": ("warmup_figure", "memory_figure"),
    "many text labels": ("neuron_graph_figure", "memory_figure"),
    "two new panels per frame": (
        "slice_figure",
        "directional_figure",
        "taylor_figure",
        "jacobian_figure",
        "parabola_figure",
        "bowl_figure",
        "conditioning_figure",
        "logistic_figure",
        "paths_figure",
        "scaled_figure",
        "adam_rosenbrock_figure",
        "warmup_figure",
        "attention_map",
    ),
}
"""What, besides the common cost of a frame, makes a figure's new frames slow (from profiles of the figures)."""

_WHY = {
    "data under the grid": "images, bars, patches or points below the grid lines, so both axes are drawn again on "
    "every frame",
    "a training or optimizer run per new value": "a run of a few hundred to a thousand optimizer steps for every new "
    "value, kept once run",
    "a layout per value of one slider": "y limits that follow one slider, so each of its values draws the whole "
    "figure once (kept for the next frames of that layout)",
    "many text labels": "dozens of text labels per frame",
    "two new panels per frame": "two new Axes made by the figure function every frame",
}


def note(table_text: str) -> str:
    """The paragraph under the table: how it was measured, how many figures meet the goal, and why the others miss."""
    rows = [line for line in table_text.splitlines()[2:] if line.startswith("|")]
    met = sum(line.rstrip().endswith("| yes |") for line in rows)
    first = [float(line.split("|")[8]) for line in rows]
    quick = sum(value <= MEDIAN_GOAL_MS for value in first)
    missing = [line.split("|")[2].strip().split(" ")[0] for line in rows if not line.rstrip().endswith("| yes |")]
    reasons = []
    for reason, names in SLOW_BECAUSE.items():
        slow = [name for name in missing if name in names]
        if slow:
            reasons.append(f"{_WHY[reason]} ({', '.join(slow)})")
    left_out = ""
    if "attention_map" not in table_text:
        left_out = (
            " Chapter 9's attention map and Chapter 11's checkpoint figure need the chapters' trained models "
            "and were left out of this run (`--untrained`)."
        )
    elif not any(line.startswith("| 11 |") for line in rows):
        left_out = " Chapter 11's figures were left out of this run (`--skip-chapter=11`)."
    return (
        f"Goal: a median update of at most {MEDIAN_GOAL_MS:g} ms and a p95 of at most {P95_GOAL_MS:g} ms. Each "
        "slider walks one notch at a time from its initial value to one end of its grid, to the other end and "
        "back (12 moves per slider, the other sliders at their initial values), in one process, figure after "
        "figure; each figure is built as its chapter builds it, after the cells before it (Chapter 8's warmup "
        "figure after the spike table that trains its 30 runs). Wall time is what a reader waits on this machine "
        "under its load; CPU time is the work of the update, what a reader waits on an idle machine; the goal is "
        "judged on CPU time, which a loaded machine still inflates (shared caches and cores). A frame shown once "
        "is shown again from its bytes, so moves back over values already seen cost almost nothing; the column "
        "*first visits* is the CPU median of the moves that drew a frame, the cost of dragging into new values. "
        f"{met} of {len(rows)} figures meet the goal; {quick} of "
        f"{len(rows)} draw a new frame in {MEDIAN_GOAL_MS:g} ms or less (median of first visits "
        f"{statistics.median(first):.0f} ms, from {min(first):.0f} to {max(first):.0f} ms). Every new frame "
        "pays Matplotlib's work for a frame even over a cached background: clearing the axes (most of it making "
        "tick objects the frame never draws), the figure function making its artists, the legend (its layout "
        'and, for `loc="best"`, the search for a place), the titles, and the PNG encoding (64-colour '
        "palette, zlib level 1); glyphs come from a cache. Beyond that, the figures that miss the goal draw "
        + "; ".join(reasons)
        + "."
        + left_out
    )


def skipped(argv: list[str]) -> list[str]:
    """The chapters named by ``--skip-chapter=N`` arguments (repeatable)."""
    return [arg.split("=", 1)[1] for arg in argv if arg.startswith("--skip-chapter=")]


def table(rows: list[dict]) -> str:
    """The rows as a Markdown table."""
    return "\n".join([TABLE_HEADER, *(line(r) for r in rows)])


if __name__ == "__main__":
    import os
    import sys

    print("load average", os.getloadavg())
    print(TABLE_HEADER, flush=True)
    run(trained="--untrained" not in sys.argv, on_row=lambda text: print(text, flush=True), skip=skipped(sys.argv))
    print("load average", os.getloadavg())
