"""book.optim against an independent transcription of PyTorch's documented algorithms, plus run's contract."""

from __future__ import annotations

import itertools
import math
import re
import tracemalloc
import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from book import optim
from book.functions import Quadratic, Rosenbrock

STEPS = 100


# --- PyTorch's documented algorithms, transcribed entry by entry (no book.optim inside) ------------------------------


def _clip_grad_norm(g_all, max_norm):
    """torch.nn.utils.clip_grad_norm_: the norm of all entries together, then g·min(1, max_norm/(norm + 1e-6))."""
    if max_norm is None:
        return list(g_all)
    coef = min(1.0, max_norm / (math.sqrt(sum(float(v) * float(v) for v in g_all)) + 1e-6))
    return [v * coef for v in g_all]


def _decay_of(weight_decay, i):
    """A parameter group's weight decay: one λ for all, or a list of λ per coordinate (0 where a group has none)."""
    return weight_decay[i] if isinstance(weight_decay, list) else weight_decay


def torch_sgd(x, grads, lr, momentum=0.0, nesterov=False, weight_decay=0.0, dampening=0.0, max_norm=None):
    x = [float(v) for v in x]
    buffers = [None] * len(x)
    for t in range(STEPS):
        g_all = _clip_grad_norm(grads(np.array(x)), max_norm)
        for i in range(len(x)):
            g = g_all[i] + _decay_of(weight_decay, i) * x[i]
            if momentum != 0:
                buffers[i] = g if t == 0 else momentum * buffers[i] + (1 - dampening) * g
                g = g + momentum * buffers[i] if nesterov else buffers[i]
            x[i] = x[i] - lr(t) * g
    return np.array(x)


def torch_adam(
    x, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False, max_norm=None
):
    x = [float(v) for v in x]
    m, v, vmax = [0.0] * len(x), [0.0] * len(x), [0.0] * len(x)
    for t in range(1, STEPS + 1):
        g_all = _clip_grad_norm(grads(np.array(x)), max_norm)
        for i in range(len(x)):
            g = g_all[i]
            if decoupled:
                x[i] = x[i] * (1 - lr(t - 1) * _decay_of(weight_decay, i))
            else:
                g = g + _decay_of(weight_decay, i) * x[i]
            m[i] = betas[0] * m[i] + (1 - betas[0]) * g
            v[i] = betas[1] * v[i] + (1 - betas[1]) * g * g
            m_hat = m[i] / (1 - betas[0] ** t)
            if amsgrad:
                vmax[i] = max(vmax[i], v[i])
                v_hat = vmax[i] / (1 - betas[1] ** t)
            else:
                v_hat = v[i] / (1 - betas[1] ** t)
            x[i] = x[i] - lr(t - 1) * m_hat / (math.sqrt(v_hat) + eps)
    return np.array(x)


def torch_adagrad(x, grads, lr, eps=1e-10, initial_accumulator_value=0.0, weight_decay=0.0):
    x = [float(v) for v in x]
    s = [initial_accumulator_value] * len(x)
    for t in range(STEPS):
        g_all = grads(x)
        for i in range(len(x)):
            g = g_all[i] + weight_decay * x[i]
            s[i] = s[i] + g * g
            x[i] = x[i] - lr(t) * g / (math.sqrt(s[i]) + eps)
    return np.array(x)


def torch_rmsprop(x, grads, lr, alpha=0.99, eps=1e-8, momentum=0.0, centered=False, weight_decay=0.0):
    x = [float(v) for v in x]
    sq, avg, buf = [0.0] * len(x), [0.0] * len(x), [0.0] * len(x)
    for t in range(STEPS):
        g_all = grads(x)
        for i in range(len(x)):
            g = g_all[i] + weight_decay * x[i]
            sq[i] = alpha * sq[i] + (1 - alpha) * g * g
            if centered:
                avg[i] = alpha * avg[i] + (1 - alpha) * g
                denominator = math.sqrt(sq[i] - avg[i] ** 2) + eps
            else:
                denominator = math.sqrt(sq[i]) + eps
            if momentum > 0:
                buf[i] = momentum * buf[i] + g / denominator
                x[i] = x[i] - lr(t) * buf[i]
            else:
                x[i] = x[i] - lr(t) * g / denominator
    return np.array(x)


def _problem(seed: int):
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(4, 4))
    f = Quadratic(M @ M.T / 4 + 0.1 * np.eye(4), b=rng.normal(size=4))
    return f, rng.normal(size=4)


def _book_run(optimizer, f, x0):
    return optim.run(optimizer, f.grad, x0, STEPS).x[-1]


def _schedules():
    return {"constant": None, "decaying": lambda base: lambda t: base / (1 + 0.05 * t)}


def _rate(base, schedule):
    return (lambda t: base) if schedule is None else schedule(base)


SGD_OPTIONS = [
    dict(momentum=m, nesterov=n, weight_decay=w, dampening=d)
    for m, n, w, d in itertools.product([0.0, 0.9], [False, True], [0.0, 0.01], [0.0, 0.3])
    if not (n and (m == 0 or d != 0))
]


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=str)
@pytest.mark.parametrize("schedule", list(_schedules()))
def test_sgd_matches_pytorch(options, schedule):
    f, x0 = _problem(1)
    lr = _rate(0.05, _schedules()[schedule])
    expected = torch_sgd(x0, f.grad, lr, **options)
    actual = _book_run(optim.sgd(lr if schedule != "constant" else 0.05, **options), f, x0)
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-14)


ADAM_OPTIONS = [
    dict(weight_decay=w, amsgrad=a, betas=b)
    for w, a, b in itertools.product([0.0, 0.1], [False, True], [(0.9, 0.999), (0.8, 0.95)])
]


@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=str)
@pytest.mark.parametrize("decoupled", [False, True], ids=["adam", "adamw"])
@pytest.mark.parametrize("schedule", list(_schedules()))
def test_adam_and_adamw_match_pytorch(options, decoupled, schedule):
    f, x0 = _problem(2)
    lr = _rate(0.05, _schedules()[schedule])
    expected = torch_adam(x0, f.grad, lr, decoupled=decoupled, **options)
    make = optim.adamw if decoupled else optim.adam
    actual = _book_run(make(lr=lr if schedule != "constant" else 0.05, **options), f, x0)
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("options", [dict(), dict(initial_accumulator_value=0.1, weight_decay=0.01, eps=1e-7)], ids=str)
def test_adagrad_matches_pytorch(options):
    f, x0 = _problem(3)
    lr = _rate(0.3, None)
    np.testing.assert_allclose(
        _book_run(optim.adagrad(lr=0.3, **options), f, x0),
        torch_adagrad(x0, f.grad, lr, **options),
        rtol=1e-12,
        atol=1e-14,
    )


