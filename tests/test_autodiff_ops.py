"""book.autodiff's log-sum-exp, log-softmax and embedding lookup (indexing with repeated ids) against central
differences and closed forms."""

import numpy as np
import pytest

from book.autodiff import Tensor, check_grad, log_softmax, logsumexp


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_logsumexp_matches_the_direct_formula_and_central_differences(axis):
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert np.allclose(logsumexp(Tensor(x), axis).data, np.log(np.exp(x).sum(axis=axis, keepdims=True)), rtol=1e-14)
    weights = np.random.default_rng(1).standard_normal(logsumexp(Tensor(x), axis).shape)
    assert check_grad(lambda t: (logsumexp(t, axis) * weights).sum(), x, rtol=1e-7) < 1e-7


def test_logsumexp_gradient_is_the_softmax():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    t = Tensor(x)
    logsumexp(t, axis=1).sum().backward()
    assert np.allclose(t.grad, np.exp(x) / np.exp(x).sum(axis=1, keepdims=True), rtol=1e-14)
    assert np.allclose(t.grad[1], 1 / 3, rtol=1e-14)


def test_logsumexp_does_not_overflow_where_the_direct_formula_does():
    x = np.array([1000.0, 1000.0, 990.0])
    with np.errstate(over="ignore"):
        assert np.isinf(np.log(np.exp(x).sum()))
    value = logsumexp(Tensor(x)).data.item()
    assert value == pytest.approx(1000 + np.log(2 + np.exp(-10)), rel=1e-15)
    assert check_grad(lambda t: logsumexp(t).sum(), x, h=1e-3, rtol=1e-6) < 1e-6


def test_log_softmax_rows_are_log_probabilities_and_its_gradient_checks():
    x = np.random.default_rng(2).standard_normal((5, 7)) * 10
    out = log_softmax(Tensor(x), axis=1).data
    assert np.allclose(np.exp(out).sum(axis=1), 1.0, rtol=1e-14)
    picks = np.random.default_rng(3).integers(0, 7, 5)
    assert check_grad(lambda t: log_softmax(t, axis=1)[np.arange(5), picks].sum(), x) < 1e-7


def test_logsumexp_of_a_constant_array_keeps_no_edge():
    assert logsumexp(np.array([0.0, 0.0])).edges == ()


def test_embedding_lookup_with_repeated_ids_adds_their_gradients():
    E = np.random.default_rng(4).standard_normal((5, 3))
    ids = np.array([[0, 2, 2], [4, 0, 2]])
    table = Tensor(E)
    looked_up = table[ids]
    assert looked_up.shape == (2, 3, 3)
    weights = np.random.default_rng(5).standard_normal((2, 3, 3))
    (looked_up * weights).sum().backward()
    expected = np.zeros_like(E)
    for row, rows_weights in zip(ids.ravel(), weights.reshape(-1, 3)):
        expected[row] += rows_weights
    assert np.allclose(table.grad, expected, rtol=1e-14)
    assert np.all(table.grad[[1, 3]] == 0)  # ids never looked up get no gradient
    assert check_grad(lambda t: (t[ids] * weights).sum(), E) < 1e-8
