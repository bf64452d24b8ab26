"""Checkers for Chapter 9's exercises (language models and the transformer): ``check.softmax_jacobian(...)``.

Every checker runs a few hand-picked cases, cases on an exact boundary, and 20 cases drawn by
:func:`book.checks.generated` over the exercise's valid inputs (the same draws on every run).
"""

from __future__ import annotations

import functools
import numbers
import string
from collections.abc import Callable

import numpy as np

from book.checks import Case, Mistake, Result, check_function, close_to, generated
from book.experiments.ch09 import SATURATION_DRAWS, SATURATION_KEYS, SATURATION_THRESHOLD, saturation_dimension

TIGHT = close_to(rtol=1e-10, atol=1e-12)


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --- Exercise 1: the softmax Jacobian ---------------------------------------------------------------------------


def _softmax_jacobian(z):
    p = _softmax(z)
    return np.diag(p) - np.outer(p, p)


def _draw_scores(rng: np.random.Generator) -> Case:
    size, scale = int(rng.integers(1, 8)), float(rng.choice([0.5, 3.0, 400.0]))
    z = np.round(scale * rng.standard_normal(size), 3)
    return Case((z,), f"z = {np.array2string(z, precision=3)}")


@functools.cache
def _jacobian_cases() -> tuple[Case, ...]:
    return (
        Case((np.array([0.0, 0.0]),), "z = [0 0] (p = [½ ½])"),
        Case((np.array([1.0, 2.0, 3.0]),), "z = [1 2 3]"),
        Case((np.array([5.0]),), "z = [5] (one entry: p = [1])"),
        Case((np.array([1000.0, 999.0, 0.0]),), "z = [1000 999 0] (scores in the thousands)"),
        *generated(_draw_scores, count=20, seed=1),
    )


def softmax_jacobian(learner: Callable) -> Result:
    """Exercise 9.1: the Jacobian ∂p_i/∂z_j of p = softmax(z), the matrix diag(p) − ppᵀ."""
    return check_function(
        learner,
        _softmax_jacobian,
        _jacobian_cases(),
        mistakes=(
            Mistake(
                lambda z: np.diag(_softmax(z)),
                "that is only the diagonal's first term: ∂p_i/∂z_j = p_i(δ_ij − p_j) also has −p_i p_j off the "
                "diagonal.",
            ),
            Mistake(
                lambda z: np.outer(_softmax(z), _softmax(z)) - np.diag(_softmax(z)),
                "the sign is flipped: raising z_i raises p_i, so the diagonal p_i(1 − p_i) is positive.",
            ),
            Mistake(
                lambda z: np.diag(_softmax(z) * (1 - _softmax(z))),
                "those are the diagonal entries only; every off-diagonal entry is −p_i p_j.",
            ),
        ),
        hint="p = softmax(z) (subtract max(z) before exp); return np.diag(p) − np.outer(p, p).",
        compare=TIGHT,
        name="softmax_jacobian",
    )


# --- Exercise 2: LayerNorm's backward pass ----------------------------------------------------------------------


def _normalised(x):
    centred = x - x.mean(axis=-1, keepdims=True)
    s = np.sqrt(np.mean(centred**2, axis=-1, keepdims=True))
    return centred / s, s


def _layernorm_backward(x, g):
    y, s = _normalised(x)
    return (g - g.mean(axis=-1, keepdims=True) - y * np.mean(g * y, axis=-1, keepdims=True)) / s


def _draw_rows(rng: np.random.Generator) -> Case:
    rows, d = int(rng.integers(1, 5)), int(rng.integers(2, 9))
    shift, scale = float(rng.choice([0.0, 5.0, -100.0])), float(rng.choice([0.1, 1.0, 30.0]))
    x = shift + scale * rng.standard_normal((rows, d))
    return Case(
        (x, rng.standard_normal((rows, d))),
        f"a random x of shape {x.shape} (mean ≈ {shift:g}, spread ≈ {scale:g}) and g",
    )


@functools.cache
def _layernorm_cases() -> tuple[Case, ...]:
    x = np.array([[1.0, 2.0, 3.0, 6.0]])
    return (
        Case((x, np.array([[1.0, 0.0, 0.0, 0.0]])), "x = [[1 2 3 6]], g = [[1 0 0 0]]"),
        Case((x, np.ones((1, 4))), "x = [[1 2 3 6]], g = all ones (the answer is 0)"),
        Case((x, _normalised(x)[0]), "x = [[1 2 3 6]], g = y itself (the answer is 0)"),
        Case(
            (np.array([[0.0, 2.0], [5.0, -1.0]]), np.array([[1.0, -3.0], [0.5, 2.0]])),
            "x = [[0 2] [5 -1]], g = [[1 -3] [0.5 2]]",
        ),
        *generated(_draw_rows, count=20, seed=2),
    )


