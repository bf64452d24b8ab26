"""book.autodiff against analytic formulas, against HIPS autograd, against hand-written backprop, and on bad input."""

import re
from types import SimpleNamespace

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad as autograd_grad

from book.autodiff import Tensor, check_grad, grad, node, unbroadcast
from book.functions import sigmoid

TOLERANCE = {"rtol": 1e-10, "atol": 1e-10}


def _repeated_rows(w: np.ndarray) -> np.ndarray:
    expected = np.zeros((3, 4))
    expected[0] = w[0] + w[2]
    expected[2] = w[1]
    return expected


def _strided_block(w: np.ndarray) -> np.ndarray:
    expected = np.zeros((3, 4))
    expected[1:, ::2] = w
    return expected


def _one_entry(w: np.ndarray) -> np.ndarray:
    expected = np.zeros((3, 4))
    expected[1, 2] = w
    return expected


# name: (input shapes, inputs positive?, forward on Tensors, analytic input gradients given output gradient w)
OPERATIONS = {
    "add": ([(3, 4), (3, 4)], False, lambda x, y: x + y, lambda w, x, y: (w, w)),
    "add a row to a matrix": ([(3, 4), (4,)], False, lambda x, y: x + y, lambda w, x, y: (w, w.sum(axis=0))),
    "column times row": (
        [(3, 1), (1, 4)],
        False,
        lambda x, y: x * y,
        lambda w, x, y: ((w * y).sum(axis=1, keepdims=True), (w * x).sum(axis=0, keepdims=True)),
    ),
    "number times a matrix": ([(), (3, 4)], False, lambda x, y: x * y, lambda w, x, y: ((w * y).sum(), w * x)),
    "subtract": ([(3, 4), (3, 4)], False, lambda x, y: x - y, lambda w, x, y: (w, -w)),
    "multiply": ([(3, 4), (3, 4)], False, lambda x, y: x * y, lambda w, x, y: (w * y, w * x)),
    "divide": ([(3, 4), (3, 4)], True, lambda x, y: x / y, lambda w, x, y: (w / y, -w * x / y**2)),
    "power by a number": ([(3, 4)], False, lambda x: x**3, lambda w, x: (3 * w * x**2,)),
    "power by a tensor": (
        [(3, 4), (3, 4)],
        True,
        lambda x, y: x**y,
        lambda w, x, y: (w * y * x ** (y - 1), w * x**y * np.log(x)),
    ),
    "number to a power": ([(3, 4)], False, lambda x: 2**x, lambda w, x: (w * 2**x * np.log(2),)),
    "negate": ([(3, 4)], False, lambda x: -x, lambda w, x: (-w,)),
    "number minus": ([(3, 4)], False, lambda x: 1 - x, lambda w, x: (-w,)),
    "number times": ([(3, 4)], False, lambda x: 2 * x, lambda w, x: (2 * w,)),
    "divided by a number": ([(3, 4)], False, lambda x: x / 3, lambda w, x: (w / 3,)),
    "number divided by": ([(3, 4)], True, lambda x: 3 / x, lambda w, x: (-3 * w / x**2,)),
    "matrix @ matrix": ([(2, 3), (3, 4)], False, lambda x, y: x @ y, lambda w, x, y: (w @ y.T, x.T @ w)),
    "matrix @ vector": ([(2, 3), (3,)], False, lambda x, y: x @ y, lambda w, x, y: (np.outer(w, y), x.T @ w)),
    "vector @ matrix": ([(3,), (3, 4)], False, lambda x, y: x @ y, lambda w, x, y: (y @ w, np.outer(x, w))),
    "vector @ vector": ([(3,), (3,)], False, lambda x, y: x @ y, lambda w, x, y: (w * y, w * x)),
    "exp": ([(3, 4)], False, lambda x: x.exp(), lambda w, x: (w * np.exp(x),)),
    "log": ([(3, 4)], True, lambda x: x.log(), lambda w, x: (w / x,)),
    "tanh": ([(3, 4)], False, lambda x: x.tanh(), lambda w, x: (w / np.cosh(x) ** 2,)),
    "sigmoid": ([(3, 4)], False, lambda x: x.sigmoid(), lambda w, x: (w * sigmoid(x) * sigmoid(-x),)),
    "relu": ([(3, 4)], False, lambda x: x.relu(), lambda w, x: (w * (x > 0),)),
    "sum": ([(3, 4)], False, lambda x: x.sum(), lambda w, x: (np.full((3, 4), w),)),
    "sum over axis 0": ([(3, 4)], False, lambda x: x.sum(axis=0), lambda w, x: (np.tile(w, (3, 1)),)),
    "sum keepdims": ([(3, 4)], False, lambda x: x.sum(axis=1, keepdims=True), lambda w, x: (np.tile(w, (1, 4)),)),
    "mean": ([(3, 4)], False, lambda x: x.mean(), lambda w, x: (np.full((3, 4), w / 12),)),
    "mean over last axis": ([(3, 4)], False, lambda x: x.mean(axis=-1), lambda w, x: (np.tile(w[:, None] / 4, 4),)),
    "reshape": ([(3, 4)], False, lambda x: x.reshape(2, 6), lambda w, x: (w.reshape(3, 4),)),
    "transpose": ([(3, 4)], False, lambda x: x.T, lambda w, x: (w.T,)),
    "index a slice": ([(3, 4)], False, lambda x: x[1:, ::2], lambda w, x: (_strided_block(w),)),
    "index repeated rows": ([(3, 4)], False, lambda x: x[[0, 2, 0]], lambda w, x: (_repeated_rows(w),)),
    "index one entry": ([(3, 4)], False, lambda x: x[1, 2], lambda w, x: (_one_entry(w),)),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_each_operation_has_the_analytic_gradient(name):
    shapes, positive, forward, analytic = OPERATIONS[name]
    rng = np.random.default_rng(list(OPERATIONS).index(name))
    inputs = [rng.uniform(0.5, 2.0, shape) if positive else rng.standard_normal(shape) for shape in shapes]
    tensors = [Tensor(x) for x in inputs]
    output = forward(*tensors)
    output_gradient = rng.standard_normal(output.shape)
    output.backward(output_gradient)
    for tensor, expected in zip(tensors, analytic(output_gradient, *inputs), strict=True):
        assert tensor.grad.shape == tensor.shape
        np.testing.assert_allclose(tensor.grad, expected, **TOLERANCE)


BOOK = SimpleNamespace(
    exp=Tensor.exp,
    log=Tensor.log,
    tanh=Tensor.tanh,
    sigmoid=Tensor.sigmoid,
    relu=Tensor.relu,
    sum=Tensor.sum,
    mean=Tensor.mean,
)
AUTOGRAD = SimpleNamespace(
    exp=anp.exp,
    log=anp.log,
    tanh=anp.tanh,
    sigmoid=lambda x: 1 / (1 + anp.exp(-x)),
    relu=lambda x: anp.maximum(x, 0.0),
    sum=anp.sum,
    mean=anp.mean,
)

# name: (input shapes, scalar function of the inputs written once against the `ops` namespace)
COMPOSITIONS = {
    "(3,4) + (4,)": ([(3, 4), (4,)], lambda ops, m, v: ops.sum(ops.tanh(m + v) * m)),
    "(3,1) * (1,4)": ([(3, 1), (1, 4)], lambda ops, a, b: ops.mean(ops.exp(a * b) - b)),
    "scalar * matrix": ([(), (3, 4)], lambda ops, s, m: ops.sum((s * m) ** 2)),
    "sum over an axis": ([(3, 4), (4,)], lambda ops, m, v: ops.sum(ops.sigmoid(ops.sum(m, axis=0)) * v)),
    "mean with keepdims": ([(3, 4)], lambda ops, m: ops.sum(m / ops.mean(m**2, axis=1, keepdims=True))),
    "matmul chain": ([(2, 3), (3, 4), (4,)], lambda ops, a, b, c: ops.sum(ops.tanh((a @ b) @ c))),
    "vector @ matrix @ vector": ([(3,), (3, 4), (4,)], lambda ops, u, m, v: (u @ m) @ v),
    "indexing": (
        [(3, 4)],
        lambda ops, m: ops.sum(m[[0, 2, 0]] ** 2) + ops.sum(ops.tanh(m[1:, ::2])) + m[1, 2] * m[0, 0],
    ),
    "reshape and transpose": ([(3, 4), (2, 5)], lambda ops, m, n: ops.sum(ops.sigmoid(m.reshape(2, 6).T @ n))),
    "division and powers": (
        [(3, 4), (3, 4)],
        lambda ops, a, b: ops.sum((a / (1 + b**2)) ** 3) + ops.sum((a**2 + 1) ** b),
    ),
    "numbers on the left": ([(5,)], lambda ops, a: ops.sum(1 - 2 / (1 + ops.exp(-a)) + 2**a - 3 * a)),
    "log of a softplus": ([(5,)], lambda ops, a: ops.sum(ops.log(1 + ops.exp(a)))),
    "relu layer": (
        [(6, 3), (3, 4), (4,)],
        lambda ops, x, w, b: ops.mean(ops.relu(x @ w + b) ** 2),
    ),
    "tensor used many times": ([(4,)], lambda ops, a: ops.sum(a * a * a + a - ops.exp(a) * a)),
}


def _book_value_and_gradients(f, inputs):
    tensors = [Tensor(x) for x in inputs]
    value = f(BOOK, *tensors)
    value.backward()
    return value.data, [t.grad for t in tensors]


@pytest.mark.parametrize("name", COMPOSITIONS)
def test_compositions_match_autograd(name):
    shapes, f = COMPOSITIONS[name]
    rng = np.random.default_rng(list(COMPOSITIONS).index(name))
    inputs = [rng.standard_normal(shape) for shape in shapes]
    value, gradients = _book_value_and_gradients(f, inputs)
    expected_gradients = autograd_grad(lambda args: f(AUTOGRAD, *args))(tuple(inputs))
    np.testing.assert_allclose(value, f(AUTOGRAD, *inputs), **TOLERANCE)
    for got, expected in zip(gradients, expected_gradients, strict=True):
        np.testing.assert_allclose(got, expected, **TOLERANCE)


def _two_layer_gradients_by_hand(w1, b1, w2, b2, x, y, activation):
    pre = x @ w1 + b1
    hidden = np.tanh(pre) if activation == "tanh" else np.maximum(pre, 0.0)
    residual = hidden @ w2 + b2 - y
    d_output = 2 * residual / residual.size
    d_hidden = d_output @ w2.T
    d_pre = d_hidden * (1 - hidden**2) if activation == "tanh" else d_hidden * (pre > 0)
    return [x.T @ d_pre, d_pre.sum(axis=0), hidden.T @ d_output, d_output.sum(axis=0)]


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_two_layer_network_matches_backprop_by_hand(activation):
    rng = np.random.default_rng(7)
    parameters = [rng.standard_normal(shape) for shape in [(5, 8), (8,), (8, 3), (3,)]]
    x, y = rng.standard_normal((16, 5)), rng.standard_normal((16, 3))
    w1, b1, w2, b2 = tensors = [Tensor(p) for p in parameters]
    pre = x @ w1 + b1
    hidden = pre.tanh() if activation == "tanh" else pre.relu()
    ((hidden @ w2 + b2 - y) ** 2).mean().backward()
    for tensor, expected in zip(tensors, _two_layer_gradients_by_hand(*parameters, x, y, activation), strict=True):
        np.testing.assert_allclose(tensor.grad, expected, **TOLERANCE)


def test_product_of_a_tensor_with_itself_accumulates_both_uses():
    x = Tensor([1.0, -2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, -4.0, 6.0], **TOLERANCE)


def test_leaf_used_in_two_branches_receives_the_sum_of_both():
    data = np.array([0.3, -1.2, 0.7])
    x = Tensor(data)
    y = x.exp()
    (y * x + y.sum()).sum().backward()
    np.testing.assert_allclose(x.grad, np.exp(data) * (data + 1) + 3 * np.exp(data), **TOLERANCE)
    np.testing.assert_allclose(y.grad, data + 3, **TOLERANCE)


def test_numbers_and_arrays_on_the_left_give_tensors_with_correct_values():
    data = np.array([1.0, 2.0, 4.0])
    t = Tensor(data)
    for result, expected in [(1 - t, 1 - data), (2 * t, 2 * data), (t / 3, data / 3), (-t, -data)]:
        assert isinstance(result, Tensor)
        np.testing.assert_allclose(result.data, expected, **TOLERANCE)
    mixed = np.ones(3) + t * np.arange(3.0)
    assert isinstance(mixed, Tensor)
    mixed.backward(np.ones(3))
    np.testing.assert_allclose(t.grad, [0.0, 1.0, 2.0], **TOLERANCE)


def test_backward_twice_gives_the_same_gradient_not_double():
    x = Tensor([1.0, 2.0])
    loss = (x * x).sum()
    loss.backward()
    loss.backward()
    np.testing.assert_allclose(x.grad, [2.0, 4.0], **TOLERANCE)


def test_tensor_stores_float64_and_reports_its_shape():
    assert Tensor([1, 2]).data.dtype == np.float64
    assert Tensor(np.array([True, False])).data.dtype == np.float64
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert Tensor(np.zeros((2, 3))).shape == (2, 3) and Tensor(np.zeros((2, 3))).ndim == 2


def test_unbroadcast_sums_added_and_stretched_axes():
    np.testing.assert_array_equal(unbroadcast(np.ones((2, 3, 4)), (3, 1)), np.full((3, 1), 8.0))


def test_grad_returns_the_gradient_shaped_like_x():
    x = np.array([[0.5, -1.0], [2.0, 0.1]])
    np.testing.assert_allclose(grad(lambda t: t.tanh().sum())(x), 1 / np.cosh(x) ** 2, **TOLERANCE)
    np.testing.assert_array_equal(grad(lambda t: Tensor(1.0) * 2)(x), np.zeros((2, 2)))


def test_deep_chain_does_not_hit_the_recursion_limit():
    x = Tensor(0.5)
    y, expected_value, expected_gradient = x, 0.5, 1.0
    for _ in range(5000):
        y = y.tanh()
        expected_value = np.tanh(expected_value)
        expected_gradient *= 1 - expected_value**2
    y.backward()
    np.testing.assert_allclose(y.data, expected_value, **TOLERANCE)
    np.testing.assert_allclose(x.grad, expected_gradient, rtol=1e-10, atol=0)


def test_check_grad_passes_correct_gradients_and_reports_a_tiny_error():
    x = np.random.default_rng(3).standard_normal(6)
    assert check_grad(lambda t: (t.sigmoid() * t.exp()).sum() / (1 + (t**2).mean()), x) < 1e-7


def test_check_grad_catches_a_wrong_rule(monkeypatch):
    def tanh_with_a_wrong_derivative(self):
        out = np.tanh(self.data)
        return node(out, (self, lambda g: g * (1 - out)))

    monkeypatch.setattr(Tensor, "tanh", tanh_with_a_wrong_derivative)
    with pytest.raises(AssertionError, match=r"^direction 0: reverse mode gives .* \(relative error .*\)$"):
        check_grad(lambda t: t.tanh().sum(), np.array([0.5, -1.0, 2.0]))


def test_check_grad_catches_a_sign_flip():
    def sine(t):
        return node(np.sin(t.data), (t, lambda g: -g * np.cos(t.data)))

    with pytest.raises(AssertionError, match="direction 0"):
        check_grad(lambda t: sine(t).sum(), np.array([0.3, 1.1]))


def test_backward_on_a_non_scalar_needs_an_output_gradient():
    message = re.escape("non-scalar tensor of shape (2, 3); call .sum() first or pass grad=...")
    with pytest.raises(ValueError, match=message):
        Tensor(np.ones((2, 3))).exp().backward()
    with pytest.raises(ValueError, match=re.escape("grad must have the shape (2, 3)")):
        Tensor(np.ones((2, 3))).backward(np.ones(3))


def test_matmul_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=re.escape("cannot matmul shapes (2, 3) @ (2, 3): inner dimensions 3 and 2")):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="1-D or 2-D operands or stacks of matrices"):
        Tensor(np.ones(2)) @ Tensor(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=re.escape("(4, 2, 3) @ (4, 2, 3): inner dimensions 3 and 2")):
        Tensor(np.ones((4, 2, 3))) @ Tensor(np.ones((4, 2, 3)))


def test_unsupported_dtypes_are_refused_with_the_dtype_named():
    with pytest.raises(TypeError, match="real numbers \\(float or int\\), got dtype complex128"):
        Tensor(np.array([1 + 2j]))
    with pytest.raises(TypeError, match="got dtype <U"):
        Tensor(["a", "b"])
    with pytest.raises(TypeError, match="got dtype object"):
        Tensor([{}, 1.0])
    with pytest.raises(TypeError, match="complex128"):
        Tensor(1.0) + 1j


def test_grad_refuses_functions_that_do_not_return_a_scalar_tensor():
    with pytest.raises(ValueError, match=re.escape("f must return a scalar Tensor, got a Tensor of shape (2,)")):
        grad(lambda t: t * 2)(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="f must return a Tensor computed from its argument, got float"):
        grad(lambda t: 1.0)(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="f must be a callable"):
        grad(3)


def test_check_grad_takes_an_explicit_finite_difference_step_h():
    f = lambda t: (t.exp() * t).sum()
    assert check_grad(f, np.array([0.5, -1.0]), h=1e-5) < 1e-8
    with pytest.raises(ValueError, match="^h must be"):
        check_grad(f, np.array([0.5, -1.0]), h=0.0)
