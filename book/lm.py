"""A character-level language model built from :mod:`book.autodiff` and trained with :mod:`book.optim`.

The text (``data/``, public domain, shipped with the book) becomes integer ids; the model reads a window of
``context`` characters, looks each one up in an embedding table, passes the concatenated vectors through one tanh
layer and scores every character of the vocabulary; the loss is the softmax cross-entropy written with log-sum-exp.
The parameters are a dict of named arrays, which is what the book's optimizers update. A bigram model, computed
exactly by counting, is the baseline to beat. The same model trains on Tiny Shakespeare
(:func:`prepare_tiny_shakespeare`, the split of :mod:`book.text`), where :mod:`book.ngram` gives the baselines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from book._validate import require_count, require_positive
from book.autodiff import Tensor, cross_entropy
from book.numerics import softmax
from book.optim import adamw, clip_by_global_norm, run
from book.schedules import warmup_cosine
from book.text import Vocabulary, load_splits, vocabulary

__all__ = [
    "CORPUS_FILES",
    "Vocabulary",
    "Recipe",
    "TrainingRun",
    "load_corpus",
    "split_documents",
    "Corpus",
    "prepare",
    "prepare_tiny_shakespeare",
    "windows",
    "init_params",
    "logits",
    "cross_entropy",
    "loss",
    "loss_and_grads",
    "evaluate",
    "flat_loss",
    "bigram_log_probs",
    "bigram_cross_entropy",
    "sample",
    "train",
    "steps_to_reach",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CORPUS_FILES = ("sonnets.txt", "carroll.txt")
"""The documents of the corpus, in ``data/`` (sources and licences in ``data/README.md``)."""

Params = dict[str, np.ndarray]


def load_corpus() -> list[str]:
    """The texts of :data:`CORPUS_FILES`, one string per document."""
    return [(DATA_DIR / name).read_text(encoding="utf-8") for name in CORPUS_FILES]


def split_documents(documents: list[str], held_out_fraction: float = 0.1) -> tuple[str, str]:
    """(training text, held-out text): the first 1 − fraction of every document, and the rest of every document."""
    if not 0 < held_out_fraction < 1:
        raise ValueError(f"held_out_fraction must be a number in (0, 1), got {held_out_fraction!r}")
    cuts = [round(len(doc) * (1 - held_out_fraction)) for doc in documents]
    return "".join(d[:c] for d, c in zip(documents, cuts)), "".join(d[c:] for d, c in zip(documents, cuts))


@dataclass(frozen=True)
class Corpus:
    """The corpus ready for training: its vocabulary, the training and held-out ids, and their (context, next) pairs."""

    vocab: Vocabulary
    train_ids: np.ndarray
    held_out_ids: np.ndarray
    train_pairs: tuple[np.ndarray, np.ndarray]
    held_out_pairs: tuple[np.ndarray, np.ndarray]


def prepare(context: int, held_out_fraction: float = 0.1) -> Corpus:
    """The shipped corpus split by :func:`split_documents` and cut into windows of ``context`` characters."""
    documents = load_corpus()
    vocab = Vocabulary.of("".join(documents))
    train_text, held_text = split_documents(documents, held_out_fraction)
    train_ids, held_ids = vocab.encode(train_text), vocab.encode(held_text)
    return Corpus(vocab, train_ids, held_ids, windows(train_ids, context), windows(held_ids, context))


def prepare_tiny_shakespeare(context: int) -> Corpus:
    """Tiny Shakespeare's training block and, held out, its validation block (:mod:`book.text`), cut into windows of
    ``context`` characters; the test block is left for a final score."""
    vocab, splits = vocabulary(), load_splits()
    train_ids, held_ids = vocab.encode(splits.train), vocab.encode(splits.validation)
    return Corpus(vocab, train_ids, held_ids, windows(train_ids, context), windows(held_ids, context))


def windows(ids: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (``context`` ids, the id after them) pair of ``ids``: X of shape (n − context, context) and y.

    >>> X, y = windows(np.arange(5), 2)
    >>> X.tolist(), y.tolist()
    ([[0, 1], [1, 2], [2, 3]], [2, 3, 4])
    """
    context = require_count("context", context, 1)
    ids = np.asarray(ids, dtype=np.int64)
    if ids.ndim != 1 or ids.size <= context:
        raise ValueError(f"ids must be a 1-D array longer than context = {context}, got shape {ids.shape}")
    return np.lib.stride_tricks.sliding_window_view(ids[:-1], context).copy(), ids[context:].copy()


