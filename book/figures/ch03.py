"""Figures of Chapter 3 (chain rule, backpropagation, automatic differentiation): drawing only.

Every value and gradient a figure shows is computed by ``book.networks`` (with ``book.autodiff``) when it is drawn,
and every arrow of a computational graph is read from the engine's own graph, so the pictures cannot drift from
the code they explain.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from book import networks
from book.networks import ACTIVATIONS, MAX_DEPTH, NEURON_INPUT, NEURON_TARGET, GraphNode, local_derivatives
from book.plotting import PALETTE, axes, finish

NEURON_SLIDERS = {"w": (-3.0, 3.0, 0.75), "b": [-2.0, -1.0, 0.0, 1.0, 2.0]}
NORM_SLIDERS = {
    "activation": list(ACTIVATIONS),
    "weight_scale": [0.5, 1.0, float(np.sqrt(2)), 2.0, 4.0],
    "depth": [5, 10, 20, 30],
}


# --- Computational graphs -------------------------------------------------------------------------------------

BOX_WIDTH, BOX_HEIGHT = 0.8, 0.64


def _number(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` decimals (in scientific notation when that would show only zeros), typographic
    minus."""
    text = f"{value:.1e}" if 0 < abs(value) < 10**-digits else f"{value:.{digits}f}"
    return text.replace("-", "−")


NEURON_LAYOUT = {
    "w": (0.0, 0.4),
    "x": (0.0, -0.9),
    "u": (1.3, 0.4),
    "b": (1.3, -0.9),
    "z": (2.6, 0.4),
    "a": (3.9, 0.4),
    "y": (3.9, -0.9),
    "r": (5.2, 0.4),
    "L": (5.2, -0.9),
}
SHARED_LAYOUT = {"x": (0.4, -0.6), "e": (2.6, 0.35), "L": (4.8, -0.6)}


def draw_graph(nodes: dict[str, GraphNode], layout: dict[str, tuple[float, float]], ax: Axes) -> Axes:
    """Boxes (placed by ``layout``) with each node's label, value (blue) and gradient (red); arrows labelled
    ×∂child/∂parent."""
    patches = {}
    for name, node in nodes.items():
        x, y = layout[name]
        patch = FancyBboxPatch(
            (x - BOX_WIDTH / 2, y - BOX_HEIGHT / 2),
            BOX_WIDTH,
            BOX_HEIGHT,
            boxstyle="round,pad=0,rounding_size=0.08",
            facecolor="white",
            edgecolor=PALETTE["ink"],
            linewidth=1.3,
        )
        ax.add_patch(patch)
        patches[name] = patch
        gradient = 0.0 if node.tensor.grad is None else float(node.tensor.grad)
        ax.text(x, y + 0.19, node.label, ha="center", va="center", fontsize=9, fontweight="bold")
        ax.text(x, y, _number(float(node.tensor.data)), ha="center", va="center", fontsize=9, color=PALETTE["blue"])
        ax.text(x, y - 0.19, _number(gradient), ha="center", va="center", fontsize=9, color=PALETTE["red"])
    for (parent, child), local in local_derivatives(nodes).items():
        ax.annotate(
            "",
            xy=layout[child],
            xytext=layout[parent],
            arrowprops={
                "arrowstyle": "-|>",
                "color": PALETTE["ink"],
                "lw": 1.2,
                "patchA": patches[parent],
                "patchB": patches[child],
                "shrinkA": 1,
                "shrinkB": 1,
            },
        )
        (x0, y0), (x1, y1) = layout[parent], layout[child]
        lift = 0.11 if y0 == y1 else 0.0  # above a horizontal arrow, on a slanted one
        ax.text(
            (x0 + x1) / 2,
            (y0 + y1) / 2 + lift,
            f"×{local:.2g}".replace("-", "−"),
            ha="center",
            va="center",
            fontsize=8,
            color=PALETTE["ink"],
            bbox={"facecolor": "#f2f2f2", "edgecolor": "none", "pad": 1.0},
        )
    ax.set_xlim(-0.5, 5.7)
    ax.set_ylim(-1.55, 1.05)
    ax.set_axis_off()  # a diagram: no axes
    ax.text(-0.45, 1.0, "value (forward pass)", color=PALETTE["blue"], fontsize=9, va="top")
    ax.text(1.75, 1.0, "∂ℓ/∂node (backward pass)", color=PALETTE["red"], fontsize=9, va="top")
    ax.text(4.2, 1.0, "×local derivative", color=PALETTE["ink"], fontsize=9, va="top")
    return ax


