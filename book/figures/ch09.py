"""Figures of Chapter 9 (language models and the transformer). Numbers in, pictures out: the experiments live in
:mod:`book.experiments.ch09`."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from book.plotting import PALETTE, WIDER, axes, finish

WIDE = WIDER
"""Size of the chapter's two-panel figures (the notebook draws some of its own at this size too)."""


def _label(char: str) -> str:
    return {" ": "␣", "\n": "↵"}.get(char, char)


def idea_figure(
    chars: str, weights: np.ndarray, next_chars: str, next_probs: np.ndarray, fig: Figure | None = None
) -> Figure:
    """The idea: the last character of a text looks back at every earlier one with some weight, and the model turns
    what it gathers into probabilities for the next character."""
    fig = fig or Figure(figsize=WIDER, layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[2.2, 1])
    n = len(chars)
    for i, c in enumerate(chars):
        left.text(
            i,
            0,
            _label(c),
            ha="center",
            va="center",
            family="monospace",
            fontsize=13,
            bbox={"boxstyle": "round", "fc": "white", "ec": PALETTE["ink"]},
        )
    last = n - 1
    for j, w in enumerate(weights):
        height = 0.4 + 0.9 * (last - j) / max(last, 1)
        xs = np.linspace(j, last, 50)
        ys = 0.3 + height * np.sin(np.pi * (xs - j) / max(last - j, 1e-9))
        left.plot(
            xs,
            ys,
            color=PALETTE["blue"],
            lw=0.5 + 8 * w,
            alpha=0.3 + 0.7 * w / weights.max(),
            label="attention weight (line width)" if j == 0 else None,
        )
    left.set_xlim(-0.7, n - 0.3)
    left.set_ylim(-0.6, 1.8)
    left.set_yticks([])
    left.set_xticks(range(n), [str(i) for i in range(n)])
    finish(left, "Position i looks back at positions j ≤ i", "position j", "")
    order = np.argsort(-next_probs)
    right.barh(range(len(order)), next_probs[order][::-1], color=PALETTE["orange"], label="p(next character)")
    right.set_yticks(range(len(order)), [_label(next_chars[i]) for i in order][::-1], family="monospace")
    finish(right, "…and predicts the next one", "probability", "next character")
    return fig


def baselines_figure(validation: dict[str, float], test: dict[str, float], ax: Axes | None = None) -> Axes:
    """Cross-entropy of the counting baselines on the validation and the test text: each longer context helps."""
    ax = axes(ax)
    names = list(validation)
    x = np.arange(len(names))
    ax.bar(x - 0.2, [validation[n] for n in names], 0.4, color=PALETTE["blue"], label="validation")
    ax.bar(x + 0.2, [test[n] for n in names], 0.4, color=PALETTE["orange"], label="test")
    ax.set_xticks(x, names)
    return finish(
        ax,
        "Counting baselines on Tiny Shakespeare",
        "model (context: 0, 0, 1, 2 characters)",
        "cross-entropy (nats per character)",
    )


def mlp_figure(run, trigram: float, ax: Axes | None = None) -> Axes:
    """Training-batch and validation loss of the MLP language model against the step, with the trigram's validation
    loss."""
    ax = axes(ax)
    steps = np.arange(1, len(run.batch_loss) + 1)
    ax.plot(steps, run.batch_loss, color=PALETTE["blue"], lw=0.6, alpha=0.7, label="training batch")
    held = sorted(run.validation)
    ax.plot(held, [run.validation[t] for t in held], "o-", color=PALETTE["orange"], ms=3, label="validation")
    ax.axhline(trigram, color=PALETTE["green"], ls="--", label=f"trigram (validation) {trigram:.2f}")
    ax.set_ylim(1.5, 4.4)
    return finish(ax, "The MLP language model while training", "step t", "loss ℓ (nats per character)")


