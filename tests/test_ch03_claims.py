"""Every number Chapter 3's prose states, asserted: if the text starts to lie, this fails."""

import inspect
import re
from pathlib import Path

import numpy as np
import pytest
from reading import assert_reader_path, glued_values, markdown

from book import autodiff, networks
from book.autodiff import Tensor, check_grad, grad, node
from book.calculus import derivative, jacobian
from book.display import scientific, source
from book.explore import parameter_grid
from book.figures import ch03
from book.forward import forward_gradient, jvp
from book.functions import sigmoid
from book.networks import NEURON_INPUT, NEURON_TARGET

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapters" / "03_autodiff.ipynb"
MAIN_PATH_BUDGET = 3050
"""Words outside dropdowns: 3901 before derivations and asides moved into dropdowns."""


def _glued() -> dict:
    """The values the notebook glued into its prose, read back from its stored outputs."""
    return glued_values(CHAPTER)


def _neuron(w, b):
    """(loss, ∂ℓ/∂w) of (σ(w x + b) − y)², by hand with numpy."""
    a = sigmoid(w * NEURON_INPUT + b)
    return (a - NEURON_TARGET) ** 2, 2 * (a - NEURON_TARGET) * a * (1 - a) * NEURON_INPUT


def test_chain_rule_for_sin_of_x_squared_agrees_to_nine_decimals():
    x = 1.2
    chain = np.cos(x**2) * 2 * x
    assert chain == pytest.approx(0.3130169010, abs=1e-10)
    assert abs(derivative(lambda t: np.sin(t**2), x) - chain) < 5e-10


def test_jacobian_of_a_composition_is_the_product_of_jacobians():
    def inner(x):
        return np.array([x[0] * x[1], np.sin(x[0]), x[1] ** 2])

    def outer(y):
        return np.array([y[0] + y[1] * y[2], y[0] ** 2])

    x0 = np.array([0.7, -1.3])
    product = jacobian(outer, inner(x0)) @ jacobian(inner, x0)
    composite = jacobian(lambda x: outer(inner(x)), x0)
    assert product.shape == (2, 2)
    assert 1e-13 < np.max(np.abs(product - composite)) < 1e-10  # "about 1e-11"
    x1, x2 = x0  # the exact Jacobian of (x1 x2 + sin(x1) x2², x1² x2²)
    exact = np.array([[x2 + np.cos(x1) * x2**2, x1 + 2 * np.sin(x1) * x2], [2 * x1 * x2**2, 2 * x1**2 * x2]])
    np.testing.assert_allclose(product, exact, atol=1e-9)


def test_vector_jacobian_product_gives_the_gradient_shaped_like_x():
    x = np.array([0.3, -0.8, 1.1])
    matrix = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])
    loss = lambda t: ((matrix @ t).tanh() ** 2).sum()
    y = matrix @ x
    expected = matrix.T @ (2 * np.tanh(y) * (1 - np.tanh(y) ** 2))  # J_gᵀ ∇_y L
    np.testing.assert_allclose(grad(loss)(x), expected, rtol=1e-12)


def test_neuron_graph_values_and_gradients():
    nodes = networks.neuron_graph(w=0.75, b=-1.0)
    values = {name: float(n.tensor.data) for name, n in nodes.items()}
    gradients = {name: float(n.tensor.grad) for name, n in nodes.items()}
    assert values["u"] == pytest.approx(1.125) and values["z"] == pytest.approx(0.125)
    assert values["a"] == pytest.approx(0.5312, abs=1e-4) and values["r"] == pytest.approx(-0.4688, abs=1e-4)
    assert values["L"] == pytest.approx(0.2198, abs=1e-4)
    sigma = sigmoid(0.125)
    assert sigma * (1 - sigma) == pytest.approx(0.2490, abs=1e-4)
    by_hand = 2 * (sigma - 1) * sigma * (1 - sigma) * 1.5
    assert gradients["w"] == pytest.approx(by_hand, rel=1e-12)
    assert gradients["w"] == pytest.approx(-0.3502, abs=1e-4)
    assert gradients["b"] == pytest.approx(-0.2335, abs=1e-4)
    assert gradients["L"] == 1.0


