"""Small networks and losses differentiated by ``book.autodiff``, as functions.

A neuron's computational graph, the work of forward against reverse mode, a two-layer network with
backpropagation written out by hand (and trained with ``book.optim``), gradients through deep chains, the
losses of classification (cross-entropy, softmax), and what reverse mode must store (checkpointing).
``book/autodiff.py`` is the engine; this module only uses it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from book._validate import require_count
from book.autodiff import Tensor, cross_entropy, grad, topological_order
from book.forward import Dual, forward_gradient
from book.numerics import softmax
from book.optim import Trajectory, run, sgd

__all__ = [
    "GraphNode",
    "neuron_graph",
    "local_derivatives",
    "shared_value_graph",
    "output_gradients",
    "softmax",
    "softmax_cross_entropy",
    "regression_loss",
    "count_work",
    "gradient_costs",
    "two_layer_problem",
    "two_layer_output",
    "two_layer_loss",
    "two_layer_backprop",
    "train_two_layer",
    "sigmoid_chain_gradients",
    "layer_gradient_norms",
    "checkpointed_backprop",
    "tanh_chain",
    "checkpoint_costs",
    "line_fit_problem",
    "descent_with_accumulated_gradients",
]

# --- Computational graphs -------------------------------------------------------------------------------------

NEURON_INPUT, NEURON_TARGET = 1.5, 1.0
LOSSES = ("squared", "cross_entropy")


@dataclass(frozen=True)
class GraphNode:
    """One node of a computational graph: its label (e.g. ``"z = u + b"``) and the Tensor it holds."""

    label: str
    tensor: Tensor


def neuron_graph(w: float, b: float, x: float = NEURON_INPUT, y: float = NEURON_TARGET) -> dict[str, GraphNode]:
    """ℓ = (σ(w·x + b) − y)² computed with Tensors and differentiated: every intermediate node with its gradient."""
    leaves = {name: Tensor(value) for name, value in (("w", w), ("x", x), ("b", b), ("y", y))}
    u = leaves["w"] * leaves["x"]
    z = u + leaves["b"]
    a = z.sigmoid()
    r = a - leaves["y"]
    loss = r**2
    loss.backward()
    nodes = {
        "w": "w",
        "x": "x",
        "u": "u = w·x",
        "b": "b",
        "z": "z = u + b",
        "a": "a = σ(z)",
        "y": "y",
        "r": "r = a − y",
        "L": "ℓ = r²",
    }
    tensors = {**leaves, "u": u, "z": z, "a": a, "r": r, "L": loss}
    return {name: GraphNode(label, tensors[name]) for name, label in nodes.items()}


def local_derivatives(nodes: dict[str, GraphNode]) -> dict[tuple[str, str], float]:
    """∂child/∂parent for every edge between the named scalar tensors, read from the engine's backward rules."""
    names = {id(node.tensor): name for name, node in nodes.items()}
    return {
        (names[id(parent)], child): float(rule(np.ones(())))
        for child, node in nodes.items()
        for parent, rule in node.tensor.edges
        if id(parent) in names
    }


def shared_value_graph(x: float) -> dict[str, GraphNode]:
    """f = x·eˣ, where x is used twice (by exp and by the product), differentiated with Tensors."""
    leaf = Tensor(x)
    e = leaf.exp()
    f = leaf * e
    f.backward()
    return {"x": GraphNode("x", leaf), "e": GraphNode("e = exp(x)", e), "L": GraphNode("f = x·e", f)}


# --- Losses for classification --------------------------------------------------------------------------------


def _binary_loss(a: Tensor, y: float, loss: str) -> Tensor:
    if loss == "squared":
        return (a - y) ** 2
    if loss == "cross_entropy":
        return -(y * a.log() + (1 - y) * (1 - a).log())
    raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")


def output_gradients(z: np.ndarray, y: float = NEURON_TARGET, loss: str = "squared") -> np.ndarray:
    """∂ℓ/∂z at each z for ℓ = loss(σ(z), y), squared error or cross-entropy, by book.autodiff (elementwise)."""
    logits = Tensor(np.asarray(z, dtype=float))
    _binary_loss(logits.sigmoid(), y, loss).sum().backward()
    return logits.grad


