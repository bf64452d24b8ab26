"""Reverse-mode automatic differentiation: a Tensor remembers how it was computed, and backward() replays it.

Every operation returns a new Tensor that keeps, for each input, a rule taking the gradient of the output to the
gradient of that input (a vector–Jacobian product, written as a closure). ``backward()`` lists the graph so that
every tensor comes after its inputs, then walks the list from the output back to the leaves, applying the rules
and summing what each tensor receives. A rule may return its gradient in the broadcast shape of the output; the
walk sums it back to the input's shape with ``unbroadcast``. Plain numbers and numpy arrays mixed into an
operation are constants: no rule is kept for them, so no work is spent on their gradients. Every operation is
built with ``node``, which is also how a new one is added.

A transformer needs a few operations more: ``Tensor.transpose``, batched matmul, and four *fused* operations —
``softmax``, ``layer_norm``, ``gelu`` and ``cross_entropy`` — each one node whose backward rule is derived by hand,
which is several times faster than the same function composed of elementary nodes. Tensors hold float64; inside
``with precision(np.float32):`` new tensors hold float32 instead (about twice as fast for training; gradient checks
stay in float64, where central differences are accurate).
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from numpy.typing import ArrayLike

from book import numerics
from book._validate import require_callable, require_finite_array, require_positive
from book.calculus import default_step
from book.numerics import sigmoid

__all__ = [
    "Tensor",
    "node",
    "precision",
    "reuse_freed_memory",
    "topological_order",
    "unbroadcast",
    "grad",
    "check_grad",
]

Rule = Callable[[np.ndarray], np.ndarray]

_FLOAT = {"dtype": np.dtype(np.float64)}


def reuse_freed_memory() -> bool:
    """Ask the C library (glibc) to keep freed blocks of up to 32 MB for reuse instead of handing them back to the
    operating system; True if it could. Every operation allocates arrays of a few MB; without this, each is mapped
    afresh and its pages faulted in one by one, which takes longer than the arithmetic done on it."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mmap_threshold, trim_threshold = -3, -1  # glibc's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD
        return bool(libc.mallopt(mmap_threshold, 32 << 20)) and bool(libc.mallopt(trim_threshold, 1 << 30))
    except (OSError, AttributeError):  # not glibc: nothing to tune
        return False


@contextmanager
def precision(dtype: type | np.dtype) -> Iterator[None]:
    """Within the block, every new Tensor holds ``dtype`` (np.float64, the default, or np.float32).

    >>> with precision(np.float32):
    ...     Tensor([1.0]).data.dtype
    dtype('float32')
    """
    chosen = np.dtype(dtype)
    if chosen not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"dtype must be np.float64 or np.float32, got {chosen}")
    previous, _FLOAT["dtype"] = _FLOAT["dtype"], chosen
    try:
        yield
    finally:
        _FLOAT["dtype"] = previous


def _real_array(name: str, value: ArrayLike) -> np.ndarray:
    """``value`` as a float array (float64 unless ``precision`` says otherwise), without a copy if it already is one;
    complex, text and objects are refused."""
    try:
        array = np.asarray(value)
    except ValueError:
        raise ValueError(f"{name} must be a number or a rectangular array of numbers") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be real numbers (float or int), got dtype {array.dtype}")
    return array.astype(_FLOAT["dtype"], copy=False)


