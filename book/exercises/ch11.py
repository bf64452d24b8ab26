"""Checkers for Chapter 11's exercises (the capstone: training a tiny GPT): ``check.clip_gradients(...)``.

The exercises build the training step by hand on the smallest language model there is, a table of scores: the scores
for the character after id a are ``W[a] + b`` (W of shape V × V, b of V), trained on the mean cross-entropy. Every
checker of a function runs hand-picked cases, cases on an exact boundary and 20 cases drawn by
:func:`book.checks.generated` (the same draws on every run); the challenge and the exploration are judged by training
and measuring.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable

import numpy as np

from book.checks import Case, Mistake, Result, check_function, close_to, generated, wrong
from book.exercises._claims import probed, same_side
from book.experiments import ch09
from book.optim import adamw, run, with_clipping
from book.schedules import warmup_cosine

LR, BETAS, EPS, WEIGHT_DECAY, MAX_NORM = 0.05, (0.9, 0.95), 1e-8, 0.1, 1.0
"""The settings of the training step of Exercise 11.3 (the chapter's recipe: AdamW, β₂ = 0.95, λ = 0.1, clip at 1)."""

TIGHT = close_to(rtol=1e-9, atol=1e-12)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _shown(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a), precision=3, separator=" ")


# --- Exercise 1: clipping by the global norm --------------------------------------------------------------------


def _norm(grads) -> float:
    return float(np.sqrt(sum(np.sum(g * g) for g in grads)))


def _clip(grads, max_norm):
    norm = _norm(grads)
    factor = max_norm / norm if norm > max_norm else 1.0
    return tuple(g * factor for g in grads)


def _clip_with(factor_of: Callable) -> Callable:
    """A clipping that scales every gradient by ``factor_of(grads, max_norm)``."""
    return lambda grads, max_norm: tuple(g * factor_of(grads, max_norm) for g in grads)


def _draw_gradients(rng: np.random.Generator) -> Case:
    V, scale = int(rng.integers(1, 6)), float(rng.choice([0.01, 0.3, 1.0, 10.0, 1000.0]))
    grads = (scale * rng.standard_normal((V, V)), scale * rng.standard_normal(V))
    max_norm = float(rng.choice([0.5, 1.0, 5.0]))
    return Case(
        (grads, max_norm), f"random gradients of W ({V}×{V}) and b ({V}) of scale {scale:g}, max_norm = {max_norm:g}"
    )


@functools.cache
def _clip_cases() -> tuple[Case, ...]:
    return (
        Case(((np.array([[3.0]]), np.array([4.0])), 1.0), "g_W = [[3]], g_b = [4] (global norm 5), max_norm = 1"),
        Case(
            ((np.array([[0.3, 0.0], [0.0, 0.0]]), np.array([0.4, 0.0])), 1.0),
            "g_W = [[0.3 0] [0 0]], g_b = [0.4 0] (global norm 0.5: below max_norm = 1, unchanged)",
        ),
        Case(
            ((np.array([[0.6]]), np.array([0.8])), 1.0), "g_W = [[0.6]], g_b = [0.8]: global norm exactly max_norm = 1"
        ),
        Case(((np.zeros((2, 2)), np.zeros(2)), 1.0), "zero gradients (norm 0), max_norm = 1"),
        Case(
            ((np.array([[2.0, 0.0], [0.0, 0.0]]), np.array([0.5, 0.5])), 1.0),
            "g_W = [[2 0] [0 0]] (norm 2), g_b = [0.5 0.5] (norm 0.71), max_norm = 1",
        ),
        *generated(_draw_gradients, count=20, seed=11),
    )


