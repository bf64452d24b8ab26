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


# --- The transformer's operations: each against central differences on shapes used nowhere else -------------------

from book.autodiff import cross_entropy, gelu, layer_norm, precision, softmax  # noqa: E402


def weighted_sum(op, shape, seed):
    """t ↦ Σ w ⊙ op(t) for fixed random weights w: a scalar whose gradient is the vector–Jacobian product with w."""
    weights = np.random.default_rng(seed).standard_normal(shape)
    return lambda t: (op(t) * weights).sum()


@pytest.mark.parametrize("axes", [(1, 2, 0), (2, 0, 1), ()])
def test_transpose_permutes_values_and_gradients(axes):
    x = np.random.default_rng(10).standard_normal((2, 3, 4))
    out = Tensor(x).transpose(*axes)
    assert np.array_equal(out.data, np.transpose(x, axes or None))
    assert check_grad(weighted_sum(lambda t: t.transpose(*axes), out.shape, 11), x) < 1e-8
    with pytest.raises(ValueError, match="axes must be a permutation of 0..2"):
        Tensor(x).transpose(0, 0, 1)


@pytest.mark.parametrize(
    "left, right",
    [
        ((2, 3, 4), (4, 5)),  # (B, T, C) @ (C, D)
        ((2, 3, 4, 5), (2, 3, 5, 4)),  # (B, H, T, d) @ (B, H, d, T)
        ((2, 1, 4, 5), (3, 5, 2)),  # batch axes broadcast
        ((4, 5), (2, 5, 3)),  # a matrix times a stack
        ((3, 2, 4), (4,)),
    ],
)  # a stack times a vector
def test_batched_matmul_matches_numpy_and_central_differences_for_both_operands(left, right):
    rng = np.random.default_rng(12)
    x, y = rng.standard_normal(left), rng.standard_normal(right)
    out = Tensor(x) @ Tensor(y)
    assert np.allclose(out.data, np.matmul(x, y), rtol=1e-14)
    assert check_grad(weighted_sum(lambda t: t @ y, out.shape, 13), x) < 1e-8
    assert check_grad(weighted_sum(lambda t: x @ t, out.shape, 14), y) < 1e-8


def test_basic_slicing_passes_the_gradient_to_the_sliced_entries_only():
    x = np.random.default_rng(15).standard_normal((4, 3, 2))
    for index in [(slice(1, 3),), (0, slice(None), 1), (Ellipsis, 0), (slice(None, None, 2), None)]:
        out = Tensor(x)[index]
        assert check_grad(weighted_sum(lambda t: t[index], out.shape, 16), x) < 1e-8


def test_softmax_rows_are_probabilities_and_survive_huge_and_minus_infinite_scores():
    x = np.random.default_rng(17).standard_normal((2, 3, 6)) * 5
    p = softmax(Tensor(x), axis=1).data
    assert np.allclose(p, np.exp(x) / np.exp(x).sum(axis=1, keepdims=True), rtol=1e-13)
    assert np.allclose(softmax(Tensor([1000.0, 1000.0, -np.inf])).data, [0.5, 0.5, 0.0], rtol=0)
    for axis in (0, 1, -1):
        assert check_grad(weighted_sum(lambda t: softmax(t, axis), x.shape, 18), x) < 1e-7


def test_softmax_jacobian_is_diag_p_minus_p_p_transpose():
    x = np.random.default_rng(19).standard_normal(5)
    p = softmax(Tensor(x)).data
    h = 1e-6
    columns = [(softmax(Tensor(x + h * e)).data - softmax(Tensor(x - h * e)).data) / (2 * h) for e in np.eye(5)]
    finite_differences = np.column_stack(columns)
    assert np.allclose(finite_differences, np.diag(p) - np.outer(p, p), atol=1e-9)
    rows = []
    for e in np.eye(5):  # reverse mode gives the rows of the Jacobian, one output direction at a time
        t = Tensor(x)
        softmax(t).backward(e)
        rows.append(t.grad)
    assert np.allclose(np.array(rows), np.diag(p) - np.outer(p, p), rtol=1e-13, atol=1e-16)


def test_layer_norm_matches_the_formula_and_central_differences_for_input_gain_and_bias():
    rng = np.random.default_rng(20)
    x, gain, bias = rng.standard_normal((3, 2, 6)), rng.standard_normal(6), rng.standard_normal(6)
    expected = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) * gain + bias
    assert np.allclose(layer_norm(Tensor(x), gain, bias).data, expected, rtol=1e-13)
    assert check_grad(weighted_sum(lambda t: layer_norm(t, gain, bias), x.shape, 21), x) < 1e-7
    assert check_grad(weighted_sum(lambda t: layer_norm(x, t, bias), x.shape, 22), gain) < 1e-8
    assert check_grad(weighted_sum(lambda t: layer_norm(x, gain, t), x.shape, 23), bias) < 1e-8
    with pytest.raises(ValueError, match="eps must be a non-negative number, got -1"):
        layer_norm(Tensor(x), gain, bias, eps=-1)