def init_params(vocab_size: int, context: int, embed: int = 16, hidden: int = 128, seed: int = 0) -> Params:
    """Seeded parameters: embedding E (V × d), W1 (context·d × hidden), b1, W2 (hidden × V), b2.

    Weights are normal with variance 1/fan-in; W2 is scaled by 0.1 so that the first predictions are near uniform.
    """
    sizes = {
        name: require_count(name, value, 1)
        for name, value in (("vocab_size", vocab_size), ("context", context), ("embed", embed), ("hidden", hidden))
    }
    V, k, d, H = sizes.values()
    rng = np.random.default_rng(seed)
    return {
        "E": rng.standard_normal((V, d)),
        "W1": rng.standard_normal((k * d, H)) / np.sqrt(k * d),
        "b1": np.zeros(H),
        "W2": 0.1 * rng.standard_normal((H, V)) / np.sqrt(H),
        "b2": np.zeros(V),
    }


def logits(params: dict, X: np.ndarray) -> Tensor:
    """The model's scores (batch × V) for the next character after each row of ids ``X``; params are Tensors."""
    E, W1, b1, W2, b2 = (params[name] for name in ("E", "W1", "b1", "W2", "b2"))
    rows = E[X].reshape(X.shape[0], -1)  # embedding lookup, then the window's vectors side by side
    return ((rows @ W1 + b1).tanh()) @ W2 + b2


def loss(params: dict, X: np.ndarray, y: np.ndarray) -> Tensor:
    """The mean cross-entropy of the model on the pairs (X, y) (:func:`book.autodiff.cross_entropy`); params are
    Tensors."""
    return cross_entropy(logits(params, X), y)


def loss_and_grads(params: Params, X: np.ndarray, y: np.ndarray) -> tuple[float, Params]:
    """The loss on (X, y) and its gradient with respect to every parameter, by reverse mode."""
    leaves = {name: Tensor(value) for name, value in params.items()}
    value = loss(leaves, X, y)
    value.backward()
    return float(value.data), {name: np.zeros_like(t.data) if t.grad is None else t.grad for name, t in leaves.items()}


def evaluate(params: Params, X: np.ndarray, y: np.ndarray) -> float:
    """The mean cross-entropy (nats per character) of the model on every pair (X, y)."""
    return float(loss({name: Tensor(value) for name, value in params.items()}, X, y).data)


def flat_loss(params: Params, X: np.ndarray, y: np.ndarray) -> tuple[Callable[[Tensor], Tensor], np.ndarray]:
    """(f, x): the loss as a function of one flat vector of every parameter, and that vector — for ``check_grad``."""
    names = list(params)
    ends = np.cumsum([params[n].size for n in names])

    def f(x: Tensor) -> Tensor:
        starts = np.concatenate([[0], ends[:-1]])
        return loss({n: x[a:b].reshape(params[n].shape) for n, a, b in zip(names, starts, ends)}, X, y)

    return f, np.concatenate([params[n].ravel() for n in names])


def bigram_log_probs(ids: np.ndarray, vocab_size: int, alpha: float = 1.0) -> np.ndarray:
    """log P(next = b | current = a) as a V × V table, from counts of the pairs in ``ids`` plus ``alpha`` each.

    >>> np.exp(bigram_log_probs(np.array([0, 1, 0, 1]), 2, alpha=1.0))
    array([[0.25      , 0.75      ],
           [0.66666667, 0.33333333]])
    """
    alpha = require_positive("alpha", alpha)
    counts = np.zeros((vocab_size, vocab_size))
    np.add.at(counts, (ids[:-1], ids[1:]), 1.0)
    counts += alpha
    return np.log(counts) - np.log(counts.sum(axis=1, keepdims=True))


def bigram_cross_entropy(log_probs: np.ndarray, previous: np.ndarray, following: np.ndarray) -> float:
    """The mean of −log P(following | previous) under a bigram table, in nats per character."""
    return float(-np.mean(log_probs[previous, following]))