def layernorm_backward(learner: Callable) -> Result:
    """Exercise 9.2: ∂ℓ/∂x of y = (x − mean)/ρ row by row, given g = ∂ℓ/∂y."""
    return check_function(
        learner,
        _layernorm_backward,
        _layernorm_cases(),
        mistakes=(
            Mistake(
                lambda x, g: g / _normalised(x)[1],
                "the mean and the spread depend on x too: subtract mean(g) and y·mean(g·y) before dividing by ρ.",
            ),
            Mistake(
                lambda x, g: (g - g.mean(axis=-1, keepdims=True)) / _normalised(x)[1],
                "the spread ρ depends on x too: its term is −y·mean(g·y).",
            ),
            Mistake(
                lambda x, g: (
                    (g - _normalised(x)[0] * np.mean(g * _normalised(x)[0], axis=-1, keepdims=True)) / _normalised(x)[1]
                ),
                "the mean depends on x too: its term is −mean(g).",
            ),
            Mistake(
                lambda x, g: (
                    (
                        g
                        - g.mean(axis=-1, keepdims=True)
                        + _normalised(x)[0] * np.mean(g * _normalised(x)[0], axis=-1, keepdims=True)
                    )
                    / _normalised(x)[1]
                ),
                "the sign of the y·mean(g·y) term: a larger spread shrinks every |y_i|, so that term is subtracted.",
            ),
        ),
        hint="with y the normalised row and ρ its spread: (g − mean(g) − y·mean(g·y)) / ρ, each mean over the row "
        "(axis=-1, keepdims=True).",
        compare=close_to(rtol=1e-8, atol=1e-10),
        name="layernorm_backward",
    )


# --- Exercise 3: the causal mask --------------------------------------------------------------------------------


def _causal_weights(scores):
    future = np.triu(np.ones(scores.shape, dtype=bool), k=1)
    return _softmax(np.where(future, -np.inf, scores))


def _draw_square(rng: np.random.Generator) -> Case:
    size, scale = int(rng.integers(1, 7)), float(rng.choice([1.0, 4.0, 500.0]))
    scores = np.round(scale * rng.standard_normal((size, size)), 3)
    return Case((scores,), f"random scores of shape {scores.shape} (spread ≈ {scale:g})")


@functools.cache
def _causal_cases() -> tuple[Case, ...]:
    return (
        Case((np.zeros((3, 3)),), "scores all 0, 3 positions"),
        Case((np.arange(9.0).reshape(3, 3),), "scores [[0 1 2] [3 4 5] [6 7 8]]"),
        Case((np.array([[7.0]]),), "one position, score 7"),
        Case((np.array([[1000.0, 0.0], [0.0, 1000.0]]),), "scores [[1000 0] [0 1000]]"),
        *generated(_draw_square, count=20, seed=3),
    )


def causal_weights(learner: Callable) -> Result:
    """Exercise 9.3: attention weights with a causal mask: row i is the softmax of scores[i, :i+1], zero after."""
    return check_function(
        learner,
        _causal_weights,
        _causal_cases(),
        mistakes=(
            Mistake(
                lambda s: _softmax(np.where(np.tril(np.ones(s.shape, dtype=bool), k=-1), -np.inf, s)),
                "that mask hides the past and keeps the future: position i may look at j ≤ i only (np.triu(…, k=1) "
                "marks the future).",
            ),
            Mistake(
                lambda s: _softmax(np.where(np.triu(np.ones(s.shape, dtype=bool), k=1), 0.0, s)),
                "a masked score set to 0 still gets weight e⁰: set it to −∞, so that its weight e^(−∞) is 0.",
            ),
            Mistake(
                lambda s: np.where(np.triu(np.ones(s.shape, dtype=bool), k=1), 0.0, _softmax(s)),
                "zeroing after the softmax leaves rows that no longer sum to 1: mask the scores first (−∞), then "
                "softmax.",
            ),
            Mistake(
                lambda s: _softmax(np.where(np.triu(np.ones(s.shape, dtype=bool), k=1), -np.inf, s), axis=0),
                "the softmax runs along a row (over the keys j, axis=-1), not down a column.",
            ),
        ),
        hint="mask = np.triu(np.ones_like(scores, dtype=bool), k=1); masked = np.where(mask, -np.inf, scores); then a "
        "softmax along each row, subtracting the row's largest score first.",
        compare=TIGHT,
        name="causal_weights",
    )


