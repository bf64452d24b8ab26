"""Chapter 3's checkers recognise the typical mistakes and show the hint written for each."""

import re

import numpy as np

from book.autodiff import Tensor, node
from book.exercises import ch03 as check
from exercises.solutions import ch03 as solutions


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _neuron(w, b, x, y, *, sigma_prime=True, two=True, with_x=True, sign=1.0):
    a = _sigmoid(w * x + b)
    d_z = (2 if two else 1) * sign * (a - y) * (a * (1 - a) if sigma_prime else 1)
    return np.array([d_z * (x if with_x else 1), d_z])


def _network(
    X,
    Y,
    W1,
    b1,
    W2,
    b2,
    *,
    divide_by=None,
    derivative="sigmoid",
    transposed=False,
    w2_untransposed=False,
    bias=np.sum,
    two=2,
):
    H = _sigmoid(X @ W1 + b1)
    G = two * (H @ W2 + b2 - Y) / (Y.size if divide_by is None else divide_by(Y))
    G_H = G @ (W2 if w2_untransposed else W2.T)
    G_Z = G_H * {"sigmoid": H * (1 - H), "tanh": 1 - H**2, "none": 1.0}[derivative]
    if transposed:
        return G_Z.T @ X, bias(G_Z, axis=0), G.T @ H, bias(G, axis=0)
    return X.T @ G_Z, bias(G_Z, axis=0), H.T @ G, bias(G, axis=0)


def _softplus(rule):
    def softplus(t):
        x = t.data
        return node(np.logaddexp(0.0, x), (t, lambda g: rule(g, x)))

    return softplus


WRONG_ANSWERS = {
    "chain_rule_derivative": [
        (lambda x: np.cos(x**2), "inner derivative"),
        (lambda x: 2 * x * np.cos(x), "at the inner value"),
        (lambda x: np.cos(2 * x), "the chain rule multiplies"),
        (lambda x: 2 * x * np.sin(x**2), "derivative of sin is cos"),
        (lambda x: np.asarray(x) * np.cos(np.asarray(x) ** 2), None),  # the 2 of 2x lost
        (lambda x: 2 * np.asarray(x) * np.cos(np.asarray(x)) ** 2, None),  # cos²x for cos(x²)
    ],
    "multiply_backward": [
        (lambda g, a, b: (g * a, g * b), "swapped"),
        (lambda g, a, b: (b, a), "multiply by the upstream gradient"),
        (lambda g, a, b: (g, g), "rule of addition"),
        (lambda g, a, b: (g * a * b, g * a * b), "not a·b"),
        (lambda g, a, b: (g * b, g * b), None),
        (lambda g, a, b: (-g * b, -g * a), None),
    ],
    "neuron_gradient": [
        (lambda w, b, x, y: _neuron(w, b, x, y, sigma_prime=False), "you skipped the sigmoid"),
        (lambda w, b, x, y: _neuron(w, b, x, y, two=False), "factor 2"),
        (lambda w, b, x, y: _neuron(w, b, x, y, with_x=False), "extra factor x"),
        (lambda w, b, x, y: _neuron(w, b, x, y, sign=-1.0), "sign is flipped"),
        (
            lambda w, b, x, y: (
                _neuron(w, b, x, y) * np.array([1.0, x]) / np.array([x, 1.0]) if x else _neuron(w, b, x, y) + 1
            ),
            None,
        ),  # x on the wrong one
        (lambda w, b, x, y: _neuron(w, b, x, y)[::-1], None),
    ],
    "unbroadcast": [
        (lambda grad, shape: solutions.unbroadcast(grad, shape) * np.prod(shape) / grad.size, "SUM of their gradients"),
        (lambda grad, shape: np.full(shape, grad.sum()), "summed over every axis"),
        (
            lambda grad, shape: grad.sum(axis=0).reshape(shape) if grad.ndim > len(shape) else grad,
            None,
        ),  # the leading axis only
        (lambda grad, shape: grad.sum(axis=tuple(range(grad.ndim - len(shape)))), None),  # forgets the size-1 axes
        (
            lambda grad, shape: grad.mean(axis=tuple(range(grad.ndim - len(shape)))).sum(
                axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True
            ),
            None,
        ),
        (lambda grad, shape: np.broadcast_to(grad.sum(), shape).copy(), None),
    ],
    "two_layer_backward": [
        (lambda *a: _network(*a, derivative="none"), "forgot the activation's derivative"),
        (lambda *a: _network(*a, derivative="tanh"), "tanh's derivative"),
        (lambda *a: _network(*a, transposed=True), "transpose is misplaced"),
        (lambda *a: _network(*a, w2_untransposed=True), "W2 transposed"),
        (lambda *a: _network(*a, bias=np.mean), "SUM over rows"),
        (lambda *a: _network(*a, divide_by=lambda Y: 1.0), "divide by N·k"),
        (lambda *a: _network(*a, divide_by=lambda Y: Y.shape[0]), "number of rows N only"),
        (lambda *a: _network(*a, two=1), "factor 2"),
    ],
    "softplus": [
        (lambda t: t, "not log(eˣ) = x"),
        (lambda t: node(np.logaddexp(0.0, t.data)), "pass the pair (t, rule) to node"),
        (_softplus(lambda g, x: _sigmoid(x)), "multiply by the upstream gradient g"),
        (_softplus(lambda g, x: g * np.logaddexp(0.0, x)), "not softplus itself"),
        (_softplus(lambda g, x: g * _sigmoid(-x)), "wrong side"),
        (lambda t: node(np.log1p(np.exp(t.data)), (t, lambda g: g * _sigmoid(t.data))), None),  # overflows at 800
    ],
    "vanishing_depth": [
        (lambda: solutions.vanishing_depth() + 1, "one sigmoid too many"),
        (lambda: solutions.vanishing_depth() - 1, "one sigmoid too few"),
        (lambda: round(np.log(1e-6) / np.log(0.25)), None),  # 1/4 per layer, rounded the wrong way
        (lambda: 6, None),
        (lambda: 20, None),
        (lambda: 9.5, None),
    ],
}


