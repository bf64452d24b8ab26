"""Language models by counting: the baselines every trained model is compared with, in nats per character.

An n-gram model predicts a character from the n − 1 before it, with the frequencies of the training text:
P_ML(c | h) = N(h c) / N(h), where N counts occurrences. Orders 1 (unigram), 2 (bigram) and 3 (trigram) are
interpolated with the orders below them (Jelinek–Mercer smoothing), down to the uniform distribution P_0 = 1/V:

    P_k(c | h_k) = λ_k · P_ML(c | h_k) + (1 − λ_k) · P_{k−1}(c | h_{k−1}),

where h_k is the last k − 1 characters; a context never seen in training (N(h_k) = 0) falls back to P_{k−1} alone.
The weights λ_1 … λ_k are chosen to minimise the cross-entropy on the *validation* text, never the test text. Every
model scores the same characters of a text: all but its first ``start`` = 2, which lack a two-character context.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from book._validate import require_count

__all__ = ["NGramModel", "ORDERS", "fit", "probabilities", "cross_entropy", "baseline_table"]

ORDERS = {"uniform": 0, "unigram": 1, "bigram": 2, "trigram": 3}
"""The baselines and their orders (characters of context + 1; 0 is the uniform distribution)."""


@dataclass(frozen=True)
class NGramModel:
    """Counts of the training text for orders 1..order (``counts[k - 1]`` has k axes of size V) and the weights λ_k."""

    vocab_size: int
    counts: tuple[np.ndarray, ...]
    weights: tuple[float, ...]

    @property
    def order(self) -> int:
        return len(self.counts)


def _ids(name: str, ids: np.ndarray, vocab_size: int) -> np.ndarray:
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype.kind not in "iu" or (ids.size and (ids.min() < 0 or ids.max() >= vocab_size)):
        raise ValueError(f"{name} must be a 1-D array of integer ids in 0..{vocab_size - 1}")
    return ids.astype(np.int64)


def _counts(ids: np.ndarray, vocab_size: int, k: int) -> np.ndarray:
    """N(c_1 … c_k) for every k-tuple of ids, as an array with k axes of size V."""
    codes = np.zeros(ids.size - k + 1, dtype=np.int64)
    for j in range(k):
        codes = codes * vocab_size + ids[j : ids.size - k + 1 + j]
    return np.bincount(codes, minlength=vocab_size**k).reshape((vocab_size,) * k).astype(float)


def _ml_terms(model: NGramModel, ids: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray]:
    """P_ML of each scored character under orders 1..order, and whether its context was seen (rows = orders)."""
    positions = np.arange(start, ids.size)
    ml = np.zeros((model.order, positions.size))
    seen = np.zeros((model.order, positions.size), dtype=bool)
    for k, counts in enumerate(model.counts, start=1):
        index = tuple(ids[positions - k + 1 + j] for j in range(k))
        context_total = np.broadcast_to(counts.sum(axis=-1)[index[:-1]], positions.shape)
        seen[k - 1] = context_total > 0
        np.divide(counts[index], context_total, out=ml[k - 1], where=seen[k - 1])
    return ml, seen


def _interpolate(ml: np.ndarray, seen: np.ndarray, weights, vocab_size: int) -> np.ndarray:
    p = np.full(ml.shape[1], 1.0 / vocab_size)
    for k, lam in enumerate(weights):
        p = np.where(seen[k], lam * ml[k] + (1 - lam) * p, p)
    return p


def probabilities(model: NGramModel, ids: np.ndarray, start: int = 2) -> np.ndarray:
    """P(ids[t] | the characters before it) under ``model`` for every t ≥ ``start``."""
    ids = _ids("ids", ids, model.vocab_size)
    start = require_count("start", start)
    if start < model.order - 1 or start >= ids.size:
        raise ValueError(
            f"start must be at least order − 1 = {model.order - 1} and below len(ids) = {ids.size}, got {start}"
        )
    ml, seen = _ml_terms(model, ids, start)
    return _interpolate(ml, seen, model.weights, model.vocab_size)


def cross_entropy(model: NGramModel, ids: np.ndarray, start: int = 2) -> float:
    """The mean of −log P(ids[t] | before) over t ≥ ``start``, in nats per character."""
    return float(-np.mean(np.log(probabilities(model, ids, start))))


def fit(
    train_ids: np.ndarray, vocab_size: int, order: int, validation_ids: np.ndarray | None = None, start: int = 2
) -> NGramModel:
    """The interpolated n-gram model of ``order`` counted on ``train_ids``, with the weights λ_k that minimise the
    cross-entropy on ``validation_ids`` (needed for order ≥ 1).

    >>> model = fit(np.array([0, 1, 0, 1, 0, 1]), 2, order=2, validation_ids=np.array([0, 1, 0, 1]))
    >>> round(cross_entropy(model, np.array([0, 1, 0, 1])), 6)  # the alternation is learnt: λ_2 → 1
    0.0
    """
    vocab_size = require_count("vocab_size", vocab_size, 1)
    order = require_count("order", order)
    train_ids = _ids("train_ids", train_ids, vocab_size)
    counts = tuple(_counts(train_ids, vocab_size, k) for k in range(1, order + 1))
    if order == 0:
        return NGramModel(vocab_size, counts, ())
    if validation_ids is None:
        raise ValueError("validation_ids are needed to choose the interpolation weights of an order ≥ 1 model")
    untuned = NGramModel(vocab_size, counts, (0.5,) * order)
    ml, seen = _ml_terms(untuned, _ids("validation_ids", validation_ids, vocab_size), start)

    def validation_loss(weights: np.ndarray) -> float:
        return float(-np.mean(np.log(_interpolate(ml, seen, weights, vocab_size))))

    best = minimize(
        validation_loss,
        np.full(order, 0.5),
        method="L-BFGS-B",
        bounds=[(0.0, 1.0 - 1e-9)] * order,
        options={"ftol": 1e-13, "gtol": 1e-10},
    )
    return NGramModel(vocab_size, counts, tuple(float(w) for w in best.x))


def baseline_table() -> dict[str, float]:
    """Test-set cross-entropy (nats per character) of the uniform, unigram, bigram and interpolated trigram models
    counted on Tiny Shakespeare's training block, weights chosen on its validation block (:mod:`book.text`)."""
    from book.text import load_splits, vocabulary

    vocab, splits = vocabulary(), load_splits()
    train, validation, test = (vocab.encode(t) for t in (splits.train, splits.validation, splits.test))
    return {name: cross_entropy(fit(train, vocab.size, order, validation), test) for name, order in ORDERS.items()}