RMSPROP_OPTIONS = [
    dict(momentum=m, centered=c, weight_decay=w, alpha=a)
    for m, c, w, a in itertools.product([0.0, 0.9], [False, True], [0.0, 0.01], [0.99, 0.9])
]


@pytest.mark.parametrize("options", RMSPROP_OPTIONS, ids=str)
def test_rmsprop_matches_pytorch(options):
    f, x0 = _problem(4)
    lr = _rate(0.01, None)
    np.testing.assert_allclose(
        _book_run(optim.rmsprop(lr=0.01, **options), f, x0),
        torch_rmsprop(x0, f.grad, lr, **options),
        rtol=1e-12,
        atol=1e-14,
    )


def test_defaults_are_pytorchs():
    import inspect

    defaults = {
        name: {k: p.default for k, p in inspect.signature(getattr(optim, name)).parameters.items()}
        for name in ["sgd", "adagrad", "rmsprop", "adam", "adamw"]
    }
    mask = dict(weight_decay_mask=None)  # the book's addition: decay every parameter unless told otherwise
    assert defaults["adagrad"] == dict(lr=0.01, eps=1e-10, initial_accumulator_value=0.0, weight_decay=0.0) | mask
    assert (
        defaults["rmsprop"]
        == dict(lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, centered=False, weight_decay=0.0) | mask
    )
    assert defaults["adam"] == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False) | mask
    assert defaults["adamw"] == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=False) | mask


# --- facts the chapters will state --------------------------------------------------------------------------------


def test_adams_first_step_is_lr_times_sign_and_bias_correction_matters():
    g = np.array([3.0, -0.5, 1e-3])
    opt = optim.adam(lr=0.01)
    x, _ = opt.step(np.zeros(3), g, opt.init(np.zeros(3)))
    np.testing.assert_allclose(x, -0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)
    uncorrected = 0.01 * (1 - 0.9) / math.sqrt(1 - 0.999)
    assert uncorrected / 0.01 == pytest.approx(3.162, abs=1e-3)


def test_adamw_decays_a_weight_with_zero_gradient_by_one_minus_lr_lambda_per_step():
    trajectory = optim.run(optim.adamw(lr=1e-3, weight_decay=0.01), lambda x: np.zeros_like(x), np.ones(1), 1000)
    assert trajectory.x[-1, 0] == pytest.approx((1 - 1e-5) ** 1000, rel=1e-12)
    l2 = optim.run(optim.adam(lr=1e-3, weight_decay=0.01), lambda x: np.zeros_like(x), np.ones(1), 1000)
    # Adam normalises the L2 gradient λx away: the weight falls by up to lr per step whatever λ is, not by lr·λ·x
    assert 0.4 < 1 - l2.x[500, 0] <= 500 * 1e-3 + 1e-12


def test_gd_on_a_quadratic_converges_below_2_over_l_and_grows_above():
    f = Quadratic(np.diag([1.0, 10.0]))
    below = optim.run(optim.sgd(1.99 / f.L), f.grad, np.ones(2), 2000)
    above = optim.run(optim.sgd(2.01 / f.L), f.grad, np.ones(2), 2000)
    assert np.linalg.norm(below.x[-1]) < 1e-3
    assert np.linalg.norm(above.x[-1]) > 1e3


# --- run ------------------------------------------------------------------------------------------------------------


def test_run_shapes_values_and_steps_zero():
    f = Quadratic(np.eye(2))
    trajectory = optim.run(optim.sgd(0.25), f.grad, np.array([1.0, -2.0]), 5, f=f)
    assert trajectory.x.shape == (6, 2) and trajectory.f.shape == (6,) and trajectory.steps_done == 5
    np.testing.assert_allclose(trajectory.x[:, 0], 0.75 ** np.arange(6), rtol=1e-15)
    np.testing.assert_allclose(trajectory.f, [f(x) for x in trajectory.x], rtol=1e-15)
    empty = optim.run(optim.sgd(0.25), f.grad, np.array([1.0, -2.0]), 0, f=f)
    assert empty.x.shape == (1, 2) and empty.steps_done == 0 and not empty.diverged
    np.testing.assert_array_equal(empty.x[0], [1.0, -2.0])


def test_a_diverging_run_stops_quietly():
    f = Rosenbrock()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trajectory = optim.run(optim.sgd(0.01), f.grad, np.array([-1.5, 2.0]), 100, f=f)
    assert trajectory.diverged and trajectory.steps_done < 100
    assert not np.all(np.isfinite(trajectory.x[-1])) and np.all(np.isfinite(trajectory.x[-2]))
    assert trajectory.x.shape == (trajectory.steps_done + 1, 2)


def test_callback_sees_each_step_and_can_stop_the_run():
    seen = []
    trajectory = optim.run(
        optim.sgd(0.1), lambda x: 2 * x, np.ones(1), 50, callback=lambda t, x: seen.append(t) or abs(x[0]) < 0.5
    )
    assert seen == list(range(1, 5)) and trajectory.steps_done == 4  # 0.8⁴ = 0.41 < 0.5 < 0.8³


@pytest.mark.parametrize(
    "make",
    [
        optim.sgd(2e-4, momentum=0.9, nesterov=True),
        optim.adam(0.01),
        optim.rmsprop(0.001),
        optim.adagrad(0.1),
        optim.adamw(0.01),
    ],
    ids=lambda o: o.name,
)
def test_a_batch_of_starts_equals_each_start_run_alone(make):
    f = Rosenbrock()
    starts = np.random.default_rng(0).uniform(-2, 2, size=(7, 2))
    batched = optim.run(make, f.grad, starts, 200).x
    for i, start in enumerate(starts):
        np.testing.assert_array_equal(batched[:, i], optim.run(make, f.grad, start, 200).x)


@pytest.mark.parametrize(
    "make",
    [
        optim.sgd(0.05, momentum=0.9),
        optim.adam(0.05),
        optim.rmsprop(0.01, centered=True),
        optim.adagrad(0.1),
        optim.adamw(0.05),
    ],
    ids=lambda o: o.name,
)
def test_dict_parameters_equal_the_concatenated_array(make):
    f, x0 = _problem(5)
    split = lambda v: {"w": v[:3].reshape(3, 1), "b": v[3:]}  # noqa: E731
    joined = lambda d: np.concatenate([d["w"].ravel(), d["b"]])  # noqa: E731
    as_dict = optim.run(make, lambda p: split(f.grad(joined(p))), split(x0), 50)
    flat = optim.run(make, f.grad, x0, 50)
    assert set(as_dict.x) == {"w", "b"} and as_dict.x["w"].shape == (51, 3, 1)
    np.testing.assert_array_equal(np.concatenate([as_dict.x["w"].reshape(51, 3), as_dict.x["b"]], axis=1), flat.x)


