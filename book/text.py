"""Text for the language models: Tiny Shakespeare, its characters as integer ids, its train / validation / test split,
and random windows of it for training.

Tiny Shakespeare (``data/tinyshakespeare/input.txt``, source and licence in ``data/README.md``) has 1 115 394
characters, 65 of them distinct. It is split into three contiguous blocks, in order: the first 90 % for training,
the next 5 % for validation (choosing anything: smoothing weights, learning rates, when to stop) and the last 5 % for
the test set, scored once at the end. The cut points are :data:`TRAIN_END` = ⌊0.90·n⌋ = 1 003 854 and
:data:`VALIDATION_END` = ⌊0.95·n⌋ = 1 059 624 (the split nanoGPT uses for training and validation). Blocks rather
than a random choice of lines, because neighbouring lines of a play are alike: a random split would put near-copies
of training text into the test set.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from book._validate import require_count

__all__ = [
    "TINY_SHAKESPEARE",
    "TEXT_LENGTH",
    "TRAIN_END",
    "VALIDATION_END",
    "Vocabulary",
    "Splits",
    "load_tiny_shakespeare",
    "load_splits",
    "vocabulary",
    "random_windows",
]

TINY_SHAKESPEARE = Path(__file__).resolve().parent.parent / "data" / "tinyshakespeare" / "input.txt"
"""The file of Tiny Shakespeare (plain ASCII text)."""

TEXT_LENGTH = 1_115_394
"""Characters in Tiny Shakespeare."""

TRAIN_END = 1_003_854
"""Training text is ``text[:TRAIN_END]``, the first 90 % (⌊0.90 · 1 115 394⌋)."""

VALIDATION_END = 1_059_624
"""Validation text is ``text[TRAIN_END:VALIDATION_END]`` (the next 5 %), test text ``text[VALIDATION_END:]``."""


@dataclass(frozen=True)
class Vocabulary:
    """The characters a text uses, sorted; a character's id is its position in ``chars``.

    >>> v = Vocabulary.of("hello")
    >>> v.chars, v.encode("hole").tolist(), v.decode([3, 1])
    ('ehlo', [1, 3, 2, 0], 'oh')
    """

    chars: str

    @classmethod
    def of(cls, text: str) -> Vocabulary:
        """The vocabulary of ``text``."""
        return cls("".join(sorted(set(text))))

    @property
    def size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """The ids of the characters of ``text``."""
        lookup = np.full(128, -1, dtype=np.int64)
        if self.chars.isascii() and text.isascii():  # the fast path: one table lookup for the whole text
            lookup[[ord(c) for c in self.chars]] = np.arange(self.size)
            ids = lookup[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
            if ids.size == 0 or ids.min() >= 0:
                return ids
        table = {c: i for i, c in enumerate(self.chars)}
        unknown = sorted(set(text) - table.keys())
        if unknown:
            raise ValueError(f"text has characters outside the vocabulary: {''.join(unknown)!r}")
        return np.array([table[c] for c in text], dtype=np.int64)

    def decode(self, ids) -> str:
        """The text of the ids ``ids``."""
        return "".join(self.chars[int(i)] for i in ids)


@dataclass(frozen=True)
class Splits:
    """Three consecutive blocks of one text: training, validation and test."""

    train: str
    validation: str
    test: str


def load_tiny_shakespeare() -> str:
    """The whole of Tiny Shakespeare as one string."""
    text = TINY_SHAKESPEARE.read_text(encoding="utf-8")
    if len(text) != TEXT_LENGTH:
        raise ValueError(f"{TINY_SHAKESPEARE} must have {TEXT_LENGTH} characters, got {len(text)}")
    return text


def load_splits() -> Splits:
    """Tiny Shakespeare cut at :data:`TRAIN_END` and :data:`VALIDATION_END` into train, validation and test."""
    text = load_tiny_shakespeare()
    return Splits(text[:TRAIN_END], text[TRAIN_END:VALIDATION_END], text[VALIDATION_END:])


def vocabulary() -> Vocabulary:
    """The 65 characters of Tiny Shakespeare (every one of them occurs in the training block)."""
    return Vocabulary.of(load_tiny_shakespeare())


def random_windows(
    ids: np.ndarray, block_size: int, batch_size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A batch of ``batch_size`` windows of ``block_size`` ids starting at random places, and the same windows shifted
    by one (the next id at every position): two integer arrays of shape (batch_size, block_size).

    >>> idx, targets = random_windows(np.arange(10), 3, 2, np.random.default_rng(0))
    >>> idx.tolist(), targets.tolist()
    ([[5, 6, 7], [4, 5, 6]], [[6, 7, 8], [5, 6, 7]])
    """
    block_size = require_count("block_size", block_size, 1)
    batch_size = require_count("batch_size", batch_size, 1)
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.size <= block_size:
        raise ValueError(f"ids must be a 1-D array longer than block_size = {block_size}, got shape {ids.shape}")
    starts = rng.integers(0, ids.size - block_size, batch_size)
    rows = starts[:, None] + np.arange(block_size)
    return ids[rows], ids[rows + 1]