@pytest.mark.parametrize("seed", range(5))
def test_layer_norm_jacobian_sends_the_ones_direction_and_the_normalised_vector_to_zero(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 9))
    x = rng.standard_normal(n) * rng.uniform(0.1, 10) + rng.uniform(-5, 5)
    ones = np.ones(n)
    normalise = lambda v: layer_norm(Tensor(v), ones, np.zeros(n), eps=0.0).data
    x_hat = normalise(x)
    h = 1e-6 * np.abs(x).max()
    jacobian = np.column_stack([(normalise(x + h * e) - normalise(x - h * e)) / (2 * h) for e in np.eye(n)])
    scale = np.abs(jacobian).max()
    assert np.abs(jacobian @ ones).max() < 1e-6 * scale and np.abs(jacobian @ x_hat).max() < 1e-6 * scale
    assert np.linalg.matrix_rank(jacobian, tol=1e-6 * scale) == n - 2  # nothing else is sent to zero
    for direction in (ones, x_hat):  # reverse mode: Jᵀ v, and J is symmetric
        t = Tensor(x)
        layer_norm(t, ones, np.zeros(n), eps=0.0).backward(direction)
        assert np.abs(t.grad).max() < 1e-12 * scale


def test_gelu_is_gpt2s_tanh_approximation_close_to_x_times_the_normal_cdf():
    from math import erf, sqrt

    x = np.linspace(-6, 6, 241)
    exact = np.array([v * 0.5 * (1 + erf(v / sqrt(2))) for v in x])
    tanh_form = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    assert np.allclose(gelu(Tensor(x)).data, tanh_form, rtol=1e-14, atol=1e-16)
    assert 1e-4 < np.abs(gelu(Tensor(x)).data - exact).max() < 1e-3  # an approximation, and a close one
    x3 = np.random.default_rng(24).standard_normal((2, 2, 3)) * 3
    assert check_grad(weighted_sum(gelu, x3.shape, 25), x3) < 1e-8


def test_cross_entropy_is_the_mean_negative_log_softmax_of_the_targets():
    rng = np.random.default_rng(26)
    scores, targets = rng.standard_normal((2, 3, 5)) * 4, rng.integers(0, 5, (2, 3))
    logp = scores - np.log(np.exp(scores).sum(-1, keepdims=True))
    expected = -np.mean(np.take_along_axis(logp, targets[..., None], axis=-1))
    assert float(cross_entropy(Tensor(scores), targets).data) == pytest.approx(expected, rel=1e-14)
    assert check_grad(lambda t: cross_entropy(t, targets) * 3.0, scores) < 1e-8
    composed = Tensor(scores)
    (-log_softmax(composed)[np.arange(2)[:, None], np.arange(3), targets].mean()).backward()
    fused = Tensor(scores)
    cross_entropy(fused, targets).backward()
    assert np.allclose(fused.grad, composed.grad, rtol=1e-12, atol=1e-17)
    assert float(cross_entropy(Tensor([[1000.0, 0.0]]), [1]).data) == pytest.approx(1000.0, rel=1e-15)


def test_cross_entropy_refuses_targets_of_the_wrong_shape_type_or_range():
    scores = Tensor(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"targets must be integers of shape \(2, 3\)"):
        cross_entropy(scores, np.zeros((2, 4), dtype=int))
    with pytest.raises(ValueError, match="targets must be integers"):
        cross_entropy(scores, np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"class ids in 0..3, got values in 0..4"):
        cross_entropy(scores, np.array([[0, 1, 4], [0, 0, 0]]))


def test_float32_precision_holds_values_and_gradients_in_float32_and_then_returns_to_float64():
    x = np.random.default_rng(27).standard_normal((3, 4))
    with precision(np.float32):
        t = Tensor(x)
        out = cross_entropy(gelu(layer_norm(t, np.ones(4), np.zeros(4))) @ Tensor(x.T), np.array([0, 1, 2]))
        out.backward()
        assert t.data.dtype == out.data.dtype == t.grad.dtype == np.float32
    assert Tensor(x).data.dtype == np.float64
    reference = Tensor(x)
    cross_entropy(gelu(layer_norm(reference, np.ones(4), np.zeros(4))) @ Tensor(x.T), np.array([0, 1, 2])).backward()
    assert np.allclose(t.grad, reference.grad, rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="dtype must be np.float64 or np.float32, got float16"):
        with precision(np.float16):
            pass


def test_gradient_of_a_power_with_respect_to_its_exponent_is_zero_at_base_zero():
    # d/dy 0**y = 0 for y > 0; without the guard in _pow's rule, log(0) = −∞ and 0 · (−∞) makes it NaN
    base = np.array([0.0, 2.0, 0.5])
    exponent = Tensor(np.array([2.0, 3.0, 1.5]))
    (Tensor(base) ** exponent).sum().backward()
    assert np.all(np.isfinite(exponent.grad))
    assert np.allclose(exponent.grad, [0.0, 8 * np.log(2), 0.5**1.5 * np.log(0.5)], rtol=1e-14)
    assert check_grad(lambda t: (base**t).sum(), exponent.data) < 1e-8