def test_step_is_pure():
    opt = optim.adam(0.1, amsgrad=True)
    x, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    state = opt.init(x)
    x_before, g_before = x.copy(), g.copy()
    first = opt.step(x, g, state)
    second = opt.step(x, g, state)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(g, g_before)
    np.testing.assert_array_equal(first[0], second[0])
    assert state.t == 0 and np.all(state.slots["exp_avg"] == 0) and first[1].t == 1


def test_schedule_is_called_with_zero_for_the_first_step():
    calls = []
    optim.run(optim.sgd(lambda t: calls.append(t) or 0.1), lambda x: x, np.ones(1), 3)
    assert calls == [0, 1, 2]


# --- clipping and line search ----------------------------------------------------------------------------------------


def test_clip_by_global_norm_follows_pytorchs_rule():
    grads = [np.array([3.0, 0.0]), np.array([[4.0]])]
    clipped, norm = optim.clip_by_global_norm(grads, 1.0)
    assert norm == 5.0 and isinstance(clipped, list)
    np.testing.assert_allclose(clipped[0], [3.0 / (5.0 + 1e-6), 0.0], rtol=1e-15)
    unchanged, small = optim.clip_by_global_norm({"a": np.array([0.3, 0.4])}, 1.0)
    assert small == pytest.approx(0.5) and np.array_equal(unchanged["a"], [0.3, 0.4])
    single, _ = optim.clip_by_global_norm(np.array([6.0, 8.0]), 2.0)
    np.testing.assert_allclose(np.linalg.norm(single), 2.0, rtol=1e-6)


def test_backtracking_accepts_the_first_armijo_step():
    f = Rosenbrock()
    x = np.array([-1.0, 1.5])
    d = -f.grad(x)
    alpha = optim.backtracking_line_search(f, f.grad, x, d)
    slope = f.grad(x) @ d
    assert f(x + alpha * d) <= f(x) + 1e-4 * alpha * slope
    assert f(x + 2 * alpha * d) > f(x) + 1e-4 * 2 * alpha * slope  # the step before was rejected
    assert math.log2(alpha) == round(math.log2(alpha))