def neuron_graph_figure(w: float = 0.75, b: float = -1.0, ax: Axes | None = None) -> Axes:
    """Computational graph of ℓ = (σ(w·x + b) − y)² with x = 1.5, y = 1: each box shows its forward value (blue) and
    ∂ℓ/∂node (red); arrows carry the local derivative."""
    ax = axes(ax)
    draw_graph(networks.neuron_graph(w, b), NEURON_LAYOUT, ax)
    ax.set_title(f"ℓ = (σ(w·x + b) − y)² at w = {w:g}, b = {b:g}".replace("-", "−"))
    return ax


def shared_value_figure(x: float = 0.5, ax: Axes | None = None) -> Axes:
    """Graph of f = x·eˣ: x feeds two operations, so its gradient is the sum of the two backward paths (direct and
    via e)."""
    ax = axes(ax)
    nodes = networks.shared_value_graph(x)
    draw_graph(nodes, SHARED_LAYOUT, ax)
    local = local_derivatives(nodes)
    direct = float(nodes["L"].tensor.grad) * local[("x", "L")]
    via_exp = float(nodes["e"].tensor.grad) * local[("x", "e")]
    ax.text(
        2.6,
        -1.35,
        f"∂f/∂x = {_number(direct)} (direct) + {_number(via_exp)} (via e) = {_number(direct + via_exp)} = (1 + x)eˣ",
        ha="center",
        va="center",
        fontsize=10,
        color=PALETTE["red"],
    )
    ax.set_title(f"A value used twice: f = x·eˣ at x = {x:g}")
    return ax


def loss_gradient_figure(ax: Axes | None = None) -> Axes:
    """∂ℓ/∂z of one sigmoid output against its pre-activation z, target y = 1: squared error's gradient vanishes
    where the neuron is confidently wrong, cross-entropy's tends to −1."""
    ax = axes(ax)
    z = np.linspace(-8.0, 8.0, 321)
    for loss, label, colour in (
        ("squared", "squared error (σ(z) − y)²: 2(a − y)σ'(z)", PALETTE["orange"]),
        ("cross_entropy", "cross-entropy −log σ(z): a − y", PALETTE["blue"]),
    ):
        ax.plot(z, networks.output_gradients(z, NEURON_TARGET, loss), color=colour, label=label)
    saturated = -3.0 * NEURON_INPUT - 2.0  # the neuron at w = −3, b = −2
    for loss, colour in (("squared", PALETTE["orange"]), ("cross_entropy", PALETTE["blue"])):
        ax.plot([saturated], networks.output_gradients(np.array([saturated]), NEURON_TARGET, loss), "o", color=colour)
    ax.axvline(saturated, color=PALETTE["grey"], linestyle=":", label="the saturated neuron (w = −3, b = −2)")
    ax.axhline(0.0, color=PALETTE["ink"], linewidth=0.6)
    ax.set_ylim(-1.1, 0.15)
    return finish(ax, "Gradient of the loss at the output, target y = 1", "pre-activation z (a = σ(z))", "∂ℓ/∂z")