# --- Exercise 4: counting parameters ----------------------------------------------------------------------------


def _parameter_count(vocab_size, block_size, n_layer, n_head, n_embd):
    d = n_embd
    block = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (4 * d * d + 4 * d) + (4 * d * d + d)
    return (vocab_size + block_size) * d + n_layer * block + 2 * d


def _draw_config(rng: np.random.Generator) -> Case:
    n_head = int(rng.choice([1, 2, 4, 8]))
    config = (
        int(rng.integers(2, 100)),
        int(rng.integers(1, 65)),
        int(rng.integers(1, 13)),
        n_head,
        n_head * int(rng.integers(1, 17)),
    )
    return Case(config, "vocab_size, block_size, n_layer, n_head, n_embd = " + ", ".join(map(str, config)))


@functools.cache
def _count_cases() -> tuple[Case, ...]:
    return (
        Case((65, 64, 2, 4, 64), "the chapter's shape: V = 65, block 64, 2 layers, 4 heads, width 64"),
        Case((65, 64, 2, 1, 64), "the same with 1 head (the count does not change)"),
        Case((3, 1, 1, 1, 1), "V = 3, block 1, 1 layer, 1 head, width 1"),
        Case((50257, 1024, 12, 12, 768), "GPT-2 small's shape: V = 50257, block 1024, 12 layers, 12 heads, width 768"),
        *generated(_draw_config, count=20, seed=4),
    )


def parameter_count(learner: Callable) -> Result:
    """Exercise 9.4: the exact number of parameters of the chapter's transformer, from its five sizes."""
    return check_function(
        learner,
        _parameter_count,
        _count_cases(),
        mistakes=(
            Mistake(
                lambda V, k, L, h, d: 12 * L * d * d + (V + k) * d,
                "that is the approximation: add every bias, LayerNorm's gains and shifts, and the final LayerNorm.",
            ),
            Mistake(
                lambda V, k, L, h, d: _parameter_count(V, k, L, h, d) - k * d,
                "the position embeddings (block_size × n_embd) are missing.",
            ),
            Mistake(
                lambda V, k, L, h, d: _parameter_count(V, k, L, h, d) + d * V,
                "the output head is tied: it reuses the token embedding (scores = x Eᵀ), so it adds no parameters.",
            ),
            Mistake(
                lambda V, k, L, h, d: _parameter_count(V, k, L, h, d) + (h - 1) * L * 4 * d * d,
                "the heads split the width, they do not multiply it: the count does not depend on n_head.",
            ),
            Mistake(
                lambda V, k, L, h, d: _parameter_count(V, k, L, h, d) - 4 * L * d - 2 * d,
                "LayerNorm has two vectors of n_embd (gain and shift): count them, and the final LayerNorm's.",
            ),
        ),
        hint="per block: two LayerNorms (2d each), q/k/v (3d² + 3d), the output projection (d² + d), the MLP "
        "(4d² + 4d and 4d² + d); plus the embeddings (V + block)·d and the final LayerNorm 2d; the head reuses the "
        "token embedding.",
        compare=close_to(rtol=0.0, atol=0.0),
        name="parameter_count",
    )


# --- Exercises 5-8: language-model basics (encode, the bigram baseline, sampling, the MLP's loss) ---------------


def _encode(text):
    chars = sorted(set(text))
    return np.array([chars.index(c) for c in text])


def _first_seen_order(text):
    chars = list(dict.fromkeys(text))
    return np.array([chars.index(c) for c in text])


_LETTERS = string.ascii_letters + " \n,.;'!?"


def _draw_text(rng: np.random.Generator) -> Case:
    alphabet = rng.choice(list(_LETTERS), size=int(rng.integers(2, 12)), replace=False)
    text = "".join(rng.choice(alphabet, size=int(rng.integers(1, 40))))
    return Case((text,), f"text = {text!r}")