class Tensor:
    """A float64 array (``.data``, wrapped without a copy) that records the operations applied to it.

    >>> x = Tensor([1.0, 2.0])
    >>> (x * x).sum().backward()
    >>> x.grad
    array([2., 4.])
    """

    __slots__ = ("data", "grad", "_edges")
    __array_ufunc__ = None  # makes numpy hand `array * tensor` to Tensor.__rmul__

    def __init__(self, data: ArrayLike) -> None:
        self.data = _real_array("Tensor data", data)
        self.grad: np.ndarray | None = None
        self._edges: list[tuple[Tensor, Rule]] = []

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def edges(self) -> tuple[tuple[Tensor, Rule], ...]:
        """The (input, rule) pairs this tensor was computed with; empty for a leaf."""
        return tuple(self._edges)

    def __repr__(self) -> str:
        return f"Tensor({np.array2string(self.data, separator=', ', prefix='Tensor(')})"

    def backward(self, grad: ArrayLike | None = None) -> None:
        """Set ``.grad`` of this tensor and of every tensor it was computed from to d(self)/d(that tensor).

        ``grad`` is the gradient of some scalar with respect to ``self``; it may be omitted when ``self`` is a scalar.
        Each call replaces the gradients of an earlier call (PyTorch's ``backward`` adds to them instead).
        """
        order = topological_order(self)
        for tensor in order:
            tensor.grad = None
        self.grad = self._output_gradient(grad)
        for tensor in reversed(order):
            for parent, rule in tensor._edges:
                contribution = unbroadcast(rule(tensor.grad), parent.data.shape)
                total = contribution if parent.grad is None else parent.grad + contribution
                parent.grad = np.asarray(total, dtype=parent.data.dtype)  # numpy turns 0-d results into scalars

    def _output_gradient(self, grad: ArrayLike | None) -> np.ndarray:
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() needs an explicit output gradient for a non-scalar tensor of shape {self.shape}; "
                    "call .sum() first or pass grad=..."
                )
            return np.ones(self.shape, dtype=self.data.dtype)
        seed = require_finite_array("grad", grad)
        if seed.shape != self.shape:
            raise ValueError(f"grad must have the shape {self.shape} of the tensor, got shape {seed.shape}")
        return seed.copy()

    def __add__(self, other: Tensor | ArrayLike) -> Tensor:
        return _add(self, other)

    def __radd__(self, other: ArrayLike) -> Tensor:
        return _add(other, self)

    def __sub__(self, other: Tensor | ArrayLike) -> Tensor:
        return _sub(self, other)

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return _sub(other, self)

    def __mul__(self, other: Tensor | ArrayLike) -> Tensor:
        return _mul(self, other)

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return _mul(other, self)

    def __truediv__(self, other: Tensor | ArrayLike) -> Tensor:
        return _div(self, other)

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return _div(other, self)

    def __pow__(self, other: Tensor | ArrayLike) -> Tensor:
        return _pow(self, other)

    def __rpow__(self, other: ArrayLike) -> Tensor:
        return _pow(other, self)

    def __matmul__(self, other: Tensor | ArrayLike) -> Tensor:
        return _matmul(self, other)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return _matmul(other, self)

    def __neg__(self) -> Tensor:
        return node(-self.data, (self, lambda g: -g))

    def __getitem__(self, index: int | slice | tuple | list | np.ndarray) -> Tensor:
        x = self.data

        def rule(g: np.ndarray) -> np.ndarray:
            full = np.zeros(x.shape, dtype=g.dtype)
            if _is_basic(index):
                full[index] = g  # slices and integers pick every entry at most once
            else:
                np.add.at(full, index, g)  # an array of ids may repeat one: add every use
            return full

        return node(x[index], (self, rule))

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (every axis by default), as ``np.sum``."""
        x = self.data

        def rule(g: np.ndarray) -> np.ndarray:
            return np.broadcast_to(g if keepdims or axis is None else np.expand_dims(g, axis), x.shape)

        return node(x.sum(axis=axis, keepdims=keepdims), (self, rule))

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (every axis by default), as ``np.mean``."""
        total = self.sum(axis, keepdims)
        return total * (total.data.size / self.data.size)

    def exp(self) -> Tensor:
        """eˣ elementwise."""
        out = np.exp(self.data)
        return node(out, (self, lambda g: g * out))

    def log(self) -> Tensor:
        """Natural logarithm elementwise."""
        x = self.data
        return node(np.log(x), (self, lambda g: g / x))

    def tanh(self) -> Tensor:
        """Hyperbolic tangent elementwise; its derivative is 1 − tanh²."""
        out = np.tanh(self.data)
        return node(out, (self, lambda g: g * (1 - out**2)))

    def sigmoid(self) -> Tensor:
        """σ(x) = 1 / (1 + e⁻ˣ) elementwise (``book.functions.sigmoid``, which never overflows); σ' = σ(1 − σ)."""
        out = np.asarray(sigmoid(self.data))
        return node(out, (self, lambda g: g * out * (1 - out)))

    def relu(self) -> Tensor:
        """max(x, 0) elementwise; its derivative is taken as 0 at x = 0."""
        x = self.data
        return node(np.maximum(x, 0.0), (self, lambda g: g * (x > 0)))

    def reshape(self, *shape: int | tuple[int, ...]) -> Tensor:
        """The same numbers in a new shape, as ``np.ndarray.reshape``."""
        x = self.data
        return node(x.reshape(*shape), (self, lambda g: np.reshape(g, x.shape)))

    def transpose(self, *axes: int) -> Tensor:
        """The axes permuted as ``np.transpose`` (reversed when none are given); the gradient is permuted back.

        >>> Tensor(np.zeros((2, 3, 4))).transpose(2, 0, 1).shape
        (4, 2, 3)
        """
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if axes and sorted(axes) != list(range(self.ndim)):
            raise ValueError(f"axes must be a permutation of 0..{self.ndim - 1}, got {axes}")
        order = axes or tuple(reversed(range(self.ndim)))
        inverse = tuple(np.argsort(order))
        return node(np.transpose(self.data, order), (self, lambda g: np.transpose(g, inverse)))

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed)."""
        return node(self.data.T, (self, lambda g: np.transpose(g)))


def node(value: ArrayLike, *edges: tuple[Tensor | ArrayLike, Rule]) -> Tensor:
    """A Tensor holding ``value`` with one (input, rule) pair per input; each rule maps d/d(output) to d/d(input).

    >>> x = Tensor(3.0)
    >>> y = node(x.data**2, (x, lambda g: g * 2 * x.data))
    >>> y.backward()
    >>> x.grad
    array(6.)
    """
    out = Tensor.__new__(Tensor)
    out.data = np.asarray(value, dtype=_FLOAT["dtype"])
    out.grad = None
    out._edges = [(parent, rule) for parent, rule in edges if isinstance(parent, Tensor)]
    return out


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor ``root`` was computed from, each listed after all of its inputs (iterative depth-first search)."""
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        tensor, inputs_listed = stack.pop()
        if inputs_listed:
            order.append(tensor)
        elif tensor not in visited:
            visited.add(tensor)
            stack.append((tensor, True))
            stack.extend((parent, False) for parent, _ in tensor._edges)
    return order


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, so that it has ``shape`` again.

    >>> unbroadcast(np.ones((3, 4)), (4,))
    array([3., 3., 3., 3.])
    """
    if grad.shape == shape:
        return grad
    added = grad.ndim - len(shape)
    stretched = tuple(added + axis for axis, size in enumerate(shape) if size == 1)
    return grad.sum(axis=tuple(range(added)) + stretched).reshape(shape)


def _is_basic(index: object) -> bool:
    """Whether ``index`` uses only integers, slices, ``...`` and ``None`` (numpy's basic indexing)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice, type(Ellipsis), type(None))) for p in parts)


def _data(value: Tensor | ArrayLike) -> np.ndarray:
    return value.data if isinstance(value, Tensor) else _real_array("operand", value)


def _add(a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    return node(_data(a) + _data(b), (a, lambda g: g), (b, lambda g: g))


def _sub(a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    return node(_data(a) - _data(b), (a, lambda g: g), (b, lambda g: -g))


def _mul(a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    x, y = _data(a), _data(b)
    return node(x * y, (a, lambda g: g * y), (b, lambda g: g * x))


def _div(a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    x, y = _data(a), _data(b)
    out = x / y
    return node(out, (a, lambda g: g / y), (b, lambda g: -g * out / y))


def _pow(a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    x, y = _data(a), _data(b)
    out = x**y
    return node(
        out,
        (a, lambda g: g * y * x ** (y - 1)),
        (b, lambda g: g * out * np.log(np.where(x == 0, 1.0, x))),
    )


def _matmul(a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    """``a @ b`` as ``np.matmul``: 1-D or 2-D operands, a stack of matrices times a matrix, or two stacks of matrices
    whose leading (batch) axes broadcast, e.g. (B, T, C) @ (C, D) or (B, H, T, d) @ (B, H, d, T)."""
    x, y = _data(a), _data(b)
    if x.ndim == 0 or y.ndim == 0 or (x.ndim == 1 and y.ndim > 2):
        raise ValueError(f"cannot matmul shapes {x.shape} @ {y.shape}: needs 1-D or 2-D operands or stacks of matrices")
    inner = y.shape[0] if y.ndim == 1 else y.shape[-2]
    if x.shape[-1] != inner:
        raise ValueError(
            f"cannot matmul shapes {x.shape} @ {y.shape}: inner dimensions {x.shape[-1]} and {inner} differ"
        )
    if y.ndim > 2:  # stacks of matrices: the rules broadcast, and backward sums them back over the batch axes
        return node(
            np.matmul(x, y),
            (a, lambda g: np.matmul(g, np.swapaxes(y, -1, -2))),
            (b, lambda g: np.matmul(np.swapaxes(x, -1, -2), g)),
        )
    # y is a matrix or a vector: every row of x meets the same y, so one matrix product does each rule
    rows, columns = x.reshape(-1, x.shape[-1]), y.reshape(y.shape[0], -1)

    def as_matrix(g: np.ndarray) -> np.ndarray:
        return np.reshape(g, (rows.shape[0], columns.shape[1]))

    return node(
        np.matmul(x, y),
        (a, lambda g: np.matmul(as_matrix(g), columns.T).reshape(x.shape)),
        (b, lambda g: np.matmul(rows.T, as_matrix(g)).reshape(y.shape)),
    )


def _scalar_output(f: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    value = f(x)
    if not isinstance(value, Tensor):
        raise TypeError(f"f must return a Tensor computed from its argument, got {type(value).__name__}")
    if value.data.size != 1:
        raise ValueError(f"f must return a scalar Tensor, got a Tensor of shape {value.shape}")
    return value


def grad(f: Callable[[Tensor], Tensor]) -> Callable[[np.ndarray], np.ndarray]:
    """The function x ↦ ∇f(x) of a scalar-valued ``f`` written with Tensor operations.

    >>> grad(lambda x: (x * x).sum())(np.array([1.0, 2.0]))
    array([2., 4.])
    """
    require_callable("f", f)

    def gradient(x: np.ndarray) -> np.ndarray:
        point = Tensor(require_finite_array("x", x))
        _scalar_output(f, point).backward()
        return np.zeros_like(point.data) if point.grad is None else np.array(point.grad)

    return gradient


def check_grad(
    f: Callable[[Tensor], Tensor],
    x: np.ndarray,
    *,
    h: float | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    directions: int = 5,
    seed: int = 0,
) -> float:
    """Compare reverse-mode ∇f(x)·v with (f(x+hv) − f(x−hv)) / 2h along random unit v; return the worst relative error.

    >>> check_grad(lambda x: (x.exp() * x).sum(), np.array([0.5, -1.0])) < 1e-8
    True
    """
    require_callable("f", f)
    point = require_finite_array("x", x)
    if isinstance(directions, bool) or not isinstance(directions, int) or directions < 1:
        raise ValueError(f"directions must be a positive integer, got {directions!r}")
    largest = np.max(np.abs(point), initial=0.0)
    step = float(default_step(largest, "central")) if h is None else require_positive("h", h)
    gradient = grad(f)(point)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for k in range(directions):
        v = rng.standard_normal(point.shape)
        v /= np.linalg.norm(v)
        reverse = float(np.sum(gradient * v))
        ahead, behind = (_scalar_output(f, Tensor(point + shift * v)).data.item() for shift in (step, -step))
        central = (ahead - behind) / (2 * step)
        error = abs(reverse - central) / max(abs(reverse), abs(central), np.finfo(float).tiny)
        if abs(reverse - central) > atol + rtol * abs(central):
            raise AssertionError(
                f"direction {k}: reverse mode gives {reverse:.8g} but central differences give {central:.8g} "
                f"(relative error {error:.1e})"
            )
        worst = max(worst, error)
    return worst


def logsumexp(x: Tensor | ArrayLike, axis: int = -1) -> Tensor:
    """log Σ exp(x) along ``axis``, kept as a size-1 axis; computed as m + log Σ exp(x − m) with m the largest entry,
    so it never overflows. Its gradient is softmax(x) = exp(x − logsumexp(x)).

    >>> logsumexp(Tensor([1000.0, 1000.0])).data - 1000
    array([0.69314718])
    """
    data = _data(x)
    out = numerics.logsumexp(data, axis)
    return node(out, (x, lambda g: g * np.exp(data - out)))


def log_softmax(x: Tensor | ArrayLike, axis: int = -1) -> Tensor:
    """log softmax(x) = x − logsumexp(x) along ``axis``: log-probabilities that never overflow."""
    return x - logsumexp(x, axis)


def softmax(x: Tensor | ArrayLike, axis: int = -1) -> Tensor:
    """exp(x) / Σ exp(x) along ``axis``, computed from x − max(x) so it never overflows (entries of −∞ get
    probability 0). One node: the vector–Jacobian product of p = softmax(x) is p ⊙ (g − Σ g ⊙ p), since its
    Jacobian is diag(p) − p pᵀ.

    >>> softmax(Tensor([0.0, np.log(3.0)])).data
    array([0.25, 0.75])
    """
    p = numerics.softmax(_data(x), axis)
    return node(p, (x, lambda g: p * (g - np.sum(g * p, axis=axis, keepdims=True))))


def layer_norm(x: Tensor | ArrayLike, gain: Tensor | ArrayLike, bias: Tensor | ArrayLike, eps: float = 1e-5) -> Tensor:
    """LayerNorm over the last axis: x̂ = (x − mean) / √(variance + eps), then gain ⊙ x̂ + bias (as PyTorch's
    ``nn.LayerNorm``, biased variance). One node; with r = 1/√(variance + eps) and u = gain ⊙ g the backward rule is
    r (u − mean(u) − x̂ mean(u ⊙ x̂)), which is zero along the all-ones direction and along x̂ (when eps = 0).

    >>> layer_norm(Tensor([1.0, 3.0]), np.ones(2), np.zeros(2), eps=0.0).data
    array([-1.,  1.])
    """
    if not (isinstance(eps, (int, float)) and eps >= 0):
        raise ValueError(f"eps must be a non-negative number, got {eps!r}")
    data, w = _data(x), _data(gain)
    centred = data - data.mean(axis=-1, keepdims=True)
    r = 1.0 / np.sqrt(np.mean(centred * centred, axis=-1, keepdims=True) + eps)
    normalised = centred * r

    def input_rule(g: np.ndarray) -> np.ndarray:
        u = g * w
        return r * (u - u.mean(axis=-1, keepdims=True) - normalised * np.mean(u * normalised, axis=-1, keepdims=True))

    return node(normalised * w + _data(bias), (x, input_rule), (gain, lambda g: g * normalised), (bias, lambda g: g))


_GELU_C = math.sqrt(2 / math.pi)  # a Python float: it keeps float32 arrays float32


def gelu(x: Tensor | ArrayLike) -> Tensor:
    """GELU in GPT-2's tanh approximation, x/2 · (1 + tanh(√(2/π) (x + 0.044715 x³))), elementwise; one node.

    >>> np.round(gelu(Tensor([-1.0, 0.0, 1.0])).data, 4)
    array([-0.1588,  0.    ,  0.8412])
    """
    data = _data(x)
    square = data * data  # not data**3: numpy's general power is slower than the tanh itself
    t = np.tanh(_GELU_C * data * (1 + 0.044715 * square))

    def rule(g: np.ndarray) -> np.ndarray:  # g · (½(1 + t) + ½ x (1 − t²) √(2/π) (1 + 3·0.044715 x²)), in place
        slope = t * t
        np.subtract(1.0, slope, out=slope)
        slope *= data
        slope *= 0.5 * _GELU_C
        inner = square * (3 * 0.044715)
        inner += 1.0
        slope *= inner
        slope += 0.5
        np.multiply(t, 0.5, out=inner)
        slope += inner
        slope *= g
        return slope

    return node(0.5 * data * (1 + t), (x, rule))


def cross_entropy(scores: Tensor | ArrayLike, targets: ArrayLike) -> Tensor:
    """The mean over every position of −log softmax(scores)[target], in nats: ``scores`` of shape (..., V) and
    integer ``targets`` of shape (...). One node; its gradient is (softmax(scores) − one_hot(targets)) / positions.

    >>> float(cross_entropy(Tensor(np.zeros((2, 4))), [1, 3]).data)  # uniform over 4 classes: log 4
    1.3862943611198906
    """
    data = _data(scores)
    log_probs = numerics.log_softmax(data)
    value = -np.mean(numerics.target_log_probs(log_probs, targets))
    picks = np.asarray(targets).reshape(-1)
    rows = np.arange(picks.size)

    def rule(g: np.ndarray) -> np.ndarray:
        d = np.exp(log_probs).reshape(-1, data.shape[-1])
        d[rows, picks] -= 1.0
        return (d * (g / picks.size)).reshape(data.shape)

    return node(value, (scores, rule))


__all__ += ["logsumexp", "log_softmax", "softmax", "layer_norm", "gelu", "cross_entropy"]