def softmax_figure(logits: tuple[float, ...] = (2.0, -1.0, 0.5), label: int = 2, ax: Axes | None = None) -> Axes:
    """Softmax probabilities ŷ, the one-hot target y and the gradient of the cross-entropy, ŷ − y, class by class."""
    ax = axes(ax)
    probabilities = networks.softmax(np.array(logits))
    target = np.eye(len(logits))[label]
    classes = np.arange(len(logits))
    for shift, values, name, colour in (
        (-0.27, probabilities, "ŷ = softmax(z)", PALETTE["blue"]),
        (0.0, target, "y (one-hot, true class)", PALETTE["grey"]),
        (0.27, probabilities - target, "∂ℓ/∂z = ŷ − y", PALETTE["red"]),
    ):
        ax.bar(classes + shift, values, width=0.25, color=colour, label=name)
    ax.axhline(0.0, color=PALETTE["ink"], linewidth=0.6)
    ax.set_xticks(classes, [f"class {k}\nz = {z:g}".replace("-", "−") for k, z in enumerate(logits)])
    ax.set_ylim(-1.05, 1.25)
    return finish(ax, "Softmax + cross-entropy: gradient ŷ − y", "class", "value")


def checkpoint_figure(depth: int = 100, ax: Axes | None = None) -> Axes:
    """Activation memory against recomputation for backpropagation through a chain of ``depth`` layers, as the
    distance between stored checkpoints varies."""
    ax = axes(ax)
    costs = networks.checkpoint_costs(depth)
    ax.plot(costs["every"], costs["stored"], color=PALETTE["blue"], label="peak stored activations (layer outputs)")
    ax.plot(
        costs["every"],
        costs["evaluations"] - depth,
        color=PALETTE["orange"],
        linestyle="--",
        label="extra layer evaluations (recomputation)",
    )
    root = int(round(np.sqrt(depth)))
    ax.axvline(root, color=PALETTE["grey"], linestyle=":", label=f"checkpoint every √D = {root} layers")
    ax.set_xscale("log")
    ax.set_xticks([1, 2, 5, 10, 20, 50, depth], [str(k) for k in (1, 2, 5, 10, 20, 50, depth)])
    ax.legend(loc="lower right", fontsize=9)
    return finish(
        ax,
        f"Checkpointing a chain of D = {depth} layers",
        "layers between checkpoints (1 = store everything)",
        "count (in layer outputs or evaluations)",
        legend=False,
    )


def zero_grad_figure(steps: int = 100, lr: float = 0.1, ax: Axes | None = None) -> Axes:
    """The loss of gradient descent on a least-squares fit when each step uses the fresh gradient (zero_grad) and
    when the gradients pile up (no zero_grad): the first settles at the minimum, the second oscillates for ever."""
    ax = axes(ax)
    for zero_grad, label, colour, style in (
        (True, "zero_grad() before each backward()", PALETTE["blue"], "-"),
        (False, "no zero_grad(): .grad sums every gradient so far", PALETTE["red"], "--"),
    ):
        trajectory = networks.descent_with_accumulated_gradients(steps, lr, zero_grad)
        ax.semilogy(np.arange(steps + 1), trajectory.f, color=colour, linestyle=style, label=label)
    ax.set_ylim(top=60.0)  # room for the legend above the curves
    ax.legend(loc="upper right", fontsize=9)
    return finish(
        ax,
        f"Forgetting zero_grad(): gradient descent, learning rate {lr:g}",
        "step",
        "loss ℓ(θ) (mean squared error)",
        legend=False,
    )


# --- Forward mode against reverse mode ------------------------------------------------------------------------