# --- bad input
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: optim.sgd(-0.1), "lr must be a positive number or a schedule (a callable t -> lr), got -0.1"),
        (lambda: optim.sgd(0.1, momentum=-0.5), "momentum must be a non-negative number, got -0.5"),
        (lambda: optim.sgd(0.1, nesterov=True), "nesterov needs momentum > 0 and dampening = 0"),
        (lambda: optim.adam(betas=(0.9, 1.0)), "betas[1] must be a number in [0, 1), got 1.0"),
        (lambda: optim.rmsprop(alpha=-0.1), "alpha must be a number in [0, 1), got -0.1"),
        (lambda: optim.adam(eps=0.0), "eps must be a positive number, got 0.0"),
        (lambda: optim.adamw(weight_decay=-1.0), "weight_decay must be a non-negative number, got -1.0"),
        (
            lambda: optim.run(optim.sgd(0.1), lambda x: x, np.ones(2), -1),
            "steps must be a non-negative integer, got -1",
        ),
        (lambda: optim.run(optim.sgd(0.1), lambda x: x, np.array([1.0, np.nan]), 3), "x0 must contain only finite"),
        (lambda: optim.run(optim.sgd(0.1), "grad", np.ones(2), 3), "grad_fn must be a callable"),
        (
            lambda: optim.run(optim.sgd(0.1), lambda x: np.ones(3), np.ones(2), 3),
            "g must have the shape of x: x has shape (2,), g has shape (3,)",
        ),
        (
            lambda: optim.adam().step(np.ones(2), np.ones(2), optim.sgd(0.1).init(np.ones(2))),
            "state must come from this optimizer's init (adam), got a state of sgd",
        ),
        (lambda: optim.clip_by_global_norm([np.ones(2)], 0.0), "max_norm must be a positive number, got 0.0"),
        (lambda: optim.sgd(0.0), "lr must be a positive number or a schedule (a callable t -> lr), got 0.0"),
        (lambda: optim.sgd(0.1, dampening=-0.1), "dampening must be a non-negative number, got -0.1"),
        (lambda: optim.sgd(0.1, weight_decay=-1e-4), "weight_decay must be a non-negative number, got -0.0001"),
        (lambda: optim.adagrad(eps=-1e-10), "eps must be a positive number, got -1e-10"),
        (
            lambda: optim.adagrad(initial_accumulator_value=-0.1),
            "initial_accumulator_value must be a non-negative number, got -0.1",
        ),
        (lambda: optim.rmsprop(alpha=1.0), "alpha must be a number in [0, 1), got 1.0"),
        (lambda: optim.rmsprop(momentum=-0.9), "momentum must be a non-negative number, got -0.9"),
        (lambda: optim.rmsprop(weight_decay=-0.1), "weight_decay must be a non-negative number, got -0.1"),
        (lambda: optim.adam(betas=(-0.1, 0.999)), "betas[0] must be a number in [0, 1), got -0.1"),
        (lambda: optim.adam(betas=0.9), "betas must be a pair (beta1, beta2) of numbers in [0, 1), got 0.9"),
        (lambda: optim.adamw(eps=0.0), "eps must be a positive number, got 0.0"),
        (
            lambda: optim.sgd(0.1, momentum=0.9).step(np.ones(2), np.ones(2), optim.sgd(0.1).init(np.ones(2))),
            "state must come from this optimizer's init (sgd), got a state with slots [], not ['momentum_buffer']",
        ),
        (
            lambda: optim.adamw().step(np.ones(2), np.ones(2), optim.adam().init(np.ones(2))),
            "state must come from this optimizer's init (adamw), got a state of adam",
        ),
        (
            lambda: optim.adam().step(np.ones(2), np.ones(2), {"t": 0}),
            "state must come from this optimizer's init (adam), got dict",
        ),
        (
            lambda: optim.adam().step(np.ones(3), np.ones(3), optim.adam().init(np.ones(2))),
            "state.slots['exp_avg'] must have the shape of x: x has shape (3,), state.slots['exp_avg'] has shape (2,)",
        ),
        (
            lambda: optim.sgd(0.1).step({"w": np.ones(2)}, {"v": np.ones(2)}, optim.sgd(0.1).init({"w": np.ones(2)})),
            "g must have the shape of x: x has shape {'w': (2,)}, g has shape {'v': (2,)}",
        ),
        (
            lambda: optim.run(optim.sgd(lambda t: 0.1 - 0.05 * t), lambda x: x, np.ones(1), 5),
            "lr(3) must be a non-negative number, got -0.05",
        ),
        (
            lambda: optim.run("sgd", lambda x: x, np.ones(2), 3),
            "optimizer must be a book.optim optimizer such as sgd(0.1), got str",
        ),
        (
            lambda: optim.run(optim.sgd(0.1), lambda x: x, np.ones(2), 2.5),
            "steps must be a non-negative integer, got 2.5",
        ),
        (
            lambda: optim.run(optim.sgd(0.1), lambda x: x, {"w": np.array([np.inf])}, 3),
            "x0['w'] must contain only finite",
        ),
        (
            lambda: optim.run(optim.sgd(0.1), lambda x: x, np.ones(2), 3, f=1.0),
            "f must be a callable (a function), got float",
        ),
        (
            lambda: optim.run(optim.sgd(0.1), lambda x: x, np.ones(2), 3, callback="print"),
            "callback must be a callable (a function), got str",
        ),
        (
            lambda: optim.backtracking_line_search(lambda x: x @ x, lambda x: 2 * x, np.ones(2), np.ones(2)),
            "direction must be a descent direction (∇f(x)·direction < 0), got ∇f(x)·direction = 4.0",
        ),
        (
            lambda: optim.backtracking_line_search(lambda x: x @ x, lambda x: 2 * x, np.ones(2), -np.ones(3)),
            "direction must have the shape of x: x has shape (2,), direction has shape (3,)",
        ),
        (
            lambda: optim.backtracking_line_search(lambda x: x @ x, lambda x: 2 * x, np.ones(2), -np.ones(2), rho=1.0),
            "rho must be a number in (0, 1), got 1.0",
        ),
        (
            lambda: optim.backtracking_line_search(lambda x: x @ x, lambda x: 2 * x, np.ones(2), -np.ones(2), c=0.0),
            "c must be a number in (0, 1), got 0.0",
        ),
        (
            lambda: optim.backtracking_line_search(
                lambda x: x @ x, lambda x: 2 * x, np.ones(2), -np.ones(2), alpha0=-1.0
            ),
            "alpha0 must be a positive number, got -1.0",
        ),
        (
            lambda: optim.backtracking_line_search(lambda x: x @ x, None, np.ones(2), -np.ones(2)),
            "grad_fn must be a callable (a function), got NoneType",
        ),
        (
            lambda: optim.run(optim.sgd(0.1), lambda x: x, np.ones(2), 3, keep=0),
            "keep must be 'all', 'last' or a positive integer k (every k-th iterate), got 0",
        ),
        (
            lambda: optim.run(optim.sgd(0.1), lambda x: x, np.ones(2), 3, keep="first"),
            "keep must be 'all', 'last' or a positive integer k (every k-th iterate), got 'first'",
        ),
        (
            lambda: optim.run(optim.sgd(0.1), lambda x: x, np.ones(2), 3, keep=True),
            "keep must be 'all', 'last' or a positive",
        ),
        (
            lambda: optim.run(optim.sgd(0.1), lambda x: x, np.ones(2), 3, returns_loss=1),
            "returns_loss must be True or False, got 1",
        ),
        (
            lambda: optim.run(optim.sgd(0.1), lambda x: x, np.ones(2), 3, returns_loss=True),
            "grad_fn must return a pair (loss, gradient) when returns_loss is True, got ndarray",
        ),
        (
            lambda: optim.sgd(0.1, weight_decay_mask="bias"),
            "weight_decay_mask must be a tree of booleans shaped like x",
        ),
        (
            lambda: optim.run(
                optim.adamw(weight_decay_mask={"w": True}), lambda x: x, {"w": np.ones(2), "b": np.ones(1)}, 3
            ),
            "weight_decay_mask must be a tree of booleans shaped like x (True, False or a boolean array of the "
            "parameter's "
            "shape for each parameter) or a function of the parameter's name returning True or False: x has shape "
            "{'w': (2,), 'b': (1,)}, weight_decay_mask is {'w': True}",
        ),
        (
            lambda: optim.run(optim.adamw(weight_decay_mask=np.array([True])), lambda x: x, np.ones(2), 3),
            "x has shape (2,), weight_decay_mask is bool array of shape (1,)",
        ),
        (
            lambda: optim.run(optim.adamw(weight_decay_mask={"w": 1}), lambda x: x, {"w": np.ones(2)}, 3),
            "weight_decay_mask is {'w': 'int'}",
        ),
        (
            lambda: optim.run(
                optim.adam(weight_decay=0.1, weight_decay_mask=lambda name: "yes"), lambda x: x, {"w": np.ones(2)}, 3
            ),
            "weight_decay_mask('w') must return True or False, got 'yes'",
        ),
        (lambda: optim.with_clipping(optim.sgd(0.1), 0.0), "max_norm must be a positive number, got 0.0"),
        (
            lambda: optim.with_clipping("adam", 1.0),
            "optimizer must be a book.optim optimizer such as sgd(0.1), got str",
        ),
        (
            lambda: optim.backtracking_line_search(
                lambda x: x @ x, lambda x: 2 * x, np.ones(2), -np.ones(2), max_halvings=-1
            ),
            "max_halvings must be a non-negative integer, got -1",
        ),
    ],
)
def test_bad_input_gets_one_sentence_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


# --- more random problems, every optimizer with a schedule --------------------------------------------------------

ADAGRAD_OPTIONS = [
    dict(initial_accumulator_value=a, weight_decay=w, eps=e)
    for a, w, e in itertools.product([0.0, 0.1], [0.0, 0.01], [1e-10, 1e-3])
]


@pytest.mark.parametrize("seed", [11, 12])
@pytest.mark.parametrize("options", ADAGRAD_OPTIONS, ids=str)
def test_adagrad_matches_pytorch_on_random_problems_with_a_schedule(options, seed):
    f, x0 = _problem(seed)
    lr = _rate(0.3, _schedules()["decaying"])
    np.testing.assert_allclose(
        _book_run(optim.adagrad(lr=lr, **options), f, x0),
        torch_adagrad(x0, f.grad, lr, **options),
        rtol=1e-12,
        atol=1e-14,
    )