@functools.cache
def _encode_cases() -> tuple[Case, ...]:
    return (
        Case(("hello",), 'text = "hello"'),
        Case(("Shall I compare thee",), 'text = "Shall I compare thee"'),
        Case(("baba\nab",), 'text = "baba\\nab"'),
        Case(("z",), 'text = "z" (one character)'),
        *generated(_draw_text, count=20, seed=5),
    )


def encode(learner: Callable) -> Result:
    """Exercise 9.5: the ids of a text's characters, a character's id being its position in the sorted vocabulary."""
    return check_function(
        learner,
        _encode,
        _encode_cases(),
        mistakes=(
            Mistake(
                _first_seen_order, "the ids follow the order characters first appear in; sort the vocabulary first."
            ),
            Mistake(
                lambda text: _encode(text) + 1, "ids start at 0: a character's id is its position in the sorted list."
            ),
            Mistake(
                lambda text: np.array([ord(c) for c in text]),
                "ord(c) is the character's code point; the id is its position in sorted(set(text)).",
            ),
        ),
        hint="chars = sorted(set(text)); return np.array([chars.index(c) for c in text]).",
        compare=TIGHT,
        name="encode",
    )


def _bigram(train_ids, held_ids, V, alpha):
    counts = np.zeros((V, V))
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
    p = (counts + alpha) / (counts.sum(axis=1, keepdims=True) + alpha * V)
    return -np.mean(np.log(p[held_ids[:-1], held_ids[1:]]))


def _bigram_with(probabilities: Callable, log=np.log) -> Callable:
    def wrong(train_ids, held_ids, V, alpha):
        counts = np.zeros((V, V))
        np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
        return -np.mean(log(probabilities(counts, V, alpha)[held_ids[:-1], held_ids[1:]]))

    return wrong


def _draw_ids(rng: np.random.Generator) -> Case:
    V = int(rng.integers(2, 7))
    train, held = rng.integers(0, V, int(rng.integers(3, 40))), rng.integers(0, V, int(rng.integers(2, 15)))
    alpha = float(rng.choice([0.01, 0.1, 0.5, 1.0, 2.0]))
    return Case(
        (train, held, V, alpha),
        f"{len(train)} random training ids and {len(held)} held-out ids below V = {V}, α = {alpha:g}",
    )


@functools.cache
def _bigram_cases() -> tuple[Case, ...]:
    train, held = np.array([0, 1, 2, 0, 1, 1, 2, 0, 0, 1, 2, 2, 1, 0]), np.array([0, 1, 2, 2, 0, 1, 0])
    return (
        Case((train, held, 3, 1.0), "the 14 training ids of the exercise, held-out ids [0 1 2 2 0 1 0], V = 3, α = 1"),
        Case((train, held, 3, 0.1), "the same ids, α = 0.1"),
        Case(
            (np.array([0, 1, 0, 1, 3]), np.array([1, 0, 3, 2]), 4, 0.5),
            "training [0 1 0 1 3], held-out [1 0 3 2], V = 4, α = 0.5",
        ),
        Case(
            (np.array([1, 1, 1, 1]), np.array([1, 1, 0]), 2, 1.0),
            "training [1 1 1 1] (the pair 1 1 three times), held-out [1 1 0], V = 2, α = 1",
        ),
        *generated(_draw_ids, count=20, seed=6),
    )


def bigram_cross_entropy(learner: Callable) -> Result:
    """Exercise 9.6: the held-out cross-entropy (nats) of the add-α bigram model counted on the training ids."""
    return check_function(
        learner,
        _bigram,
        _bigram_cases(),
        mistakes=(
            Mistake(
                _bigram_with(lambda c, V, a: (c + a) / (c.sum(axis=1, keepdims=True) + a)),
                "the row's total must grow by α·V, one α for each of the V possible next characters.",
            ),
            Mistake(
                _bigram_with(lambda c, V, a: (c + a) / (c.sum() + a * V * V)),
                "divide by the count of the *current* character's row: p(b | a) = (count(a b) + α) / (count(a ·) + "
                "αV).",
            ),
            Mistake(
                _bigram_with(lambda c, V, a: (c + a) / (c.sum(axis=0, keepdims=True) + a * V)),
                "that divides by the column: rows are the current character, so normalise each row.",
            ),
            Mistake(
                _bigram_with(lambda c, V, a: (c + a) / (c.sum(axis=1, keepdims=True) + a * V), np.log2),
                "the chapter measures in nats: use the natural logarithm np.log, not log2.",
            ),
        ),
        hint="count the pairs (train[i], train[i+1]) in a V × V table, add α, divide each row by its sum, and "
        "average −ln p(next | current) over the held-out pairs.",
        compare=TIGHT,
        name="bigram_cross_entropy",
    )