def test_two_layer_messages_name_the_gradient_and_the_network_and_show_the_worst_entry():
    message = check.two_layer_backward(lambda *a: _network(*a, derivative="none")).message
    assert re.match(
        r"For dW1 with a batch of 5 rows, 3 inputs, 3 hidden units, 3 outputs at \[\d, \d\] of the \(3, 3\) array "
        r"expected -?\d\.\d{5,} but got -?\d\.\d{5,} \(off by",
        message,
    ), message
    wrong_shape = check.two_layer_backward(lambda X, Y, W1, b1, W2, b2: (W1, b1, W2.T, b2)).message
    assert wrong_shape.startswith("For dW2 with a batch of 5 rows") and "of the (3, 3) array expected" in wrong_shape
    keepdims_bias = check.two_layer_backward(
        lambda *a: (lambda g: (g[0], g[1], g[2], g[3][None, :]))(solutions.two_layer_backward(*a))
    ).message
    assert (
        keepdims_bias.startswith("For db2 with a batch of 5 rows")
        and "returned shape (1, 3); expected shape (3,)" in keepdims_bias
    )


def test_returning_the_wrong_number_of_gradients_is_counted():
    five = check.two_layer_backward(lambda *a: (*solutions.two_layer_backward(*a), None)).message
    assert (
        five == "For a batch of 5 rows, 3 inputs, 3 hidden units, 3 outputs expected 4 gradients (dW1, db1, dW2, db2), "
        "got 5."
    )
    three = check.multiply_backward(lambda g, a, b: (g * b, g * a, g)).message
    assert three == "For g = 0.5, a = 2, b = -3 expected 2 gradients (∂L/∂a, ∂L/∂b), got 3."


def test_an_in_place_overflow_guard_is_caught_and_leaves_the_case_intact():
    def softplus(t):
        x = t.data
        x[x > 30] = 30
        return node(np.log1p(np.exp(x)), (t, lambda g: g / (1 + np.exp(-x))))

    result = check.softplus(softplus)
    assert result.message.startswith(
        "For x = [-800, 800] (e^800 overflows: use np.logaddexp(0, x)) your function changed its input t in place"
    )
    assert check._SOFTPLUS_CASES[2].args[0].tolist() == [-800.0, 800.0]
    assert check.softplus(solutions.softplus).passed


def test_changing_an_input_array_in_place_is_reported_in_every_form():
    def multiply_in_place(g, a, b):
        return np.multiply(b, g), np.multiply(a, g, out=a) if np.ndim(a) else g * a

    assert "changed its input a in place" in check.multiply_backward(multiply_in_place).message

    def updates_w1(X, Y, W1, b1, W2, b2):
        gradients = solutions.two_layer_backward(X, Y, W1, b1, W2, b2)
        W1 -= 0.1 * gradients[0]  # a training step inside the gradient function
        return gradients

    assert "changed its input W1 in place" in check.two_layer_backward(updates_w1).message


def test_a_complex_answer_is_refused_with_a_message_and_no_warning(recwarn):
    message = check.chain_rule_derivative(lambda x: np.cos(x**2) * 2 * x + 5j).message
    assert (
        message == "For x = 1.2 your function returned complex numbers (imaginary part up to 5); expected real numbers."
    )
    assert not recwarn.list


def test_overflowing_softplus_is_reported_on_the_large_case():
    naive = lambda t: node(np.log(1 + np.exp(t.data)), (t, lambda g: g * _sigmoid(t.data)))  # noqa: E731
    message = check.softplus(naive).message
    assert message.startswith("For the value with x = [-800, 800]") and "not a finite number" in message


def test_softplus_returning_an_array_is_told_to_build_a_tensor():
    message = check.softplus(lambda t: np.logaddexp(0.0, t.data)).message
    assert "must return a Tensor made with node" in message and "got ndarray" in message


def test_an_almost_right_answer_is_still_wrong():
    assert not check.chain_rule_derivative(lambda x: 1.0001 * np.cos(x**2) * 2 * x).passed
    almost = lambda *a: tuple(1.000001 * g for g in solutions.two_layer_backward(*a))
    assert not check.two_layer_backward(almost).passed


def test_every_reference_is_the_engine_and_matches_an_independent_formula():
    x = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(solutions.chain_rule_derivative(x), np.cos(x**2) * 2 * x, rtol=1e-15)
    grad = np.random.default_rng(0).standard_normal((2, 3, 4))
    np.testing.assert_allclose(check._unbroadcast(grad, (3, 1)), grad.sum(axis=(0, 2))[:, None], rtol=1e-12)
    t = Tensor(np.array([-1.0, 2.0]))
    solutions.softplus(t).backward(np.ones(2))
    np.testing.assert_allclose(t.grad, _sigmoid(np.array([-1.0, 2.0])), rtol=1e-12)
