"""Chapter 10's runs on Chapter 9's transformer: the learning rate against the width, the gradient noise scale, the
weight-decay mask, warmup–stable–decay against warmup + cosine, and a high peak rate with and without warmup.

Every run is the chapter's recipe (AdamW, β₂ = 0.95, clipping at global norm 1, a schedule) through
:func:`book.optim.run` on random windows of Tiny Shakespeare's training block, with the BLAS on one thread, and is
scored on fixed validation windows. The runs are in float64 (not float32, which trains twice as fast): a training run
amplifies round-off, and in float32 the validation loss after 150 steps moves in its second decimal with the CPU's
vector instructions. The models are small and the runs short (150 steps, a few seconds each), so each finding holds for
these settings.
"""

from __future__ import annotations

import functools

import numpy as np
from threadpoolctl import threadpool_limits

from book import noise, scale, text
from book import transformer as tf
from book.experiments.ch09 import train_ids, validation_ids
from book.optim import Trajectory, adamw, run, with_clipping
from book.schedules import warmup_cosine, warmup_stable_decay

SHAPE = {"vocab_size": 65, "block_size": 16, "n_layer": 1, "n_head": 4}
"""Chapter 9's transformer, smaller: 65 characters, a context of 16, one block of 4 heads; the width varies."""
WIDTHS = (16, 32, 64)
RATES = (1e-3, 3e-3, 1e-2, 3e-2)
"""The widths n_embd and the peak rates of the sweep."""
WIDTH = 32
"""The width of the other experiments."""
BATCH, STEPS, WARMUP, SEED = 16, 150, 15, 0
"""16 windows (256 predictions) per step, 150 steps of which 15 are warmup; the seed of the initialisation and
batches."""
WEIGHT_DECAY, MIN_LR_FRACTION, MAX_NORM = 0.1, 0.1, 1.0
DECAY_STEPS = 30
"""WSD's decay: the last 30 of the 150 steps (20 %), linear to 10 % of the peak."""
BASE_RATE, HIGH_RATE = 1e-2, 0.3
"""The peak rate of the mask, noise-scale and schedule experiments, and the high peak of the warmup experiment."""
VALIDATION_WINDOWS = 64
"""Validation loss: 64 fixed windows of the validation block (1 024 predictions)."""
NOISE_WINDOWS = 128
"""Per-example gradients for the noise scale: 128 windows of the training block (an example is one window)."""


def config(width: int = WIDTH) -> tf.GPTConfig:
    """The model of width ``width``."""
    return tf.GPTConfig(n_embd=width, **SHAPE)


def decays(name: str) -> bool:
    """The weight-decay mask: the weight matrices only; not the biases, LayerNorm gains and shifts, or embeddings."""
    return tf.decays(name) and not name.endswith("_embedding")


def schedule(peak_lr: float, kind: str = "cosine", warmup: int = WARMUP):
    """Warmup + cosine ("cosine") or warmup–stable–decay ("wsd") over :data:`STEPS`, both down to 10 % of the peak."""
    if kind == "wsd":
        return warmup_stable_decay(peak_lr, warmup, STEPS, DECAY_STEPS, MIN_LR_FRACTION * peak_lr)
    return warmup_cosine(peak_lr, warmup, STEPS, MIN_LR_FRACTION * peak_lr)


def batches(width: int, seed: int = SEED):
    """``grad_fn`` for :func:`book.optim.run`: the loss and gradients of the model on a fresh seeded random batch."""
    model, ids, rng = config(width), train_ids(), np.random.default_rng(seed)

    def grad_fn(params: dict) -> tuple[float, dict]:
        return tf.loss_and_grads(params, model, *text.random_windows(ids, model.block_size, BATCH, rng))

    return grad_fn


def train(
    width: int,
    peak_lr: float,
    kind: str = "cosine",
    warmup: int = WARMUP,
    mask=decays,
    seed: int = SEED,
    keep: str | int = "last",
) -> Trajectory:
    """One run of the recipe from the seeded initialisation, recording the batch loss and gradient norm per step."""
    opt = adamw(
        schedule(peak_lr, kind, warmup), betas=scale.RECIPE["betas"], weight_decay=WEIGHT_DECAY, weight_decay_mask=mask
    )
    with threadpool_limits(1):
        return run(
            with_clipping(opt, MAX_NORM),
            batches(width, seed),
            tf.init_params(config(width), seed),
            STEPS,
            keep=keep,
            returns_loss=True,
        )


def last(trajectory: Trajectory) -> dict:
    """The parameters at the end of a run."""
    return {name: values[-1] for name, values in trajectory.x.items()}