def softmax_cross_entropy(logits: Tensor, labels: np.ndarray) -> Tensor:
    """Mean over rows of −Σ_i y_i log softmax(z)_i for one-hot rows ``labels`` shaped like ``logits``: the one
    softmax cross-entropy, :func:`book.autodiff.cross_entropy`, of the labels' class ids."""
    labels = np.asarray(labels)
    if not (np.all((labels == 0) | (labels == 1)) and np.all(labels.sum(axis=-1) == 1)):
        raise ValueError("labels must be one-hot rows (one 1 and zeros elsewhere in each row)")
    return cross_entropy(logits, labels.argmax(axis=-1))


# --- Forward mode against reverse mode ------------------------------------------------------------------------

SAMPLES = 256
COST_SIZES = (10, 100, 1000)


def regression_loss(n: int, samples: int = SAMPLES, seed: int = 0) -> tuple[Callable, np.ndarray]:
    """ℓ(θ) = mean((tanh(Xθ) − y)²) for random X of shape (samples, n), written once for Tensors and Duals; and a θ."""
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((samples, n)) / np.sqrt(n)
    targets = rng.standard_normal(samples)

    def loss(theta: Tensor | Dual) -> Tensor | Dual:
        return (((inputs @ theta).tanh() - targets) ** 2).mean()

    return loss, rng.standard_normal(n)


def count_work(f: Callable, theta: np.ndarray) -> dict[str, int]:
    """Passes of ``f`` each mode makes for the gradient at ``theta``, and the operations and backward rules per pass."""
    calls = 0

    def counted(point: Tensor | Dual) -> Tensor | Dual:
        nonlocal calls
        calls += 1
        return f(point)

    forward_gradient(counted, theta)
    forward_passes, calls = calls, 0
    output = counted(Tensor(theta))
    output.backward()
    graph = topological_order(output)
    return {
        "forward_passes": forward_passes,
        "reverse_passes": calls,
        "operations": sum(1 for node in graph if node.edges),
        "rules": sum(len(node.edges) for node in graph),
    }


def _reverse_gradient(f: Callable, theta: np.ndarray) -> np.ndarray:
    point = Tensor(theta)
    f(point).backward()
    return point.grad


def gradient_costs(sizes: Sequence[int] = COST_SIZES, repeats: int = 7, seed: int = 0) -> dict[str, np.ndarray]:
    """Median seconds of one evaluation (a Tensor forward pass), a reverse-mode and a forward-mode gradient, per n."""
    costs: dict[str, list[float]] = {"evaluation": [], "reverse": [], "forward": []}
    for n in sizes:
        f, theta = regression_loss(n, seed=seed)
        methods = {
            "evaluation": lambda: f(Tensor(theta)),
            "reverse": lambda: _reverse_gradient(f, theta),
            "forward": lambda: forward_gradient(f, theta),
        }
        times: dict[str, list[float]] = {name: [] for name in methods}
        for _ in range(repeats):  # interleaved, so a slow moment of the machine hits every method alike
            for name, method in methods.items():
                start = time.perf_counter()
                method()
                times[name].append(time.perf_counter() - start)
        for name in costs:
            costs[name].append(statistics.median(times[name]))
    return {"sizes": np.array(sizes), **{name: np.array(seconds) for name, seconds in costs.items()}}


# --- Backpropagation through a two-layer network --------------------------------------------------------------

Parameters = dict[str, np.ndarray]


def two_layer_problem(samples: int = 64, width: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray, Parameters]:
    """Inputs x in [−3, 3] (shape samples×1), targets sin x, and initial {W1, b1, W2, b2} of a 1→width→1 network."""
    rng = np.random.default_rng(seed)
    inputs = np.linspace(-3, 3, samples)[:, None]
    parameters = {
        "W1": rng.standard_normal((1, width)),
        "b1": np.zeros(width),
        "W2": rng.standard_normal((width, 1)) / np.sqrt(width),
        "b2": np.zeros(1),
    }
    return inputs, np.sin(inputs), parameters


def two_layer_output(parameters: dict, inputs: np.ndarray) -> np.ndarray | Tensor:
    """Ŷ = tanh(X W1 + b1) W2 + b2, for arrays or for Tensors."""
    pre = inputs @ parameters["W1"] + parameters["b1"]
    activations = pre.tanh() if isinstance(pre, Tensor) else np.tanh(pre)
    return activations @ parameters["W2"] + parameters["b2"]


