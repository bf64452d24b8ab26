"""book.lm: encoding, windows, the model's loss and gradient, the bigram baseline, sampling, training, bad input."""

import collections
import math

import numpy as np
import pytest

from book import lm
from book.autodiff import Tensor, check_grad


@pytest.fixture(scope="module")
def small():
    corpus = lm.prepare(context=3)
    params = lm.init_params(corpus.vocab.size, 3, embed=4, hidden=8, seed=1)
    return corpus, params


def test_corpus_is_ascii_text_and_encoding_round_trips():
    documents = lm.load_corpus()
    text = "".join(documents)
    assert len(documents) == len(lm.CORPUS_FILES) and text.isascii()
    vocab = lm.Vocabulary.of(text)
    assert vocab.decode(vocab.encode(text)) == text
    assert list(vocab.chars) == sorted(set(text))


def test_encode_refuses_unknown_characters():
    with pytest.raises(ValueError, match="outside the vocabulary: 'z'"):
        lm.Vocabulary.of("abc").encode("abz")


def test_split_keeps_the_end_of_every_document():
    train, held = lm.split_documents(["abcdefghij", "0123456789"], 0.2)
    assert (train, held) == ("abcdefgh01234567", "ij89")
    with pytest.raises(ValueError, match="held_out_fraction"):
        lm.split_documents(["abc"], 1.0)


def test_windows_pair_every_context_with_the_next_id():
    ids = np.array([5, 6, 7, 8, 9])
    X, y = lm.windows(ids, 3)
    assert X.tolist() == [[5, 6, 7], [6, 7, 8]] and y.tolist() == [8, 9]
    with pytest.raises(ValueError, match="longer than context"):
        lm.windows(ids, 5)
    with pytest.raises(ValueError, match="context"):
        lm.windows(ids, 0)


def test_loss_is_the_mean_softmax_cross_entropy(small):
    corpus, params = small
    X, y = corpus.train_pairs[0][:10], corpus.train_pairs[1][:10]
    E, W1, b1, W2, b2 = (params[n] for n in ("E", "W1", "b1", "W2", "b2"))
    scores = np.tanh(E[X].reshape(10, -1) @ W1 + b1) @ W2 + b2
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert lm.evaluate(params, X, y) == pytest.approx(-np.mean(np.log(p[np.arange(10), y])), rel=1e-12)


def test_untrained_loss_is_near_log_V(small):
    corpus, params = small
    assert lm.evaluate(params, *corpus.held_out_pairs) == pytest.approx(math.log(corpus.vocab.size), abs=0.05)


def test_gradient_of_the_loss_checks_against_central_differences(small):
    corpus, params = small
    f, flat = lm.flat_loss(params, corpus.train_pairs[0][:16], corpus.train_pairs[1][:16])
    assert check_grad(f, flat, directions=8) < 1e-6
    value, grads = lm.loss_and_grads(params, corpus.train_pairs[0][:16], corpus.train_pairs[1][:16])
    assert value == pytest.approx(float(f(Tensor(flat)).data), rel=1e-14)
    assert set(grads) == set(params) and all(grads[n].shape == params[n].shape for n in params)


def test_bigram_table_is_the_smoothed_count_ratio():
    ids = np.array([0, 1, 1, 2, 0, 1])
    table = np.exp(lm.bigram_log_probs(ids, 3, alpha=0.5))
    counts = collections.Counter(zip(ids[:-1].tolist(), ids[1:].tolist()))
    for a in range(3):
        row_total = sum(counts[a, b] for b in range(3)) + 1.5
        for b in range(3):
            assert table[a, b] == pytest.approx((counts[a, b] + 0.5) / row_total, rel=1e-14)
    assert lm.bigram_cross_entropy(np.log(table), np.array([0]), np.array([1])) == pytest.approx(-np.log(table[0, 1]))
    with pytest.raises(ValueError, match="alpha"):
        lm.bigram_log_probs(ids, 3, alpha=0.0)


def test_sampling_is_seeded_and_cold_sampling_takes_the_most_likely_character(small):
    corpus, params = small
    vocab = corpus.vocab
    first = lm.sample(params, vocab, "The", 30, 1.0, seed=3)
    assert first == lm.sample(params, vocab, "The", 30, 1.0, seed=3) and len(first) == 30
    assert set(first) <= set(vocab.chars)
    cold = lm.sample(params, vocab, "The", 5, 1e-6, seed=0)
    ids = list(vocab.encode("The"))
    for _ in range(5):
        scores = lm.logits({n: Tensor(v) for n, v in params.items()}, np.array([ids[-3:]])).data[0]
        ids.append(int(np.argmax(scores)))
    assert cold == vocab.decode(ids[3:])
    with pytest.raises(ValueError, match="prompt must have at least 3"):
        lm.sample(params, vocab, "Th", 5, 1.0)
    with pytest.raises(ValueError, match="temperature"):
        lm.sample(params, vocab, "The", 5, 0.0)


def test_training_lowers_the_held_out_loss_and_is_reproducible(small):
    corpus, params = small
    recipe = lm.Recipe(steps=60, batch_size=16, warmup=10, peak_lr=1e-2)
    runs = [lm.train(params, corpus.train_pairs, corpus.held_out_pairs, recipe, seed=2, every=20) for _ in range(2)]
    assert sorted(runs[0].checkpoints) == [0, 20, 40, 60]
    assert len(runs[0].batch_loss) == len(runs[0].grad_norm) == 60
    assert runs[0].held_out_loss[60] < runs[0].held_out_loss[0] - 0.3
    assert np.array_equal(runs[0].final["W1"], runs[1].final["W1"])
    assert np.array_equal(runs[0].checkpoints[0]["E"], params["E"])


def test_tiny_shakespeare_corpus_trains_on_the_training_block_and_holds_out_validation():
    from book import text

    corpus = lm.prepare_tiny_shakespeare(context=4)
    splits = text.load_splits()
    assert corpus.vocab.size == 65
    assert corpus.vocab.decode(corpus.held_out_ids) == splits.validation
    assert corpus.train_ids.size == text.TRAIN_END
    X, y = corpus.held_out_pairs
    assert X.shape == (len(splits.validation) - 4, 4)
    assert corpus.vocab.decode(X[10]) + corpus.vocab.decode([y[10]]) == splits.validation[10:15]