def test_local_derivatives_are_read_from_the_engine_for_every_arrow():
    local = networks.local_derivatives(networks.neuron_graph(w=0.75, b=-1.0))
    assert set(local) == {
        ("w", "u"),
        ("x", "u"),
        ("u", "z"),
        ("b", "z"),
        ("z", "a"),
        ("a", "r"),
        ("y", "r"),
        ("r", "L"),
    }
    assert local[("w", "u")] == 1.5 and local[("x", "u")] == 0.75 and local[("y", "r")] == -1.0
    assert local[("r", "L")] == pytest.approx(2 * -0.4688, abs=1e-3)


def test_saturated_neuron_has_a_larger_loss_but_a_much_smaller_gradient():
    good, saturated = networks.neuron_graph(w=0.75, b=-1.0), networks.neuron_graph(w=-3.0, b=-2.0)
    assert float(saturated["L"].tensor.data) == pytest.approx(0.9970, abs=1e-4)
    assert networks.local_derivatives(saturated)[("z", "a")] == pytest.approx(0.0015, abs=1e-4)
    assert float(saturated["w"].tensor.grad) == pytest.approx(-0.0045, abs=1e-4)
    assert float(saturated["L"].tensor.data / good["L"].tensor.data) == pytest.approx(4.5, abs=0.05)
    assert float(good["w"].tensor.grad / saturated["w"].tensor.grad) == pytest.approx(78, abs=0.5)
    (good_loss, good_slope), (bad_loss, bad_slope) = _neuron(0.75, -1.0), _neuron(-3.0, -2.0)
    glued = _glued()
    assert glued["ch03-loss-ratio"] == round(bad_loss / good_loss, 1)
    assert glued["ch03-gradient-ratio"] == round(good_slope / bad_slope)


def test_forward_mode_needs_one_pass_per_parameter_and_matches_reverse_mode():
    def neuron_loss(params):
        return ((params @ np.array([1.5, 1.0])).sigmoid() - 1.0) ** 2

    point = np.array([0.75, -1.0])
    slopes = [jvp(neuron_loss, point, direction)[1] for direction in np.eye(2)]
    np.testing.assert_allclose(slopes, grad(neuron_loss)(point), rtol=1e-14)
    np.testing.assert_allclose(slopes, [-0.3502, -0.2335], atol=1e-4)


@pytest.mark.parametrize("n", networks.COST_SIZES)
def test_operation_counts(n):
    loss, theta = networks.regression_loss(n)
    assert theta.shape == (n,)
    work = networks.count_work(loss, theta)
    assert work == {"forward_passes": n, "reverse_passes": 1, "operations": 6, "rules": 6}


def test_forward_and_reverse_gradients_agree():
    loss, theta = networks.regression_loss(100)
    assert np.max(np.abs(forward_gradient(loss, theta) - grad(loss)(theta))) < 1e-12


def test_reverse_mode_costs_two_evaluations_and_forward_mode_n():
    """The cost claims, counted (no clock): operations per gradient in units of one evaluation."""
    for n in networks.COST_SIZES:
        work = networks.count_work(*networks.regression_loss(n))
        evaluation = work["operations"]
        reverse = work["reverse_passes"] * work["operations"] + work["rules"]
        forward = work["forward_passes"] * work["operations"]
        assert reverse / evaluation == 2  # "twice the operations of one evaluation at every n"
        assert forward / evaluation == n  # "forward mode's cost ... is n"
    assert networks.COST_SIZES == (10, 100, 1000)


def test_shared_value_gradient_is_the_sum_of_both_paths():
    nodes = networks.shared_value_graph(0.5)
    local = networks.local_derivatives(nodes)
    direct = float(nodes["L"].tensor.grad) * local[("x", "L")]
    via_exp = float(nodes["e"].tensor.grad) * local[("x", "e")]
    assert direct == pytest.approx(1.649, abs=1e-3) and via_exp == pytest.approx(0.824, abs=1e-3)
    assert float(nodes["x"].tensor.grad) == pytest.approx(direct + via_exp, rel=1e-15)
    assert direct + via_exp == pytest.approx(1.5 * np.exp(0.5), rel=1e-15) and direct + via_exp == pytest.approx(
        2.473, abs=1e-3
    )


