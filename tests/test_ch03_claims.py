"""Every number Chapter 3's prose states, asserted: if the text starts to lie, this fails."""

import inspect

import numpy as np
import pytest

from book import autodiff
from book.autodiff import Tensor, check_grad, grad, node
from book.calculus import derivative, jacobian
from book.figures import ch03
from book.forward import forward_gradient, jvp


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
    nodes = ch03.neuron_graph(w=0.75, b=-1.0)
    values = {name: float(n.tensor.data) for name, n in nodes.items()}
    gradients = {name: float(n.tensor.grad) for name, n in nodes.items()}
    assert values["u"] == pytest.approx(1.125) and values["z"] == pytest.approx(0.125)
    assert values["a"] == pytest.approx(0.5312, abs=1e-4) and values["d"] == pytest.approx(-0.4688, abs=1e-4)
    assert values["L"] == pytest.approx(0.2198, abs=1e-4)
    sigma = 1 / (1 + np.exp(-0.125))
    assert sigma * (1 - sigma) == pytest.approx(0.2490, abs=1e-4)
    by_hand = 2 * (sigma - 1) * sigma * (1 - sigma) * 1.5
    assert gradients["w"] == pytest.approx(by_hand, rel=1e-12)
    assert gradients["w"] == pytest.approx(-0.3502, abs=1e-4)
    assert gradients["b"] == pytest.approx(-0.2335, abs=1e-4)
    assert gradients["L"] == 1.0


def test_local_derivatives_are_read_from_the_engine_for_every_arrow():
    local = ch03.local_derivatives(ch03.neuron_graph(w=0.75, b=-1.0))
    assert set(local) == {("w", "u"), ("x", "u"), ("u", "z"), ("b", "z"), ("z", "a"), ("a", "d"), ("y", "d"), ("d", "L")}
    assert local[("w", "u")] == 1.5 and local[("x", "u")] == 0.75 and local[("y", "d")] == -1.0
    assert local[("d", "L")] == pytest.approx(2 * -0.4688, abs=1e-3)


def test_saturated_neuron_has_a_larger_loss_but_a_much_smaller_gradient():
    good, saturated = ch03.neuron_graph(w=0.75, b=-1.0), ch03.neuron_graph(w=-3.0, b=-2.0)
    assert float(saturated["L"].tensor.data) == pytest.approx(0.9970, abs=1e-4)
    assert ch03.local_derivatives(saturated)[("z", "a")] == pytest.approx(0.0015, abs=1e-4)
    assert float(saturated["w"].tensor.grad) == pytest.approx(-0.0045, abs=1e-4)
    assert float(saturated["L"].tensor.data / good["L"].tensor.data) == pytest.approx(4.5, abs=0.05)
    assert float(good["w"].tensor.grad / saturated["w"].tensor.grad) == pytest.approx(78, abs=0.5)


def test_forward_mode_needs_one_pass_per_parameter_and_matches_reverse_mode():
    def neuron_loss(params):
        return ((params @ np.array([1.5, 1.0])).sigmoid() - 1.0) ** 2

    point = np.array([0.75, -1.0])
    slopes = [jvp(neuron_loss, point, direction)[1] for direction in np.eye(2)]
    np.testing.assert_allclose(slopes, grad(neuron_loss)(point), rtol=1e-14)
    np.testing.assert_allclose(slopes, [-0.3502, -0.2335], atol=1e-4)


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_operation_counts(n):
    loss, theta = ch03.regression_loss(n)
    assert theta.shape == (n,)
    work = ch03.count_work(loss, theta)
    assert work == {"forward_passes": n, "reverse_passes": 1, "operations": 6, "rules": 6}


def test_forward_and_reverse_gradients_agree():
    loss, theta = ch03.regression_loss(100)
    assert np.max(np.abs(forward_gradient(loss, theta) - grad(loss)(theta))) < 1e-12