@pytest.mark.parametrize("seed", [13, 14])
@pytest.mark.parametrize("options", RMSPROP_OPTIONS, ids=str)
def test_rmsprop_matches_pytorch_on_random_problems_with_a_schedule(options, seed):
    f, x0 = _problem(seed)
    lr = _rate(0.01, _schedules()["decaying"])
    np.testing.assert_allclose(
        _book_run(optim.rmsprop(lr=lr, eps=1e-6, **options), f, x0),
        torch_rmsprop(x0, f.grad, lr, eps=1e-6, **options),
        rtol=1e-12,
        atol=1e-14,
    )


@pytest.mark.parametrize("seed", [15, 16])
def test_sgd_and_adam_match_pytorch_on_more_random_problems(seed):
    f, x0 = _problem(seed)
    lr = _rate(0.05, _schedules()["decaying"])
    for options in SGD_OPTIONS:
        np.testing.assert_allclose(
            _book_run(optim.sgd(lr, **options), f, x0), torch_sgd(x0, f.grad, lr, **options), rtol=1e-12, atol=1e-14
        )
    for options, decoupled in itertools.product(ADAM_OPTIONS, [False, True]):
        make = optim.adamw if decoupled else optim.adam
        np.testing.assert_allclose(
            _book_run(make(lr=lr, **options), f, x0),
            torch_adam(x0, f.grad, lr, decoupled=decoupled, **options),
            rtol=1e-12,
            atol=1e-14,
        )


# --- purity, batches, dicts, shapes --------------------------------------------------------------------------------

EVERY_OPTIMIZER = [
    optim.sgd(0.1),
    optim.sgd(0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    optim.sgd(0.1, momentum=0.9, nesterov=True),
    optim.adagrad(initial_accumulator_value=0.1, weight_decay=0.01),
    optim.rmsprop(momentum=0.9, centered=True, weight_decay=0.01),
    optim.adam(weight_decay=0.01),
    optim.adam(amsgrad=True),
    optim.adamw(amsgrad=True),
]


def _copy(tree):
    return {k: _copy(v) for k, v in tree.items()} if isinstance(tree, dict) else np.array(tree, copy=True)


def _assert_trees_equal(a, b):
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _assert_trees_equal(a[key], b[key])
    else:
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("opt", EVERY_OPTIMIZER, ids=repr)
@pytest.mark.parametrize("as_dict", [False, True], ids=["array", "dict"])
def test_every_step_is_pure(opt, as_dict):
    rng = np.random.default_rng(7)
    make = (lambda v: {"w": v[:4].reshape(2, 2), "layer": {"b": v[4:]}}) if as_dict else (lambda v: v)  # noqa: E731
    x, g1, g2 = (make(rng.normal(size=6)) for _ in range(3))
    state = opt.step(x, g1, opt.init(x))[1]  # a state with non-zero slots
    inputs = [_copy(x), _copy(g2), _copy(state.slots)]
    first, second = opt.step(x, g2, state), opt.step(x, g2, state)
    for before, after in zip(inputs, [x, g2, state.slots]):
        _assert_trees_equal(before, after)  # nothing was mutated
    _assert_trees_equal(first[0], second[0])
    _assert_trees_equal(first[1].slots, second[1].slots)
    assert state.t == 1 and first[1].t == 2
    for name in opt.init(x).slots:  # the state mirrors x
        assert optim._shapes(first[1].slots[name]) == optim._shapes(x)


@pytest.mark.parametrize(
    "opt", [optim.adam(0.01, amsgrad=True), optim.sgd(2e-4, momentum=0.9, nesterov=True)], ids=repr
)
def test_a_thousand_starts_batched_equal_the_same_starts_looped(opt):
    f = Rosenbrock()
    starts = np.random.default_rng(1).uniform(-2, 2, size=(1000, 2))
    trajectory = optim.run(opt, f.grad, starts, 20)
    batched = trajectory.x
    assert not trajectory.diverged and trajectory.steps_done == 20
    for i, start in enumerate(starts):
        x, state = start, opt.init(start)
        for _ in range(20):
            x, state = opt.step(x, f.grad(x), state)
        np.testing.assert_array_equal(batched[-1, i], x)


def test_a_grid_of_starts_keeps_its_shape():
    f = Quadratic(np.diag([1.0, 4.0]))
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 3), np.linspace(-2, 2, 5)), axis=-1)  # (5, 3, 2)
    trajectory = optim.run(optim.sgd(0.1), f.grad, grid, 4, f=f)
    assert trajectory.x.shape == (5, 5, 3, 2) and trajectory.f.shape == (5, 5, 3)
    np.testing.assert_allclose(trajectory.x[-1], grid * np.array([0.9, 0.6]) ** 4, rtol=1e-14)


def test_a_single_number_is_a_zero_dimensional_parameter():
    trajectory = optim.run(optim.sgd(0.25), lambda x: 2 * x, 1.0, 3)
    np.testing.assert_array_equal(trajectory.x, [1.0, 0.5, 0.25, 0.125])


