"""Chapter 9's settings and experiments (language models and the transformer): what its notebook, figures and
tests share. The models are :mod:`book.lm` (the MLP) and :mod:`book.transformer`; the text and its split are
:mod:`book.text`; the counting baselines are :mod:`book.ngram`."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from book import lm, ngram, text
from book import transformer as tf
from book.autodiff import Tensor, check_grad, layer_norm, precision
from book.numerics import softmax
from book.optim import adamw, clip_by_global_norm
from book.schedules import warmup_cosine

# --- why divide by √d ---------------------------------------------------------------------------------------------

SATURATION_KEYS, SATURATION_DRAWS, SATURATION_DIMS = 8, 2000, 256
"""Attention of one query over 8 keys, 2 000 random draws, key dimensions d = 1 … 256."""
SATURATION_THRESHOLD = 0.05
"""The exploration's target: the smallest d whose median softmax Jacobian norm (unscaled scores) is below 0.05."""


def _nested_scores(d_max: int, draws: int, keys: int, seed: int) -> np.ndarray:
    """q·k_j for standard normal q, k_j using their first d coordinates, d = 1 … d_max: shape (d_max, draws, keys)."""
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal((draws, 1, d_max)), rng.standard_normal((draws, keys, d_max))
    return np.moveaxis(np.cumsum(q * k, axis=2), 2, 0)


def score_spread(d_max: int = SATURATION_DIMS, seed: int = 0) -> np.ndarray:
    """The standard deviation of the unscaled scores q·k over the draws, for d = 1 … d_max (theory: √d)."""
    return _nested_scores(d_max, SATURATION_DRAWS, SATURATION_KEYS, seed).reshape(d_max, -1).std(axis=1)


def softmax_jacobian_norms(
    d_max: int, *, scaled: bool, draws: int = SATURATION_DRAWS, keys: int = SATURATION_KEYS, seed: int = 0
) -> np.ndarray:
    """‖diag(p) − ppᵀ‖_F for p = softmax(q·k_j (/√d)) with standard normal q, k_j, for d = 1 … d_max: shape (d_max,
    draws).

    The dimensions are nested (the scores for d use the first d coordinates), so one draw serves every d.
    """
    scores = _nested_scores(d_max, draws, keys, seed)
    if scaled:
        scores = scores / np.sqrt(np.arange(1, d_max + 1))[:, None, None]
    p = softmax(scores)
    squares, cubes = (p**2).sum(axis=-1), (p**3).sum(axis=-1)  # ‖diag p − ppᵀ‖² = Σp² − 2Σp³ + (Σp²)²
    return np.sqrt(np.maximum(squares - 2 * cubes + squares**2, 0.0))


@functools.cache
def saturation_dimension(threshold: float = SATURATION_THRESHOLD, seed: int = 0) -> int:
    """The smallest d ≤ 256 at which the median norm of the unscaled softmax Jacobian is below ``threshold``."""
    medians = np.median(softmax_jacobian_norms(SATURATION_DIMS, scaled=False, seed=seed), axis=1)
    below = np.flatnonzero(medians < threshold)
    if below.size == 0:
        raise ValueError(f"threshold must be reached by d = {SATURATION_DIMS}, got {threshold!r}")
    return int(below[0]) + 1


# --- LayerNorm's Jacobian -----------------------------------------------------------------------------------------


def layer_norm_jacobian(x: np.ndarray) -> np.ndarray:
    """The d × d Jacobian of LayerNorm (gain 1, shift 0, no offset under the root) at the vector x, by reverse mode:
    row i is the gradient of output i."""
    d = x.size
    rows = []
    for i in range(d):
        point = Tensor(x)
        layer_norm(point, np.ones(d), np.zeros(d), eps=0.0).backward(np.eye(d)[i])
        rows.append(point.grad)
    return np.array(rows)


# --- residual connections as a gradient highway -------------------------------------------------------------------