def clip_gradients(learner: Callable) -> Result:
    """Exercise 11.1: the gradients (g_W, g_b) scaled together so that their global norm is at most max_norm."""
    return check_function(
        learner,
        _clip,
        _clip_cases(),
        mistakes=(
            Mistake(
                lambda grads, max_norm: tuple(_clip((g,), max_norm)[0] for g in grads),
                "each array is clipped to its own norm; the global norm is over all gradients together, and one "
                "factor scales them all (the direction of the whole gradient is kept).",
            ),
            Mistake(
                _clip_with(lambda grads, max_norm: max_norm / _norm(grads) if _norm(grads) else 1.0),
                "a gradient whose global norm is already at most max_norm is left as it is: clipping only shrinks.",
            ),
            Mistake(
                lambda grads, max_norm: tuple(np.clip(g, -max_norm, max_norm) for g in grads),
                "np.clip clips each entry, which turns the gradient; scale all of it by max_norm / ‖g‖ instead.",
            ),
            Mistake(
                _clip_with(lambda grads, max_norm: min(1.0, max_norm / _norm(grads) ** 2) if _norm(grads) else 1.0),
                "the norm is the square root of the sum of the squares of every entry.",
            ),
            Mistake(
                _clip_with(
                    lambda grads, max_norm: (
                        min(1.0, max_norm / sum(np.sqrt(np.sum(g * g)) for g in grads)) if _norm(grads) else 1.0
                    )
                ),
                "the global norm is √(Σ of every squared entry), not the sum of the arrays' norms.",
            ),
            Mistake(
                _clip_with(lambda grads, max_norm: _norm(grads) / max_norm if _norm(grads) > max_norm else 1.0),
                "the factor is upside down: multiply by max_norm / ‖g‖, which is below 1 when clipping acts.",
            ),
        ),
        hint="norm = √(Σ over both arrays of g²); if norm > max_norm multiply both arrays by max_norm / norm; return "
        "the pair (g_W, g_b).",
        compare=close_to(rtol=1e-5, atol=1e-9),
        name="clip_gradients",
        parts={"the clipped gradient of W": 0, "the clipped gradient of b": 1},
        parts_noun="arrays",
    )


# --- Exercise 2: one AdamW update ------------------------------------------------------------------------------


def _adamw(
    x,
    g,
    m,
    v,
    t,
    lr,
    decay,
    *,
    corrected=True,
    l2=False,
    decay_scale=None,
    eps_inside=False,
    swapped=False,
    power_shift=0,
):
    beta1, beta2 = BETAS
    if decay and l2:
        g = g + WEIGHT_DECAY * x
    elif decay:
        x = x * (1 - (lr if decay_scale is None else decay_scale) * WEIGHT_DECAY)
    m = beta1 * g + (1 - beta1) * m if swapped else beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    power = t + power_shift
    m_hat = m / (1 - beta1**power) if corrected else m
    v_hat = v / (1 - beta2**power) if corrected else v
    denominator = np.sqrt(v_hat + EPS) if eps_inside else np.sqrt(v_hat) + EPS
    return x - lr * m_hat / denominator, m, v


def _draw_adamw(rng: np.random.Generator) -> Case:
    shape = (int(rng.integers(1, 4)), int(rng.integers(1, 5)))
    scale = float(rng.choice([1e-6, 0.01, 1.0, 100.0]))
    x, g = rng.standard_normal(shape), scale * rng.standard_normal(shape)
    m, v = scale * 0.5 * rng.standard_normal(shape), scale**2 * rng.random(shape)
    t, lr, decay = (
        int(rng.choice([1, 2, 3, 10, 100, 5000])),
        float(rng.choice([1e-3, 0.05, 0.5])),
        bool(rng.random() < 0.6),
    )
    return Case(
        (x, g, m, v, t, lr, decay),
        f"a random x of shape {shape}, g of scale {scale:g}, step t = {t}, lr = {lr:g}, decay = {decay}",
    )