def two_layer_loss(parameters: dict[str, Tensor], inputs: np.ndarray, targets: np.ndarray) -> Tensor:
    """ℓ = mean((tanh(X W1 + b1) W2 + b2 − Y)²) with Tensors, so that book.autodiff can differentiate it."""
    return ((two_layer_output(parameters, inputs) - targets) ** 2).mean()


def two_layer_backprop(parameters: Parameters, inputs: np.ndarray, targets: np.ndarray) -> Parameters:
    """{∂ℓ/∂W1, ∂ℓ/∂b1, ∂ℓ/∂W2, ∂ℓ/∂b2} of ``two_layer_loss`` by backpropagation written out by hand."""
    w1, b1, w2, b2 = (parameters[name] for name in ("W1", "b1", "W2", "b2"))
    activations = np.tanh(inputs @ w1 + b1)  # A = tanh(Z), Z = X W1 + b1
    outputs = activations @ w2 + b2  # Ŷ = A W2 + b2
    # backward, from the loss down; the mean runs over every entry of Ŷ
    d_outputs = 2 * (outputs - targets) / outputs.size  # ∂ℓ/∂Ŷ
    d_activations = d_outputs @ w2.T  # ∂ℓ/∂A
    d_pre = d_activations * (1 - activations**2)  # ∂ℓ/∂Z, tanh' = 1 − tanh²
    return {
        "W1": inputs.T @ d_pre,
        "b1": d_pre.sum(axis=0),
        "W2": activations.T @ d_outputs,
        "b2": d_outputs.sum(axis=0),
    }


def train_two_layer(steps: int, lr: float = 0.05, seed: int = 0) -> Trajectory:
    """Gradient descent (book.optim.sgd) with the hand-written gradients; the trajectory records the loss at every
    step."""
    inputs, targets, parameters = two_layer_problem(seed=seed)
    return run(
        sgd(lr),
        lambda p: two_layer_backprop(p, inputs, targets),
        parameters,
        steps,
        f=lambda p: float(np.mean((two_layer_output(p, inputs) - targets) ** 2)),
    )


# --- Vanishing and exploding gradients ------------------------------------------------------------------------


def sigmoid_chain_gradients(
    depth: int = 10, start: float = 1.0, weight: float = 1.0, bias: float = 0.0
) -> dict[str, np.ndarray]:
    """∂a_depth/∂w_l and ∂a_depth/∂b_l for l = 1 … depth of the chain a_l = σ(w_l a_{l−1} + b_l), a_0 = ``start``."""
    depth = require_count("depth", depth, minimum=1)
    weights = [Tensor(weight) for _ in range(depth)]
    biases = [Tensor(bias) for _ in range(depth)]
    a: Tensor | float = start
    for w, b in zip(weights, biases):
        a = (w * a + b).sigmoid()
    a.backward()
    return {"weights": np.array([float(w.grad) for w in weights]), "biases": np.array([float(b.grad) for b in biases])}


ACTIVATIONS = {"sigmoid": Tensor.sigmoid, "tanh": Tensor.tanh, "relu": Tensor.relu}
WIDTH, BATCH, MAX_DEPTH = 32, 64, 30


def layer_gradient_norms(activation: str, weight_scale: float, depth: int, seed: int = 0) -> dict[str, np.ndarray]:
    """‖∂ℓ/∂W_l‖ and ‖∂ℓ/∂a_l‖ for l = 1 … depth of a_l = φ(a_{l−1} W_l), W_l ~ N(0, scale²/width), ℓ =
    mean(a_depth·r)."""
    depth = int(depth)  # slider values arrive as floats
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((BATCH, WIDTH))
    readout = rng.standard_normal(WIDTH)
    bases = rng.standard_normal((MAX_DEPTH, WIDTH, WIDTH)) / np.sqrt(WIDTH)  # the same draws for every depth and scale
    weights = [Tensor(weight_scale * basis) for basis in bases[:depth]]
    activations = [Tensor(inputs)]
    for w in weights:
        activations.append(ACTIVATIONS[activation](activations[-1] @ w))
    (activations[-1] @ readout).mean().backward()
    return {
        "weights": np.array([np.linalg.norm(w.grad) for w in weights]),
        "signal": np.array([np.linalg.norm(a.grad) for a in activations[1:]]),
    }


# --- What reverse mode stores: checkpointing ------------------------------------------------------------------


