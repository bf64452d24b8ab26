"""Figures of Chapter 11 (the capstone). The corpus, model, training and sampling come from :mod:`book.lm`; this
module holds the chapter's settings and draws."""

from __future__ import annotations

import functools
import textwrap

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from book import lm
from book.autodiff import Tensor, logsumexp
from book.plotting import PALETTE, axes, finish

CONTEXT, EMBED, HIDDEN = 8, 16, 128
"""The model reads 8 characters, embeds each in 16 numbers and has 128 tanh units."""
RECIPE = lm.Recipe(steps=3000, batch_size=64, peak_lr=3e-3, warmup=100, weight_decay=0.1, max_norm=1.0)
EVERY = 200
"""Checkpoints (and held-out losses) every 200 steps."""
SEED = 0
ALPHAS = (0.01, 0.03, 0.1, 0.3, 1.0)
"""Add-α smoothing values tried for the bigram baseline; it gets the best of them on the held-out text."""
PROMPT = "Shall I compare thee"
SAMPLE_LENGTH = 240
TEMPERATURES = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0]
SAMPLE_SEEDS = [0, 1, 2, 3, 4]
CHECKPOINT_TEMPERATURE = 0.8
SHOWN_CHARACTERS = 20
"""The bigram heat map shows the 20 most frequent characters."""
WIDE = (8.0, 3.6)


@functools.cache
def corpus() -> lm.Corpus:
    """The chapter's corpus, cut into windows of :data:`CONTEXT` characters."""
    return lm.prepare(CONTEXT)


_RUNS: dict[str, lm.TrainingRun] = {}


def trained(on_checkpoint=None) -> lm.TrainingRun:
    """The chapter's training run (trained on the first call, which may pass a progress callback)."""
    if "run" not in _RUNS:
        c = corpus()
        params = lm.init_params(c.vocab.size, CONTEXT, EMBED, HIDDEN, seed=SEED)
        _RUNS["run"] = lm.train(params, c.train_pairs, c.held_out_pairs, RECIPE, seed=SEED, every=EVERY,
                                on_checkpoint=on_checkpoint)
    return _RUNS["run"]


@functools.cache
def sample_text(step: int, temperature: float, seed: int) -> str:
    """A sample of the model at checkpoint ``step``."""
    return lm.sample(trained().checkpoints[step], corpus().vocab, PROMPT, SAMPLE_LENGTH, temperature, seed)


def _label(char: str) -> str:
    return {" ": "␣", "\n": "↵"}.get(char, char)


def bigram_figure(log_probs: np.ndarray, counts: np.ndarray, vocab: lm.Vocabulary, ax: Axes | None = None) -> Axes:
    """Heat map of the bigram probabilities P(next | current) among the most frequent characters."""
    ax = axes(ax)
    shown = np.argsort(-counts, kind="stable")[:SHOWN_CHARACTERS]
    image = ax.imshow(np.exp(log_probs[np.ix_(shown, shown)]), cmap="viridis")
    labels = [_label(vocab.chars[i]) for i in shown]
    ax.set_xticks(range(len(shown)), labels)
    ax.set_yticks(range(len(shown)), labels)
    ax.figure.colorbar(image, ax=ax, label="P(next | current)")
    return finish(ax, "Bigram model: which character follows which", "next character", "current character",
                  legend=False)


def logsumexp_figure(ax: Axes | None = None) -> Axes:
    """log Σ exp(c·s) for scores s = (1, 2, 3) as c grows: the direct formula overflows, log-sum-exp does not."""
    ax = axes(ax)
    scales = np.linspace(1, 400, 400)
    scores = np.array([1.0, 2.0, 3.0])
    with np.errstate(over="ignore"):
        direct = np.log(np.sum(np.exp(np.outer(scales, scores)), axis=1))
    stable = logsumexp(Tensor(np.outer(scales, scores)), axis=1).data[:, 0]
    ax.plot(scales, stable, color=PALETTE["blue"], lw=3, label="m + log Σ exp(s − m) (log-sum-exp)")
    ax.plot(scales, direct, color=PALETTE["orange"], ls="--", label="log Σ exp(s) directly (inf past c ≈ 237)")
    ax.axvline(np.log(np.finfo(float).max) / 3, color="grey", lw=0.8, label="3c = 709.8: exp overflows")
    return finish(ax, "Log-sum-exp never overflows", "scale c of the scores (c, 2c, 3c)", "log Σ exp(scores)")


def training_figure(run: lm.TrainingRun, bigram: float, uniform: float, fig: Figure | None = None) -> Figure:
    """Left: batch loss at every step and held-out loss at checkpoints, against the bigram and uniform baselines;
    right: the gradient norm before clipping, with the clipping threshold."""
    fig = fig or Figure(figsize=WIDE, layout="constrained")
    left, right = fig.subplots(1, 2)
    steps = np.arange(1, len(run.batch_loss) + 1)
    left.plot(steps, run.batch_loss, color=PALETTE["blue"], lw=0.5, alpha=0.6, label="training batch")
    held = sorted(run.held_out_loss)
    left.plot(held, [run.held_out_loss[t] for t in held], "o-", color=PALETTE["orange"], ms=3, label="held-out text")
    left.axhline(bigram, color=PALETTE["green"], ls="--", label=f"bigram (held-out) {bigram:.2f}")
    left.axhline(uniform, color="grey", ls=":", label=f"uniform, log V = {uniform:.2f}")
    left.set_ylim(1.2, uniform + 0.3)
    finish(left, "Cross-entropy while training", "step t", "loss ℓ (nats per character)")
    right.plot(steps, run.grad_norm, color=PALETTE["red"], lw=0.5, label="‖∇ℓ‖ of the batch")
    right.axhline(RECIPE.max_norm, color="black", ls="--", label="clipped above 1")
    finish(right, "Gradient norm before clipping", "step t", "global norm")
    return fig


def _show_text(ax: Axes, text: str, title: str) -> Axes:
    lines = [textwrap.fill(line, 56) if line else "" for line in text.split("\n")]
    ax.text(0.0, 1.0, "\n".join(lines[:16]), family="monospace", fontsize=9, va="top", transform=ax.transAxes)
    ax.set_axis_off()
    ax.set_title(title)
    return ax


def temperature_figure(temperature: float = 0.8, seed: int = 0, ax: Axes | None = None) -> Axes:
    """Text the trained model writes after "Shall I compare thee", at a chosen temperature and random seed."""
    ax, seed = axes(ax), int(seed)
    return _show_text(ax, PROMPT + sample_text(RECIPE.steps, float(temperature), seed),
                      f"Sample at temperature {temperature:g}, seed {seed}")


def checkpoint_figure(step: int = RECIPE.steps, fig: Figure | None = None) -> Figure:
    """Held-out loss with the chosen training step marked, and the text the model at that step writes."""
    fig = fig or Figure(layout="constrained")
    fig.set_size_inches(9.0, 4.0)
    step = int(step)
    left, right = fig.subplots(1, 2, width_ratios=[1, 2])
    run = trained()
    held = sorted(run.held_out_loss)
    left.plot(held, [run.held_out_loss[t] for t in held], "o-", color=PALETTE["orange"], ms=3, label="held-out loss")
    left.plot([step], [run.held_out_loss[step]], "o", color="black", ms=8, label=f"step {step}")
    finish(left, "Held-out loss", "step t", "loss ℓ (nats)")
    _show_text(right, PROMPT + sample_text(step, CHECKPOINT_TEMPERATURE, 0),
               f"After {step} steps (temperature {CHECKPOINT_TEMPERATURE:g})")
    return fig