def cost_figure(
    sizes: np.ndarray, evaluation: np.ndarray, reverse: np.ndarray, forward: np.ndarray, fig: Figure | None = None
) -> Figure:
    """Measured time of a gradient against the number of parameters d: forward mode grows like d, reverse mode stays
    a small multiple of one evaluation."""
    fig = fig or plt.figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    for seconds, label, colour, marker in (
        (forward, "forward mode (n passes)", PALETTE["orange"], "s"),
        (reverse, "reverse mode (1 forward + 1 backward)", PALETTE["blue"], "o"),
        (evaluation, "one evaluation of ℓ", PALETTE["grey"], "^"),
    ):
        left.loglog(sizes, 1e3 * seconds, marker=marker, color=colour, label=label)
    finish(left, "Time per gradient", "number of parameters d", "milliseconds (median)", legend=False)
    left.legend(loc="upper left", fontsize=9)
    right.loglog(sizes, forward / evaluation, marker="s", color=PALETTE["orange"], label="forward mode")
    right.loglog(sizes, reverse / evaluation, marker="o", color=PALETTE["blue"], label="reverse mode")
    right.loglog(sizes, sizes, linestyle=":", color=PALETTE["grey"], label="d evaluations")
    right.set_ylim(0.5, 5 * max(sizes.max(), (forward / evaluation).max()))
    finish(right, "Cost in units of one evaluation", "number of parameters d", "time / time of one evaluation")
    return fig


# --- Backpropagation through a two-layer network --------------------------------------------------------------


def training_figure(steps: int = 5000, lr: float = 0.05, fig: Figure | None = None) -> Figure:
    """Left: the network's fit of sin x after 0, 100 and all steps of gradient descent; right: the loss falling on a
    log scale."""
    fig = fig or plt.figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    inputs, targets, _ = networks.two_layer_problem()
    trajectory = networks.train_two_layer(steps, lr)
    left.plot(inputs[:, 0], targets[:, 0], "o", color=PALETTE["grey"], markersize=4, label="data: sin x")
    for step, colour in ((0, PALETTE["red"]), (100, PALETTE["orange"]), (steps, PALETTE["blue"])):
        parameters = {name: stacked[step] for name, stacked in trajectory.x.items()}
        left.plot(
            inputs[:, 0], networks.two_layer_output(parameters, inputs)[:, 0], color=colour, label=f"after {step} steps"
        )
    left.set_ylim(-1.6, 1.6)
    finish(left, "A 1→16→1 tanh network learns sin x", "x", "y")
    right.semilogy(np.arange(steps + 1), trajectory.f, color=PALETTE["blue"])
    finish(right, f"Training loss, learning rate {lr:g}", "step", "mean squared error")
    return fig


# --- Vanishing and exploding gradients ------------------------------------------------------------------------


def gradient_norms_figure(
    activation: str = "sigmoid", weight_scale: float = 1.0, depth: int = 20, ax: Axes | None = None
) -> Axes:
    """Gradient norms per layer of a deep network on a log scale: towards the input they shrink (vanishing) or grow
    (exploding), depending on the activation and the weight scale."""
    ax = axes(ax)
    depth = int(depth)  # slider values arrive as floats
    norms = networks.layer_gradient_norms(activation, weight_scale, depth)
    layers = np.arange(1, depth + 1)
    ax.semilogy(
        layers,
        norms["weights"],
        marker="o",
        markersize=4,
        color=PALETTE["blue"],
        label=r"$\Vert\partial \ell/\partial W_l\Vert$, weights of layer $l$",
    )
    ax.semilogy(
        layers,
        norms["signal"],
        marker="s",
        markersize=3,
        linestyle="--",
        color=PALETTE["orange"],
        label=r"$\Vert\partial \ell/\partial a_l\Vert$, output of layer $l$",
    )
    first, last = norms["weights"][0], norms["weights"][-1]
    summary = (
        f"{activation}, weight scale {weight_scale:.3g}\n‖∂ℓ/∂W‖: {first:.1e} in layer 1, {last:.1e} in layer {depth}"
    )
    ax.text(0.8, 1e28, summary.replace("-", "−"), fontsize=9.5, va="top")
    ax.set_xlim(0, MAX_DEPTH + 1)
    ax.set_ylim(1e-30, 1e30)
    ax.set_yticks(10.0 ** np.arange(-30, 31, 10))
    ax.legend(loc="lower right", fontsize=9)
    return finish(
        ax,
        f"Gradient norm per layer, depth {depth}",
        "layer l (1 = next to the input)",
        "norm (log scale)",
        legend=False,
    )