@functools.cache
def _adamw_cases() -> tuple[Case, ...]:
    one, zero = np.ones((1, 1)), np.zeros((1, 1))
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = np.array([[0.1, -0.2], [0.0, 1.0]])
    return (
        Case(
            (one, zero, zero, zero, 1, 0.5, True),
            "x = 1, g = m = v = 0, t = 1, lr = 0.5, decay = True (only the decay acts: x = 0.95)",
        ),
        Case(
            (one, zero, zero, zero, 1, 0.5, False),
            "x = 1, g = m = v = 0, t = 1, lr = 0.5, decay = False (nothing moves)",
        ),
        Case(
            (one, 2 * one, zero, zero, 1, 0.5, False),
            "x = 1, g = 2, m = v = 0, t = 1 (the first step: about lr·sign(g))",
        ),
        Case(
            (x, g, zero + 0.1, zero + 0.01, 3, 0.05, True),
            "x = [[1 -2] [0.5 3]], g = [[0.1 -0.2] [0 1]], m = 0.1, v = 0.01, t = 3, lr = 0.05, decay = True",
        ),
        Case((x, g, zero + 0.1, zero + 0.01, 3, 0.05, False), "the same with decay = False"),
        Case((x, 1e-6 * g, zero, zero, 1000, 0.05, False), "gradients of order 10⁻⁶, m = v = 0, t = 1000 (ε matters)"),
        *generated(_draw_adamw, count=20, seed=12),
    )


def adamw_update(learner: Callable) -> Result:
    """Exercise 11.2: one AdamW step (PyTorch's form) on one array: (x, m, v) after step number t."""
    return check_function(
        learner,
        _adamw,
        _adamw_cases(),
        mistakes=(
            Mistake(
                functools.partial(_adamw, corrected=False),
                "the bias correction is missing: divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ before the step.",
            ),
            Mistake(
                functools.partial(_adamw, l2=True),
                "that is Adam with L2 (λx added to g, then normalised away); AdamW decays the weights directly: x ← "
                "x − lr·λ·x.",
            ),
            Mistake(
                functools.partial(_adamw, decay_scale=1.0),
                "the decay is multiplied by the learning rate: x ← x(1 − lr·λ), as PyTorch and optax write AdamW.",
            ),
            Mistake(
                lambda x, g, m, v, t, lr, decay: _adamw(x, g, m, v, t, lr, True),
                "decay = False means no weight decay for this array (a bias or a gain): the mask must be obeyed.",
            ),
            Mistake(
                functools.partial(_adamw, eps_inside=True),
                "ε is added after the square root: m̂ / (√v̂ + ε), as PyTorch does (optax's eps_root is another "
                "constant).",
            ),
            Mistake(
                functools.partial(_adamw, swapped=True),
                "the averages keep β of the old value: m ← β₁m + (1 − β₁)g, not β₁g + (1 − β₁)m.",
            ),
            Mistake(
                functools.partial(_adamw, power_shift=1),
                "t is the number of this step (1 for the first): the corrections are 1 − β₁ᵗ and 1 − β₂ᵗ, not t + 1.",
            ),
        ),
        hint="with β₁, β₂ = BETAS: if decay, x ← x(1 − lr·λ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; "
        "x ← x − lr·(m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε); return (x, m, v).",
        compare=TIGHT,
        name="adamw_update",
        parts={"the new x": 0, "the new m": 1, "the new v": 2},
        parts_noun="arrays",
    )


# --- Exercise 3: the training step ------------------------------------------------------------------------------


def _loss_and_grads(W, b, idx, targets, *, reduce="mean", scatter=True):
    """Mean cross-entropy of softmax(W[idx] + b) against targets, and its gradients with respect to W and b."""
    scores = W[idx] + b
    top = scores.max(axis=1, keepdims=True)
    log_total = top[:, 0] + np.log(np.exp(scores - top).sum(axis=1))
    n = len(idx) if reduce == "mean" else 1
    loss = float(np.sum(log_total - scores[np.arange(len(idx)), targets]) / n)
    d = _softmax(scores)
    d[np.arange(len(idx)), targets] -= 1.0
    d /= n
    dW = np.zeros_like(W)
    if scatter:
        np.add.at(dW, idx, d)
    else:
        dW[idx] += d  # a repeated id is counted once
    return loss, dW, d.sum(axis=0)