def sample(params: Params, vocab: Vocabulary, prompt: str, length: int, temperature: float, seed: int = 0) -> str:
    """``length`` characters drawn after ``prompt`` from softmax(scores / temperature), seeded.

    The prompt must be at least as long as the model's context; temperature → 0 approaches always taking the most
    likely character, a large temperature approaches uniform choice.
    """
    temperature = require_positive("temperature", temperature)
    length = require_count("length", length)
    context = params["W1"].shape[0] // params["E"].shape[1]
    ids = list(vocab.encode(prompt))
    if len(ids) < context:
        raise ValueError(f"prompt must have at least {context} characters (the context), got {len(prompt)}")
    tensors = {name: Tensor(value) for name, value in params.items()}
    uniforms = np.random.default_rng(seed).random(length)
    for u in uniforms:
        p = softmax(logits(tensors, np.array([ids[-context:]])).data[0] / temperature)
        ids.append(min(int(np.searchsorted(np.cumsum(p), u)), vocab.size - 1))
    return vocab.decode(ids[len(prompt) :])


@dataclass(frozen=True)
class Recipe:
    """The training recipe of large language models, scaled down: AdamW with β₂ = 0.95 and weight decay 0.1,
    clipping at global norm 1, linear warmup then cosine decay to 10 % of the peak rate."""

    steps: int = 1500
    batch_size: int = 64
    peak_lr: float = 3e-3
    warmup: int = 100
    weight_decay: float = 0.1
    max_norm: float = 1.0

    def optimizer(self):
        """The book's AdamW with this recipe's warmup + cosine schedule."""
        schedule = warmup_cosine(self.peak_lr, self.warmup, self.steps, min_lr=0.1 * self.peak_lr)
        return adamw(schedule, betas=(0.9, 0.95), weight_decay=self.weight_decay)


@dataclass(frozen=True)
class TrainingRun:
    """A training run: the batch loss and gradient norm (before clipping) at every step, and the parameters and
    held-out loss at every checkpoint step (step 0 is the initialisation)."""

    batch_loss: np.ndarray
    grad_norm: np.ndarray
    checkpoints: dict[int, Params]
    held_out_loss: dict[int, float]

    @property
    def final(self) -> Params:
        return self.checkpoints[max(self.checkpoints)]


def train(
    params: Params,
    train_pairs: tuple[np.ndarray, np.ndarray],
    held_out_pairs: tuple[np.ndarray, np.ndarray],
    recipe: Recipe = Recipe(),
    *,
    seed: int = 0,
    every: int = 100,
    on_checkpoint: Callable[[int], None] | None = None,
) -> TrainingRun:
    """Train with ``recipe`` through ``book.optim.run`` on seeded random batches of ``train_pairs``; keep a
    checkpoint (and its held-out loss) every ``every`` steps and at the end, calling ``on_checkpoint(step)``."""
    X, y = train_pairs
    every = require_count("every", every, 1)
    rng = np.random.default_rng(seed)
    losses, norms = [], []

    def grad_fn(x: Params) -> Params:
        rows = rng.integers(0, len(y), recipe.batch_size)
        value, grads = loss_and_grads(x, X[rows], y[rows])
        clipped, norm = clip_by_global_norm(grads, recipe.max_norm)
        losses.append(value)
        norms.append(norm)
        return clipped

    checkpoints, held = {}, {}

    def keep(t: int, x: Params) -> None:
        checkpoints[t] = {name: value.copy() for name, value in x.items()}
        held[t] = evaluate(x, *held_out_pairs)
        if on_checkpoint is not None:
            on_checkpoint(t)

    def callback(t: int, x: Params) -> bool:
        if t % every == 0 or t == recipe.steps:
            keep(t, x)
        return False

    keep(0, params)
    with threadpool_limits(1):  # the matrices are small: threads of the BLAS would only wait for each other
        trajectory = run(recipe.optimizer(), grad_fn, params, recipe.steps, callback=callback)
    if trajectory.diverged:
        raise FloatingPointError("training diverged: lower the peak learning rate")
    return TrainingRun(np.array(losses), np.array(norms), checkpoints, held)


def steps_to_reach(run: TrainingRun, target: float) -> int | None:
    """The first checkpoint step whose held-out loss is at most ``target``, or None if none is."""
    reached = [t for t, value in sorted(run.held_out_loss.items()) if value <= target]
    return reached[0] if reached else None