def test_reverse_mode_costs_a_constant_and_forward_mode_grows_like_n():
    """Timing claims, measured as medians of interleaved repeats with wide margins (a loaded 2-core machine)."""
    costs = ch03.gradient_costs((10, 100, 1000), repeats=7)
    sizes = costs["sizes"]
    reverse = costs["reverse"] / costs["evaluation"]
    forward = costs["forward"] / costs["evaluation"]
    assert np.all(reverse < 5), reverse  # "below five evaluations at every n" (the brief asks for < 10)
    assert np.all(forward > sizes / 5), forward  # forward mode costs at least about n evaluations ...
    slope = np.polyfit(np.log(sizes), np.log(forward), 1)[0]
    assert 0.7 < slope < 1.5, slope  # ... and grows roughly like n: "the slope is close to 1"
    assert costs["forward"][-1] / costs["reverse"][-1] > 100  # "more than a hundred times slower at n = 1000"


def test_shared_value_gradient_is_the_sum_of_both_paths():
    nodes = ch03.shared_value_graph(0.5)
    local = ch03.local_derivatives(nodes)
    direct = float(nodes["L"].tensor.grad) * local[("x", "L")]
    via_exp = float(nodes["e"].tensor.grad) * local[("x", "e")]
    assert direct == pytest.approx(1.649, abs=1e-3) and via_exp == pytest.approx(0.824, abs=1e-3)
    assert float(nodes["x"].tensor.grad) == pytest.approx(direct + via_exp, rel=1e-15)
    assert direct + via_exp == pytest.approx(1.5 * np.exp(0.5), rel=1e-15) and direct + via_exp == pytest.approx(2.473, abs=1e-3)


def testtopological_order_lists_inputs_before_their_users():
    nodes = ch03.neuron_graph(w=0.75, b=-1.0)
    names = {id(n.tensor): name for name, n in nodes.items()}
    order = [names[id(t)] for t in autodiff.topological_order(nodes["L"].tensor)]
    assert sorted(order) == sorted(nodes) and order[-1] == "L"
    for child, parent in [("u", "w"), ("u", "x"), ("z", "u"), ("z", "b"), ("a", "z"), ("d", "a"), ("d", "y"), ("L", "d")]:
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
    for obj in (autodiff.node, autodiff._mul, autodiff.Tensor.tanh, autodiff.topological_order, autodiff.Tensor.backward):
        assert inspect.getsourcefile(obj).endswith("book/autodiff.py")
    assert "parent.grad + contribution" in inspect.getsource(autodiff.Tensor.backward)  # gradients are added
    assert ch03.source(autodiff.node).data.startswith("```python\ndef node(")


def test_two_layer_backprop_by_hand_equals_autodiff_to_1e_10():
    inputs, targets, parameters = ch03.two_layer_problem()
    assert inputs.shape == (64, 1) and [p.shape for p in parameters] == [(1, 16), (16,), (16, 1), (1,)]
    by_hand = ch03.two_layer_backprop(parameters, inputs, targets)
    tensors = [Tensor(p) for p in parameters]
    ch03.two_layer_loss(tensors, inputs, targets).backward()
    for h, t in zip(by_hand, tensors, strict=True):
        assert h.shape == t.shape
        assert np.max(np.abs(h - t.grad)) < 1e-10


def test_two_layer_backprop_on_a_random_wider_network():
    rng = np.random.default_rng(5)
    parameters = [rng.standard_normal(s) for s in [(3, 7), (7,), (7, 2), (2,)]]
    inputs, targets = rng.standard_normal((9, 3)), rng.standard_normal((9, 2))
    tensors = [Tensor(p) for p in parameters]
    ch03.two_layer_loss(tensors, inputs, targets).backward()
    for h, t in zip(ch03.two_layer_backprop(parameters, inputs, targets), tensors, strict=True):
        np.testing.assert_allclose(h, t.grad, rtol=1e-10, atol=1e-12)