def _training_step(
    W, b, m, v, t, idx, targets, *, clip="global", decay_b=False, loss_after=False, corrected=True, **gradient
):
    loss, dW, db = _loss_and_grads(W, b, idx, targets, **gradient)
    if clip == "global":
        dW, db = _clip((dW, db), MAX_NORM)
    elif clip == "each":
        dW, db = (_clip((g,), MAX_NORM)[0] for g in (dW, db))
    W_new = _adamw(W, dW, m[0], v[0], t, LR, True, corrected=corrected)[0]
    b_new = _adamw(b, db, m[1], v[1], t, LR, decay_b, corrected=corrected)[0]
    if loss_after:
        loss = _loss_and_grads(W_new, b_new, idx, targets)[0]
    return loss, W_new, b_new


def _step_case(
    rng: np.random.Generator, V: int, n: int, scale: float, t: int, label: str, same_target: bool = False
) -> Case:
    W, b = scale * rng.standard_normal((V, V)), scale * rng.standard_normal(V)
    m = (0.01 * rng.standard_normal((V, V)), 0.01 * rng.standard_normal(V))
    v = (1e-4 * rng.random((V, V)), 1e-4 * rng.random(V))
    if t == 1:
        m, v = (np.zeros((V, V)), np.zeros(V)), (np.zeros((V, V)), np.zeros(V))
    idx = rng.integers(0, V, n)
    targets = np.full(n, int(rng.integers(0, V))) if same_target else rng.integers(0, V, n)
    return Case((W, b, m, v, t, idx, targets), label)


def _draw_step(rng: np.random.Generator) -> Case:
    V, n = int(rng.integers(2, 7)), int(rng.integers(1, 13))
    scale, t, same = float(rng.choice([0.1, 1.0, 3.0])), int(rng.choice([1, 2, 5, 50])), bool(rng.random() < 0.4)
    return _step_case(
        rng,
        V,
        n,
        scale,
        t,
        f"V = {V}, a batch of {n} random ids{' all with one target' if same else ''}, "
        f"W and b of scale {scale:g}, step t = {t}",
        same,
    )


@functools.cache
def _step_cases() -> tuple[Case, ...]:
    zeros = (np.zeros((3, 3)), np.zeros(3))
    return (
        Case(
            (np.zeros((3, 3)), np.zeros(3), zeros, zeros, 1, np.array([0, 1, 0, 2]), np.array([1, 2, 1, 0])),
            "W = 0, b = 0 (loss ln 3), V = 3, idx = [0 1 0 2], targets = [1 2 1 0], the first step (t = 1)",
        ),
        _step_case(
            np.random.default_rng(20),
            4,
            8,
            1.0,
            3,
            "V = 4, a batch of 8 ids all with one target (the gradient is clipped), t = 3",
            True,
        ),
        _step_case(
            np.random.default_rng(21), 5, 10, 0.1, 2, "V = 5, a batch of 10 random ids (gradient norm below 1), t = 2"
        ),
        _step_case(
            np.random.default_rng(22), 3, 6, 3.0, 7, "V = 3, a batch of 6 random ids, W and b of scale 3, t = 7"
        ),
        *generated(_draw_step, count=20, seed=13),
    )


def training_step(learner: Callable) -> Result:
    """Exercise 11.3: one training step of the score-table model: the loss, its gradients, clipping by the global
    norm, AdamW on W (decayed) and b (not decayed); returns (loss before the step, new W, new b)."""
    return check_function(
        learner,
        _training_step,
        _step_cases(),
        mistakes=(
            Mistake(
                functools.partial(_training_step, clip="none"),
                "the gradients are not clipped: scale (dW, db) to global norm at most MAX_NORM before the update.",
            ),
            Mistake(
                functools.partial(_training_step, clip="each"),
                "dW and db are clipped separately; clip them together, by their global norm.",
            ),
            Mistake(
                functools.partial(_training_step, decay_b=True),
                "b is a bias: the weight-decay mask leaves it out (decay W only).",
            ),
            Mistake(
                functools.partial(_training_step, scatter=False),
                "dW[idx] += d counts a repeated id once: use np.add.at(dW, idx, d) so that every use adds.",
            ),
            Mistake(
                functools.partial(_training_step, loss_after=True),
                "return the loss of the batch before the update, the number the gradient belongs to.",
            ),
            Mistake(
                functools.partial(_training_step, reduce="sum"),
                "the loss is the mean over the batch, so its gradient is (softmax − onehot) / n.",
            ),
            Mistake(
                functools.partial(_training_step, corrected=False),
                "AdamW's bias correction is missing: m/(1 − β₁ᵗ) and v/(1 − β₂ᵗ).",
            ),
        ),
        hint="scores = W[idx] + b; loss = mean(logsumexp(scores) − scores[range(n), targets]); d = (softmax(scores) − "
        "onehot(targets)) / n; dW = zeros, np.add.at(dW, idx, d); db = d.sum(0); clip (dW, db) by their global "
        "norm; then AdamW with decay on W only.",
        compare=close_to(rtol=1e-8, atol=1e-11),
        name="training_step",
        parts={"the loss": 0, "the new W": 1, "the new b": 2},
        parts_noun="values",
    )


