"""book.text: Tiny Shakespeare as shipped, its vocabulary, the three blocks of its split, random windows."""

import hashlib

import numpy as np
import pytest

from book import text

SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"  # data/README.md


@pytest.fixture(scope="module")
def whole():
    return text.load_tiny_shakespeare()


def test_the_shipped_file_is_tiny_shakespeare_byte_for_byte(whole):
    assert hashlib.sha256(text.TINY_SHAKESPEARE.read_bytes()).hexdigest() == SHA256
    assert len(whole) == text.TEXT_LENGTH == 1_115_394 and whole.isascii()
    assert whole.startswith("First Citizen:\nBefore we proceed any further, hear me speak.")


def test_cut_points_are_the_floors_of_90_and_95_percent():
    n = text.TEXT_LENGTH
    assert text.TRAIN_END == n * 90 // 100 and text.VALIDATION_END == n * 95 // 100
    assert text.TRAIN_END / n == pytest.approx(0.90, abs=1e-6)
    assert text.VALIDATION_END / n == pytest.approx(0.95, abs=1e-6)


def test_the_three_blocks_do_not_overlap_and_cover_the_text_in_order(whole):
    splits = text.load_splits()
    assert splits.train + splits.validation + splits.test == whole
    sizes = [len(splits.train), len(splits.validation), len(splits.test)]
    assert sizes == [text.TRAIN_END, text.VALIDATION_END - text.TRAIN_END, text.TEXT_LENGTH - text.VALIDATION_END]
    assert sum(sizes) == len(whole) and min(sizes) > 50_000
    # position ranges: disjoint and together every position once
    ranges = [
        range(0, text.TRAIN_END),
        range(text.TRAIN_END, text.VALIDATION_END),
        range(text.VALIDATION_END, text.TEXT_LENGTH),
    ]
    covered = np.zeros(len(whole), dtype=int)
    for r in ranges:
        covered[r.start : r.stop] += 1
    assert np.all(covered == 1)


def test_vocabulary_has_the_65_characters_and_training_text_uses_them_all(whole):
    vocab = text.vocabulary()
    assert vocab.size == 65 and vocab.chars == "".join(sorted(set(whole)))
    assert set(text.load_splits().train) == set(vocab.chars)
    sample = whole[:5000]
    assert vocab.decode(vocab.encode(sample)) == sample
    assert vocab.encode(sample).tolist() == [vocab.chars.index(c) for c in sample]


def test_encode_refuses_unknown_characters_on_both_paths():
    with pytest.raises(ValueError, match="outside the vocabulary: 'z'"):
        text.Vocabulary.of("abc").encode("abz")
    with pytest.raises(ValueError, match="outside the vocabulary: 'é'"):
        text.Vocabulary.of("abc").encode("abé")
    assert text.Vocabulary.of("é a").encode("a é").tolist() == [1, 0, 2]
    assert text.Vocabulary.of("ab").encode("").tolist() == []


def test_random_windows_are_consecutive_ids_and_their_next_ids():
    ids = np.arange(100) * 3
    idx, targets = text.random_windows(ids, 8, 5, np.random.default_rng(1))
    assert idx.shape == targets.shape == (5, 8)
    assert np.all(np.diff(idx, axis=1) == 3) and np.array_equal(targets, idx + 3)
    assert targets.max() <= ids[-1]
    starts = [text.random_windows(np.arange(10), 9, 1, np.random.default_rng(s))[0][0, 0] for s in range(20)]
    assert set(starts) == {0}  # a window of 9 and its target fit only at the start of 10 ids
    with pytest.raises(ValueError, match="longer than block_size = 10"):
        text.random_windows(np.arange(10), 10, 1, np.random.default_rng(0))
