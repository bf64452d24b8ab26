"""Figures of Chapter 11 (the capstone: a tiny GPT). They only draw: the runs, schedules and scores come from
:mod:`book.experiments.ch11`."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from book.experiments import ch09
from book.experiments import ch11 as experiments
from book.plotting import PALETTE, axes, finish, sized
from book.text import vocabulary

WIDE = (9.6, 3.6)


def _label(char: str) -> str:
    return {" ": "␣", "\n": "↵"}.get(char, char)


def _smoothed(values: np.ndarray, width: int = 25) -> np.ndarray:
    """The running mean over ``width`` steps (shorter at the start)."""
    sums = np.cumsum(np.concatenate([[0.0], values]))
    ends = np.arange(1, values.size + 1)
    starts = np.maximum(ends - width, 0)
    return (sums[ends] - sums[starts]) / (ends - starts)


def training_figure(
    batch_loss: np.ndarray,
    grad_norm: np.ndarray,
    validation: dict,
    best_step: int,
    learning_rates: np.ndarray,
    references: dict[str, float],
    max_norm: float,
    fig: Figure | None = None,
) -> Figure:
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


def prompt_label(prompt: str) -> str:
    """A prompt as its slider shows it: a final space as ␣ (a page would not show it).

    >>> prompt_label("And the "), prompt_label("the kin")
    ('And the␣', 'the kin')
    """
    return prompt[:-1] + "␣" if prompt.endswith(" ") else prompt


PROMPT_LABELS = tuple(prompt_label(prompt) for prompt in experiments.SLIDER_PROMPTS)
"""The temperature explorable's prompt slider: :data:`book.experiments.ch11.SLIDER_PROMPTS` as the page shows them."""


def temperature_figure(temperature: float = 1.0, prompt: str = "My lord, I th", ax: Axes | None = None) -> Axes:
    """Bars of the trained GPT's probabilities for the character after a prompt when sampling at temperature τ, for
    its twelve most likely characters and all the others together, over outlines of its own probabilities (τ = 1)
    and a dotted line at the uniform 1/65, with the entropy in the title: small τ puts nearly all the probability
    on the most likely character, large τ flattens the bars towards uniform."""
    ax = axes(ax)
    prompt = prompt.replace("␣", " ")
    p, own = experiments.next_probabilities(prompt, temperature), experiments.next_probabilities(prompt, 1.0)
    order = np.argsort(-experiments.next_scores(prompt), kind="stable")[: experiments.TOP]
    rest = np.ones(p.size, dtype=bool)
    rest[order] = False
    vocab = vocabulary()
    labels = [_label(vocab.decode(np.array([i]))) for i in order] + [f"other\n{rest.sum()}"]
    x = np.arange(len(labels))
    colours = [PALETTE["blue"]] * len(order) + [PALETTE["grey"]]
    ax.bar(x, [*p[order], p[rest].sum()], 0.7, color=colours, label=f"sampled at τ = {temperature:g}")
    ax.bar(
        x,
        [*own[order], own[rest].sum()],
        0.7,
        fill=False,
        edgecolor=PALETTE["ink"],
        lw=1.2,
        label="the model's own (τ = 1)",
    )
    ax.axhline(1 / p.size, color=PALETTE["red"], ls=":", lw=1.4, label=f"uniform 1/{p.size}")
    ax.set_xticks(x, labels, family="monospace", parse_math=False)
    ax.set_ylim(0, 1.05)
    ax.legend(loc="upper right", fontsize=9)
    finish(
        ax,
        f"τ = {temperature:g}: entropy {experiments.entropy(p):.2f} nats (uniform: {np.log(p.size):.2f})",
        f"next character after “{prompt}”",
        "probability",
        legend=False,
    )
    return ax


def checkpoint_figure(step: int = 0, fig: Figure | None = None) -> Figure:
    """Left: the validation loss at every checkpoint of the notebook's run, the chosen checkpoint marked, with the
    trigram's loss as a dashed line; right: the text the model writes at that checkpoint after the prompt ROMEO:
    at τ = 0.8, with the same random numbers at every checkpoint: random characters at step 0, then spaces and
    common letters, then words, names in capitals and the layout of a play."""
    fig = sized(fig, WIDE)
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.7])
    run, step = experiments.trained(), int(step)
    marks = sorted(run.validation)
    left.plot(marks, [run.validation[t] for t in marks], "o-", color=PALETTE["orange"], ms=3, label="validation")
    left.plot([step], [run.validation[step]], "o", color=PALETTE["blue"], ms=10, label=f"step {step}")
    trigram = ch09.baselines("validation")["trigram"]
    left.axhline(trigram, color=PALETTE["green"], ls="--", lw=1.2, label=f"trigram {trigram:.2f}")
    left.set_ylim(1.5, 4.5)
    finish(left, f"Step {step}: validation loss {run.validation[step]:.2f}", "step t", "nats per character")
    lines = (experiments.PROMPT + experiments.checkpoint_sample(step)).split("\n")
    wrapped = [piece for line in lines for piece in (textwrap.wrap(line, 60) or [""])][:14]
    right.text(
        0,
        1,
        "\n".join(wrapped),
        va="top",
        ha="left",
        family="monospace",
        fontsize=10,
        parse_math=False,
        transform=right.transAxes,
    )
    right.set_axis_off()
    right.set_title(f"What the model writes at step {step} (τ = {experiments.CHECKPOINT_TEMPERATURE:g})")
    return fig