# --- Exercise 4: writing text at a temperature -------------------------------------------------------------------


def _sample_text(
    next_scores,
    prompt,
    block_size,
    temperature,
    uniforms,
    *,
    scale=lambda T: 1 / T,
    window=True,
    grow=True,
    pick="draw",
):
    ids = list(prompt)
    new = []
    for u in uniforms:
        context = np.array(ids[-block_size:] if window else ids)
        z = next_scores(context) * scale(temperature)
        p = _softmax(z)
        nxt = int(np.argmax(p)) if pick == "argmax" else int(np.searchsorted(np.cumsum(p), u))
        new.append(nxt)
        if grow:
            ids.append(nxt)
    return np.array(new)


def _scorer(table: np.ndarray, weight: float) -> Callable:
    """Scores of the next id: a bigram table on the last id, plus ``weight`` × how often each id occurs in the
    context."""

    def next_scores(context):
        context = np.asarray(context)
        return table[context[-1]] + weight * np.bincount(context, minlength=table.shape[0])

    return next_scores


def _draw_sampling(rng: np.random.Generator) -> Case:
    V, block = int(rng.integers(2, 7)), int(rng.integers(1, 5))
    table = np.round(float(rng.choice([1.0, 3.0, 200.0])) * rng.standard_normal((V, V)), 2)
    prompt = rng.integers(0, V, int(rng.integers(1, 7)))
    temperature = float(rng.choice([0.25, 0.5, 1.0, 2.0]))
    uniforms = np.round(rng.random(int(rng.integers(1, 10))), 3)
    return Case(
        (_scorer(table, 0.7), prompt, block, temperature, uniforms),
        f"a random scorer over V = {V} ids, prompt {_shown(prompt)}, block_size = {block}, τ = {temperature:g}, "
        f"uniforms {_shown(uniforms)}",
    )


