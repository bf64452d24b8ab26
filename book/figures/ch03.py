"""Figures and helpers of Chapter 3 (chain rule, backpropagation, automatic differentiation).

Every value and gradient a figure shows is computed by ``book.autodiff`` (or ``book.forward``) when it is drawn,
and every arrow of a computational graph is read from the engine's own graph, so the pictures cannot drift from
the code they explain.
"""

from __future__ import annotations

import inspect
import statistics
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from book.autodiff import Tensor, topological_order
from book.forward import Dual, forward_gradient
from book.plotting import PALETTE, axes, finish


def source(obj: object) -> Markdown:
    """The source code of ``obj``, read from its file, as a Markdown code block (shown highlighted)."""
    return Markdown(f"```python\n{textwrap.dedent(inspect.getsource(obj))}```")


# --- Computational graphs -------------------------------------------------------------------------------------

BOX_WIDTH, BOX_HEIGHT = 0.8, 0.64


def _number(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` decimals (in scientific notation when that would show only zeros), typographic minus."""
    text = f"{value:.1e}" if 0 < abs(value) < 10**-digits else f"{value:.{digits}f}"
    return text.replace("-", "−")


@dataclass(frozen=True)
class GraphNode:
    """One box of a drawn graph: its label (e.g. ``"z = u + b"``), the Tensor it shows, and where to draw it."""

    label: str
    tensor: Tensor
    position: tuple[float, float]


def local_derivatives(nodes: dict[str, GraphNode]) -> dict[tuple[str, str], float]:
    """∂child/∂parent for every edge between the named scalar tensors, read from the engine's backward rules."""
    names = {id(node.tensor): name for name, node in nodes.items()}
    return {
        (names[id(parent)], child): float(rule(np.ones(())))
        for child, node in nodes.items()
        for parent, rule in node.tensor.edges
        if id(parent) in names
    }


def draw_graph(nodes: dict[str, GraphNode], ax: Axes) -> Axes:
    """Boxes with each node's label, forward value (blue) and gradient (red); arrows labelled ×∂child/∂parent."""
    patches = {}
    for name, node in nodes.items():
        x, y = node.position
        patch = FancyBboxPatch(
            (x - BOX_WIDTH / 2, y - BOX_HEIGHT / 2), BOX_WIDTH, BOX_HEIGHT,
            boxstyle="round,pad=0,rounding_size=0.08", facecolor="white", edgecolor=PALETTE["ink"], linewidth=1.3,
        )
        ax.add_patch(patch)
        patches[name] = patch
        gradient = 0.0 if node.tensor.grad is None else float(node.tensor.grad)
        ax.text(x, y + 0.19, node.label, ha="center", va="center", fontsize=9, fontweight="bold")
        ax.text(x, y, _number(float(node.tensor.data)), ha="center", va="center", fontsize=9, color=PALETTE["blue"])
        ax.text(x, y - 0.19, _number(gradient), ha="center", va="center", fontsize=9, color=PALETTE["red"])
    for (parent, child), local in local_derivatives(nodes).items():
        ax.annotate(
            "", xy=nodes[child].position, xytext=nodes[parent].position,
            arrowprops={"arrowstyle": "-|>", "color": PALETTE["ink"], "lw": 1.2, "patchA": patches[parent],
                        "patchB": patches[child], "shrinkA": 1, "shrinkB": 1},
        )
        (x0, y0), (x1, y1) = nodes[parent].position, nodes[child].position
        lift = 0.11 if y0 == y1 else 0.0  # above a horizontal arrow, on a slanted one
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + lift, f"×{local:.2g}".replace("-", "−"), ha="center", va="center", fontsize=8,
                color=PALETTE["ink"], bbox={"facecolor": "#f2f2f2", "edgecolor": "none", "pad": 1.0})
    ax.set_xlim(-0.5, 5.7)
    ax.set_ylim(-1.55, 1.05)
    ax.set_axis_off()  # a diagram: no axes
    ax.text(-0.45, 1.0, "value (forward pass)", color=PALETTE["blue"], fontsize=9, va="top")
    ax.text(1.75, 1.0, "∂L/∂node (backward pass)", color=PALETTE["red"], fontsize=9, va="top")
    ax.text(4.2, 1.0, "×local derivative", color=PALETTE["ink"], fontsize=9, va="top")
    return ax


NEURON_INPUT, NEURON_TARGET = 1.5, 1.0


def neuron_graph(w: float, b: float, x: float = NEURON_INPUT, y: float = NEURON_TARGET) -> dict[str, GraphNode]:
    """L = (σ(w·x + b) − y)² computed with Tensors and differentiated: every intermediate node with its gradient."""
    leaves = {name: Tensor(value) for name, value in (("w", w), ("x", x), ("b", b), ("y", y))}
    u = leaves["w"] * leaves["x"]
    z = u + leaves["b"]
    a = z.sigmoid()
    d = a - leaves["y"]
    loss = d**2
    loss.backward()
    top, bottom = 0.4, -0.9
    layout = {
        "w": ("w", leaves["w"], (0.0, top)),
        "x": ("x", leaves["x"], (0.0, bottom)),
        "u": ("u = w·x", u, (1.3, top)),
        "b": ("b", leaves["b"], (1.3, bottom)),
        "z": ("z = u + b", z, (2.6, top)),
        "a": ("a = σ(z)", a, (3.9, top)),
        "y": ("y", leaves["y"], (3.9, bottom)),
        "d": ("d = a − y", d, (5.2, top)),
        "L": ("L = d²", loss, (5.2, bottom)),
    }
    return {name: GraphNode(label, tensor, position) for name, (label, tensor, position) in layout.items()}


def neuron_graph_figure(w: float = 0.75, b: float = -1.0, ax: Axes | None = None) -> Axes:
    """Computational graph of L = (σ(w·x + b) − y)² with x = 1.5, y = 1: each box shows its forward value (blue) and ∂L/∂node (red); arrows carry the local derivative."""
    ax = axes(ax)
    draw_graph(neuron_graph(w, b), ax)
    ax.set_title(f"L = (σ(w·x + b) − y)² at w = {w:g}, b = {b:g}".replace("-", "−"))
    return ax


def shared_value_graph(x: float) -> dict[str, GraphNode]:
    """f = x·eˣ, where x is used twice (by exp and by the product), differentiated with Tensors."""
    leaf = Tensor(x)
    e = leaf.exp()
    f = leaf * e
    f.backward()
    return {
        "x": GraphNode("x", leaf, (0.4, -0.6)),
        "e": GraphNode("e = exp(x)", e, (2.6, 0.35)),
        "L": GraphNode("f = x·e", f, (4.8, -0.6)),
    }


def shared_value_figure(x: float = 0.5, ax: Axes | None = None) -> Axes:
    """Graph of f = x·eˣ: x feeds two operations, so its gradient is the sum of the two backward paths (direct and via e)."""
    ax = axes(ax)
    nodes = shared_value_graph(x)
    draw_graph(nodes, ax)
    local = local_derivatives(nodes)
    direct = float(nodes["L"].tensor.grad) * local[("x", "L")]
    via_exp = float(nodes["e"].tensor.grad) * local[("x", "e")]
    ax.text(
        2.6, -1.35, f"∂f/∂x = {_number(direct)} (direct) + {_number(via_exp)} (via e) = {_number(direct + via_exp)} = (1 + x)eˣ",
        ha="center", va="center", fontsize=10, color=PALETTE["red"],
    )
    ax.set_title(f"A value used twice: f = x·eˣ at x = {x:g}")
    return ax


# --- Forward mode against reverse mode ------------------------------------------------------------------------

SAMPLES = 256


def regression_loss(n: int, samples: int = SAMPLES, seed: int = 0) -> tuple[Callable, np.ndarray]:
    """L(θ) = mean((tanh(Xθ) − y)²) for random X of shape (samples, n), written once for Tensors and Duals; and a θ."""
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


def gradient_costs(sizes: Sequence[int] = (10, 100, 1000), repeats: int = 7, seed: int = 0) -> dict[str, np.ndarray]:
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


def cost_figure(
    sizes: np.ndarray, evaluation: np.ndarray, reverse: np.ndarray, forward: np.ndarray, fig: Figure | None = None
) -> Figure:
    """Measured time of a gradient against the number of parameters n: forward mode grows like n, reverse mode stays a small multiple of one evaluation."""
    fig = fig or plt.figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    for seconds, label, colour, marker in (
        (forward, "forward mode (n passes)", PALETTE["orange"], "s"),
        (reverse, "reverse mode (1 forward + 1 backward)", PALETTE["blue"], "o"),
        (evaluation, "one evaluation of L", PALETTE["grey"], "^"),
    ):
        left.loglog(sizes, 1e3 * seconds, marker=marker, color=colour, label=label)
    finish(left, "Time per gradient", "number of parameters n", "milliseconds (median)", legend=False)
    left.legend(loc="center right", fontsize=9)
    right.loglog(sizes, forward / evaluation, marker="s", color=PALETTE["orange"], label="forward mode")
    right.loglog(sizes, reverse / evaluation, marker="o", color=PALETTE["blue"], label="reverse mode")
    right.loglog(sizes, sizes, linestyle=":", color=PALETTE["grey"], label="n evaluations")
    right.set_ylim(0.5, 5 * max(sizes.max(), (forward / evaluation).max()))
    finish(right, "Cost in units of one evaluation", "number of parameters n", "time / time of one evaluation")
    return fig


# --- Backpropagation through a two-layer network --------------------------------------------------------------


def two_layer_problem(samples: int = 64, hidden: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Inputs x in [−3, 3] (shape samples×1), targets sin x, and initial [W₁, b₁, W₂, b₂] of a 1→hidden→1 network."""
    rng = np.random.default_rng(seed)
    inputs = np.linspace(-3, 3, samples)[:, None]
    parameters = [rng.standard_normal((1, hidden)), np.zeros(hidden), rng.standard_normal((hidden, 1)) / np.sqrt(hidden), np.zeros(1)]
    return inputs, np.sin(inputs), parameters


def two_layer_loss(parameters: Sequence[Tensor], inputs: np.ndarray, targets: np.ndarray) -> Tensor:
    """L = mean((tanh(X W₁ + b₁) W₂ + b₂ − Y)²) with Tensors, so that book.autodiff can differentiate it."""
    w1, b1, w2, b2 = parameters
    return (((inputs @ w1 + b1).tanh() @ w2 + b2 - targets) ** 2).mean()


def two_layer_backprop(parameters: Sequence[np.ndarray], inputs: np.ndarray, targets: np.ndarray) -> list[np.ndarray]:
    """[∂L/∂W₁, ∂L/∂b₁, ∂L/∂W₂, ∂L/∂b₂] of ``two_layer_loss`` by backpropagation written out by hand."""
    w1, b1, w2, b2 = parameters
    hidden = np.tanh(inputs @ w1 + b1)  # H = tanh(Z), Z = X W₁ + b₁
    outputs = hidden @ w2 + b2  # Ŷ = H W₂ + b₂
    # backward, from the loss down; the mean runs over every entry of Ŷ
    d_outputs = 2 * (outputs - targets) / outputs.size  # ∂L/∂Ŷ
    d_hidden = d_outputs @ w2.T  # ∂L/∂H
    d_pre = d_hidden * (1 - hidden**2)  # ∂L/∂Z, tanh' = 1 − tanh²
    d_w1, d_b1 = inputs.T @ d_pre, d_pre.sum(axis=0)
    d_w2, d_b2 = hidden.T @ d_outputs, d_outputs.sum(axis=0)
    return [d_w1, d_b1, d_w2, d_b2]


def train_two_layer(steps: int, lr: float = 0.05, seed: int = 0) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """Gradient descent with the hand-written gradients: the loss after every step and the parameters at every step."""
    inputs, targets, parameters = two_layer_problem(seed=seed)
    history = [parameters]
    for _ in range(steps):
        parameters = [p - lr * g for p, g in zip(parameters, two_layer_backprop(parameters, inputs, targets))]
        history.append(parameters)
    losses = [two_layer_loss([Tensor(p) for p in params], inputs, targets).data.item() for params in history]
    return np.array(losses), history


def training_figure(steps: int = 5000, lr: float = 0.05, fig: Figure | None = None) -> Figure:
    """Left: the network's fit of sin x after 0, 100 and all steps of gradient descent; right: the loss falling on a log scale."""
    fig = fig or plt.figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    inputs, targets, _ = two_layer_problem()
    losses, history = train_two_layer(steps, lr)
    left.plot(inputs[:, 0], targets[:, 0], "o", color=PALETTE["grey"], markersize=4, label="data: sin x")
    for step, colour in ((0, PALETTE["red"]), (100, PALETTE["orange"]), (steps, PALETTE["blue"])):
        w1, b1, w2, b2 = history[step]
        left.plot(inputs[:, 0], (np.tanh(inputs @ w1 + b1) @ w2 + b2)[:, 0], color=colour, label=f"after {step} steps")
    left.set_ylim(-1.6, 1.6)
    finish(left, "A 1→16→1 tanh network learns sin x", "x", "y")
    right.semilogy(np.arange(steps + 1), losses, color=PALETTE["blue"])
    finish(right, f"Training loss, learning rate {lr:g}", "step", "mean squared error")
    return fig


# --- Vanishing and exploding gradients ------------------------------------------------------------------------

ACTIVATIONS = {"sigmoid": Tensor.sigmoid, "tanh": Tensor.tanh, "relu": Tensor.relu}
WIDTH, BATCH, MAX_DEPTH = 32, 64, 30


def layer_gradient_norms(activation: str, weight_scale: float, depth: int, seed: int = 0) -> dict[str, np.ndarray]:
    """‖∂L/∂W_l‖ and ‖∂L/∂h_l‖ for l = 1 … depth of h_l = φ(h_{l−1} W_l), W_l ~ N(0, scale²/width), L = mean(h_depth·r)."""
    depth = int(depth)  # slider values arrive as floats
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((BATCH, WIDTH))
    readout = rng.standard_normal(WIDTH)
    bases = rng.standard_normal((MAX_DEPTH, WIDTH, WIDTH)) / np.sqrt(WIDTH)  # the same draws for every depth and scale
    weights = [Tensor(weight_scale * basis) for basis in bases[:depth]]
    hidden = [Tensor(inputs)]
    for w in weights:
        hidden.append(ACTIVATIONS[activation](hidden[-1] @ w))
    (hidden[-1] @ readout).mean().backward()
    return {
        "weights": np.array([np.linalg.norm(w.grad) for w in weights]),
        "signal": np.array([np.linalg.norm(h.grad) for h in hidden[1:]]),
    }


def gradient_norms_figure(activation: str = "sigmoid", weight_scale: float = 1.0, depth: int = 20, ax: Axes | None = None) -> Axes:
    """Gradient norms per layer of a deep network on a log scale: towards the input they shrink (vanishing) or grow (exploding), depending on the activation and the weight scale."""
    ax = axes(ax)
    depth = int(depth)  # slider values arrive as floats
    norms = layer_gradient_norms(activation, weight_scale, depth)
    layers = np.arange(1, depth + 1)
    ax.semilogy(layers, norms["weights"], marker="o", markersize=4, color=PALETTE["blue"], label=r"$\Vert\partial L/\partial W_l\Vert$, weights of layer $l$")
    ax.semilogy(layers, norms["signal"], marker="s", markersize=3, linestyle="--", color=PALETTE["orange"], label=r"$\Vert\partial L/\partial h_l\Vert$, output of layer $l$")
    first, last = norms["weights"][0], norms["weights"][-1]
    summary = f"{activation}, weight scale {weight_scale:.3g}\n‖∂L/∂W‖: {first:.1e} in layer 1, {last:.1e} in layer {depth}"
    ax.text(0.8, 1e28, summary.replace("-", "−"), fontsize=9.5, va="top")
    ax.set_xlim(0, MAX_DEPTH + 1)
    ax.set_ylim(1e-30, 1e30)
    ax.set_yticks(10.0 ** np.arange(-30, 31, 10))
    ax.legend(loc="lower right", fontsize=9)
    return finish(ax, f"Gradient norm per layer, depth {depth}", "layer l (1 = next to the input)", "norm (log scale)", legend=False)