def test_topological_order_lists_inputs_before_their_users():
    nodes = networks.neuron_graph(w=0.75, b=-1.0)
    names = {id(n.tensor): name for name, n in nodes.items()}
    order = [names[id(t)] for t in autodiff.topological_order(nodes["L"].tensor)]
    assert sorted(order) == sorted(nodes) and order[-1] == "L"
    for child, parent in [
        ("u", "w"),
        ("u", "x"),
        ("z", "u"),
        ("z", "b"),
        ("a", "z"),
        ("r", "a"),
        ("r", "y"),
        ("L", "r"),
    ]:
        assert order.index(parent) < order.index(child)


def test_x_times_x_and_bias_gradients():
    x = Tensor(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    bias = Tensor(np.zeros(3))
    (Tensor(np.arange(12.0).reshape(4, 3)) + bias).sum().backward()
    np.testing.assert_array_equal(bias.grad, [4.0, 4.0, 4.0])


def test_check_grad_passes_the_example_and_catches_the_wrong_sine():
    point = np.array([0.5, -1.0, 2.0])
    assert check_grad(lambda t: (t.sigmoid() * t).sum(), point) < 1e-8

    def wrong_sine(t):
        return node(np.sin(t.data), (t, lambda g: -g * np.cos(t.data)))

    with pytest.raises(AssertionError, match="direction 0"):
        check_grad(lambda t: wrong_sine(t).sum(), point)


def test_the_shown_code_is_the_code_of_the_engine():
    for obj in (
        autodiff.node,
        autodiff._mul,
        autodiff.Tensor.tanh,
        autodiff.topological_order,
        autodiff.Tensor.backward,
    ):
        assert inspect.getsourcefile(obj).endswith("book/autodiff.py")
    assert "parent.grad + contribution" in inspect.getsource(autodiff.Tensor.backward)  # gradients are added
    assert source(autodiff.node).data.startswith("```python\ndef node(")


def test_two_layer_backprop_by_hand_is_identical_to_autodiff():
    inputs, targets, parameters = networks.two_layer_problem()
    assert inputs.shape == (64, 1) and {k: p.shape for k, p in parameters.items()} == {
        "W1": (1, 16),
        "b1": (16,),
        "W2": (16, 1),
        "b2": (1,),
    }
    by_hand = networks.two_layer_backprop(parameters, inputs, targets)
    tensors = {name: Tensor(p) for name, p in parameters.items()}
    networks.two_layer_loss(tensors, inputs, targets).backward()
    for name, gradient in by_hand.items():
        assert gradient.shape == parameters[name].shape
        np.testing.assert_array_equal(gradient, tensors[name].grad)  # "identical"


def test_two_layer_backprop_on_a_random_wider_network():
    rng = np.random.default_rng(5)
    parameters = {
        name: rng.standard_normal(s) for name, s in (("W1", (3, 7)), ("b1", (7,)), ("W2", (7, 2)), ("b2", (2,)))
    }
    inputs, targets = rng.standard_normal((9, 3)), rng.standard_normal((9, 2))
    tensors = {name: Tensor(p) for name, p in parameters.items()}
    networks.two_layer_loss(tensors, inputs, targets).backward()
    for name, gradient in networks.two_layer_backprop(parameters, inputs, targets).items():
        np.testing.assert_allclose(gradient, tensors[name].grad, rtol=1e-10, atol=1e-12)
    step, bump = 1e-6, np.zeros((3, 7))  # and against a central difference in one entry of W1
    bump[0, 0] = step
    value = lambda w1: float(np.mean((networks.two_layer_output({**parameters, "W1": w1}, inputs) - targets) ** 2))
    central = (value(parameters["W1"] + bump) - value(parameters["W1"] - bump)) / (2 * step)
    assert central == pytest.approx(networks.two_layer_backprop(parameters, inputs, targets)["W1"][0, 0], rel=1e-6)


def test_training_with_hand_written_gradients_through_book_optim():
    trajectory = networks.train_two_layer(steps=5000, lr=0.05)
    losses = trajectory.f
    assert len(losses) == 5001 and trajectory.x["W1"].shape == (5001, 1, 16) and not trajectory.diverged
    assert losses[0] == pytest.approx(0.1124, abs=1e-4)
    assert losses[100] == pytest.approx(0.0362, abs=1e-4)
    assert losses[-1] == pytest.approx(0.0024, abs=1e-4)
    inputs, targets, parameters = networks.two_layer_problem()  # step 1 by hand: θ − η ∇L
    first = {
        k: v - 0.05 * g
        for (k, v), g in zip(parameters.items(), networks.two_layer_backprop(parameters, inputs, targets).values())
    }
    for name, value in first.items():
        np.testing.assert_allclose(trajectory.x[name][1], value, rtol=1e-14, atol=1e-16)


def test_sigmoid_chain_is_below_a_quarter_to_the_tenth():
    grid = np.linspace(-10, 10, 20001)
    sigma = sigmoid(grid)
    assert np.max(sigma * (1 - sigma)) == 0.25  # σ' <= 1/4, reached at 0
    start = Tensor(0.0)
    a = start
    for _ in range(10):
        a = a.sigmoid()
    a.backward()
    assert float(start.grad) == pytest.approx(3.8752e-7, rel=1e-4)
    assert float(start.grad) < 0.25**10
    a, product = 0.0, 1.0  # independently: the product of σ'(z_l) along the forward pass, with numpy
    for _ in range(10):
        a = sigmoid(a)
        product *= a * (1 - a)
    assert product == pytest.approx(float(start.grad), rel=1e-12)
    glued = _glued()
    assert glued["ch03-sigmoid-chain"] == scientific(product) and glued["ch03-sigmoid-bound"] == "9.5 × 10⁻⁷"


def test_first_layer_parameters_get_five_to_six_orders_of_magnitude_less_gradient():
    from_zero = networks.sigmoid_chain_gradients(depth=10, start=0.0)
    assert from_zero["weights"][0] == 0.0  # w₁ multiplies a₀ = 0: no gradient at all
    assert from_zero["biases"][0] == pytest.approx(3.8752e-7, rel=1e-4)  # ∂a₁₀/∂b₁ = ∂a₁₀/∂a₀ (w₁ = 1)
    chain = networks.sigmoid_chain_gradients(depth=10, start=1.0)
    weights, biases = chain["weights"], chain["biases"]
    assert weights[-1] / weights[0] == pytest.approx(5.3e5, rel=0.02)  # "about 5 × 10^5"
    assert biases[-1] / biases[0] == pytest.approx(8.1e5, rel=0.02)  # "about 8 × 10^5"
    assert np.all(np.diff(weights) > 0) and np.all(np.diff(biases) > 0)  # smaller layer by layer towards the input

    # an independent estimate: a central difference in w₁ of the chain computed with numpy
    def output(w1):
        a = 1.0
        for w in [w1] + [1.0] * 9:
            a = sigmoid(w * a)
        return a

    h = 1e-5
    first_weight = (output(1 + h) - output(1 - h)) / (2 * h)
    assert first_weight == pytest.approx(weights[0], rel=1e-5)
    glued = _glued()
    assert glued["ch03-weight-ratio"] == scientific(weights[-1] / first_weight, 0) == "5 × 10⁵"
    assert glued["ch03-bias-ratio"] == scientific(biases[-1] / biases[0], 0) == "8 × 10⁵"


def _ratio(activation, scale, depth=20):
    norms = networks.layer_gradient_norms(activation, scale, depth)["weights"]
    return norms[0] / norms[-1], norms


def test_sigmoid_gradients_vanish_at_every_scale():
    assert 1e-14 < _ratio("sigmoid", 1.0)[0] < 1e-12  # "10^-13 times"
    for scale in (0.5, 1.0, np.sqrt(2), 2.0, 4.0):
        assert _ratio("sigmoid", scale)[0] < 1e-5  # "even s = 4 leaves it below 1e-5"


def test_tanh_keeps_its_size_at_scale_one_and_explodes_at_scale_four():
    assert _ratio("tanh", 1.0)[0] == pytest.approx(0.9, abs=0.05)
    assert _ratio("tanh", 4.0)[0] > 1000


def test_relu_size_is_set_by_the_scale_and_its_profile_is_not():
    he = [networks.layer_gradient_norms("relu", np.sqrt(2), depth)["weights"] for depth in (5, 10, 20, 30)]
    assert all(np.all((0.5 < n) & (n < 50)) for n in he)  # "order one at any depth"
    small, large = _ratio("relu", 0.5)[1], _ratio("relu", 2.0)[1]
    assert np.all((1e-9 < small) & (small < 1e-7))  # "about 1e-8"
    assert np.all(large > 1e3)  # "into the thousands"
    one = _ratio("relu", 1.0)[1]
    for scale, norms in ((0.5, small), (2.0, large)):
        np.testing.assert_allclose(norms / one, scale**19, rtol=1e-9)  # size ∝ s^(depth − 1)
        assert norms[0] / norms[-1] == pytest.approx(0.24, abs=0.005)
    for scale in (0.5, np.sqrt(2), 2.0):  # each layer scales the backward signal by about s/√2
        signal = networks.layer_gradient_norms("relu", scale, 20)["signal"]
        assert (signal[0] / signal[-1]) ** (1 / 19) == pytest.approx(scale / np.sqrt(2), rel=0.15)


def test_gradient_norms_are_seeded_and_depths_share_their_layers():
    shallow = networks.layer_gradient_norms("tanh", 1.0, 5)
    again = networks.layer_gradient_norms("tanh", 1.0, 5)
    np.testing.assert_array_equal(shallow["weights"], again["weights"])
    assert len(networks.layer_gradient_norms("tanh", 1.0, 30)["weights"]) == 30


def test_explorables_stay_within_the_frame_budget():
    graph = parameter_grid(ch03.NEURON_SLIDERS)
    norms = parameter_grid(ch03.NORM_SLIDERS)
    assert np.prod([len(v) for v in graph.values()]) == 45
    assert np.prod([len(v) for v in norms.values()]) == 60
    assert 0.75 in graph["w"] and -1.0 in graph["b"]  # the figures' defaults lie on the grids
    assert "sigmoid" in norms["activation"] and 1.0 in norms["weight_scale"] and 20 in norms["depth"]


def test_explorable_figures_render_every_frame_on_the_static_path():
    from book.explore import explore

    for figure, sliders in (
        (ch03.neuron_graph_figure, {"w": [-3.0, 3.0], "b": [-2.0, 2.0]}),
        (ch03.gradient_norms_figure, {"activation": ["sigmoid", "relu"], "weight_scale": [0.5, 4.0], "depth": [5, 30]}),
    ):
        frames = explore(figure, **sliders).render_frames()
        assert len(frames) == np.prod([len(v) for v in sliders.values()]) and all(
            f.startswith(b"\x89PNG") for f in frames
        )


def test_cross_entropy_cancels_the_sigmoid_derivative():
    z = np.linspace(-8, 8, 161)
    a = sigmoid(z)
    cross_entropy = networks.output_gradients(z, 1.0, "cross_entropy")
    squared = networks.output_gradients(z, 1.0, "squared")
    np.testing.assert_allclose(cross_entropy, a - 1.0, rtol=1e-10, atol=1e-15)  # ∂ℓ/∂z = a − y
    np.testing.assert_allclose(networks.output_gradients(z, 0.0, "cross_entropy"), a, rtol=1e-10, atol=1e-15)
    step = 1e-6  # an independent check of the squared-error curve: central differences of (σ(z) − 1)²
    np.testing.assert_allclose(
        squared, ((sigmoid(z + step) - 1) ** 2 - (sigmoid(z - step) - 1) ** 2) / (2 * step), atol=1e-8
    )
    saturated = np.array(-3.0 * NEURON_INPUT - 2.0)  # the w = −3, b = −2 neuron
    ce, sq = (float(networks.output_gradients(saturated, NEURON_TARGET, loss)) for loss in ("cross_entropy", "squared"))
    assert ce == pytest.approx(-0.9985, abs=1e-4) and NEURON_INPUT * ce == pytest.approx(-1.4977, abs=1e-4)
    assert sq * NEURON_INPUT == pytest.approx(float(networks.neuron_graph(-3.0, -2.0)["w"].tensor.grad), rel=1e-12)
    assert 300 < ce / sq < 400
    a = sigmoid(saturated)  # by hand: a − y against 2(a − y)σ'(z)
    assert _glued()["ch03-cross-entropy-gain"] == round((a - 1) / (2 * (a - 1) * a * (1 - a)), -1)
    with pytest.raises(ValueError, match="loss must be one of"):
        networks.output_gradients(z, 1.0, "hinge")


def test_softmax_cross_entropy_gradient_is_prediction_minus_target():
    logits, label = np.array([[2.0, -1.0, 0.5]]), np.array([[0.0, 0.0, 1.0]])
    z = Tensor(logits)
    loss = networks.softmax_cross_entropy(z, label)
    loss.backward()
    probabilities = networks.softmax(logits)
    assert probabilities.sum() == pytest.approx(1.0) and np.all(probabilities > 0)
    assert float(loss.data) == pytest.approx(-np.log(probabilities[0, 2]), rel=1e-14)
    np.testing.assert_allclose(z.grad, probabilities - label, atol=1e-15)
    np.testing.assert_allclose(probabilities, [[0.785597, 0.039113, 0.17529]], atol=1e-6)
    rng = np.random.default_rng(0)  # the cell's batch, and central differences as an independent reference
    batch = rng.standard_normal((8, 5))
    onehot = np.eye(5)[rng.integers(0, 5, size=8)]
    z = Tensor(batch)
    networks.softmax_cross_entropy(z, onehot).backward()
    assert np.max(np.abs(z.grad - (networks.softmax(batch) - onehot) / 8)) < 1e-15
    value = lambda flat: float(networks.softmax_cross_entropy(Tensor(flat.reshape(8, 5)), onehot).data)
    np.testing.assert_allclose(derivative_vector(value, batch.ravel()), z.grad.ravel(), atol=1e-9)
    huge = Tensor(np.array([[1000.0, 0.0]]))  # the max shift keeps exp finite
    networks.softmax_cross_entropy(huge, np.array([[0.0, 1.0]])).backward()
    np.testing.assert_allclose(huge.grad, [[1.0, -1.0]])


def derivative_vector(f, x, step=1e-6):
    """Central differences of f along every coordinate of x."""
    return np.array([(f(x + step * e) - f(x - step * e)) / (2 * step) for e in np.eye(x.size)])


def test_checkpointing_stores_about_two_root_n_for_about_one_extra_forward_pass():
    weights, inputs = networks.tanh_chain(depth=100)
    layer = inputs.size
    full, full_counts = networks.checkpointed_backprop(weights, inputs, 1)
    assert full_counts == {"peak_floats": 101 * layer, "evaluations": 100}  # "(n + 1) layer outputs"
    sparse, counts = networks.checkpointed_backprop(weights, inputs, 10)
    assert counts == {"peak_floats": 20 * layer, "evaluations": 190}  # "20 instead of 101 ... 90 extra"
    for a, b in zip(full, sparse, strict=True):
        np.testing.assert_array_equal(a, b)  # "the very same gradients"
    tensors = [Tensor(w) for w in weights]  # and the gradients are right: book.autodiff on the same chain
    a = Tensor(inputs)
    for w in tensors:
        a = (a @ w).tanh()
    a.sum().backward()
    for t, g in zip(tensors, full):
        np.testing.assert_allclose(g, t.grad, rtol=1e-12, atol=1e-15)
    costs = networks.checkpoint_costs(100)
    best = costs["every"][np.argmin(costs["stored"])]
    assert 8 <= best <= 12 and costs["stored"].min() == 20  # smallest near k = √D = 10, about 2√D
    depth, every = 100, 10  # the text's counts: D + 1 stored without, D/k + k with, D − D/k extra evaluations
    glued = _glued()
    assert (glued["ch03-full-stored"], glued["ch03-checkpoint-stored"]) == (depth + 1, depth // every + every)
    assert glued["ch03-extra-evaluations"] == depth - depth // every
    np.testing.assert_array_equal(costs["evaluations"], 200 - np.ceil(100 / costs["every"]))  # n − n/k extra
    with pytest.raises(ValueError, match="every"):
        networks.checkpointed_backprop(weights, inputs, 0)


def _mean_loss_gradient(theta, inputs, targets):
    """∇ of mean((Xθ − y)²) = 2Xᵀ(Xθ − y)/n, in closed form."""
    return 2 * inputs.T @ (inputs @ theta - targets) / len(targets)


@pytest.mark.parametrize("sizes", [(4, 4), (3, 5), (1, 7)])
def test_accumulating_mean_reduced_losses_needs_the_weights_n_i_over_n(sizes):
    """Summed losses add up to the whole batch's gradient; mean-reduced ones only when weighted by nᵢ/n."""
    rng = np.random.default_rng(sum(sizes))
    parts = [(rng.standard_normal((k, 3)), rng.standard_normal(k)) for k in sizes]
    theta = rng.standard_normal(3)
    inputs, targets = np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    whole = _mean_loss_gradient(theta, inputs, targets)
    plain = sum(_mean_loss_gradient(theta, *part) for part in parts)
    weighted = sum(len(part[1]) / len(targets) * _mean_loss_gradient(theta, *part) for part in parts)
    np.testing.assert_allclose(weighted, whole, rtol=1e-12)
    if sizes[0] == sizes[1]:
        np.testing.assert_allclose(plain, 2 * whole, rtol=1e-12)  # "twice the gradient of the whole batch's mean"
    assert not np.allclose(plain, whole)
    summed = sum(2 * part[0].T @ (part[0] @ theta - part[1]) for part in parts)  # summed losses need no weights
    np.testing.assert_allclose(summed, 2 * inputs.T @ (inputs @ theta - targets), rtol=1e-12)
    by_autodiff = grad(lambda t: ((inputs @ t - targets) ** 2).mean())(theta)
    np.testing.assert_allclose(by_autodiff, whole, rtol=1e-12)


def test_the_text_states_when_accumulation_gives_the_whole_batch_gradient():
    text = markdown(CHAPTER)
    assert (
        "the gradient of the sum of their losses, the gradient of the whole batch (*gradient accumulation*" not in text
    )
    assert 'reduction="mean"' in text and "*twice* the gradient of the whole batch's mean" in text and "$n_i/n$" in text


def test_engine_maps_to_pytorch():
    w = Tensor(2.0)
    assert len((w * np.array(3.0)).edges) == 1  # only the Tensor gets a backward rule
    rng = np.random.default_rng(1)  # gradient accumulation: the sum of the halves' gradients is the whole batch's
    halves = [(rng.standard_normal((4, 3)), rng.standard_normal(4)) for _ in range(2)]
    theta0 = rng.standard_normal(3)
    loss = lambda t, inputs, targets: ((inputs @ t - targets) ** 2).sum()
    accumulated = sum(grad(lambda t, data=data: loss(t, *data))(theta0) for data in halves)
    inputs, targets = np.vstack([h[0] for h in halves]), np.concatenate([h[1] for h in halves])
    np.testing.assert_allclose(accumulated, 2 * inputs.T @ (inputs @ theta0 - targets), rtol=1e-12)
    x = Tensor(3.0)  # detach: the detached factor is a constant
    (x * Tensor(x.data)).backward()
    assert float(x.grad) == 3.0
    matrix = np.array([[1.0, -2.0, 0.5], [0.3, 0.8, -1.0]])  # backward(v) is Jᵀv, J computed by hand
    point, v = np.array([0.2, -0.4, 0.9]), np.array([1.0, -3.0])
    x = Tensor(point)
    (matrix @ x).tanh().backward(grad=v)
    exact_jacobian = (1 - np.tanh(matrix @ point) ** 2)[:, None] * matrix
    np.testing.assert_allclose(x.grad, exact_jacobian.T @ v, rtol=1e-12)
    assert np.max(np.abs(jacobian(lambda t: np.tanh(matrix @ t), point).T @ v - x.grad)) < 1e-8


def test_new_figures_draw_with_titles_labels_and_legends():
    import matplotlib.pyplot as plt

    for figure in (ch03.loss_gradient_figure, ch03.softmax_figure, ch03.checkpoint_figure, ch03.zero_grad_figure):
        fig, ax = plt.subplots()
        figure(ax=ax)
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None
        plt.close(fig)


def test_forgetting_zero_grad_turns_descent_into_undamped_momentum():
    inputs, targets = networks.line_fit_problem()
    solution = np.linalg.lstsq(inputs, targets, rcond=None)[0]
    minimum = np.mean((inputs @ solution - targets) ** 2)
    hessian = 2 * inputs.T @ inputs / len(targets)
    assert 0.1 * np.linalg.eigvalsh(hessian).max() < 4  # the condition the text states: η < 4/λ for every λ
    fresh = networks.descent_with_accumulated_gradients(100, 0.1, zero_grad=True)
    np.testing.assert_allclose(fresh.x[-1], solution, atol=1e-5)  # settles at the least-squares solution
    assert (
        abs(fresh.f[-1] - minimum) < 1e-5 and np.argmax(fresh.f < 1.01 * minimum) == 29
    )  # "within 1 % after 29 steps"
    theta, steps = np.zeros(inputs.shape[1]), 0  # the same count with numpy's closed-form gradient
    while np.mean((inputs @ theta - targets) ** 2) >= 1.01 * minimum:
        theta, steps = theta - 0.1 * _mean_loss_gradient(theta, inputs, targets), steps + 1
    assert _glued()["ch03-steps-to-1-percent"] == steps
    summed = networks.descent_with_accumulated_gradients(100, 0.1, zero_grad=False)
    theta = summed.x  # θ_{t+1} − θ_t = (θ_t − θ_{t−1}) − η ∇ℓ(θ_t), ∇ℓ = 2Xᵀ(Xθ − y)/N written with numpy
    gradients = 2 * (theta @ inputs.T - targets) @ inputs / len(targets)
    np.testing.assert_allclose(theta[1] - theta[0], -0.1 * gradients[0], atol=1e-14)
    np.testing.assert_allclose(
        np.diff(theta, axis=0)[1:], np.diff(theta, axis=0)[:-1] - 0.1 * gradients[1:-1], atol=1e-12
    )
    late = summed.f[50:]
    assert summed.f[0] == pytest.approx(4.25, abs=0.01)
    assert late.min() == pytest.approx(0.328, abs=0.001) and late.max() == pytest.approx(4.20, abs=0.01)
    assert late.min() > 4 * minimum  # it never settles
    with pytest.raises(ValueError, match="zero_grad must be True or False"):
        networks.descent_with_accumulated_gradients(10, 0.1, zero_grad="yes")


def test_timing_helper_returns_one_positive_median_per_size_and_the_cost_figure_draws_it():
    """The chapter shows measured times in an unchecked cell; here only their structure is checked, never their
    values."""
    import matplotlib.pyplot as plt

    costs = networks.gradient_costs((10, 20), repeats=1)
    assert set(costs) == {"sizes", "evaluation", "reverse", "forward"}
    np.testing.assert_array_equal(costs["sizes"], [10, 20])
    assert all(costs[name].shape == (2,) and np.all(costs[name] > 0) for name in ("evaluation", "reverse", "forward"))
    fig = ch03.cost_figure(**costs)
    assert [ax.get_title() for ax in fig.axes] == ["Time per gradient", "Cost in units of one evaluation"]
    assert all(ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None for ax in fig.axes)
    plt.close(fig)


# The chapter's text.
def test_every_glued_name_in_the_prose_is_glued_by_a_cell():
    names = set(re.findall(r"\{glue:text\}`([\w-]+)", markdown(CHAPTER)))
    assert names and names <= set(_glued())


def test_training_losses_in_the_prose_are_the_runs():
    losses = networks.train_two_layer(steps=5000, lr=0.05).f
    glued = _glued()
    assert (glued["ch03-loss-0"], glued["ch03-loss-100"], glued["ch03-loss-5000"]) == (
        round(losses[0], 3),
        round(losses[100], 3),
        round(losses[-1], 4),
    )


def test_softmax_cross_entropy_gradient_has_a_label_other_chapters_can_link():
    assert "(softmax-cross-entropy-gradient)=\n### Many classes: softmax and cross-entropy" in markdown(CHAPTER)


def test_later_chapters_are_named_and_linked():
    text = markdown(CHAPTER)
    assert "a later chapter" not in text
    assert "norm ([Chapter 10](10_large_models.ipynb), Section 2)" in text  # clipping
    assert "large models ([Chapter 10](10_large_models.ipynb)) rely on it" in text  # checkpointing


def test_the_dual_unit_is_not_the_dimension():
    text = markdown(CHAPTER)
    assert "\\omega^2 = 0" in text and "d^2 = 0" not in text


def test_the_readers_path():
    assert_reader_path(CHAPTER, "03_autodiff.ipynb", MAIN_PATH_BUDGET)