@functools.cache
def _sampling_cases() -> tuple[Case, ...]:
    cycle = _scorer(np.array([[0.0, 5.0, 0.0], [0.0, 0.0, 5.0], [5.0, 0.0, 0.0]]), 0.0)
    counting = _scorer(np.zeros((3, 3)), 1.0)
    return (
        Case(
            (cycle, np.array([0]), 4, 1.0, np.array([0.5, 0.5, 0.5, 0.5])),
            "a scorer that favours 0 → 1 → 2 → 0 (score 5), prompt [0], block_size 4, τ = 1, u = 0.5 four times",
        ),
        Case(
            (cycle, np.array([0]), 4, 5.0, np.array([0.1, 0.6, 0.95])),
            "the same scorer, τ = 5, uniforms [0.1 0.6 0.95]",
        ),
        Case(
            (counting, np.array([2, 2, 0, 1]), 2, 1.0, np.array([0.3, 0.7, 0.2, 0.9])),
            "a scorer that counts each id in the context, prompt [2 2 0 1], block_size 2 (only the last 2 ids "
            "count), τ = 1",
        ),
        Case(
            (counting, np.array([1, 1, 1]), 8, 0.5, np.array([0.99])),
            "the same scorer, prompt [1 1 1], block_size 8, τ = 0.5, u = 0.99",
        ),
        Case(
            (_scorer(np.array([[400.0, 0.0], [0.0, 800.0]]), 0.0), np.array([1]), 1, 1.0, np.array([0.5, 0.999])),
            "scores in the hundreds (exp overflows without subtracting the largest), prompt [1], τ = 1",
        ),
        Case(
            (
                _scorer(np.array([[800.0, 790.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]), 0.0),
                np.array([0]),
                1,
                1.0,
                np.array([0.99999]),
            ),
            "scores [800 790 0] after id 0, τ = 1, u = 0.99999 (the second id: p₀ ≈ 0.99995)",
        ),
        Case(
            (_scorer(np.zeros((4, 4)), 0.0), np.array([3]), 1, 1.0, np.array([0.25, 0.5, 0.75])),
            "equal scores over 4 ids, u exactly on the boundaries 0.25, 0.5, 0.75",
        ),
        *generated(_draw_sampling, count=20, seed=14),
    )


def sample_text(learner: Callable) -> Result:
    """Exercise 11.4: ``len(uniforms)`` new ids, each drawn from softmax(next_scores(last block_size ids) / τ) with one
    uniform number (the first id whose cumulative probability reaches u) and appended before the next."""
    return check_function(
        learner,
        _sample_text,
        _sampling_cases(),
        mistakes=(
            Mistake(
                functools.partial(_sample_text, scale=lambda T: T),
                "divide the scores by τ, do not multiply: a small τ sharpens.",
            ),
            Mistake(
                functools.partial(_sample_text, scale=lambda T: 1.0),
                "τ is ignored: the probabilities are softmax(scores / τ).",
            ),
            Mistake(
                functools.partial(_sample_text, window=False),
                "the model reads at most block_size ids: pass ids[-block_size:], the last ones, to next_scores.",
            ),
            Mistake(
                functools.partial(_sample_text, grow=False),
                "append each new id to the context before drawing the next: the text grows as it is written.",
            ),
            Mistake(
                functools.partial(_sample_text, pick="argmax"),
                "that picks the most likely id every time (τ → 0); draw with u: np.searchsorted(np.cumsum(p), u).",
            ),
        ),
        hint="ids = list(prompt); for each u: z = next_scores(np.array(ids[-block_size:])) / temperature; p = "
        "softmax(z) "
        "(subtract max(z) first); new id = np.searchsorted(np.cumsum(p), u); append it; return the new ids.",
        compare=close_to(rtol=0.0, atol=0.0),
        name="sample_text",
    )


# --- Exercise 5 (challenge): a fast recipe ------------------------------------------------------------------------

CHALLENGE_TARGET, CHALLENGE_STEPS, CHALLENGE_BATCH, CHALLENGE_SEEDS = 2.625, 100, 64, (0, 1)
"""Reach a validation loss of 2.625 with the score-table model in 100 steps of 64 characters, on both seeds."""

_CHALLENGE_LABEL = (
    f"the score-table model on Tiny Shakespeare, {CHALLENGE_STEPS} steps of {CHALLENGE_BATCH} characters "
    f"with the chapter's recipe: the validation loss above {CHALLENGE_TARGET} at the end, the worse "
    "of seeds 0 and 1"
)


@functools.cache
def _pair_counts(split: str) -> np.ndarray:
    """N(a, b): how often id b follows id a in the split, a 65 × 65 table."""
    ids = {"train": ch09.train_ids, "validation": ch09.validation_ids}[split]()
    return np.bincount(ids[:-1] * 65 + ids[1:], minlength=65 * 65).reshape(65, 65).astype(float)


def table_loss(W: np.ndarray, b: np.ndarray, counts: np.ndarray) -> float:
    """The score-table model's mean cross-entropy over the pairs counted in ``counts`` (nats per character)."""
    scores = W + b
    top = scores.max(axis=1, keepdims=True)
    log_p = scores - top - np.log(np.exp(scores - top).sum(axis=1, keepdims=True))
    return float(-(counts * log_p).sum() / counts.sum())


@functools.lru_cache(maxsize=64)  # the runs are seeded: a pair always gives the same answer
def final_validation_loss(peak_lr: float, warmup: int, seed: int, steps: int = CHALLENGE_STEPS) -> float:
    """The validation loss of the score-table model after ``steps`` steps of the chapter's recipe (AdamW, β₂ = 0.95,
    decay 0.1 on W only, clipping at 1, warmup then a cosine to 10 % of the peak) from zero, on random characters of
    the training block; ln V if it diverged."""
    ids = ch09.train_ids()
    rng = np.random.default_rng(seed)
    schedule = warmup_cosine(peak_lr, warmup, steps, min_lr=0.1 * peak_lr)
    opt = with_clipping(
        adamw(schedule, betas=BETAS, weight_decay=WEIGHT_DECAY, weight_decay_mask=lambda n: n == "W"), MAX_NORM
    )

    def grad_fn(params):
        at = rng.integers(0, ids.size - 1, CHALLENGE_BATCH)
        _, dW, db = _loss_and_grads(params["W"], params["b"], ids[at], ids[at + 1])
        return {"W": dW, "b": db}

    trajectory = run(opt, grad_fn, {"W": np.zeros((65, 65)), "b": np.zeros(65)}, steps, keep="last")
    if trajectory.diverged:
        return float(np.log(65))
    return table_loss(trajectory.x["W"][-1], trajectory.x["b"][-1], _pair_counts("validation"))


def _pair(answer) -> tuple | None:
    """``answer`` as a (peak_lr, warmup_steps) pair of finite numbers (True and False refused), or None."""
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        return None
    if not all(
        isinstance(v, numbers.Number) and not isinstance(v, (bool, np.bool_)) and np.isfinite(v) for v in answer
    ):
        return None
    return answer[0], answer[1]


def _described(answer) -> str:
    """What the learner returned instead of a pair, in a few words (never its repr, which may fail)."""
    if isinstance(answer, np.ndarray):
        return f"an array of shape {answer.shape}"
    if isinstance(answer, (tuple, list)) and len(answer) != 2:
        return f"{len(answer)} values"
    if isinstance(answer, (tuple, list)):
        shown = [f"{v!r}" if isinstance(v, numbers.Number) else f"a {type(v).__name__}" for v in answer]
        return f"({shown[0]}, {shown[1]})"
    return f"one {type(answer).__name__}"


def loss_above_target(peak_lr: float, warmup: int) -> float:
    """How far above the target the worse of the two seeds ends (0 if both reach it); a rate or warmup the recipe
    refuses counts as the loss of uniform guessing."""
    try:
        finals = [final_validation_loss(float(peak_lr), int(warmup), seed) for seed in CHALLENGE_SEEDS]
    except ValueError:  # a non-positive rate, a negative warmup or one as long as the run
        finals = [float(np.log(65))]
    return max(max(finals) - CHALLENGE_TARGET, 0.0)


def _trained(recipe_fn: Callable, refused: dict | None = None) -> Callable:
    """The learner's (peak_lr, warmup_steps) → how far above the target the model ends (0 = passed); an answer that is
    not such a pair is kept in ``refused`` and handed back as it is."""

    def measured():
        answer = recipe_fn()
        pair = _pair(answer)
        if pair is None:
            if refused is not None and answer is not None:
                refused["answer"] = answer
            return answer
        imaginary = max(abs(np.imag(v)) for v in pair)  # reported back, so a complex answer is told it is one
        over = loss_above_target(float(np.real(pair[0])), int(np.real(pair[1])))
        return over + 1j * imaginary if imaginary else over

    return measured


def fast_recipe(learner: Callable) -> Result:
    """Exercise 11.5 (challenge): a (peak_lr, warmup_steps) with which the score-table model ends a 100-step run at a
    validation loss of 2.625 or less on both seeds; the full model's (10⁻³, 100) is far from it."""
    refused: dict = {}
    result = check_function(
        learner,
        lambda: (0.3, 5),
        (Case((), _CHALLENGE_LABEL),),
        mistakes=(
            Mistake(
                lambda: (1e-3, 100),
                "make train's recipe is made for 3 000 steps: its warmup is as long as this "
                "whole run. Raise the peak rate a lot and shorten the warmup.",
            ),
            Mistake(
                lambda: (0.03, 10),
                "a peak of 0.03 moves each score by about 0.03 a step: 100 steps cannot take "
                "the table far enough from uniform. Try ten times larger.",
            ),
            Mistake(lambda: (0.2, 80), "a warmup of most of the run spends it at a small rate: shorten it."),
            Mistake(
                lambda: (2.0, 5),
                "a peak rate of 2 is too large: every step overshoots and the scores bounce. Try a few times smaller.",
            ),
        ),
        hint="return a pair (peak_lr, warmup_steps); 0 above the target passes. Adam moves each score by about the "
        "rate per step, and the scores must move by several units in 100 steps.",
        compare=close_to(),
        name="fast_recipe",
        adapt=lambda recipe_fn: _trained(recipe_fn, refused if recipe_fn is learner else None),
    )
    if "answer" in refused and not result.passed:
        return wrong(
            f"For {_CHALLENGE_LABEL}: expected a pair (peak_lr, warmup_steps) of finite numbers, such as "
            f"(0.01, 10); got {_described(refused['answer'])}."
        )
    return result


# --- Exploration: the temperature that calibrates an overconfident model -----------------------------------------

CALIBRATION_TEXT, CALIBRATION_ALPHA = 5_000, 0.01
"""The overconfident model: the bigram counted on the first 5 000 characters of the training block, smoothed with
α = 0.01, so that pairs it has seen get too much probability and pairs it has not too little."""


@functools.cache
def _overconfident_log_probs() -> np.ndarray:
    ids = ch09.train_ids()[:CALIBRATION_TEXT]
    counts = np.bincount(ids[:-1] * 65 + ids[1:], minlength=65 * 65).reshape(65, 65) + CALIBRATION_ALPHA
    return np.log(counts / counts.sum(axis=1, keepdims=True))


def calibrated_loss(temperature: float) -> float:
    """The validation cross-entropy of the overconfident bigram sampled at ``temperature``: softmax(log p / τ)."""
    return table_loss(_overconfident_log_probs() / temperature, np.zeros(65), _pair_counts("validation"))


def temperature_gain(temperatures: tuple[float, float]) -> float:
    """The validation loss at the first temperature minus that at the second (1 nat if the first is not positive)."""
    mine, other = temperatures
    if not mine > 0:
        return 1.0
    return calibrated_loss(mine) - calibrated_loss(other)


def best_temperature(learner: Callable) -> Result:
    """Exploration 11.6: the learner's claim, the τ with the lowest validation loss, compared with 1.1 τ and τ/1.1."""
    return check_function(
        learner,
        lambda: 1.44,
        (
            Case(
                (),
                "the bigram counted on the first 5 000 training characters (α = 0.01), measured on the validation "
                "block",
            ),
        ),
        mistakes=[
            Mistake(
                lambda: 1.0,
                "1.1 τ gives a lower validation loss: τ = 1 is the model as counted, and it is "
                "overconfident, so flatten it: try τ above 1.",
            ),
            Mistake(
                lambda: 5.0,
                "τ/1.1 gives a lower validation loss: so high a temperature flattens the model "
                "towards uniform and forgets what it counted. Try smaller τ.",
            ),
        ],
        hint="compute the validation loss of softmax(log p / τ) on a grid finer than 1.1 × from one τ to the next, "
        "such as np.geomspace(0.5, 5, 101), and keep the best.",
        compare=same_side(0.0),
        name="best_temperature",
        parts={
            "the validation loss at your τ minus that at 1.1 τ": 0,
            "the validation loss at your τ minus that at τ/1.1": 1,
        },
        parts_noun="differences",
        adapt=probed(temperature_gain, lambda tau: (tau, 1.1 * tau), lambda tau: (tau, tau / 1.1)),
    )
