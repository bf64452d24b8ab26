"""book.optim and book.schedules against optax (jax in float64): equal wherever the two libraries document the same
rule, and apart by the documented amount where they do not (ε placement, AdaGrad's and AdamW's defaults)."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from book import conventions, optim, schedules

jax.config.update("jax_enable_x64", True)

STEPS = 100
RTOL = 1e-12
F64 = jnp.float64
"""optax's schedules compute in the dtype of their parameters: Python floats would make them float32."""
FLOAT32_EPS = float(np.finfo(np.float32).eps)
"""Sign-like rules (RMSProp, Adam) amplify round-off once a coordinate hovers at its minimum, where g/√v is ±1
whatever |g| is: the test field keeps every |g_i| well above 0 over 100 steps, so the comparison measures the rules."""


def _problem(seed=0, n=6):
    """A random, mildly non-linear gradient field g(x) = 0.2 A x + d + 0.3 sin(x), |d_i| = 3, A positive definite,
    and a start x0 (numpy in, numpy out)."""
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(n, n))
    a, d = q @ q.T / n + np.eye(n), 3.0 * rng.choice([-1.0, 1.0], size=n)
    return (lambda x: 0.2 * (a @ x) + d + 0.3 * np.sin(x)), rng.normal(size=n)


def run_book(optimizer, grad_fn, x0, steps=STEPS):
    return optim.run(optimizer, grad_fn, x0, steps).x[-1]


def run_optax(transform, grad_fn, x0, steps=STEPS):
    params = jnp.asarray(x0, dtype=jnp.float64)
    state = transform.init(params)
    for _ in range(steps):
        updates, state = transform.update(jnp.asarray(grad_fn(np.asarray(params))), state, params)
        params = optax.apply_updates(params, updates)
    assert params.dtype == jnp.float64
    return np.asarray(params)