def validation_loss(params: dict, width: int = WIDTH) -> float:
    """Mean cross-entropy (nats per character) on :data:`VALIDATION_WINDOWS` fixed windows of the validation block."""
    ids, model = validation_ids(), config(width)
    starts = np.random.default_rng(1).integers(0, ids.size - model.block_size - 1, VALIDATION_WINDOWS)
    rows = starts[:, None] + np.arange(model.block_size)
    with threadpool_limits(1):
        return float(tf.loss(params, model, ids[rows], ids[rows + 1]).data)


# --- the learning rate against the width ---------------------------------------------------------------------------


@functools.cache
def sweep_run(width: int, peak_lr: float) -> Trajectory:
    """The run of the sweep at ``width`` and ``peak_lr`` (cached: other experiments reuse it)."""
    return train(width, peak_lr)


@functools.cache
def rate_sweep() -> dict[int, dict[float, float]]:
    """Validation loss after :data:`STEPS` steps for every width and peak rate: ``{width: {rate: loss}}``."""
    return {w: {lr: validation_loss(last(sweep_run(w, lr)), w) for lr in RATES} for w in WIDTHS}


def best_rates(sweep: dict[int, dict[float, float]]) -> dict[int, float]:
    """The rate with the lowest validation loss at each width."""
    return {w: min(losses, key=losses.get) for w, losses in sweep.items()}


@functools.cache
def seed_spread(width: int = WIDTH, peak_lr: float = BASE_RATE, seeds: tuple[int, ...] = (1, 2)) -> float:
    """How much the validation loss moves with the seed alone: the range over seed 0 and ``seeds`` at one setting."""
    losses = [validation_loss(last(sweep_run(width, peak_lr)), width)]
    losses += [validation_loss(last(train(width, peak_lr, seed=s)), width) for s in seeds]
    return max(losses) - min(losses)


# --- the gradient noise scale ----------------------------------------------------------------------------------------


def window_gradients(params: dict, width: int = WIDTH, windows: int = NOISE_WINDOWS, seed: int = 3) -> np.ndarray:
    """The gradient of each of ``windows`` seeded training windows on its own, flattened: shape (windows, N)."""
    model, ids = config(width), train_ids()
    starts = np.random.default_rng(seed).integers(0, ids.size - model.block_size - 1, windows)
    rows = []
    with threadpool_limits(1):
        for start in starts:
            window = ids[start : start + model.block_size + 1]
            _, grads = tf.loss_and_grads(params, model, window[None, :-1], window[None, 1:])
            rows.append(np.concatenate([g.ravel() for g in grads.values()]).astype(float))
    return np.array(rows)


@functools.cache
def noise_scales() -> dict[str, dict[str, float]]:
    """B_simple at the initialisation and after the sweep's run at width 32 and rate 0.01."""
    points = {"initialisation": tf.init_params(config(), SEED), "after 150 steps": last(sweep_run(WIDTH, BASE_RATE))}
    return {label: noise.noise_scale(window_gradients(params)) for label, params in points.items()}


# --- weight decay on every parameter, or masked --------------------------------------------------------------------


def decays_everything(name: str) -> bool:
    """The mask that decays every parameter (what AdamW does without a mask)."""
    return True


@functools.cache
def unmasked_run() -> Trajectory:
    """The sweep's run at width 32 and rate 0.01, with weight decay on every parameter."""
    return train(WIDTH, BASE_RATE, mask=decays_everything)


def gains(params: dict) -> np.ndarray:
    """Every LayerNorm gain of the model, concatenated."""
    return np.concatenate([value for name, value in params.items() if name.endswith("gain")])


# --- schedules and warmup ------------------------------------------------------------------------------------------


@functools.cache
def wsd_run() -> Trajectory:
    """Warmup–stable–decay at width 32 and rate 0.01 (its cosine twin is the sweep's run)."""
    return train(WIDTH, BASE_RATE, kind="wsd")


@functools.cache
def warmup_runs() -> dict[int, Trajectory]:
    """Peak rate 0.3 at width 32 with 15 warmup steps and without: ``{warmup_steps: run}``."""
    return {warmup: train(WIDTH, HIGH_RATE, warmup=warmup) for warmup in (WARMUP, 0)}


def first_step_losses(rates: tuple[float, ...], width: int = WIDTH) -> dict[float, float]:
    """The loss on the first batch after one step of size η along −sign(g₀) from the initialisation (Adam's first
    step, up to ε_opt), for each η: the loss along the direction the first step takes."""
    model, params = config(width), tf.init_params(config(width), SEED)
    idx, targets = text.random_windows(train_ids(), model.block_size, BATCH, np.random.default_rng(SEED))
    with threadpool_limits(1):
        _, grads = tf.loss_and_grads(params, model, idx, targets)
        return {
            lr: float(tf.loss({n: params[n] - lr * np.sign(grads[n]) for n in params}, model, idx, targets).data)
            for lr in rates
        }