DEPTHS = (2, 4, 8, 16, 32)
DEPTH_SHAPE = {"vocab_size": 65, "block_size": 16, "n_head": 2, "n_embd": 32}
"""The models of the depth experiment: 65 characters, 16 positions, 2 heads, width 32; one batch of 4 windows."""


def first_layer_gradient_norm(n_layer: int, residual: bool, seed: int = 0) -> float:
    """‖∂ℓ/∂W_qkv‖ of the first block at initialisation, for one batch of training text, with or without residuals."""
    config = tf.GPTConfig(n_layer=n_layer, residual=residual, **DEPTH_SHAPE)
    idx, targets = text.random_windows(train_ids(), config.block_size, 4, np.random.default_rng(seed))
    _, grads = tf.loss_and_grads(tf.init_params(config, seed), config, idx, targets)
    return float(np.linalg.norm(grads["block0.attn.W_qkv"]))


def depth_experiment() -> dict[bool, list[float]]:
    """The first layer's gradient norm for every depth in :data:`DEPTHS`, with (True) and without (False) residuals."""
    return {residual: [first_layer_gradient_norm(n, residual) for n in DEPTHS] for residual in (True, False)}


# --- the text -----------------------------------------------------------------------------------------------------


@functools.cache
def _encoded() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    vocab, splits = text.vocabulary(), text.load_splits()
    return tuple(vocab.encode(part) for part in (splits.train, splits.validation, splits.test))


def train_ids() -> np.ndarray:
    """Tiny Shakespeare's training block as ids."""
    return _encoded()[0]


def validation_ids() -> np.ndarray:
    """The validation block as ids."""
    return _encoded()[1]


def test_ids() -> np.ndarray:
    """The test block as ids (scored once, at the end of the chapter)."""
    return _encoded()[2]


@functools.cache
def baselines(split: str = "test") -> dict[str, float]:
    """Cross-entropy (nats per character) of the counting models on ``split`` ("validation" or "test"), every
    model counted on the training block with its weights chosen on the validation block."""
    V, target = text.vocabulary().size, {"validation": validation_ids(), "test": test_ids()}[split]
    return {
        name: ngram.cross_entropy(ngram.fit(train_ids(), V, order, validation_ids()), target)
        for name, order in ngram.ORDERS.items()
    }


# --- the short run ------------------------------------------------------------------------------------------------

CONFIG = tf.GPTConfig(vocab_size=65, block_size=32, n_layer=2, n_head=4, n_embd=32)
"""The chapter's transformer: 65 characters, a context of 32, 2 blocks of 4 heads, width 32."""
MLP_CONTEXT, MLP_EMBED, MLP_HIDDEN = 8, 16, 128
"""The MLP language model (Bengio et al. 2003, for characters): 8 characters of context, embeddings of 16, 128 tanh
units."""
BATCH = 32
"""Windows of 32 characters per step: 32 × 32 = 1 024 next-character predictions, for both models."""
STEPS, EVERY, SEED = 600, 50, 0
PEAK_LR = {"mlp": 1e-2, "transformer": 2e-2}
"""Peak learning rates, chosen on the validation block from short trial runs."""
WEIGHT_DECAY = 0.0
"""No weight decay: a run this short does not overfit, and decay would pull LayerNorm's gains towards zero."""
EVAL_WINDOWS = 128
"""Validation loss during training: 128 fixed windows of 32 characters (4 096 predictions), the same for both models."""


