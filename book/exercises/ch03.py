"""Checkers for Chapter 3's exercises (chain rule, backpropagation, autodiff): ``check.unbroadcast(unbroadcast)``.

Every reference answer is computed with ``book.autodiff``, so an exercise is checked against the engine the
chapter builds, not against a second hand-written formula.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from book.autodiff import Tensor, node
from book.checks import Case, Mistake, Result, check_function, close_to, generated

TIGHT = close_to(rtol=1e-9, atol=1e-12)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def _points(rng: np.random.Generator, scale: float = 2.0) -> np.ndarray:
    """Up to 7 points of either sign, rounded so that the label shows them exactly."""
    return np.round(scale * rng.standard_normal(int(rng.integers(1, 8))), 3)


def _shown(x) -> str:
    return np.array2string(np.asarray(x), separator=", ")


def _autodiff_derivative(f: Callable[[Tensor], Tensor], x) -> np.ndarray:
    """Elementwise derivative of an elementwise ``f`` by reverse mode (backward with a gradient of ones)."""
    point = Tensor(x)
    out = f(point)
    out.backward(np.ones(out.shape))
    return point.grad


# --- Exercise 1: the chain rule -------------------------------------------------------------------------------


def _sin(t: Tensor) -> Tensor:
    """sin as a Tensor operation (the engine has none): value sin x, rule g·cos x."""
    return node(np.sin(t.data), (t, lambda g: g * np.cos(t.data)))


def _sin_of_square(t: Tensor) -> Tensor:
    return _sin(t * t)


def chain_rule_derivative(learner: Callable) -> Result:
    """Exercise 3.1: d/dx sin(x²) = cos(x²)·2x, vectorised."""
    return check_function(
        learner,
        lambda x: _autodiff_derivative(_sin_of_square, x),
        [
            Case((1.2,), "x = 1.2"),
            Case((np.linspace(-2.0, 2.0, 9),), "x = np.linspace(-2, 2, 9)"),
            *generated(lambda rng: (lambda x: Case((x,), f"x = {_shown(x)}"))(_points(rng)), seed=31),
        ],
        mistakes=[
            Mistake(
                lambda x: np.cos(np.asarray(x) ** 2),
                "you differentiated the outer function only: multiply by the inner derivative, d(x²)/dx = 2x.",
            ),
            Mistake(
                lambda x: 2 * np.asarray(x) * np.cos(x),
                "evaluate the outer derivative at the inner value: cos(x²), not cos(x).",
            ),
            Mistake(
                lambda x: np.cos(2 * np.asarray(x)),
                "cos(2x) plugs the inner derivative into the outer function; the chain rule multiplies: cos(x²) · 2x.",
            ),
            Mistake(
                lambda x: 2 * np.asarray(x) * np.sin(np.asarray(x) ** 2), "the derivative of sin is cos: cos(x²) · 2x."
            ),
        ],
        hint="with y = x², dz/dx = dz/dy · dy/dx = cos(y) · 2x.",
        compare=TIGHT,
        name="chain_rule_derivative",
    )


# --- Exercise 2: the backward rule of a product ---------------------------------------------------------------


def _multiply_backward(g, a, b) -> tuple[np.ndarray, np.ndarray]:
    left, right = Tensor(a), Tensor(b)
    (left * right).backward(np.asarray(g, dtype=float))
    return left.grad, right.grad


def _draw_product(rng: np.random.Generator) -> Case:
    shape = tuple(int(n) for n in rng.integers(1, 4, int(rng.integers(0, 3))))
    g, a, b = (np.round(rng.standard_normal(shape) * 10.0 ** rng.uniform(-1, 1), 3) for _ in range(3))
    return Case((g, a, b), f"g = {_shown(g)}, a = {_shown(a)}, b = {_shown(b)}")


def multiply_backward(learner: Callable) -> Result:
    """Exercise 3.2: the rule of c = a·b, returning (∂L/∂a, ∂L/∂b) = (g·b, g·a) for an upstream gradient g."""
    g, a, b = np.random.default_rng(32).standard_normal((3, 4))
    return check_function(
        learner,
        _multiply_backward,
        [
            Case((0.5, 2.0, -3.0), "g = 0.5, a = 2, b = -3"),
            Case((g, a, b), "g, a, b three random arrays of shape (4,)"),
            *generated(_draw_product, seed=32),
        ],
        mistakes=[
            Mistake(
                lambda g, a, b: (g * a, g * b),
                "the two are swapped: a's gradient is g·b (how c changes with a is b), and b's is g·a.",
            ),
            Mistake(lambda g, a, b: (b, a), "multiply by the upstream gradient g: the chain rule gives (g·b, g·a)."),
            Mistake(
                lambda g, a, b: (g, g),
                "(g, g) is the rule of addition; for a product each input's local derivative is the other input.",
            ),
            Mistake(lambda g, a, b: (g * a * b, g * a * b), "∂c/∂a = b (not a·b): return (g·b, g·a)."),
        ],
        hint="∂(a·b)/∂a = b and ∂(a·b)/∂b = a; multiply each by g.",
        compare=TIGHT,
        name="multiply_backward",
        parts={"∂L/∂a": 0, "∂L/∂b": 1},
        parts_noun="gradients",
    )


# --- Exercise 3: one neuron by the chain rule -----------------------------------------------------------------


def _neuron_gradient(w, b, x, y) -> np.ndarray:
    parameters = Tensor([w, b])
    loss = ((parameters @ np.array([x, 1.0])).sigmoid() - y) ** 2
    loss.backward()
    return parameters.grad


def _neuron_parts(w, b, x, y):
    a = _sigmoid(w * x + b)
    return a, a * (1 - a)


def _draw_neuron(rng: np.random.Generator) -> Case:
    w, b, x = (round(float(v), 2) for v in 1.5 * rng.standard_normal(3))
    y = float(rng.integers(2)) if rng.random() < 0.7 else round(float(rng.random()), 2)
    return Case((w, b, x, y), f"w = {w:g}, b = {b:g}, x = {x:g}, y = {y:g}")


def neuron_gradient(learner: Callable) -> Result:
    """Exercise 3.3: [∂L/∂w, ∂L/∂b] for L = (σ(w·x + b) − y)²."""

    def without_sigma_prime(w, b, x, y):
        a, _ = _neuron_parts(w, b, x, y)
        return 2 * (a - y) * np.array([x, 1.0])

    def without_two(w, b, x, y):
        a, slope = _neuron_parts(w, b, x, y)
        return (a - y) * slope * np.array([x, 1.0])

    def without_x(w, b, x, y):
        a, slope = _neuron_parts(w, b, x, y)
        return 2 * (a - y) * slope * np.array([1.0, 1.0])

    def sign_flipped(w, b, x, y):
        a, slope = _neuron_parts(w, b, x, y)
        return 2 * (y - a) * slope * np.array([x, 1.0])

    return check_function(
        learner,
        _neuron_gradient,
        [
            Case((0.75, -1.0, 1.5, 1.0), "w = 0.75, b = -1, x = 1.5, y = 1"),
            Case((-3.0, -2.0, 1.5, 1.0), "w = -3, b = -2, x = 1.5, y = 1"),
            Case((0.4, 0.5, -2.0, 0.0), "w = 0.4, b = 0.5, x = -2, y = 0"),
            *generated(_draw_neuron, seed=33),
        ],
        mistakes=[
            Mistake(
                without_sigma_prime,
                "you skipped the sigmoid: the path from z to L passes through a = σ(z), so multiply by σ'(z) = a(1 − "
                "a).",
            ),
            Mistake(without_two, "the derivative of d² is 2d: you lost the factor 2."),
            Mistake(without_x, "∂u/∂w = x for u = w·x: ∂L/∂w has an extra factor x that ∂L/∂b does not."),
            Mistake(sign_flipped, "the sign is flipped: d = a − y, so ∂L/∂a = 2(a − y)."),
        ],
        hint="∂L/∂w = 2(a − y) · σ'(z) · x and ∂L/∂b = 2(a − y) · σ'(z), with z = w·x + b, a = σ(z), σ'(z) = a(1 − a).",
        compare=TIGHT,
        name="neuron_gradient",
    )


# --- Exercise 4: unbroadcast ----------------------------------------------------------------------------------


def _unbroadcast(grad, shape) -> np.ndarray:
    """The gradient of a tensor of ``shape`` that numpy broadcast up to ``grad.shape``, by the engine itself."""
    leaf = Tensor(np.zeros(shape))
    (leaf + np.zeros(np.shape(grad))).backward(np.asarray(grad, dtype=float))
    return leaf.grad


def _draw_broadcast(rng: np.random.Generator) -> Case:
    """A gradient of up to 4 axes and a shape that broadcasts to it: leading axes dropped, some axes of size 1."""
    grad_shape = tuple(int(n) for n in rng.integers(2, 5, int(rng.integers(1, 5))))
    kept = grad_shape[int(rng.integers(len(grad_shape) + 1)) :]
    shape = tuple(1 if rng.random() < 0.4 else n for n in kept)
    return Case((np.round(rng.standard_normal(grad_shape), 3), shape), f"grad of shape {grad_shape}, shape {shape}")


def unbroadcast(learner: Callable) -> Result:
    """Exercise 3.4: sum a gradient over the axes broadcasting added (leading) or stretched (size 1)."""
    rng = np.random.default_rng(34)
    return check_function(
        learner,
        _unbroadcast,
        [
            Case((rng.standard_normal((4, 3)), (3,)), "grad of shape (4, 3), shape (3,)"),
            Case((rng.standard_normal((4, 3)), (1, 3)), "grad of shape (4, 3), shape (1, 3)"),
            Case((rng.standard_normal((2, 3, 4)), (3, 1)), "grad of shape (2, 3, 4), shape (3, 1)"),
            Case((rng.standard_normal(5), ()), "grad of shape (5,), shape () (a number was broadcast)"),
            Case((rng.standard_normal((2, 2)), (2, 2)), "grad of shape (2, 2), shape (2, 2) (nothing was broadcast)"),
            *generated(_draw_broadcast, seed=34),
        ],
        mistakes=[
            Mistake(
                lambda grad, shape: _unbroadcast(grad, shape) / (grad.size / max(1, int(np.prod(shape)))),
                "a value used several times receives the SUM of their gradients, not the mean.",
            ),
            Mistake(
                lambda grad, shape: np.full(shape, grad.sum()),
                "you summed over every axis; sum only over the axes broadcasting added (the leading ones) or "
                "stretched (size 1 in shape).",
            ),
        ],
        hint="sum over the leading axes that shape lacks, then over the axes where shape has size 1 (keepdims=True).",
        compare=TIGHT,
        name="unbroadcast",
    )


# --- Exercise 5: backpropagation through a two-layer network --------------------------------------------------


def _two_layer_autodiff(X, Y, W1, b1, W2, b2) -> list[np.ndarray]:
    tensors = [Tensor(p) for p in (W1, b1, W2, b2)]
    w1, bias1, w2, bias2 = tensors
    ((((X @ w1 + bias1).sigmoid() @ w2 + bias2) - Y) ** 2).mean().backward()
    return [t.grad for t in tensors]


def _two_layer_variant(
    X,
    Y,
    W1,
    b1,
    W2,
    b2,
    *,
    scale: float = 1.0,
    derivative: str = "sigmoid",
    transpose_inputs: bool = False,
    untransposed_w2: bool = False,
    bias_mean: bool = False,
) -> list[np.ndarray]:
    """Backprop by hand with one typical mistake switched on (the defaults give the right answer)."""
    H = _sigmoid(X @ W1 + b1)
    G = scale * 2 * (H @ W2 + b2 - Y) / Y.size
    G_H = G @ (W2 if untransposed_w2 else W2.T)
    local = {"sigmoid": H * (1 - H), "tanh": 1 - H**2, "none": np.ones_like(H)}[derivative]
    G_Z = G_H * local
    reduce = np.mean if bias_mean else np.sum
    if transpose_inputs:
        return [G_Z.T @ X, reduce(G_Z, axis=0), G.T @ H, reduce(G, axis=0)]
    return [X.T @ G_Z, reduce(G_Z, axis=0), H.T @ G, reduce(G, axis=0)]


def _no_mean(X, Y, W1, b1, W2, b2):
    return _two_layer_variant(X, Y, W1, b1, W2, b2, scale=float(Y.size))


def _mean_over_rows(X, Y, W1, b1, W2, b2):
    return _two_layer_variant(X, Y, W1, b1, W2, b2, scale=float(Y.shape[1]))


_TWO_LAYER_MISTAKES = tuple(
    Mistake(lambda *a, options=options: _two_layer_variant(*a, **options), hint)
    for options, hint in (
        (
            {"derivative": "none"},
            "you forgot the activation's derivative: ∂L/∂Z = ∂L/∂H ⊙ σ'(Z), with σ'(Z) = H(1 − H).",
        ),
        (
            {"derivative": "tanh"},
            "1 − H² is tanh's derivative; this network uses the sigmoid, whose derivative is H(1 − H).",
        ),
        (
            {"transpose_inputs": True},
            "a transpose is misplaced: ∂L/∂W = (input of the layer)ᵀ @ (gradient of its output), shaped like W.",
        ),
        ({"untransposed_w2": True}, "∂L/∂H = ∂L/∂Ŷ @ W2ᵀ: the gradient flows back through W2 transposed."),
        (
            {"bias_mean": True},
            "a bias is used in every row of the batch, so its gradient is the SUM over rows, not the mean.",
        ),
        ({"scale": 1 / 2}, "the derivative of a square is 2·(Ŷ − Y): you lost the factor 2."),
    )
) + (
    Mistake(_no_mean, "L is a mean over every entry of Ŷ: divide by N·k (rows times outputs), as MSELoss does."),
    Mistake(_mean_over_rows, "you divided by the number of rows N only; the mean runs over all N·k entries of Ŷ."),
)


def _network_case(rows: int, inputs: int, hidden: int, outputs: int, seed: int) -> Case:
    rng = np.random.default_rng(seed)
    shapes = [(rows, inputs), (rows, outputs), (inputs, hidden), (hidden,), (hidden, outputs), (outputs,)]
    label = f"a batch of {rows} rows, {inputs} inputs, {hidden} hidden units, {outputs} outputs"
    return Case(tuple(rng.standard_normal(shape) for shape in shapes), label)


_NETWORKS = (  # the square network first: there a misplaced transpose still runs
    _network_case(5, 3, 3, 3, seed=35),
    _network_case(8, 4, 6, 2, seed=36),
    *generated(
        lambda rng: _network_case(*(int(n) for n in rng.integers(1, 7, 4)), seed=int(rng.integers(2**31))),
        count=10,
        seed=35,
    ),
)


def two_layer_backward(learner: Callable) -> Result:
    """Exercise 3.5: (dW1, db1, dW2, db2) of L = mean((σ(X W1 + b1) W2 + b2 − Y)²), checked against book.autodiff."""
    return check_function(
        learner,
        _two_layer_autodiff,
        _NETWORKS,
        mistakes=_TWO_LAYER_MISTAKES,
        hint="go backwards: ∂L/∂Ŷ = 2(Ŷ − Y)/(N·k), then the output layer, then ∂L/∂H = ∂L/∂Ŷ @ W2ᵀ, ∂L/∂Z = ∂L/∂H ⊙ "
        "H(1 − H), then the first layer; each gradient has the shape of its parameter.",
        compare=TIGHT,
        name="two_layer_backward",
        parts={"dW2": 2, "db2": 3, "dW1": 0, "db1": 1},  # backpropagation's order: the output layer first
        parts_noun="gradients",
    )


# --- Exercise 6 (challenge): a new operation ------------------------------------------------------------------

_SOFTPLUS_CASES = (
    Case((np.array([-2.0, -0.5, 0.0, 0.5, 3.0]),), "x = [-2, -0.5, 0, 0.5, 3]"),
    Case((np.array([-30.0, 30.0]),), "x = [-30, 30]"),
    Case((np.array([-800.0, 800.0]),), "x = [-800, 800] (e^800 overflows: use np.logaddexp(0, x))"),
    *generated(
        lambda rng: (lambda x: Case((x,), f"x = {_shown(x)}"))(_points(rng, float(10.0 ** rng.uniform(0, 3)))), seed=36
    ),
)


def _upstream(x: np.ndarray) -> np.ndarray:
    """A fixed upstream gradient, not all ones, so that a rule that forgets to multiply by g is caught."""
    return np.linspace(0.5, 1.5, np.size(x)).reshape(np.shape(x))


def _value_and_gradient(softplus: Callable[[Tensor], Tensor]) -> Callable[[np.ndarray], tuple]:
    """The value of a softplus written as a Tensor operation at x, and the gradient its rule sends back to t."""

    def run(x):
        point = Tensor(x)
        out = softplus(point)
        if out is None:  # the usual message about a missing return applies
            return None
        if not isinstance(out, Tensor):
            raise TypeError(f"softplus must return a Tensor made with node(value, (t, rule)), got {type(out).__name__}")
        value = out.data
        out.backward(_upstream(x))
        return value, np.zeros(np.shape(x)) if point.grad is None else point.grad

    return run


def _reference_softplus(t: Tensor) -> Tensor:
    x = t.data
    return node(np.logaddexp(0.0, x), (t, lambda g: g * _sigmoid(x)))


def _with_rule(rule: Callable) -> Callable[[Tensor], Tensor]:
    """A softplus with the right value and the given backward ``rule(g, x)``."""
    return lambda t: node(np.logaddexp(0.0, t.data), (t, lambda g: rule(g, t.data)))


def softplus(learner: Callable) -> Result:
    """Exercise 3.6 (challenge): softplus(x) = log(1 + eˣ) as a new Tensor operation, value and backward rule."""
    return check_function(
        learner,
        _reference_softplus,
        _SOFTPLUS_CASES,
        mistakes=[
            Mistake(lambda t: t, "softplus is log(1 + eˣ), not log(eˣ) = x."),
            Mistake(lambda t: t.sigmoid(), "σ(x) is softplus's derivative; the value is log(1 + eˣ)."),
            Mistake(
                lambda t: node(np.logaddexp(0.0, t.data)),
                "no gradient reached t: pass the pair (t, rule) to node so the engine knows where to send it.",
            ),
            Mistake(
                _with_rule(lambda g, x: _sigmoid(x)), "multiply by the upstream gradient g: the rule returns g · σ(x)."
            ),
            Mistake(
                _with_rule(lambda g, x: g * np.logaddexp(0.0, x)),
                "the rule must use the derivative σ(x) = 1/(1 + e⁻ˣ), not softplus itself.",
            ),
            Mistake(
                _with_rule(lambda g, x: g * _sigmoid(-x)),
                "σ(−x) = 1 − σ(x) is the wrong side: d/dx log(1 + eˣ) = eˣ/(1 + eˣ) = σ(x).",
            ),
        ],
        hint="the value is log(1 + eˣ), computed stably as np.logaddexp(0, x); the backward rule is g ↦ g · σ(x), "
        "with σ(x) = 1/(1 + e⁻ˣ).",
        compare=TIGHT,
        name="softplus",
        parts={"the value": 0, "the gradient (upstream g = np.linspace(0.5, 1.5, n))": 1},
        adapt=_value_and_gradient,
    )


# --- Exploration: how fast a gradient vanishes through a chain of sigmoids -------------------------------------

_VANISHING = 1e-6


def _chain_derivative(depth: int) -> float:
    """d/dx of σ(σ(…σ(x))) (``depth`` sigmoids) at x = 0, by book.autodiff."""
    point = Tensor(np.array(0.0))
    out = point
    for _ in range(depth):
        out = out.sigmoid()
    out.backward()
    return float(point.grad)


def _largest_depth() -> int:
    depth = 1
    while _chain_derivative(depth + 1) >= _VANISHING:
        depth += 1
    return depth


def _depth_confirmed(got: np.ndarray, expected: np.ndarray) -> bool:
    depth = float(got)
    if got.shape != () or depth != round(depth) or depth < 1 or depth > 200:
        return False
    return _chain_derivative(int(depth)) >= _VANISHING > _chain_derivative(int(depth) + 1)


def _depth_report(got: np.ndarray, expected: np.ndarray, label: str) -> str:
    depth = float(got)
    if got.shape != () or depth != round(depth) or depth < 1 or depth > 200:
        return f"For {label}, {depth:g} is not a depth: expected a whole number of sigmoids from 1 to 200."
    at, after = _chain_derivative(int(depth)), _chain_derivative(int(depth) + 1)
    return (
        f"For {label}, the checker measured the derivative at x = 0 as {at:.3g} with {int(depth)} sigmoids and "
        f"{after:.3g} with {int(depth) + 1}: the first must be at least 1e-6 and the second below it."
    )


def vanishing_depth(learner: Callable) -> Result:
    """Exploration 3: the largest number of chained sigmoids whose derivative at 0 is still at least 1e-6."""
    return check_function(
        learner,
        _largest_depth,
        [Case((), "your claim")],
        mistakes=[
            Mistake(
                lambda: _largest_depth() + 1,
                "one sigmoid too many: count the depths whose derivative is still at least 1e-6, and return the last "
                "of them.",
            ),
            Mistake(
                lambda: _largest_depth() - 1,
                "one sigmoid too few: with one more the derivative is still at least 1e-6. Return the last depth "
                "that meets the bound, not the one before.",
            ),
        ],
        hint="build σ(σ(…σ(x))) with Tensor.sigmoid for depth 1, 2, 3, …, call backward at x = 0, and watch x.grad: "
        "each layer multiplies it by σ' of that layer's input, at most 1/4.",
        compare=_depth_confirmed,
        agree=close_to(rtol=0, atol=0.1),
        describe=_depth_report,
        name="vanishing_depth",
    )