def checkpointed_backprop(
    weights: Sequence[np.ndarray], inputs: np.ndarray, every: int
) -> tuple[list[np.ndarray], dict[str, int]]:
    """∂ℓ/∂W_l of ℓ = sum(a_n), a_l = tanh(a_{l−1} W_l), storing every ``every``-th activation and recomputing the
    rest; with the peak stored floats and the layer evaluations."""
    depth = len(weights)
    every = require_count("every", every, minimum=1)
    if every > depth:
        raise ValueError(f"every must be at most the number of layers {depth}, got {every}")
    stored, evaluations, a = {0: inputs}, 0, inputs
    for layer, w in enumerate(weights, start=1):
        a, evaluations = np.tanh(a @ w), evaluations + 1
        if layer % every == 0 or layer == depth:
            stored[layer] = a
    peak, upstream = 0, np.ones_like(a)
    gradients: list[np.ndarray] = [np.empty(0)] * depth
    bounds = sorted(stored)
    for start, end in reversed(list(zip(bounds[:-1], bounds[1:]))):
        segment = {start: stored[start], end: stored[end]}
        for layer in range(start + 1, end):  # recompute what the forward pass dropped
            segment[layer], evaluations = np.tanh(segment[layer - 1] @ weights[layer - 1]), evaluations + 1
        peak = max(peak, sum(v.size for v in stored.values()) + sum(segment[k].size for k in range(start + 1, end)))
        for layer in range(end, start, -1):
            pre = upstream * (1 - segment[layer] ** 2)  # ∂ℓ/∂(a_{l−1} W_l)
            gradients[layer - 1] = segment[layer - 1].T @ pre
            upstream = pre @ weights[layer - 1].T
        del stored[end]  # this segment is done: its checkpoint is no longer needed
    return gradients, {"peak_floats": peak, "evaluations": evaluations}


def tanh_chain(depth: int = 100, width: int = 16, batch: int = 8, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """Seeded weights W_1 … W_depth ~ N(0, 1/width) and a batch of inputs for the chain a_l = tanh(a_{l−1} W_l)."""
    rng = np.random.default_rng(seed)
    return list(rng.standard_normal((depth, width, width)) / np.sqrt(width)), rng.standard_normal((batch, width))


def checkpoint_costs(depth: int = 100, width: int = 16, batch: int = 8, seed: int = 0) -> dict[str, np.ndarray]:
    """Peak stored activations (in layer outputs) and layer evaluations of ``checkpointed_backprop`` on
    ``tanh_chain``, per segment length 1 … depth."""
    weights, inputs = tanh_chain(depth, width, batch, seed)
    every = np.arange(1, depth + 1)
    counts = [checkpointed_backprop(weights, inputs, int(k))[1] for k in every]
    return {
        "every": every,
        "stored": np.array([c["peak_floats"] for c in counts]) / inputs.size,
        "evaluations": np.array([c["evaluations"] for c in counts]),
    }


# --- From this engine to PyTorch: gradients that accumulate ---------------------------------------------------


def line_fit_problem(samples: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded inputs X (samples × 3, standard normal) and targets y = X·(1, −2, 0.5) + noise of scale 0.3."""
    samples = require_count("samples", samples, minimum=3)
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((samples, 3))
    return inputs, inputs @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.standard_normal(samples)


def descent_with_accumulated_gradients(steps: int, lr: float, zero_grad: bool, seed: int = 0) -> Trajectory:
    """book.optim.sgd on ℓ(θ) = mean((Xθ − y)²) of ``line_fit_problem`` from θ = 0, each step given ∇ℓ (PyTorch with
    ``zero_grad()``) or, without it, the sum of every gradient so far."""
    if not isinstance(zero_grad, bool):
        raise ValueError(f"zero_grad must be True or False, got {zero_grad!r}")
    inputs, targets = line_fit_problem(seed=seed)
    gradient = grad(lambda theta: ((inputs @ theta - targets) ** 2).mean())
    accumulated = np.zeros(inputs.shape[1])  # what PyTorch's .grad holds when nothing resets it

    def summed(theta: np.ndarray) -> np.ndarray:
        nonlocal accumulated
        accumulated = accumulated + gradient(theta)  # backward() adds into .grad
        return accumulated

    return run(
        sgd(lr),
        gradient if zero_grad else summed,
        np.zeros(inputs.shape[1]),
        steps,
        f=lambda theta: float(np.mean((inputs @ theta - targets) ** 2)),
    )
