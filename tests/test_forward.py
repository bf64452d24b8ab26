"""book.forward (dual numbers) against analytic derivatives, against reverse mode, and on bad input."""

import re

import numpy as np
import pytest

from book.autodiff import grad
from book.forward import Dual, forward_gradient, jvp
from book.functions import sigmoid

TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}


# name: (input shapes, inputs positive?, function of the Duals, analytic tangent given the inputs and their tangents)
OPERATIONS = {
    "add": ([(3, 4), (3, 4)], False, lambda x, y: x + y, lambda x, y, dx, dy: dx + dy),
    "add a row to a matrix": ([(3, 4), (4,)], False, lambda x, y: x + y, lambda x, y, dx, dy: dx + dy),
    "subtract": ([(3, 4), (3, 4)], False, lambda x, y: x - y, lambda x, y, dx, dy: dx - dy),
    "multiply": ([(3, 4), (3, 4)], False, lambda x, y: x * y, lambda x, y, dx, dy: dx * y + x * dy),
    "divide": ([(3, 4), (3, 4)], True, lambda x, y: x / y, lambda x, y, dx, dy: dx / y - x * dy / y**2),
    "power": ([(3, 4)], True, lambda x: x**2.5, lambda x, dx: 2.5 * x**1.5 * dx),
    "negate": ([(3, 4)], False, lambda x: -x, lambda x, dx: -dx),
    "number minus": ([(3, 4)], False, lambda x: 1 - x, lambda x, dx: -dx),
    "number times": ([(3, 4)], False, lambda x: 2 * x, lambda x, dx: 2 * dx),
    "number divided by": ([(3, 4)], True, lambda x: 3 / x, lambda x, dx: -3 * dx / x**2),
    "matrix @ matrix": ([(2, 3), (3, 4)], False, lambda x, y: x @ y, lambda x, y, dx, dy: dx @ y + x @ dy),
    "matrix @ vector": ([(2, 3), (3,)], False, lambda x, y: x @ y, lambda x, y, dx, dy: dx @ y + x @ dy),
    "exp": ([(3, 4)], False, lambda x: x.exp(), lambda x, dx: np.exp(x) * dx),
    "log": ([(3, 4)], True, lambda x: x.log(), lambda x, dx: dx / x),
    "tanh": ([(3, 4)], False, lambda x: x.tanh(), lambda x, dx: dx / np.cosh(x) ** 2),
    "sigmoid": ([(3, 4)], False, lambda x: x.sigmoid(), lambda x, dx: sigmoid(x) * sigmoid(-x) * dx),
    "relu": ([(3, 4)], False, lambda x: x.relu(), lambda x, dx: (x > 0) * dx),
    "sum": ([(3, 4)], False, lambda x: x.sum(), lambda x, dx: dx.sum()),
    "sum over axis 0": ([(3, 4)], False, lambda x: x.sum(axis=0), lambda x, dx: dx.sum(axis=0)),
    "mean keepdims": (
        [(3, 4)],
        False,
        lambda x: x.mean(axis=1, keepdims=True),
        lambda x, dx: dx.mean(axis=1, keepdims=True),
    ),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_each_operation_carries_the_analytic_tangent(name):
    shapes, positive, forward, analytic = OPERATIONS[name]
    rng = np.random.default_rng(list(OPERATIONS).index(name))
    values = [rng.uniform(0.5, 2.0, s) if positive else rng.standard_normal(s) for s in shapes]
    tangents = [rng.standard_normal(s) for s in shapes]
    out = forward(*[Dual(v, t) for v, t in zip(values, tangents)])
    assert out.tangent.shape == out.value.shape
    np.testing.assert_allclose(out.tangent, analytic(*values, *tangents), **TOLERANCE)


def test_a_constant_operand_has_no_tangent():
    matrix = np.array([[1.0, 2.0], [3.0, 4.0]])
    out = matrix @ Dual(np.array([1.0, -1.0]), np.array([0.0, 1.0]))  # numpy hands the product to Dual
    assert isinstance(out, Dual)
    np.testing.assert_array_equal(out.value, [-1.0, -1.0])
    np.testing.assert_array_equal(out.tangent, [2.0, 4.0])


def test_dual_number_arithmetic_is_the_chain_rule():
    x = Dual(3.0, 1.0)  # (3 + ε)² = 9 + 6ε
    y = x**2
    assert float(y.value) == 9.0 and float(y.tangent) == 6.0
    z = (x * x).exp()  # d/dx e^(x²) = 2x e^(x²)
    assert float(z.tangent) == pytest.approx(6 * np.exp(9.0), rel=1e-14)


LOSSES = {
    "tanh regression": lambda t: ((np.arange(12.0).reshape(4, 3) @ t).tanh() - 0.5) ** 2,
    "softplus and sigmoid": lambda t: (1 + t.exp()).log() * t.sigmoid(),
    "quotients and relu": lambda t: (t.relu() + 1) / (t * t + 2) - 3 / (2 + t.sigmoid()),
}


@pytest.mark.parametrize("name", LOSSES)
def test_forward_gradient_equals_reverse_mode(name):
    f = lambda t: LOSSES[name](t).mean()
    x = np.random.default_rng(1).standard_normal(3)
    np.testing.assert_allclose(forward_gradient(f, x), grad(f)(x), **TOLERANCE)


def test_jvp_is_the_gradient_dotted_with_the_direction():
    f = lambda t: (t.tanh() * t).sum()
    x, v = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -2.0])
    value, slope = jvp(f, x, v)
    assert float(value) == pytest.approx(np.sum(np.tanh(x) * x), rel=1e-14)
    assert float(slope) == pytest.approx(grad(f)(x) @ v, rel=1e-12)


def test_forward_gradient_is_shaped_like_x_and_makes_one_pass_per_entry():
    calls = []

    def f(t):
        calls.append(1)
        return (t * t).sum()

    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(forward_gradient(f, x), 2 * x)
    assert len(calls) == 6


def test_bad_input_is_refused_with_the_argument_named():
    with pytest.raises(
        ValueError, match=re.escape("tangent must be a number or have the shape (2,) of value, got (3,)")
    ):
        Dual([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="value must contain only finite"):
        Dual([np.nan])
    with pytest.raises(ValueError, match=re.escape("v must have the shape (2,) of x, got (3,)")):
        jvp(lambda d: d.sum(), np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match="f must return a Dual computed from its argument, got float"):
        jvp(lambda d: 1.0, np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match=re.escape("f must return a scalar, got shape (2,)")):
        forward_gradient(lambda d: d * 2, np.ones(2))
    with pytest.raises(TypeError, match="exponent must be a number"):
        Dual(2.0) ** Dual(1.0)
    with pytest.raises(TypeError, match="f must be a callable"):
        forward_gradient(3, np.ones(2))


def test_repr_shows_value_and_tangent():
    assert repr(Dual([1.0, 2.0], 1.0)) == "Dual(value=[1. 2.], tangent=[1. 1.])"
    assert Dual(np.zeros((2, 3))).shape == (2, 3)