def _sample_next(scores, temperature, u):
    z = scores / temperature
    p = np.exp(z - z.max())
    return int(np.searchsorted(np.cumsum(p / p.sum()), u))


def _draw_sampling(rng: np.random.Generator) -> Case:
    size, scale = int(rng.integers(2, 9)), float(rng.choice([1.0, 3.0, 300.0]))
    scores = np.round(scale * rng.standard_normal(size), 2)
    temperature, u = float(rng.choice([0.25, 0.5, 1.0, 2.0])), float(np.round(rng.random(), 3))
    return Case(
        (scores, temperature, u), f"scores {np.array2string(scores, precision=2)}, T = {temperature:g}, u = {u:g}"
    )


@functools.cache
def _sampling_cases() -> tuple[Case, ...]:
    scores = np.array([2.0, 1.0, 0.0, -1.0])
    return (
        Case((scores, 1.0, 0.7), "scores [2 1 0 -1], T = 1, u = 0.7"),
        Case((scores, 0.5, 0.9), "scores [2 1 0 -1], T = 0.5, u = 0.9"),
        Case((scores, 2.0, 0.9), "scores [2 1 0 -1], T = 2, u = 0.9"),
        Case((scores, 1.0, 0.01), "scores [2 1 0 -1], T = 1, u = 0.01"),
        Case((np.arange(4.0), 2.0, 0.1), "scores [0 1 2 3], T = 2, u = 0.1"),
        Case(
            (np.array([-400.0, 0.0, 400.0, 800.0]), 1.0, 0.5),
            "scores [-400 0 400 800], T = 1, u = 0.5 (scores/T beyond 709.8)",
        ),
        Case((np.array([900.0, 890.0, 0.0]), 1.0, 0.99999), "scores [900 890 0], T = 1, u = 0.99999"),
        Case((np.zeros(4), 1.0, 0.5), "scores [0 0 0 0], T = 1, u = 0.5 (exactly on the boundary p₀ + p₁ = 0.5)"),
        *generated(_draw_sampling, count=20, seed=7),
    )


def sample_next(learner: Callable) -> Result:
    """Exercise 9.7: the index drawn from softmax(scores / temperature) by inverting its cumulative sum at u."""
    return check_function(
        learner,
        _sample_next,
        _sampling_cases(),
        mistakes=(
            Mistake(
                lambda s, T, u: _sample_next(s, 1 / T, u), "divide the scores by the temperature, do not multiply."
            ),
            Mistake(
                lambda s, T, u: _sample_next(s, 1.0, u),
                "the temperature is ignored: use softmax(scores / temperature).",
            ),
            Mistake(
                lambda s, T, u: int(np.argmax(s)),
                "that is the most likely index, the T → 0 limit; draw with u from the probabilities.",
            ),
            Mistake(
                lambda s, T, u: _sample_next(s, T, 1 - u),
                "use u itself: the first index whose cumulative probability reaches u, not 1 − u.",
            ),
        ),
        hint="p = softmax(scores / temperature) (subtract the largest scaled score before exp, or exp overflows past "
        "709.8); return the first index whose cumulative probability is at least u: np.searchsorted(np.cumsum(p), u).",
        compare=TIGHT,
        name="sample_next",
    )


def _model_loss(E, W1, b1, W2, b2, X, y):
    h = np.tanh(E[X].reshape(len(X), -1) @ W1 + b1)
    s = h @ W2 + b2
    top = s.max(axis=1, keepdims=True)
    return float(np.mean(top[:, 0] + np.log(np.exp(s - top).sum(axis=1)) - s[np.arange(len(y)), y]))


def _model_case(rng: np.random.Generator, V: int, k: int, d: int, H: int, n: int, scale: float, label: str) -> Case:
    E, W1, b1 = rng.standard_normal((V, d)), rng.standard_normal((k * d, H)), rng.standard_normal(H)
    W2, b2 = scale * rng.standard_normal((H, V)), rng.standard_normal(V)
    return Case((E, W1, b1, W2, b2, rng.integers(0, V, (n, k)), rng.integers(0, V, n)), label)