def saturation_figure(
    dims: np.ndarray, spread: np.ndarray, unscaled: np.ndarray, scaled: np.ndarray, fig: Figure | None = None
) -> Figure:
    """Left: the spread of the scores q·k grows like √d. Right: the median norm of the softmax Jacobian against d,
    with scores q·k (it vanishes) and q·k/√d (it stays put)."""
    fig = fig or Figure(figsize=WIDER, layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(dims, spread, color=PALETTE["blue"], label="measured std of q·k")
    left.plot(dims, np.sqrt(dims), color=PALETTE["ink"], ls="--", lw=1, label="√d")
    left.plot(dims, spread / np.sqrt(dims), color=PALETTE["green"], label="std of q·k / √d")
    left.set_xscale("log", base=2)
    finish(left, "Scores spread like √d", "dimension d of q and k", "standard deviation")
    right.plot(dims, unscaled, color=PALETTE["red"], label="scores q·k")
    right.plot(dims, scaled, color=PALETTE["green"], label="scores q·k / √d")
    right.set_xscale("log", base=2)
    right.set_yscale("log")
    finish(right, "Unscaled softmax saturates", "dimension d of q and k", "median ‖diag(p) − ppᵀ‖")
    return fig


def layer_norm_figure(
    singular_values: np.ndarray, depths, with_residual, without_residual, fig: Figure | None = None
) -> Figure:
    """Left: singular values of LayerNorm's Jacobian, two of them zero. Right: the first block's gradient norm against
    depth at initialisation, with and without residual connections."""
    fig = fig or Figure(figsize=WIDER, layout="constrained")
    left, right = fig.subplots(1, 2)
    k = np.arange(1, singular_values.size + 1)
    left.semilogy(k, np.maximum(singular_values, 1e-17), "o", color=PALETTE["purple"], label="singular value")
    left.axhline(np.finfo(float).eps, color=PALETTE["grey"], ls=":", label="machine epsilon ε")
    finish(left, "LayerNorm's Jacobian: two zero directions", "index (largest first)", "singular value")
    right.semilogy(depths, with_residual, "o-", color=PALETTE["blue"], label="with residual connections")
    right.semilogy(depths, np.maximum(without_residual, 1e-300), "s-", color=PALETTE["red"], label="without")
    right.set_xscale("log", base=2)
    right.set_xticks(depths, [str(d) for d in depths])
    finish(right, "Residuals carry the gradient down", "number of blocks", "‖∂ℓ/∂W_qkv‖ of block 1")
    return fig


def counting_figure(
    widths: np.ndarray, exact: np.ndarray, approximate: np.ndarray, flops_ratio: np.ndarray, fig: Figure | None = None
) -> Figure:
    """Left: exact and approximate parameter counts against the width. Right: training flops per token divided by 6N."""
    fig = fig or Figure(figsize=WIDER, layout="constrained")
    left, right = fig.subplots(1, 2)
    left.loglog(widths, exact, "o-", color=PALETTE["blue"], label="exact N")
    left.loglog(widths, approximate, "--", color=PALETTE["orange"], label="12·n_layer·d² + (V + block)·d")
    finish(left, "Parameters of a 4-block model", "width d (n_embd)", "parameters")
    right.semilogx(widths, flops_ratio, "o-", color=PALETTE["green"], label="flops per token / 6N")
    right.axhline(1.0, color=PALETTE["grey"], ls=":", label="6N exactly")
    finish(right, "Training costs about 6N flops per token", "width d (n_embd)", "ratio")
    return fig


def causality_figure(changes: np.ndarray, ax: Axes | None = None) -> Axes:
    """Heat map of how much the logits at position t change when the token at position s changes: zero for s > t."""
    ax = axes(ax)
    image = ax.imshow(np.log10(np.maximum(changes, 1e-12)), cmap="viridis", vmin=-12)
    ax.figure.colorbar(image, ax=ax, label="log₁₀ of the largest change in the logits")
    ax.plot([], [], "s", color="#440154", label="no change (10⁻¹²): j > i")
    ax.grid(False)
    return finish(ax, "Changing token j moves only the logits at i ≥ j", "changed position j", "logits at position i")


def race_figure(runs: dict, fig: Figure | None = None) -> Figure:
    """Validation loss of the MLP and the transformer against the step (left) and the seconds spent training (right)."""
    fig = fig or Figure(figsize=WIDER, layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    colours = {"mlp": PALETTE["orange"], "transformer": PALETTE["blue"]}
    for kind, run in runs.items():
        steps = sorted(run.validation)
        left.plot(steps, [run.validation[t] for t in steps], "o-", ms=3, color=colours[kind], label=kind)
        right.plot(
            [run.seconds[t] for t in steps],
            [run.validation[t] for t in steps],
            "o-",
            ms=3,
            color=colours[kind],
            label=kind,
        )
    finish(left, "At equal steps", "step t", "validation loss (nats per character)")
    finish(right, "At equal time (this machine)", "seconds of training", "")
    return fig


def position_figure(by_position: dict, trigram: float, ax: Axes | None = None) -> Axes:
    """Validation loss at each position of a 32-character window: the transformer improves with more context."""
    ax = axes(ax)
    colours = {"mlp": PALETTE["orange"], "transformer": PALETTE["blue"]}
    for kind, losses in by_position.items():
        ax.plot(np.arange(len(losses)), losses, "o-", ms=3, color=colours[kind], label=kind)
    ax.axhline(trigram, color=PALETTE["green"], ls="--", label="trigram (all positions)")
    return finish(
        ax,
        "Loss by position in the window",
        "position i in the window (i + 1 characters seen)",
        "validation loss (nats)",
    )


def attention_figure(
    maps: np.ndarray, chars: str, layer: int = 0, head: int = 0, query: int = 31, fig: Figure | None = None
) -> Figure:
    """Attention map of one head of the trained transformer (left) and the weights of one query position over the
    characters before it (right)."""
    fig = fig or Figure(figsize=(9.0, 4.0), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.6])
    layer, head, query = int(layer), int(head), int(query)
    weights = maps[layer, head]
    left.imshow(weights, cmap="Blues", vmin=0, vmax=1)
    left.axhline(query, color=PALETTE["red"], lw=1, label=f"query position {query}")
    left.grid(False)
    finish(left, f"Layer {layer + 1}, head {head + 1}", "key position j", "query position i")
    labels = [_label(c) for c in chars]
    right.bar(range(len(chars)), weights[query], color=PALETTE["blue"], label="attention weight")
    right.set_xticks(range(len(chars)), labels, family="monospace", fontsize=8)
    right.set_ylim(0, 1)
    finish(right, f"Where position {query} ('{labels[query]}') looks", "key character", "weight")
    return fig


def weights_figure(p: np.ndarray, d: int, scaling: str, ax: Axes | None = None) -> Axes:
    """Bars of the softmax weights of one query over 8 keys, with the norm of the softmax Jacobian in the title."""
    ax = axes(ax)
    norm = np.linalg.norm(np.diag(p) - np.outer(p, p))
    ax.bar(
        np.arange(1, p.size + 1),
        p,
        color=PALETTE["blue"] if "√" in scaling else PALETTE["red"],
        label=f"scores {scaling}",
    )
    ax.set_ylim(0, 1)
    return finish(ax, f"d = {d}: ‖diag(p) − ppᵀ‖ = {norm:.1e}", "key j", "weight p_j")
