"""Figures of Chapter 11 (the capstone: a tiny GPT). They only draw: the runs, schedules and scores come from
:mod:`book.experiments.ch11`."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from book.plotting import PALETTE, axes, finish

WIDE = (9.6, 3.6)


def _label(char: str) -> str:
    return {" ": "␣", "\n": "↵"}.get(char, char)


def _smoothed(values: np.ndarray, width: int = 25) -> np.ndarray:
    """The running mean over ``width`` steps (shorter at the start)."""
    sums = np.cumsum(np.concatenate([[0.0], values]))
    ends = np.arange(1, values.size + 1)
    starts = np.maximum(ends - width, 0)
    return (sums[ends] - sums[starts]) / (ends - starts)


def training_figure(batch_loss: np.ndarray, grad_norm: np.ndarray, validation: dict, best_step: int,
                    learning_rates: np.ndarray, references: dict[str, float], max_norm: float,
                    fig: Figure | None = None) -> Figure:
    """Left: the batch loss at every step (and its running mean) and the validation loss at each checkpoint, with the
    best checkpoint and reference validation losses; middle: the gradient norm before clipping and the threshold;
    right: the learning rate of every step."""
    fig = fig or Figure(figsize=WIDE, layout="constrained")
    left, middle, right = fig.subplots(1, 3, width_ratios=[1.4, 1.2, 0.9])
    steps = np.arange(1, batch_loss.size + 1)
    left.plot(steps, batch_loss, color=PALETTE["sky"], lw=0.5, alpha=0.7, label="training batch")
    left.plot(steps, _smoothed(batch_loss), color=PALETTE["blue"], lw=1.5, label="batch, mean of 25")
    marks = sorted(validation)
    left.plot(marks, [validation[t] for t in marks], "o-", color=PALETTE["orange"], ms=3, label="validation")
    left.plot([best_step], [validation[best_step]], "*", color=PALETTE["ink"], ms=11, label=f"best: step {best_step}")
    for (name, value), style in zip(references.items(), ("--", ":")):
        left.axhline(value, color=PALETTE["green"], ls=style, lw=1.2, label=f"{name} (validation) {value:.2f}")
    left.set_ylim(1.5, 3.2)
    finish(left, "Cross-entropy", "step t", "nats per character")
    middle.plot(np.arange(grad_norm.size), grad_norm, color=PALETTE["red"], lw=0.6, label="‖g_t‖ before clipping")
    middle.axhline(max_norm, color=PALETTE["ink"], ls="--", lw=1.2, label=f"clipped above {max_norm:g}")
    middle.set_yscale("log")
    finish(middle, "Gradient norm", "step t", "global norm (log scale)")
    right.plot(np.arange(learning_rates.size), learning_rates, color=PALETTE["purple"], label="η_t")
    finish(right, "Learning rate", "step t", "η_t")
    return fig


def attention_grid_figure(maps: np.ndarray, chars: str, fig: Figure | None = None) -> Figure:
    """Every head's attention map of the trained GPT on one line of validation text: rows are layers, columns heads;
    each map's row t is where position t looks (zero above the diagonal)."""
    layers, heads, T, _ = maps.shape
    fig = fig or Figure(figsize=(2.6 * heads, 2.7 * layers), layout="constrained")
    grid = fig.subplots(layers, heads, squeeze=False)
    labels = [_label(c) for c in chars]
    ticks = np.arange(0, T, 8)
    for layer in range(layers):
        for head in range(heads):
            ax = grid[layer, head]
            image = ax.imshow(maps[layer, head], cmap="Blues", vmin=0, vmax=1)
            ax.grid(False)
            ax.set_xticks(ticks, [labels[i] for i in ticks], family="monospace", fontsize=7)
            ax.set_yticks(ticks, [labels[i] for i in ticks], family="monospace", fontsize=7)
            ax.set_title(f"layer {layer + 1}, head {head + 1}", fontsize=9)
            if head == 0:
                ax.set_ylabel("query position t")
            if layer == layers - 1:
                ax.set_xlabel("key position s")
    fig.colorbar(image, ax=grid, shrink=0.6, label="attention weight")
    return fig


def table_figure(table: dict[str, float], ax=None):
    """Horizontal bars of the test-set cross-entropy of every model, best at the bottom."""
    ax = axes(ax)
    names = list(table)
    values = np.array([table[n] for n in names])
    colours = [PALETTE["grey"]] * (len(names) - 2) + [PALETTE["orange"], PALETTE["blue"]]
    ax.barh(range(len(names)), values, color=colours, label="test cross-entropy")
    for i, value in enumerate(values):
        ax.text(value + 0.03, i, f"{value:.2f}", va="center", fontsize=9)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlim(0, values.max() + 0.5)
    return finish(ax, "Test set, scored once", "cross-entropy (nats per character)", "model", legend=False)
