"""Forward-mode automatic differentiation with dual numbers: a value travels together with its derivative.

A :class:`Dual` holds a value x and a *tangent* ẋ, the derivative of x along one chosen direction v of the input:
the dual number x + ẋ·ω with ω² = 0 (the book keeps ε for machine epsilon).
Every operation maps (x, ẋ) to (f(x), f'(x) ẋ), a Jacobian–vector product, so one pass through a function gives
the directional derivative ∇f(x)·v. The full gradient of f: ℝᵈ → ℝ therefore needs d passes, one per coordinate
direction (:func:`forward_gradient`), where reverse mode (``book.autodiff``) needs one forward and one backward
pass. Each operation is built like ``book.autodiff.node``: a value and, per input, a rule; here the rule maps the
input's tangent *forward* to its contribution to the output's tangent. Plain numbers and arrays are constants.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from book._validate import require_callable, require_finite_array
from book.numerics import sigmoid

__all__ = ["Dual", "jvp", "forward_gradient"]

TangentRule = Callable[[np.ndarray], np.ndarray]


class Dual:
    """A float64 value and its tangent (derivative along one input direction), carried through every operation.

    >>> x = Dual(3.0, 1.0)   # x = 3, moving at unit speed
    >>> y = x * x + 2 * x
    >>> float(y.value), float(y.tangent)   # y = 15 and dy/dx = 2x + 2 = 8
    (15.0, 8.0)
    """

    __slots__ = ("value", "tangent")
    __array_ufunc__ = None  # makes numpy hand `array @ dual` to Dual.__rmatmul__

    def __init__(self, value: ArrayLike, tangent: ArrayLike = 0.0) -> None:
        self.value = require_finite_array("value", value)
        direction = require_finite_array("tangent", tangent)
        if direction.ndim and direction.shape != self.value.shape:
            raise ValueError(
                f"tangent must be a number or have the shape {self.value.shape} of value, got {direction.shape}"
            )
        self.tangent = np.broadcast_to(direction, self.value.shape).copy()

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    def __repr__(self) -> str:
        return f"Dual(value={np.array2string(self.value)}, tangent={np.array2string(self.tangent)})"

    def __add__(self, other: Dual | ArrayLike) -> Dual:
        return _add(self, other)

    def __radd__(self, other: ArrayLike) -> Dual:
        return _add(other, self)

    def __sub__(self, other: Dual | ArrayLike) -> Dual:
        return _sub(self, other)

    def __rsub__(self, other: ArrayLike) -> Dual:
        return _sub(other, self)

    def __mul__(self, other: Dual | ArrayLike) -> Dual:
        return _mul(self, other)

    def __rmul__(self, other: ArrayLike) -> Dual:
        return _mul(other, self)

    def __truediv__(self, other: Dual | ArrayLike) -> Dual:
        return _div(self, other)

    def __rtruediv__(self, other: ArrayLike) -> Dual:
        return _div(other, self)

    def __pow__(self, exponent: float) -> Dual:
        if isinstance(exponent, Dual):
            raise TypeError("exponent must be a number: a Dual exponent is not supported")
        x = self.value
        p = float(exponent)
        return _dual(x**p, (self, lambda t: p * x ** (p - 1) * t))

    def __matmul__(self, other: Dual | ArrayLike) -> Dual:
        return _matmul(self, other)

    def __rmatmul__(self, other: ArrayLike) -> Dual:
        return _matmul(other, self)

    def __neg__(self) -> Dual:
        return _dual(-self.value, (self, lambda t: -t))

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Dual:
        """Sum over ``axis`` (every axis by default), as ``np.sum``: the tangent is summed the same way."""
        return _dual(
            self.value.sum(axis=axis, keepdims=keepdims), (self, lambda t: t.sum(axis=axis, keepdims=keepdims))
        )

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Dual:
        """Mean over ``axis`` (every axis by default), as ``np.mean``."""
        return _dual(
            self.value.mean(axis=axis, keepdims=keepdims), (self, lambda t: t.mean(axis=axis, keepdims=keepdims))
        )

    def exp(self) -> Dual:
        """eˣ elementwise; its tangent is eˣ·ẋ."""
        out = np.exp(self.value)
        return _dual(out, (self, lambda t: out * t))

    def log(self) -> Dual:
        """Natural logarithm elementwise; its tangent is ẋ / x."""
        x = self.value
        return _dual(np.log(x), (self, lambda t: t / x))

    def tanh(self) -> Dual:
        """tanh elementwise; its tangent is (1 − tanh²)·ẋ."""
        out = np.tanh(self.value)
        return _dual(out, (self, lambda t: (1 - out**2) * t))

    def sigmoid(self) -> Dual:
        """σ(x) elementwise (``book.functions.sigmoid``); its tangent is σ(1 − σ)·ẋ."""
        out = np.asarray(sigmoid(self.value))
        return _dual(out, (self, lambda t: out * (1 - out) * t))

    def relu(self) -> Dual:
        """max(x, 0) elementwise; its tangent is ẋ where x > 0 and 0 elsewhere."""
        x = self.value
        return _dual(np.maximum(x, 0.0), (self, lambda t: (x > 0) * t))


def _dual(value: ArrayLike, *edges: tuple[Dual | ArrayLike, TangentRule]) -> Dual:
    """A Dual holding ``value`` whose tangent is the sum of ``rule(input.tangent)`` over the Dual inputs."""
    out = Dual.__new__(Dual)
    out.value = np.asarray(value, dtype=np.float64)
    contributions = [rule(parent.tangent) for parent, rule in edges if isinstance(parent, Dual)]
    tangent = sum(contributions[1:], contributions[0]) if contributions else np.zeros(out.value.shape)
    out.tangent = np.broadcast_to(tangent, out.value.shape)
    return out


def _value(operand: Dual | ArrayLike) -> np.ndarray:
    return operand.value if isinstance(operand, Dual) else np.asarray(operand, dtype=np.float64)


def _add(a: Dual | ArrayLike, b: Dual | ArrayLike) -> Dual:
    return _dual(_value(a) + _value(b), (a, lambda t: t), (b, lambda t: t))


def _sub(a: Dual | ArrayLike, b: Dual | ArrayLike) -> Dual:
    return _dual(_value(a) - _value(b), (a, lambda t: t), (b, lambda t: -t))


def _mul(a: Dual | ArrayLike, b: Dual | ArrayLike) -> Dual:
    x, y = _value(a), _value(b)
    return _dual(x * y, (a, lambda t: t * y), (b, lambda t: x * t))


def _div(a: Dual | ArrayLike, b: Dual | ArrayLike) -> Dual:
    x, y = _value(a), _value(b)
    out = x / y
    return _dual(out, (a, lambda t: t / y), (b, lambda t: -out * t / y))


def _matmul(a: Dual | ArrayLike, b: Dual | ArrayLike) -> Dual:
    x, y = _value(a), _value(b)
    return _dual(x @ y, (a, lambda t: t @ y), (b, lambda t: x @ t))


def jvp(f: Callable[[Dual], Dual], x: ArrayLike, v: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """One forward pass: (f(x), J_f(x) v), the value and the derivative of f along the direction ``v``.

    >>> value, slope = jvp(lambda d: (d * d).sum(), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    >>> float(value), float(slope)   # f = x₁² + x₂², ∂f/∂x₁ = 2x₁
    (5.0, 2.0)
    """
    require_callable("f", f)
    point = require_finite_array("x", x)
    direction = require_finite_array("v", v)
    if direction.shape != point.shape:
        raise ValueError(f"v must have the shape {point.shape} of x, got {direction.shape}")
    out = f(Dual(point, direction))
    if not isinstance(out, Dual):
        raise TypeError(f"f must return a Dual computed from its argument, got {type(out).__name__}")
    return out.value, np.array(out.tangent)


def forward_gradient(f: Callable[[Dual], Dual], x: ArrayLike) -> np.ndarray:
    """∇f(x) of a scalar ``f`` by forward mode: one pass per coordinate direction, x.size passes in all.

    >>> forward_gradient(lambda d: (d * d).sum(), np.array([1.0, 2.0]))
    array([2., 4.])
    """
    point = require_finite_array("x", x)
    gradient = np.zeros(point.shape)
    for j in range(point.size):
        direction = np.zeros(point.shape)
        direction.flat[j] = 1.0
        value, slope = jvp(f, point, direction)
        if value.size != 1:
            raise ValueError(f"f must return a scalar, got shape {value.shape}")
        gradient.flat[j] = slope.item()
    return gradient