def relative_error(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


AGREEING = {
    "sgd": (optim.sgd(0.05), optax.sgd(0.05)),
    "sgd momentum": (optim.sgd(0.05, momentum=0.9), optax.sgd(0.05, momentum=0.9)),
    "sgd nesterov": (optim.sgd(0.05, momentum=0.9, nesterov=True), optax.sgd(0.05, momentum=0.9, nesterov=True)),
    "sgd momentum + L2": (
        optim.sgd(0.05, momentum=0.8, weight_decay=0.1),
        optax.chain(optax.add_decayed_weights(0.1), optax.sgd(0.05, momentum=0.8)),
    ),
    "adam": (optim.adam(0.01), optax.adam(0.01)),
    "adam betas": (optim.adam(0.02, betas=(0.8, 0.95), eps=1e-6), optax.adam(0.02, b1=0.8, b2=0.95, eps=1e-6)),
    "adam + L2": (optim.adam(0.01, weight_decay=0.1), optax.chain(optax.add_decayed_weights(0.1), optax.adam(0.01))),
    # optax's adamw: x ← x − lr·(m̂/(√v̂ + ε) + λx), PyTorch's decoupled decay x(1 − lr·λ) rewritten: same λ
    "adamw": (optim.adamw(0.01, weight_decay=0.1), optax.adamw(0.01, weight_decay=0.1)),
    # ε outside the root is optax's eps_in_sqrt=False; α is optax's decay
    "rmsprop": (optim.rmsprop(0.003, alpha=0.9), optax.rmsprop(0.003, decay=0.9, eps_in_sqrt=False)),
    # optax applies lr before its momentum trace (b ← μb + lr·g/d): PyTorch's form at a constant lr
    "rmsprop momentum": (
        optim.rmsprop(0.002, alpha=0.9, momentum=0.5),
        optax.rmsprop(0.002, decay=0.9, eps_in_sqrt=False, momentum=0.5),
    ),
    "rmsprop centered": (
        optim.rmsprop(0.003, alpha=0.9, centered=True),
        optax.rmsprop(0.003, decay=0.9, eps_in_sqrt=False, centered=True),
    ),
    # AdaGrad: ε is inside the root in optax, outside in PyTorch: with both ε negligible next to s the rules agree
    "adagrad": (
        optim.adagrad(0.1, eps=1e-30, initial_accumulator_value=0.1),
        optax.adagrad(0.1, initial_accumulator_value=0.1, eps=1e-60),
    ),
    "cosine schedule": (
        optim.sgd(schedules.cosine(0.05, 60, min_lr=0.005), momentum=0.9),
        optax.sgd(optax.cosine_decay_schedule(F64(0.05), 60, alpha=F64(0.1)), momentum=0.9),
    ),
    # the transcriptions of optax's forms in book.conventions, at optax's defaults
    "rmsprop, ε in the root": (conventions.rmsprop_eps_in_sqrt(0.003), optax.rmsprop(0.003)),
    "adagrad, optax's form": (conventions.adagrad_eps_in_sqrt(0.1), optax.adagrad(0.1)),
}


@pytest.mark.parametrize("name", AGREEING)
@pytest.mark.parametrize("seed", [0, 1])
def test_book_equals_optax_over_100_steps(name, seed):
    grad_fn, x0 = _problem(seed)
    ours, theirs = AGREEING[name]
    book_x, optax_x = run_book(ours, grad_fn, x0), run_optax(theirs, grad_fn, x0)
    assert relative_error(book_x, x0) > 1e-2  # the runs moved
    assert relative_error(book_x, optax_x) <= RTOL


def test_dict_parameters_and_a_batch_axis_agree():
    rng = np.random.default_rng(3)
    x0 = {"w": rng.normal(size=(4, 3)), "b": rng.normal(size=3)}

    def grad_fn(x):
        return {"w": x["w"] - 1.0 + 0.1 * np.cos(x["w"]), "b": 2.0 * x["b"]}

    book_x = optim.run(optim.adamw(0.01), grad_fn, x0, STEPS).x
    params, transform = {k: jnp.asarray(v) for k, v in x0.items()}, optax.adamw(0.01, weight_decay=0.01)
    state = transform.init(params)
    for _ in range(STEPS):
        grads = {k: jnp.asarray(v) for k, v in grad_fn({k: np.asarray(p) for k, p in params.items()}).items()}
        updates, state = transform.update(grads, state, params)
        params = optax.apply_updates(params, updates)
    for key in x0:
        assert relative_error(book_x[key][-1], np.asarray(params[key])) <= RTOL


def _values(optax_schedule, steps):
    """optax's schedule at t = 0..steps−1, called with its optimizers' int32 step counter."""
    return np.array([float(optax_schedule(jnp.asarray(k, dtype=jnp.int32))) for k in range(steps)])


@pytest.mark.parametrize(
    "optax_schedule, book_schedule",
    [
        (optax.cosine_decay_schedule(F64(3.0), 150, alpha=F64(0.0)), schedules.cosine(3.0, 150)),
        (optax.cosine_decay_schedule(F64(2.0), 150, alpha=F64(0.25)), schedules.cosine(2.0, 150, min_lr=0.5)),
        (optax.exponential_decay(F64(0.5), 1, F64(0.97)), schedules.exponential(0.5, 0.97)),
        (optax.exponential_decay(F64(0.5), 30, F64(0.1), staircase=True), schedules.step_decay(0.5, 30, 0.1)),
    ],
)
def test_schedules_equal_optax_at_every_step(optax_schedule, book_schedule):
    theirs = _values(optax_schedule, 300)
    assert np.max(np.abs(book_schedule(np.arange(300)) - theirs) / theirs.clip(1e-300)) <= RTOL


def test_warmup_cosine_equals_optax_with_decay_steps_counting_the_warmup():
    # optax's linear warmup divides its int32 counter in float32 whatever the parameters' dtype: there the two
    # agree to float32's resolution of the peak rate (2⁻²³·peak); the cosine part agrees to 1e-12
    theirs = _values(optax.warmup_cosine_decay_schedule(F64(0.0), F64(1.0), 25, 200, end_value=F64(0.1)), 300)
    ours = schedules.warmup_cosine(1.0, 25, 200, min_lr=0.1)(np.arange(300))
    relative = np.abs(ours - theirs) / theirs.clip(1e-300)
    assert ours[0] == theirs[0] == 0.0 and ours[25] == theirs[25] == 1.0
    assert 0 < np.max(np.abs(ours - theirs)[:25]) <= FLOAT32_EPS * 1.0 and np.max(relative[25:]) <= RTOL


def test_adam_under_warmup_cosine_equals_optax_to_float32_warmup_roundings():
    # the float32 warmup rates (off by ≤ 2⁻²³·peak in 9 of the 100 steps) move the iterates by ≤ 1e-9
    grad_fn, x0 = _problem(0)
    ours = run_book(optim.adam(schedules.warmup_cosine(0.005, 10, 80, min_lr=0.001)), grad_fn, x0)
    theirs = run_optax(
        optax.adam(optax.warmup_cosine_decay_schedule(F64(0.0), F64(0.005), 10, 80, end_value=F64(0.001))), grad_fn, x0
    )
    assert relative_error(ours, theirs) <= 1e-9


# --- Where they differ, by how much ---------------------------------------------------------------------------------


def _first_step(optimizer_or_transform, g, book):
    x0 = np.zeros_like(g)
    return (run_book if book else run_optax)(optimizer_or_transform, lambda x: g, x0, steps=1)


def test_rmsprop_eps_inside_the_root_shrinks_small_gradients():
    g = np.array([1e-2, 1e-4, 1e-6])
    outside = _first_step(optim.rmsprop(0.01, alpha=0.9), g, book=True)
    inside = _first_step(optax.rmsprop(0.01, decay=0.9), g, book=False)
    # first step (v = 0.1 g²): lr·g/(√0.1·|g| + ε) against lr·g/√(0.1 g² + ε), ε = 1e-8
    np.testing.assert_allclose(inside / outside, (np.sqrt(0.1) * g + 1e-8) / np.sqrt(0.1 * g * g + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(inside / outside, [0.9995, 0.3016, 0.00326], rtol=1e-3)
    assert np.allclose(inside, _first_step(conventions.rmsprop_eps_in_sqrt(0.01, alpha=0.9), g, book=True), rtol=1e-14)


def test_rmsprop_defaults_differ_in_the_decay():
    grad_fn, x0 = _problem(0)
    pytorch_defaults = run_book(optim.rmsprop(0.01), grad_fn, x0)
    optax_defaults = run_optax(optax.rmsprop(0.01), grad_fn, x0)
    assert 0.05 < relative_error(pytorch_defaults, optax_defaults) < 1.0


def test_adagrad_defaults_differ():
    g = np.array([0.1, 1.0, 10.0])
    pytorch = _first_step(optim.adagrad(0.1), g, book=True)
    theirs = _first_step(optax.adagrad(0.1), g, book=False)
    # PyTorch: s₀ = 0, first step lr·g/(|g| + 1e-10) = lr·sign(g); optax: s₀ = 0.1, lr·g/√(0.1 + g² + 1e-7)
    np.testing.assert_allclose(pytorch, [-0.1, -0.1, -0.1], rtol=1e-8)
    np.testing.assert_allclose(theirs / pytorch, (g + 1e-10) / np.sqrt(0.1 + g * g + 1e-7), rtol=1e-12)
    assert theirs[0] / pytorch[0] == pytest.approx(0.30151, rel=1e-4)


def test_adamw_weight_decay_defaults_differ_by_a_factor_of_100():
    # zero gradient: only the decay acts, 1 000 steps from 1 at lr = 1e-3
    zero, x0 = (lambda x: np.zeros_like(x)), np.ones(1)
    pytorch = run_book(optim.adamw(1e-3), zero, x0, 1000)[0]
    theirs = run_optax(optax.adamw(1e-3), zero, x0, 1000)[0]
    assert pytorch == pytest.approx((1 - 1e-3 * 0.01) ** 1000, rel=1e-12)  # λ = 0.01
    assert theirs == pytest.approx((1 - 1e-3 * 1e-4) ** 1000, rel=1e-12)  # λ = 1e-4
    assert (1 - pytorch) / (1 - theirs) == pytest.approx(100, rel=1e-2)


def test_amsgrad_differs_in_what_it_takes_the_maximum_of():
    # PyTorch: max of the raw v, then this step's bias correction; optax: max of the bias-corrected v̂. With a
    # constant gradient v̂ stays g² and the two agree; with a shrinking one optax keeps the larger early v̂
    constant, x0 = (lambda x: np.full_like(x, 0.7)), np.zeros(3)
    assert (
        relative_error(
            run_book(optim.adam(0.01, amsgrad=True), constant, x0), run_optax(optax.amsgrad(0.01), constant, x0)
        )
        <= RTOL
    )
    shrinking, x0 = (lambda x: x), np.ones(3)
    ours, theirs = (
        run_book(optim.adam(0.01, amsgrad=True), shrinking, x0),
        run_optax(optax.amsgrad(0.01), shrinking, x0),
    )
    assert np.all(ours < theirs)  # optax's larger denominator: shorter steps towards 0
    assert 0.1 < relative_error(ours, theirs) < 1.0


def test_rmsprop_momentum_differs_once_the_rate_changes():
    # optax multiplies by lr before its momentum trace, PyTorch after: equal at a constant rate, not after a drop
    grad_fn, x0 = _problem(0)
    ours = run_book(optim.rmsprop(schedules.step_decay(0.003, 50, 0.1), alpha=0.9, momentum=0.9), grad_fn, x0)
    theirs = run_optax(
        optax.rmsprop(
            optax.exponential_decay(F64(0.003), 50, F64(0.1), staircase=True),
            decay=0.9,
            eps_in_sqrt=False,
            momentum=0.9,
        ),
        grad_fn,
        x0,
    )
    assert 1e-3 < relative_error(ours, theirs) < 0.1


def test_clipping_differs_by_the_1e_6_in_the_denominator():
    grads = {"w": np.array([3.0, 0.0]), "b": np.array([4.0])}
    ours, norm = optim.clip_by_global_norm(grads, 1.0)
    theirs, _ = optax.clip_by_global_norm(1.0).update({k: jnp.asarray(v) for k, v in grads.items()}, None)
    ratio = ours["b"][0] / float(theirs["b"][0])
    assert norm == 5.0 and ratio == pytest.approx(5.0 / (5.0 + 1e-6), rel=1e-12) and ratio != 1.0


# --- Masks and clipping: optax's mask= and chain(clip_by_global_norm, ...) ------------------------------------------


def _tree_problem(seed=0):
    """The field of ``_problem`` over 6 coordinates, as a dict of a 2×2 "w" and a 2-vector "bias" (numpy in and out)."""
    grad_fn, x0 = _problem(seed)
    split = lambda v: {"w": v[:4].reshape(2, 2), "bias": v[4:]}  # noqa: E731
    join = lambda d: np.concatenate([np.ravel(d["w"]), np.ravel(d["bias"])])  # noqa: E731
    return (lambda x: split(grad_fn(join(x)))), split(x0), join


def run_optax_tree(transform, grad_fn, x0, steps=STEPS):
    params = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in x0.items()}
    state = transform.init(params)
    for _ in range(steps):
        grads = {k: jnp.asarray(v) for k, v in grad_fn({k: np.asarray(p) for k, p in params.items()}).items()}
        updates, state = transform.update(grads, state, params)
        params = optax.apply_updates(params, updates)
    return {k: np.asarray(v) for k, v in params.items()}


NOT_BIAS = {"w": True, "bias": False}

MASKED = {
    "adamw": (
        optim.adamw(0.01, weight_decay=0.5, weight_decay_mask=lambda name: name != "bias"),
        optax.adamw(0.01, weight_decay=0.5, mask=NOT_BIAS),
    ),
    "adamw, mask as a tree": (
        optim.adamw(0.01, weight_decay=0.5, weight_decay_mask={"bias": False, "w": True}),
        optax.adamw(0.01, weight_decay=0.5, mask=NOT_BIAS),
    ),
    "sgd momentum + masked L2": (
        optim.sgd(0.05, momentum=0.8, weight_decay=0.5, weight_decay_mask=NOT_BIAS),
        optax.chain(optax.add_decayed_weights(0.5, mask=NOT_BIAS), optax.sgd(0.05, momentum=0.8)),
    ),
    "adam + masked L2": (
        optim.adam(0.01, weight_decay=0.5, weight_decay_mask=NOT_BIAS),
        optax.chain(optax.add_decayed_weights(0.5, mask=NOT_BIAS), optax.adam(0.01)),
    ),
}


@pytest.mark.parametrize("name", MASKED)
def test_a_weight_decay_mask_equals_optaxs_mask(name):
    grad_fn, x0, join = _tree_problem(4)
    ours, theirs = MASKED[name]
    book_x = join({k: v[-1] for k, v in optim.run(ours, grad_fn, x0, STEPS).x.items()})
    optax_x = join(run_optax_tree(theirs, grad_fn, x0))
    unmasked = join(
        {
            k: v[-1]
            for k, v in optim.run(dataclasses.replace(ours, weight_decay_mask=None), grad_fn, x0, STEPS).x.items()
        }
    )
    assert relative_error(book_x, optax_x) <= RTOL
    assert relative_error(unmasked, optax_x) > 1e-3  # the mask matters at this tolerance


CLIP_RTOL = 1e-6
"""PyTorch scales by max_norm/(‖g‖ + 1e-6), optax by max_norm/‖g‖: the clipped gradients differ by a relative
1e-6/‖g‖ (about 1.2e-7 here, ‖g‖ from 8.2 down to 1) at each clipped step; the end points differ by 2e-8 to 4e-8 of
the distance travelled. The exact rule is checked against PyTorch's in tests/test_optim.py."""


@pytest.mark.parametrize(
    "name, ours, theirs",
    [
        ("sgd momentum", optim.sgd(0.05, momentum=0.9), optax.sgd(0.05, momentum=0.9)),
        ("adamw", optim.adamw(0.05, weight_decay=0.1), optax.adamw(0.05, weight_decay=0.1)),
        ("adam", optim.adam(0.05), optax.adam(0.05)),
    ],
)
def test_clipping_composed_with_an_optimizer_equals_optaxs_chain(name, ours, theirs):
    grad_fn, x0, join = _tree_problem(5)
    trajectory = optim.run(optim.with_clipping(ours, 1.0), grad_fn, x0, STEPS)
    book_x = join({k: v[-1] for k, v in trajectory.x.items()})
    optax_x = join(run_optax_tree(optax.chain(optax.clip_by_global_norm(1.0), theirs), grad_fn, x0))
    unclipped = join(run_optax_tree(theirs, grad_fn, x0))
    assert trajectory.grad_norm[0] > 1.0  # clipped from the first step on (sgd with momentum gets below 1 later)
    assert relative_error(book_x - join(x0), optax_x - join(x0)) <= CLIP_RTOL
    assert relative_error(unclipped - join(x0), optax_x - join(x0)) > 1e-2