def _draw_model(rng: np.random.Generator) -> Case:
    V, k, d, H, n = (int(rng.integers(low, high)) for low, high in ((2, 8), (1, 5), (1, 4), (1, 6), (1, 9)))
    scale = float(rng.choice([1.0, 1.0, 300.0]))
    return _model_case(
        rng,
        V,
        k,
        d,
        H,
        n,
        scale,
        f"V = {V}, context {k}, embeddings of {d}, {H} hidden units, a batch of {n}, W2 of scale {scale:g}",
    )


@functools.cache
def _model_cases() -> tuple[Case, ...]:
    label = "V = 5, context 3, embeddings of 2, 4 hidden units, a batch of 6"
    return (
        _model_case(np.random.default_rng(10), 5, 3, 2, 4, 6, 1.0, label),
        _model_case(
            np.random.default_rng(10), 5, 3, 2, 4, 6, 300.0, label + ", W2 300 times larger (scores in the hundreds)"
        ),
        _model_case(
            np.random.default_rng(11),
            2,
            1,
            1,
            1,
            1,
            1.0,
            "V = 2, context 1, embeddings of 1, 1 hidden unit, one example",
        ),
        *generated(_draw_model, count=20, seed=8),
    )


def model_loss(learner: Callable) -> Result:
    """Exercise 9.8: the MLP model's mean cross-entropy on a batch, from its five parameter arrays, in numpy."""
    return check_function(
        learner,
        _model_loss,
        _model_cases(),
        mistakes=(
            Mistake(
                lambda E, W1, b1, W2, b2, X, y: len(y) * _model_loss(E, W1, b1, W2, b2, X, y),
                "that is the sum over the batch; the loss is the mean.",
            ),
            Mistake(
                lambda E, W1, b1, W2, b2, X, y: _model_loss(E, W1, np.zeros_like(b1), W2, np.zeros_like(b2), X, y),
                "the biases b1 and b2 are missing.",
            ),
        ),
        hint="rows = E[X].reshape(len(X), -1); s = tanh(rows @ W1 + b1) @ W2 + b2; loss = mean of "
        "logsumexp(s) − s[y], with logsumexp(s) = m + log Σ exp(s − m), m the row's largest score.",
        compare=close_to(rtol=1e-9, atol=1e-12),
        name="model_loss",
    )


# --- Exercise 9: open exploration -------------------------------------------------------------------------------

BAND = 1.25
"""A claimed dimension passes within a factor 1.25 of the one the checker measures on its own draws."""


def _judged(explore_fn: Callable) -> Callable:
    """The learner's claimed d → (d large enough, d no larger than needed), each 1 for yes and 0 for no."""

    def verdict():
        answer = explore_fn()
        if (
            not isinstance(answer, numbers.Number)
            or isinstance(answer, bool)
            or not np.isfinite(answer)
            or np.real(answer) < 1
        ):
            return answer  # not a positive number: the checker reports what came back
        imaginary = abs(np.imag(answer))  # reported back, so a complex answer is told it is one
        claimed, measured = int(np.ceil(np.real(answer))), saturation_dimension()
        judged = (float(claimed * BAND >= measured), float(claimed <= measured * BAND))
        return (judged[0] + 1j * imaginary, judged[1]) if imaginary else judged

    return verdict


def saturating_dimension(learner: Callable) -> Result:
    """Exercise 9.9 (exploration): the smallest key dimension d at which unscaled attention's softmax Jacobian has
    median norm below 0.05; the checker measures it on its own 2 000 draws."""
    saturation_dimension()  # measured (once) before the learner's time starts
    return check_function(
        learner,
        lambda: saturation_dimension(),
        (
            Case(
                (),
                f"one query against {SATURATION_KEYS} keys, {SATURATION_DRAWS} draws of its own, threshold "
                f"{SATURATION_THRESHOLD:g}",
            ),
        ),
        mistakes=(
            Mistake(
                lambda: 8,
                "at that d the scores are still spread over a few units and the softmax is far from saturated: try "
                "larger d.",
            ),
            Mistake(
                lambda: 1000,
                "the median norm is already below 0.05 at a much smaller d: look for the first d where it drops below.",
            ),
        ),
        hint="for each d draw q and 8 keys with standard normal entries many times, form p = softmax(q·k_j) without "
        "dividing by √d, compute ‖diag(p) − ppᵀ‖ (Frobenius), and find the first d where the median drops below 0.05.",
        compare=close_to(),
        name="saturating_dimension",
        parts={"d large enough (1 = yes)": 0, "d no larger than needed (1 = yes)": 1},
        adapt=_judged,
    )