def optimizer(peak_lr: float, steps: int = STEPS):
    """Chapter 10's recipe without weight decay: AdamW (β₂ = 0.95), warmup over the first 10 % of the steps, then a
    cosine to 10 % of the peak."""
    schedule = warmup_cosine(peak_lr, steps // 10, steps, min_lr=0.1 * peak_lr)
    return adamw(schedule, betas=(0.9, 0.95), weight_decay=WEIGHT_DECAY)


@dataclass(frozen=True)
class Run:
    """A training run: the batch loss at every step; the validation loss and the seconds spent training at every
    checkpoint step; the final parameters."""

    batch_loss: np.ndarray
    validation: dict[int, float]
    seconds: dict[int, float]
    params: dict


def _windows(ids: np.ndarray, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` seeded windows of the block size (starting after the MLP's context) and their next characters."""
    starts = np.random.default_rng(seed).integers(MLP_CONTEXT, ids.size - CONFIG.block_size, count)
    rows = starts[:, None] + np.arange(CONFIG.block_size)
    return ids[rows], ids[rows + 1]


def mlp_contexts(ids: np.ndarray, idx_starts: np.ndarray) -> np.ndarray:
    """The MLP's input for every position of every window: the 8 ids before and including it, shape (n·T, 8)."""
    ends = (idx_starts[:, None] + np.arange(CONFIG.block_size)).reshape(-1)
    return ids[ends[:, None] + np.arange(-MLP_CONTEXT + 1, 1)]


class Model:
    """One of the two models as the training loop sees it: its parameters, its loss and gradients on a batch of
    windows, and its loss on windows."""

    def __init__(self, kind: str, ids: np.ndarray):
        if kind not in ("mlp", "transformer"):
            raise ValueError(f"kind must be 'mlp' or 'transformer', got {kind!r}")
        self.kind, self.ids = kind, ids

    def init(self, seed: int = SEED) -> dict:
        if self.kind == "mlp":
            return lm.init_params(CONFIG.vocab_size, MLP_CONTEXT, MLP_EMBED, MLP_HIDDEN, seed=seed)
        return tf.init_params(CONFIG, seed)

    def loss_and_grads(self, params: dict, starts: np.ndarray) -> tuple[float, dict]:
        rows = starts[:, None] + np.arange(CONFIG.block_size)
        if self.kind == "mlp":
            return lm.loss_and_grads(params, mlp_contexts(self.ids, starts), self.ids[rows + 1].reshape(-1))
        return tf.loss_and_grads(params, CONFIG, self.ids[rows], self.ids[rows + 1])

    def loss(self, params: dict, ids: np.ndarray, starts: np.ndarray) -> float:
        """Mean cross-entropy over every position of the windows of ``ids`` starting at ``starts``."""
        rows = starts[:, None] + np.arange(CONFIG.block_size)
        if self.kind == "mlp":
            return lm.evaluate(params, mlp_contexts(ids, starts), ids[rows + 1].reshape(-1))
        return float(tf.loss(params, CONFIG, ids[rows], ids[rows + 1]).data)


def eval_starts(ids: np.ndarray, count: int = EVAL_WINDOWS, seed: int = 1) -> np.ndarray:
    """Seeded starts of ``count`` windows of ``ids``, each with the MLP's context before it."""
    return np.random.default_rng(seed).integers(MLP_CONTEXT, ids.size - CONFIG.block_size - 1, count)


def train(
    kind: str,
    steps: int = STEPS,
    peak_lr: float | None = None,
    seed: int = SEED,
    on_checkpoint: Callable[[int], None] | None = None,
) -> Run:
    """Train the MLP or the transformer on random windows of the training block in float32 on one thread, clipping
    at global norm 1; the validation loss every :data:`EVERY` steps."""
    model, ids = Model(kind, train_ids()), train_ids()
    rng, held, held_starts = np.random.default_rng(seed), validation_ids(), eval_starts(validation_ids())
    opt = optimizer(PEAK_LR[kind] if peak_lr is None else peak_lr, steps)
    losses, validation, seconds, spent = [], {}, {}, 0.0
    with threadpool_limits(1), precision(np.float32):
        params = {name: value.astype(np.float32) for name, value in model.init(seed).items()}
        state = opt.init(params)
        for t in range(steps + 1):
            if t % EVERY == 0 or t == steps:
                validation[t], seconds[t] = model.loss(params, held, held_starts), spent
                if on_checkpoint is not None:
                    on_checkpoint(t)
            if t == steps:
                break
            started = time.perf_counter()
            value, grads = model.loss_and_grads(params, rng.integers(0, ids.size - CONFIG.block_size - 1, BATCH))
            grads, _ = clip_by_global_norm(grads, 1.0)
            params, state = opt.step(params, grads, state)
            params = {name: value.astype(np.float32) for name, value in params.items()}
            spent += time.perf_counter() - started
            losses.append(value)
    return Run(np.array(losses), validation, seconds, params)


def training_loss(kind: str, params: dict) -> float:
    """The loss on :data:`EVAL_WINDOWS` fixed windows of the training block (to compare with the validation loss)."""
    with threadpool_limits(1), precision(np.float32):
        return Model(kind, train_ids()).loss(params, train_ids(), eval_starts(train_ids()))


def next_characters(context: str, top: int = 8) -> dict[str, float]:
    """The ``top`` most frequent characters after ``context`` in the training block, with their frequencies there."""
    vocab = text.vocabulary()
    pattern = vocab.encode(context)
    ids = train_ids()
    window = np.lib.stride_tricks.sliding_window_view(ids[:-1], pattern.size)
    following = ids[pattern.size :][np.all(window == pattern, axis=1)]
    frequencies = np.bincount(following, minlength=vocab.size) / following.size
    order = np.argsort(-frequencies, kind="stable")[:top]
    return {vocab.chars[i]: float(frequencies[i]) for i in order}


def score(kind: str, params: dict, ids: np.ndarray) -> float:
    """Cross-entropy (nats per character) on the characters of ``ids`` from the ninth on, read in consecutive windows
    of 32 up to the last whole window (a character early in a window has less context for the transformer)."""
    model = Model(kind, ids)
    starts = np.arange(MLP_CONTEXT - 1, ids.size - CONFIG.block_size - 1, CONFIG.block_size)
    chunks = np.array_split(starts, max(1, starts.size // 256))
    with threadpool_limits(1), precision(np.float32):
        losses = [model.loss(params, ids, chunk) for chunk in chunks]
    return float(np.average(losses, weights=[chunk.size for chunk in chunks]))


def loss_by_position(kind: str, params: dict, ids: np.ndarray, count: int = 512) -> np.ndarray:
    """The mean loss at each position 0 … 31 of ``count`` validation windows: how much the context helps."""
    model, starts = Model(kind, ids), eval_starts(ids, count, seed=2)
    rows = starts[:, None] + np.arange(CONFIG.block_size)
    with threadpool_limits(1), precision(np.float32):
        if model.kind == "mlp":
            scores = lm.logits({k: Tensor(v) for k, v in params.items()}, mlp_contexts(ids, starts)).data
            scores = scores.reshape(count, CONFIG.block_size, -1)
        else:
            scores = tf.logits(params, CONFIG, ids[rows]).data
    top = scores.max(axis=-1, keepdims=True)
    log_p = scores - top - np.log(np.exp(scores - top).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_p, ids[rows + 1][..., None], axis=-1)[..., 0]
    return -picked.mean(axis=0)


# --- checked end to end -------------------------------------------------------------------------------------------

TINY = tf.GPTConfig(vocab_size=5, block_size=4, n_layer=2, n_head=2, n_embd=8)
"""A configuration small enough for central differences: 5 characters, 4 positions, 2 blocks of 2 heads, width 8."""


def flat_loss(config: tf.GPTConfig, params: dict, idx: np.ndarray, targets: np.ndarray):
    """(f, x): the transformer's loss as a function of one flat vector of every parameter, and that vector."""
    names = list(params)
    ends = np.cumsum([params[n].size for n in names])
    starts = np.concatenate([[0], ends[:-1]])

    def f(x: Tensor) -> Tensor:
        return tf.loss(
            {n: x[a:b].reshape(params[n].shape) for n, a, b in zip(names, starts, ends)}, config, idx, targets
        )

    return f, np.concatenate([params[n].ravel() for n in names])


def tiny_gradient_check(directions: int = 10, seed: int = 0) -> float:
    """The worst relative error of reverse mode against central differences on :data:`TINY` (float64)."""
    rng = np.random.default_rng(seed)
    params = {
        name: value + 0.3 * rng.standard_normal(value.shape) for name, value in tf.init_params(TINY, seed).items()
    }
    idx, targets = (
        rng.integers(0, TINY.vocab_size, (2, TINY.block_size)),
        rng.integers(0, TINY.vocab_size, (2, TINY.block_size)),
    )
    f, x = flat_loss(TINY, params, idx, targets)
    return check_grad(f, x, directions=directions, seed=seed)


def causality_map(params: dict, config: tf.GPTConfig, idx: np.ndarray) -> np.ndarray:
    """Entry [t, s]: the largest change of the logits at position t when the token at position s is changed."""
    base = tf.logits(params, config, idx).data[0]
    T = idx.shape[1]
    changes = np.zeros((T, T))
    for s in range(T):
        changed = idx.copy()
        changed[0, s] = (changed[0, s] + 1) % config.vocab_size
        changes[:, s] = np.abs(tf.logits(params, config, changed).data[0] - base).max(axis=1)
    return changes


# --- counting -----------------------------------------------------------------------------------------------------

COUNTED = (
    ("this chapter", CONFIG),
    ("Chapter 11's model", tf.GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128)),
    ("GPT-2 small", tf.GPTConfig(vocab_size=50257, block_size=1024, n_layer=12, n_head=12, n_embd=768)),
    ("GPT-2 XL", tf.GPTConfig(vocab_size=50257, block_size=1024, n_layer=48, n_head=25, n_embd=1600)),
)
"""Models to count: this chapter's, a capstone-sized one, and two published GPT-2 shapes (Radford et al. 2019)."""


def counts(config: tf.GPTConfig) -> dict[str, float]:
    """Exact and approximate parameters, training flops per token and their ratio to 6N, and Adam's 16 bytes per
    parameter of training state (Chapter 10)."""
    exact = tf.parameter_count(config)
    flops = tf.training_flops_per_token(config)
    return {
        "parameters": exact,
        "approximation": tf.approximate_parameter_count(config),
        "flops per token": flops,
        "flops / 6N": flops / (6 * exact),
        "training state (bytes)": 16 * exact,
    }


# --- attention maps -----------------------------------------------------------------------------------------------

PROMPT_START = 2_000
"""The attention maps are drawn for the 32 validation characters from this offset on."""


def prompt_ids() -> np.ndarray:
    """The validation window whose attention maps the chapter shows."""
    return validation_ids()[PROMPT_START : PROMPT_START + CONFIG.block_size]


def attention_maps(params: dict) -> np.ndarray:
    """The trained transformer's attention weights on :func:`prompt_ids`: shape (n_layer, n_head, T, T)."""
    with precision(np.float32):
        return tf.attention_weights(params, CONFIG, prompt_ids()[None, :])[:, 0]


# --- cached runs ------------------------------------------------------------------------------------------------

_RUNS: dict[str, Run] = {}


def trained(kind: str, on_checkpoint: Callable[[int], None] | None = None) -> Run:
    """The chapter's run of ``kind`` ("mlp" or "transformer"), trained on the first call."""
    if kind not in _RUNS:
        _RUNS[kind] = train(kind, on_checkpoint=on_checkpoint)
    return _RUNS[kind]


def one_query(d: int, scaled: bool, seed: int = 3) -> np.ndarray:
    """The attention weights of one random query over 8 random keys (standard normal entries) at dimension ``d``."""
    scores = _nested_scores(SATURATION_DIMS, 1, SATURATION_KEYS, seed)[int(d) - 1, 0]
    scores = scores / np.sqrt(d) if scaled else scores
    return softmax(scores)