def test_one_diverging_start_stops_the_whole_batch_quietly():
    f = Quadratic(np.diag([1.0, 1.0]))
    starts = np.array([[1.0, 1.0], [1e200, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trajectory = optim.run(optim.sgd(3.0), f.grad, starts, 1000, f=f)
    assert trajectory.diverged and trajectory.steps_done == trajectory.x.shape[0] - 1
    assert np.all(np.isfinite(trajectory.x[-1, 0])) and not np.all(np.isfinite(trajectory.x[-1, 1]))


def test_dict_runs_stack_each_parameter_and_stop_when_any_diverges():
    grad = lambda p: {"a": 2 * p["a"], "inner": {"b": 4 * p["inner"]["b"]}}  # noqa: E731
    loss = lambda p: float(np.sum(p["a"] ** 2) + 2 * np.sum(p["inner"]["b"] ** 2))  # noqa: E731
    x0 = {"a": np.ones((2, 3)), "inner": {"b": np.array(1.0)}}
    trajectory = optim.run(optim.sgd(0.1), grad, x0, 3, f=loss)
    assert trajectory.x["a"].shape == (4, 2, 3) and trajectory.x["inner"]["b"].shape == (4,)
    np.testing.assert_allclose(trajectory.x["inner"]["b"], 0.6 ** np.arange(4), rtol=1e-15)
    np.testing.assert_allclose(trajectory.f, 6 * 0.8 ** (2 * np.arange(4)) + 2 * 0.6 ** (2 * np.arange(4)), rtol=1e-14)
    zero = optim.run(optim.sgd(0.1), grad, x0, 0, f=loss)
    assert zero.steps_done == 0 and zero.x["a"].shape == (1, 2, 3) and zero.f.tolist() == [8.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        blown = optim.run(optim.sgd(1e300), grad, x0, 10)
    assert blown.diverged and blown.steps_done == 2 and not np.isfinite(blown.x["inner"]["b"][-1])


def test_a_two_layer_network_as_a_dict_trains_exactly_like_the_hand_written_loop():
    rng = np.random.default_rng(0)
    inputs, targets = np.linspace(-3, 3, 32)[:, None], np.sin(np.linspace(-3, 3, 32))[:, None]
    params = {"W1": rng.normal(size=(1, 8)), "b1": np.zeros(8), "W2": rng.normal(size=(8, 1)) / 3, "b2": np.zeros(1)}

    def grad(p):
        hidden = np.tanh(inputs @ p["W1"] + p["b1"])
        d_out = 2 * (hidden @ p["W2"] + p["b2"] - targets) / targets.size
        d_pre = d_out @ p["W2"].T * (1 - hidden**2)
        return {"W1": inputs.T @ d_pre, "b1": d_pre.sum(axis=0), "W2": hidden.T @ d_out, "b2": d_out.sum(axis=0)}

    trajectory = optim.run(optim.sgd(0.05), grad, params, 300)
    by_hand = dict(params)
    for _ in range(300):
        by_hand = {name: value - 0.05 * g for (name, value), g in zip(by_hand.items(), grad(by_hand).values())}
    for name in params:
        np.testing.assert_array_equal(trajectory.x[name][-1], by_hand[name])


# --- line search and clipping, the edges -----------------------------------------------------------------------------


def test_backtracking_rejects_an_overflowing_trial_step_without_a_warning():
    f = lambda x: float(np.exp(100 * (x @ x)))  # noqa: E731
    grad = lambda x: 200 * x * np.exp(100 * (x @ x))  # noqa: E731
    x = np.array([0.1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alpha = optim.backtracking_line_search(f, grad, x, -grad(x), alpha0=1e3)
    slope = -float(grad(x) @ grad(x))
    assert f(x - alpha * grad(x)) <= f(x) + 1e-4 * alpha * slope < f(x)
    assert not f(x - 2 * alpha * grad(x)) <= f(x) + 1e-4 * 2 * alpha * slope


def test_clipping_keeps_the_structure_and_scales_even_at_the_boundary():
    grads = (np.array([0.6]), {"inner": np.array([0.8])})
    clipped, norm = optim.clip_by_global_norm(grads, 1.0)  # norm = max_norm: PyTorch still scales by 1/(1 + 1e-6)
    assert isinstance(clipped, tuple) and isinstance(clipped[1], dict) and norm == pytest.approx(1.0, rel=1e-15)
    np.testing.assert_allclose(clipped[0], 0.6 / (norm + 1e-6), rtol=1e-15)
    far_below, _ = optim.clip_by_global_norm([np.array([3.0, 4.0])], 10.0)
    np.testing.assert_array_equal(far_below[0], [3.0, 4.0])
    assert grads[0][0] == 0.6  # the input is not changed


# --- weight-decay masks and clipping, against the transcriptions above ------------------------------------------------

SPLIT = lambda v: {"w": v[:3].reshape(3, 1), "b": v[3:]}  # noqa: E731
JOIN = lambda d: np.concatenate([d["w"].ravel(), d["b"]])  # noqa: E731
NO_DECAY_ON_B = [0.1, 0.1, 0.1, 0.0]
"""PyTorch's two parameter groups: the weights with λ = 0.1, the bias "b" (the last coordinate) with none."""

MASKS = {
    "name function": lambda name: name != "b",
    "tree in another key order": {"b": False, "w": True},
}


@pytest.mark.parametrize("mask", MASKS, ids=str)
@pytest.mark.parametrize("kind", ["sgd", "adam", "adamw"])
def test_a_weight_decay_mask_equals_pytorchs_parameter_groups(mask, kind):
    f, x0 = _problem(21)
    lr = _rate(0.05, None)
    if kind == "sgd":
        expected = torch_sgd(x0, f.grad, lr, momentum=0.9, weight_decay=NO_DECAY_ON_B)
        opt = optim.sgd(0.05, momentum=0.9, weight_decay=0.1, weight_decay_mask=MASKS[mask])
    else:
        expected = torch_adam(x0, f.grad, lr, weight_decay=NO_DECAY_ON_B, decoupled=kind == "adamw")
        opt = getattr(optim, kind)(0.05, weight_decay=0.1, weight_decay_mask=MASKS[mask])
    masked = optim.run(opt, lambda p: SPLIT(f.grad(JOIN(p))), SPLIT(x0), STEPS).x
    np.testing.assert_allclose(JOIN({k: v[-1] for k, v in masked.items()}), expected, rtol=1e-12, atol=1e-14)
    unmasked = torch_adam(x0, f.grad, lr, weight_decay=0.1, decoupled=True) if kind == "adamw" else None
    if unmasked is not None:  # the mask made a difference the tolerance sees
        assert np.max(np.abs(unmasked - expected)) > 1e-4


def test_a_boolean_array_masks_entries_of_one_array():
    f, x0 = _problem(22)
    mask = np.array([True, True, True, False])
    actual = _book_run(optim.adamw(0.05, weight_decay=0.1, weight_decay_mask=mask), f, x0)
    expected = torch_adam(x0, f.grad, _rate(0.05, None), weight_decay=NO_DECAY_ON_B, decoupled=True)
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-14)


def test_a_mask_function_sees_nested_names_joined_by_dots():
    x0 = {"block0": {"ln1": {"gain": np.ones(2), "bias": np.ones(2)}, "w": np.ones((2, 2))}, "embed": np.ones(3)}
    seen = []
    opt = optim.adamw(0.1, weight_decay=0.5, weight_decay_mask=lambda name: seen.append(name) or name.endswith("w"))
    trajectory = optim.run(
        opt,
        lambda p: {
            "block0": {"ln1": {"gain": np.zeros(2), "bias": np.zeros(2)}, "w": np.zeros((2, 2))},
            "embed": np.zeros(3),
        },
        x0,
        3,
    )
    assert seen == ["block0.ln1.gain", "block0.ln1.bias", "block0.w", "embed"]  # asked once per run, not per step
    np.testing.assert_array_equal(trajectory.x["block0"]["w"][-1], np.full((2, 2), 0.95**3))
    for undecayed in (
        trajectory.x["block0"]["ln1"]["gain"],
        trajectory.x["block0"]["ln1"]["bias"],
        trajectory.x["embed"],
    ):
        np.testing.assert_array_equal(undecayed[-1], np.ones_like(undecayed[-1]))


@pytest.mark.parametrize("kind", ["sgd", "adam", "adamw"])
@pytest.mark.parametrize("schedule", list(_schedules()))
def test_clipping_composed_with_an_optimizer_equals_clip_grad_norm_before_pytorchs_step(kind, schedule):
    f, x0 = _problem(23)
    x0 = 4 * x0  # far out: the gradient's norm starts above max_norm and falls below it on the way
    lr = _rate(0.05, _schedules()[schedule])
    if kind == "sgd":
        expected = torch_sgd(x0, f.grad, lr, momentum=0.9, weight_decay=0.01, max_norm=1.0)
        inner = optim.sgd(lr if schedule != "constant" else 0.05, momentum=0.9, weight_decay=0.01)
    else:
        expected = torch_adam(x0, f.grad, lr, weight_decay=0.01, decoupled=kind == "adamw", max_norm=1.0)
        inner = getattr(optim, kind)(lr if schedule != "constant" else 0.05, weight_decay=0.01)
    trajectory = optim.run(optim.with_clipping(inner, 1.0), lambda p: SPLIT(f.grad(JOIN(p))), SPLIT(x0), STEPS)
    np.testing.assert_allclose(JOIN({k: v[-1] for k, v in trajectory.x.items()}), expected, rtol=1e-12, atol=1e-14)
    # the record is the norm before clipping, of the gradient at each iterate (computed here from the kept iterates)
    before = [np.linalg.norm(f.grad(JOIN({k: v[i] for k, v in trajectory.x.items()}))) for i in range(STEPS)]
    np.testing.assert_allclose(trajectory.grad_norm, before, rtol=1e-12)
    assert trajectory.grad_norm[0] > 1.0 > trajectory.grad_norm[-1]


def test_clipping_composes_with_the_public_step_too():
    opt = optim.with_clipping(optim.sgd(1.0, momentum=0.5), 2.0)
    x, g = {"a": np.zeros(1), "b": np.zeros(1)}, {"b": np.array([8.0]), "a": np.array([6.0])}
    x1, state = opt.step(x, g, opt.init(x))
    np.testing.assert_allclose([x1["a"][0], x1["b"][0]], [-6 * 2 / (10 + 1e-6), -8 * 2 / (10 + 1e-6)], rtol=1e-15)
    np.testing.assert_allclose(state.slots["momentum_buffer"]["a"], 6 * 2 / (10 + 1e-6), rtol=1e-15)
    assert (
        optim.with_clipping(optim.sgd(1.0), 2.0).step(np.ones(1), np.array([1.0]), optim.sgd(1.0).init(np.ones(1)))[0]
        == 0
    )


# --- run: what it keeps and what it records --------------------------------------------------------------------------


def _dict_problem():
    """A quadratic over a dict {"a", "inner": {"b"}}: its loss and a gradient function returning (loss, gradient)."""
    scales = {"a": np.array([1.0, 3.0]), "b": np.array([[0.5, 2.0], [1.0, 4.0]])}
    loss = lambda p: float(np.sum(scales["a"] * p["a"] ** 2) + np.sum(scales["b"] * p["inner"]["b"] ** 2))  # noqa: E731
    grad = lambda p: {"inner": {"b": 2 * scales["b"] * p["inner"]["b"]}, "a": 2 * scales["a"] * p["a"]}  # noqa: E731
    return loss, grad, {"a": np.array([1.0, -1.0]), "inner": {"b": np.ones((2, 2))}}


@pytest.mark.parametrize(
    "keep, expected_t",
    [
        ("all", list(range(51))),
        ("last", [0, 50]),
        (7, [0, 7, 14, 21, 28, 35, 42, 49, 50]),
        (10, [0, 10, 20, 30, 40, 50]),
        (80, [0, 50]),
    ],
)
def test_keep_holds_the_iterates_of_the_steps_it_names(keep, expected_t):
    loss, grad, x0 = _dict_problem()
    everything = optim.run(optim.adam(0.05), grad, x0, 50, f=loss)
    kept = optim.run(optim.adam(0.05), grad, x0, 50, f=loss, keep=keep)
    assert kept.t.tolist() == expected_t and kept.steps_done == 50 and not kept.diverged
    np.testing.assert_array_equal(kept.x["a"], everything.x["a"][expected_t])
    np.testing.assert_array_equal(kept.x["inner"]["b"], everything.x["inner"]["b"][expected_t])
    np.testing.assert_array_equal(kept.f, everything.f)  # records at every step, whatever is kept
    np.testing.assert_array_equal(kept.grad_norm, everything.grad_norm)


def test_records_are_the_loss_and_gradient_norm_at_each_iterate_before_its_step():
    loss, grad, x0 = _dict_problem()
    trajectory = optim.run(
        optim.sgd(0.05, momentum=0.5), lambda p: (loss(p), grad(p)), x0, 30, f=loss, returns_loss=True
    )
    iterates = [{"a": trajectory.x["a"][k], "inner": {"b": trajectory.x["inner"]["b"][k]}} for k in range(31)]
    assert trajectory.loss.shape == trajectory.grad_norm.shape == (30,) and trajectory.f.shape == (31,)
    np.testing.assert_array_equal(trajectory.loss, trajectory.f[:-1])
    norms = [
        math.sqrt(sum(float(np.sum(leaf**2)) for leaf in (g["a"], g["inner"]["b"]))) for g in map(grad, iterates[:-1])
    ]
    np.testing.assert_allclose(trajectory.grad_norm, norms, rtol=1e-14)
    plain = optim.run(optim.sgd(0.05, momentum=0.5), grad, x0, 30)
    assert plain.loss is None and plain.f is None
    np.testing.assert_array_equal(plain.x["a"], trajectory.x["a"])


def test_a_batch_of_starts_records_one_norm_over_every_start():
    starts = np.array([[3.0, 0.0], [0.0, 4.0]])
    trajectory = optim.run(optim.sgd(0.25), lambda x: x, starts, 2, keep="last")
    np.testing.assert_allclose(trajectory.grad_norm, [5.0, 3.75], rtol=1e-15)
    np.testing.assert_array_equal(trajectory.x[-1], starts * 0.75**2)


def test_a_gradient_dict_in_another_key_order_is_matched_by_name():
    loss, grad, x0 = _dict_problem()
    reordered = lambda p: dict(reversed(list(grad(p).items())))  # noqa: E731
    opt = optim.adam(0.05, amsgrad=True)
    ordered, shuffled = optim.run(opt, grad, x0, 20), optim.run(opt, reordered, x0, 20)
    _assert_trees_equal(ordered.x, shuffled.x)
    one, _ = opt.step(x0, reordered(x0), opt.init(x0))
    _assert_trees_equal(one, {"a": ordered.x["a"][1], "inner": {"b": ordered.x["inner"]["b"][1]}})


@pytest.mark.parametrize("leaf", ["a", "b", "c"])
def test_a_divergence_in_any_dict_leaf_stops_the_run(leaf):
    rates = {"a": 1.0, "b": 1.0, "c": 1.0} | {leaf: 1e300}
    x0 = {"a": np.ones(2), "b": np.ones(1), "c": np.ones(3)}
    grad = lambda p: {name: rates[name] * value for name, value in p.items()}  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trajectory = optim.run(optim.sgd(1.0), grad, x0, 10, keep="last")
    assert trajectory.diverged and trajectory.steps_done == 2 and trajectory.t.tolist() == [0, 2]
    assert not np.all(np.isfinite(trajectory.x[leaf][-1]))
    assert trajectory.grad_norm.shape == (2,)


def test_a_large_but_finite_iterate_is_not_taken_for_a_divergence():
    # 1e200² overflows the quick sum of squares: the exact check must still see finite entries
    trajectory = optim.run(optim.sgd(0.5), lambda x: np.zeros_like(x), np.array([1e200, -1e200]), 3, keep="last")
    assert not trajectory.diverged and trajectory.steps_done == 3


def test_keep_last_stops_early_with_the_iterate_it_stopped_at():
    trajectory = optim.run(
        optim.sgd(0.1), lambda x: 2 * x, np.ones(1), 50, keep=3, callback=lambda t, x: abs(x[0]) < 0.5
    )
    assert trajectory.t.tolist() == [0, 3, 4] and trajectory.steps_done == 4
    np.testing.assert_allclose(trajectory.x[:, 0], [1.0, 0.8**3, 0.8**4], rtol=1e-15)


def test_keep_last_needs_memory_of_the_order_of_the_parameters_not_of_the_steps():
    n, steps = 25_000, 3000  # the capstone's size: keeping every iterate would take 3 001 × 25 000 × 8 B = 600 MB
    x0 = {"w": np.ones(n - 1000), "b": np.ones(1000)}
    grad = lambda p: {name: 0.1 * value for name, value in p.items()}  # noqa: E731
    tracemalloc.start()
    with threadpool_limits(1):  # one BLAS thread for the norms' dot products, as a training loop on 2 cores runs
        tracemalloc.start()
        try:
            trajectory = optim.run(optim.with_clipping(optim.adamw(1e-3), 1.0), grad, x0, steps, keep="last")
            peak_last = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            optim.run(optim.adamw(1e-3), grad, x0, 200, keep="all")  # the measurement sees numpy's buffers
            peak_all = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert trajectory.steps_done == steps and trajectory.grad_norm.shape == (steps,)
    assert peak_last < 20e6
    assert peak_all > 201 * n * 8


# --- line search: the edges issue-free code must handle ---------------------------------------------------------------


def test_backtracking_refuses_a_starting_point_where_f_is_not_finite():
    with (
        np.errstate(invalid="ignore"),
        pytest.raises(
            ValueError, match=re.escape("f(x) must be a finite number for a line search from x, got f(x) = nan")
        ),
    ):
        optim.backtracking_line_search(
            lambda x: float(np.log(x[0])), lambda x: 1 / x, np.array([-1.0]), np.array([1.0])
        )


def test_backtracking_gives_up_after_max_halvings():
    calls = []

    def f(x):  # finite only at the start: every trial point is rejected
        calls.append(x[0])
        return 0.0 if x[0] == 1e-300 else math.nan

    for cap, tried in [(100, 101), (5, 6), (0, 1)]:
        calls.clear()
        with pytest.raises(
            ValueError,
            match=re.escape(
                f"no step alpha0·rho^k with k <= max_halvings = {cap} satisfies "
                f"Armijo's condition (the last tried was {0.5**cap!r})"
            ),
        ):
            optim.backtracking_line_search(f, lambda x: np.ones(1), np.array([1e-300]), -np.ones(1), max_halvings=cap)
        assert len(calls) == 1 + tried  # f(x), then alpha0·ρ^k for k = 0..cap
    assert optim.MAX_HALVINGS == 100


def test_backtracking_returns_the_step_at_the_cap_when_it_passes():
    f, grad = (lambda x: float(x @ x)), (lambda x: 2 * x)
    # from x = 1 along d = −2⁹: α = 2⁻⁹ lands on 0, the first passing trial after exactly 9 halvings
    assert optim.backtracking_line_search(f, grad, np.ones(1), -np.array([512.0]), max_halvings=9) == 2.0**-9
    with pytest.raises(ValueError, match="max_halvings = 8"):
        optim.backtracking_line_search(f, grad, np.ones(1), -np.array([512.0]), max_halvings=8)


def test_backtracking_accepts_a_step_where_armijos_condition_holds_with_equality():
    # f = x², x = 1, d = −1, c = ½: f(1 − α) = (1 − α)² <= 1 − α exactly when α <= 1, with equality (0 = 0) at α = 1
    assert (
        optim.backtracking_line_search(lambda x: float(x @ x), lambda x: 2 * x, np.ones(1), -np.ones(1), c=0.5) == 1.0
    )


def test_the_callback_never_sees_a_diverged_iterate():
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trajectory = optim.run(
            optim.sgd(1.0),
            lambda x: 1e300 * x,
            np.ones(2),
            10,
            callback=lambda t, x: seen.append((t, bool(np.all(np.isfinite(x))))) or False,
        )
    assert trajectory.diverged and seen == [(t, True) for t in range(1, trajectory.steps_done)]


def test_rate_at_reads_a_constant_or_a_schedule_and_refuses_a_negative_scheduled_rate():
    assert optim.rate_at(0.1, 7) == 0.1
    assert optim.rate_at(lambda t: 0.5**t, 3) == 0.125
    with pytest.raises(ValueError, match="^lr\\(2\\) must be a non-negative number, got -1"):
        optim.rate_at(lambda t: 1.0 - t, 2)