def test_training_with_hand_written_gradients():
    losses, history = ch03.train_two_layer(steps=5000, lr=0.05)
    assert len(losses) == len(history) == 5001
    assert losses[0] == pytest.approx(0.1124, abs=1e-4)
    assert losses[100] == pytest.approx(0.0362, abs=1e-4)
    assert losses[-1] == pytest.approx(0.0024, abs=1e-4)


def test_sigmoid_chain_is_below_a_quarter_to_the_tenth():
    assert 0.25**10 == pytest.approx(9.5367e-7, rel=1e-4)
    grid = np.linspace(-10, 10, 20001)
    sigma = 1 / (1 + np.exp(-grid))
    assert np.max(sigma * (1 - sigma)) == 0.25  # σ' <= 1/4, reached at 0
    start = Tensor(0.0)
    a = start
    for _ in range(10):
        a = a.sigmoid()
    a.backward()
    assert float(start.grad) == pytest.approx(3.8752e-7, rel=1e-4)
    assert float(start.grad) < 0.25**10
    assert 1 / float(start.grad) > 1e6  # "a million times more slowly"


def _ratio(activation, scale, depth=20):
    norms = ch03.layer_gradient_norms(activation, scale, depth)["weights"]
    return norms[0] / norms[-1], norms


def test_sigmoid_gradients_vanish_at_every_scale():
    assert 1e-14 < _ratio("sigmoid", 1.0)[0] < 1e-12  # "10^-13 times"
    for scale in (0.5, 1.0, np.sqrt(2), 2.0, 4.0):
        assert _ratio("sigmoid", scale)[0] < 1e-5  # "even s = 4 leaves it below 1e-5"


def test_tanh_keeps_its_size_at_scale_one_and_explodes_at_scale_four():
    assert _ratio("tanh", 1.0)[0] == pytest.approx(0.9, abs=0.05)
    assert _ratio("tanh", 4.0)[0] > 1000


def test_relu_size_is_set_by_the_scale_and_its_profile_is_not():
    he = [ch03.layer_gradient_norms("relu", np.sqrt(2), depth)["weights"] for depth in (5, 10, 20, 30)]
    assert all(np.all((0.5 < n) & (n < 50)) for n in he)  # "order one at any depth"
    small, large = _ratio("relu", 0.5)[1], _ratio("relu", 2.0)[1]
    assert np.all((1e-9 < small) & (small < 1e-7))  # "about 1e-8"
    assert np.all(large > 1e3)  # "into the thousands"
    one = _ratio("relu", 1.0)[1]
    for scale, norms in ((0.5, small), (2.0, large)):
        np.testing.assert_allclose(norms / one, scale**19, rtol=1e-9)  # size ∝ s^(depth − 1)
        assert norms[0] / norms[-1] == pytest.approx(0.24, abs=0.005)
    for scale in (0.5, np.sqrt(2), 2.0):  # each layer scales the backward signal by about s/√2
        signal = ch03.layer_gradient_norms("relu", scale, 20)["signal"]
        assert (signal[0] / signal[-1]) ** (1 / 19) == pytest.approx(scale / np.sqrt(2), rel=0.15)


def test_gradient_norms_are_seeded_and_depths_share_their_layers():
    shallow = ch03.layer_gradient_norms("tanh", 1.0, 5)
    again = ch03.layer_gradient_norms("tanh", 1.0, 5)
    np.testing.assert_array_equal(shallow["weights"], again["weights"])
    assert len(ch03.layer_gradient_norms("tanh", 1.0, 30)["weights"]) == 30


def test_explorables_stay_within_the_frame_budget():
    from book.explore import parameter_grid

    graph = parameter_grid({"w": (-3.0, 3.0, 0.75), "b": [-2.0, -1.0, 0.0, 1.0, 2.0]})
    norms = parameter_grid({"activation": ["sigmoid", "tanh", "relu"], "weight_scale": [0.5, 1.0, np.sqrt(2), 2.0, 4.0], "depth": [5, 10, 20, 30]})
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
        assert len(frames) == np.prod([len(v) for v in sliders.values()]) and all(f.startswith(b"\x89PNG") for f in frames)
