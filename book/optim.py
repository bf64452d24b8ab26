"""Optimizers as pure functions over explicit state, the loop that runs them, Armijo line search and gradient clipping.

An optimizer is a pair of pure functions, ``init(x) -> state`` and ``step(x, g, state) -> (x_new, state_new)``:
nothing is mutated, and the same inputs give the same outputs. The parameters ``x`` are

* an array of any shape; every rule here acts entry by entry, so a leading axis of many starting points costs one
  numpy call per step (an array, a list of numbers or a number is treated as one array), or
* a dict of named arrays (a model's parameters; values may themselves be dicts).

A ``g`` shaped unlike ``x`` is a ``ValueError`` naming both shapes. The :class:`State` holds the number of steps
taken ``t`` and the optimizer's slots under PyTorch's names (``momentum_buffer``, ``sum``, ``square_avg``,
``grad_avg``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``), each a tree shaped like ``x``: the state mirrors it.
The learning rate ``lr`` is a positive number or a schedule: a callable ``t -> lr`` called with ``t = 0`` for the
first step (see :mod:`book.schedules`). Every rule is PyTorch's documented algorithm with its defaults (``torch.optim``
SGD, Adagrad, RMSprop, Adam, AdamW), written for numpy.

>>> opt = sgd(lr=0.1)
>>> x, state = opt.step(np.array([1.0, 1.0]), np.array([2.0, 2.0]), opt.init(np.array([1.0, 1.0])))
>>> x, state.t
(array([0.8, 0.8]), 1)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from book._validate import (
    require_count,
    require_finite_array,
    require_fraction,
    require_function,
    require_nonnegative,
    require_positive,
    require_real_array,
)

__all__ = [
    "Optimizer",
    "State",
    "Trajectory",
    "sgd",
    "adagrad",
    "rmsprop",
    "adam",
    "adamw",
    "run",
    "backtracking_line_search",
    "clip_by_global_norm",
]

Schedule = Callable[[int], float]

# --- Trees: an array, or a dict (list, tuple) of trees ---------------------------------------------------------------


def _leaves(tree: Any, like: Any = None) -> list:
    """The arrays of ``tree`` in the order of ``like``'s keys (``like`` = ``tree`` by default): dicts, lists, tuples."""
    like = tree if like is None else like
    if isinstance(like, dict):
        return [leaf for key in like for leaf in _leaves(tree[key], like[key])]
    if isinstance(like, (list, tuple)):
        return [leaf for item, model in zip(tree, like) for leaf in _leaves(item, model)]
    return [tree]


def _rebuild(like: Any, leaves: Iterator) -> Any:
    """A tree with the structure of ``like`` whose arrays are taken, in order, from ``leaves``."""
    if isinstance(like, dict):
        return {key: _rebuild(value, leaves) for key, value in like.items()}
    if isinstance(like, (list, tuple)):
        return type(like)(_rebuild(item, leaves) for item in like)
    return next(leaves)


def _shapes(tree: Any) -> Any:
    """The tree's structure with each array replaced by its shape: what two trees must share to be combined."""
    if isinstance(tree, dict):
        return {key: _shapes(value) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_shapes(item) for item in tree]
    return np.shape(tree)


def _parameters(name: str, x: Any, finite: bool = False) -> Any:
    """``x`` as an optimizer sees it: a float array, or a dict of them (finite entries only, if asked)."""
    if isinstance(x, dict):
        return {key: _parameters(f"{name}[{key!r}]", value, finite) for key, value in x.items()}
    return require_finite_array(name, x) if finite else require_real_array(name, x)


def _require_like(name: str, tree: Any, x: Any) -> None:
    """Raise ``ValueError`` unless ``tree`` has the structure and shapes of the parameters ``x``."""
    if _shapes(tree) != _shapes(x):
        raise ValueError(f"{name} must have the shape of x: x has shape {_shapes(x)}, {name} has shape {_shapes(tree)}")


def _all_finite(tree: Any) -> bool:
    """True when every entry of every array in ``tree`` is finite."""
    return all(bool(np.all(np.isfinite(leaf))) for leaf in _leaves(tree))


# --- The optimizer and its state ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """An optimizer's state: the optimizer that made it, the steps taken ``t``, and its slots (trees shaped like x)."""

    optimizer: str
    t: int
    slots: dict[str, Any]


@dataclass(frozen=True)
class Optimizer:
    """Pure ``init``/``step`` around ``update(x, g, slots, t, lr) -> (x_new, slots_new)``, the rule for one array.

    ``slots`` maps the name of each array the rule keeps (a moving average, a momentum buffer) to its initial value.
    """

    name: str
    lr: float | Schedule
    slots: dict[str, float]
    update: Callable = field(repr=False)

    def init(self, x: Any) -> State:
        """The state before the first step: t = 0 and every slot filled with its initial value, shaped like x."""
        x = _parameters("x", x)
        def filled(value: float) -> Any:
            return _rebuild(x, iter([np.full(np.shape(leaf), value) for leaf in _leaves(x)]))

        return State(self.name, 0, {name: filled(value) for name, value in self.slots.items()})

    def step(self, x: Any, g: Any, state: State) -> tuple[Any, State]:
        """One step from ``x`` with gradient ``g``: the new parameters and the new state; the inputs are not changed."""
        x, g = _parameters("x", x), _parameters("g", g)
        _require_like("g", g, x)
        self._require_state(state, x)
        lr = _rate(self.lr, state.t)
        names = list(self.slots)
        columns = [_leaves(state.slots[name], x) for name in names]
        results = [self.update(leaf, grad, dict(zip(names, slots)), state.t, lr)
                   for leaf, grad, *slots in zip(_leaves(x), _leaves(g, x), *columns)]
        x_new = _rebuild(x, iter([new for new, _ in results]))
        slots_new = {name: _rebuild(x, iter([slots[name] for _, slots in results])) for name in names}
        return x_new, State(self.name, state.t + 1, slots_new)

    def _require_state(self, state: Any, x: Any) -> None:
        """Raise ``ValueError`` unless ``state`` came from this kind of optimizer's ``init`` for parameters shaped like x."""
        if not isinstance(state, State):
            got = type(state).__name__
        elif state.optimizer != self.name:
            got = f"a state of {state.optimizer}"
        elif list(state.slots) != list(self.slots):
            got = f"a state with slots {list(state.slots)}, not {list(self.slots)}"
        else:
            got = None
        if got is not None:
            raise ValueError(f"state must come from this optimizer's init ({self.name}), got {got}")
        for name in self.slots:
            _require_like(f"state.slots[{name!r}]", state.slots[name], x)


def _learning_rate(lr: Any) -> float | Schedule:
    """``lr`` if it is a schedule (a callable), else ``lr`` as a positive float."""
    if callable(lr):
        return lr
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive number or a schedule (a callable t -> lr), got {lr!r}")
    return float(lr)


def _rate(lr: float | Schedule, t: int) -> float:
    """The learning rate of step t (t = 0 the first): a schedule's value must be finite and >= 0."""
    return require_nonnegative(f"lr({t})", lr(t)) if callable(lr) else lr


def _weight_decay(weight_decay: float, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """g + λx, PyTorch's L2 weight decay (skipped when λ = 0, as PyTorch does)."""
    return g + weight_decay * x if weight_decay else g


# --- The optimizers -------------------------------------------------------------------------------------------------


def sgd(lr: float | Schedule, momentum: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0,
        dampening: float = 0.0) -> Optimizer:
    """PyTorch's SGD: g ← g + λx; b₁ = g₁, b_t = μ b_(t−1) + (1 − τ) g_t; x ← x − lr·b (Nesterov: x ← x − lr·(g + μ b)).

    >>> opt = sgd(0.1, momentum=0.9)
    >>> x, state = opt.step(np.array([1.0]), np.array([1.0]), opt.init(np.array([1.0])))
    >>> x, state.slots["momentum_buffer"]
    (array([0.9]), array([1.]))
    """
    lr = _learning_rate(lr)
    momentum = require_nonnegative("momentum", momentum)
    weight_decay = require_nonnegative("weight_decay", weight_decay)
    dampening = require_nonnegative("dampening", dampening)
    if nesterov and (momentum == 0 or dampening != 0):
        raise ValueError(f"nesterov needs momentum > 0 and dampening = 0, got momentum={momentum!r}, "
                         f"dampening={dampening!r}")

    def update(x, g, slots, t, lr):
        g = _weight_decay(weight_decay, x, g)
        if not momentum:
            return x - lr * g, {}
        b = g.copy() if t == 0 else momentum * slots["momentum_buffer"] + (1 - dampening) * g
        return x - lr * (g + momentum * b if nesterov else b), {"momentum_buffer": b}

    return Optimizer("sgd", lr, {"momentum_buffer": 0.0} if momentum else {}, update)


def adagrad(lr: float | Schedule = 0.01, eps: float = 1e-10, initial_accumulator_value: float = 0.0,
            weight_decay: float = 0.0) -> Optimizer:
    """PyTorch's Adagrad (lr_decay = 0): g ← g + λx; s ← s + g²; x ← x − lr·g/(√s + ε)."""
    lr = _learning_rate(lr)
    eps = require_positive("eps", eps)
    initial = require_nonnegative("initial_accumulator_value", initial_accumulator_value)
    weight_decay = require_nonnegative("weight_decay", weight_decay)

    def update(x, g, slots, t, lr):
        g = _weight_decay(weight_decay, x, g)
        s = slots["sum"] + g * g
        return x - lr * (g / (np.sqrt(s) + eps)), {"sum": s}

    return Optimizer("adagrad", lr, {"sum": initial}, update)


def rmsprop(lr: float | Schedule = 0.01, alpha: float = 0.99, eps: float = 1e-8, momentum: float = 0.0, centered: bool = False,
            weight_decay: float = 0.0) -> Optimizer:
    """PyTorch's RMSprop: v ← αv + (1 − α)g²; ṽ = v (centered: v − ḡ², ḡ ← αḡ + (1 − α)g); x ← x − lr·g/(√ṽ + ε).

    With momentum μ > 0 the step is through a buffer: b ← μb + g/(√ṽ + ε), x ← x − lr·b.
    """
    lr = _learning_rate(lr)
    alpha = require_fraction("alpha", alpha)
    eps = require_positive("eps", eps)
    momentum = require_nonnegative("momentum", momentum)
    weight_decay = require_nonnegative("weight_decay", weight_decay)

    def update(x, g, slots, t, lr):
        g = _weight_decay(weight_decay, x, g)
        new = {"square_avg": alpha * slots["square_avg"] + (1 - alpha) * g * g}
        if centered:
            new["grad_avg"] = alpha * slots["grad_avg"] + (1 - alpha) * g
        denominator = np.sqrt(new["square_avg"] - new["grad_avg"] ** 2 if centered else new["square_avg"]) + eps
        if not momentum:
            return x - lr * (g / denominator), new
        new["momentum_buffer"] = momentum * slots["momentum_buffer"] + g / denominator
        return x - lr * new["momentum_buffer"], new

    slots = {"square_avg": 0.0} | ({"grad_avg": 0.0} if centered else {}) | (
        {"momentum_buffer": 0.0} if momentum else {})
    return Optimizer("rmsprop", lr, slots, update)


def _betas(betas: Any) -> tuple[float, float]:
    """``betas`` as a pair (β₁, β₂) of numbers in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2) of numbers in [0, 1), got {betas!r}")
    return require_fraction("betas[0]", betas[0]), require_fraction("betas[1]", betas[1])


def _adam(name: str, lr: Any, betas: Any, eps: float, weight_decay: float, amsgrad: bool, decoupled: bool) -> Optimizer:
    """Adam with L2 weight decay (g ← g + λx) or, ``decoupled``, AdamW's x ← x(1 − lr·λ) before the Adam step."""
    lr = _learning_rate(lr)
    beta1, beta2 = _betas(betas)
    eps = require_positive("eps", eps)
    weight_decay = require_nonnegative("weight_decay", weight_decay)

    def update(x, g, slots, t, lr):
        if decoupled:
            x = x * (1 - lr * weight_decay)
        else:
            g = _weight_decay(weight_decay, x, g)
        new = {"exp_avg": beta1 * slots["exp_avg"] + (1 - beta1) * g,
               "exp_avg_sq": beta2 * slots["exp_avg_sq"] + (1 - beta2) * g * g}
        # AMSGrad keeps the running maximum of the raw v and bias-corrects it with this step's factor, as PyTorch's
        # implementation and current docs do (its 1.x docs wrote the maximum of the corrected v̂ instead)
        if amsgrad:
            new["max_exp_avg_sq"] = np.maximum(slots["max_exp_avg_sq"], new["exp_avg_sq"])
        bias1, bias2 = 1 - beta1 ** (t + 1), 1 - beta2 ** (t + 1)
        denominator = np.sqrt(new["max_exp_avg_sq"] if amsgrad else new["exp_avg_sq"]) / math.sqrt(bias2) + eps
        return x - (lr / bias1) * (new["exp_avg"] / denominator), new

    slots = {"exp_avg": 0.0, "exp_avg_sq": 0.0} | ({"max_exp_avg_sq": 0.0} if amsgrad else {})
    return Optimizer(name, lr, slots, update)


def adam(lr: float | Schedule = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
         amsgrad: bool = False) -> Optimizer:
    """PyTorch's Adam (weight decay = L2, added to g): m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), x ← x − lr·m̂/(√v̂ + ε).

    The first step is lr·g/(|g| + ε), about lr·sign(g):

    >>> opt = adam(lr=0.1)
    >>> opt.step(np.array([1.0, 1.0]), np.array([3.0, -0.5]), opt.init(np.zeros(2)))[0]
    array([0.9, 1.1])
    """
    return _adam("adam", lr, betas, eps, weight_decay, amsgrad, decoupled=False)


def adamw(lr: float | Schedule = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.01,
          amsgrad: bool = False) -> Optimizer:
    """PyTorch's AdamW: x ← x − lr·λ·x (decoupled, multiplied by lr), then the Adam step with the undecayed g."""
    return _adam("adamw", lr, betas, eps, weight_decay, amsgrad, decoupled=True)


# --- Running an optimizer -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trajectory:
    """A run: the iterates ``x`` stacked along a new first axis (x0 first), f at each (or None), and how it ended.

    For dict parameters ``x`` is a dict of the same keys, each entry stacked: ``x[name][k]`` is ``name`` after k steps.
    """

    x: Any
    f: np.ndarray | None
    diverged: bool
    steps_done: int


def run(optimizer: Optimizer, grad_fn: Callable, x0: Any, steps: int, *, f: Callable | None = None,
        callback: Callable | None = None) -> Trajectory:
    """Up to ``steps`` steps of ``optimizer`` from ``x0`` with gradients ``grad_fn(x)``; stops early when an iterate
    has a non-finite entry (``diverged``, that iterate kept last) or when ``callback(t, x)`` (called after step t) returns True.

    Overflow on the way to a divergence raises no warning. For a leading axis of many starts, one diverging start
    stops them all: run starts that may diverge separately.

    >>> trajectory = run(sgd(0.1), lambda x: 2 * x, np.array([1.0, 1.0]), 2, f=lambda x: float(x @ x))
    >>> trajectory.x, trajectory.f, trajectory.steps_done
    (array([[1.  , 1.  ],
           [0.8 , 0.8 ],
           [0.64, 0.64]]), array([2.    , 1.28  , 0.8192]), 2)
    >>> run(sgd(2.0), lambda x: 1e300 * x, np.array([1.0]), 10).diverged
    True
    """
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizer must be a book.optim optimizer such as sgd(0.1), got {type(optimizer).__name__}")
    require_function("grad_fn", grad_fn)
    for name, value in (("f", f), ("callback", callback)):
        if value is not None:
            require_function(name, value)
    steps = require_count("steps", steps)
    x = _parameters("x0", x0, finite=True)
    state = optimizer.init(x)
    iterates, values = [x], [] if f is None else [f(x)]
    diverged = False
    with np.errstate(all="ignore"):
        while len(iterates) <= steps and not diverged:
            x, state = optimizer.step(x, grad_fn(x), state)
            iterates.append(x)
            if f is not None:
                values.append(f(x))
            diverged = not _all_finite(x)
            if not diverged and callback is not None and callback(state.t, x):
                break
    stacked = _rebuild(x, iter([np.stack(column) for column in zip(*(_leaves(it, x) for it in iterates))]))
    return Trajectory(stacked, None if f is None else np.array(values, dtype=float), diverged, len(iterates) - 1)


# --- Line search and clipping ---------------------------------------------------------------------------------------


def backtracking_line_search(f: Callable, grad_fn: Callable, x: Any, direction: Any, *, alpha0: float = 1.0, rho: float = 0.5,
                             c: float = 1e-4) -> float:
    """The first α in alpha0, alpha0·ρ, alpha0·ρ², … with f(x + αd) <= f(x) + c·α·∇f(x)·d (Armijo's condition).

    ``direction`` must be a descent direction (∇f(x)·d < 0); then a small enough α passes. A trial point where f
    overflows or is NaN is rejected silently.

    >>> backtracking_line_search(lambda x: float(x @ x), lambda x: 2 * x, np.array([1.0]), np.array([-2.0]))
    0.5
    """
    require_function("f", f)
    require_function("grad_fn", grad_fn)
    x = require_finite_array("x", x)
    direction = require_finite_array("direction", direction)
    _require_like("direction", direction, x)
    alpha = require_positive("alpha0", alpha0)
    if not 0 < rho < 1:
        raise ValueError(f"rho must be a number in (0, 1), got {rho!r}")
    if not 0 < c < 1:
        raise ValueError(f"c must be a number in (0, 1), got {c!r}")
    slope = float(np.sum(np.asarray(grad_fn(x), dtype=float) * direction))
    if not slope < 0:
        raise ValueError(f"direction must be a descent direction (∇f(x)·direction < 0), got ∇f(x)·direction = {slope!r}")
    fx = f(x)
    with np.errstate(all="ignore"):
        while not f(x + alpha * direction) <= fx + c * alpha * slope:
            alpha *= rho
    return float(alpha)


def clip_by_global_norm(grads: Any, max_norm: float) -> tuple[Any, float]:
    """PyTorch's ``clip_grad_norm_``: with n the norm of all gradients together, scale them by max_norm/(n + 1e-6)
    when that is below 1. ``grads`` is an array or a list, tuple or dict of arrays; returns (clipped grads, n).

    >>> clipped, norm = clip_by_global_norm({"w": np.array([3.0]), "b": np.array([4.0])}, 1.0)
    >>> {name: np.round(g, 6) for name, g in clipped.items()}, norm
    ({'w': array([0.6]), 'b': array([0.8])}, 5.0)
    """
    max_norm = require_positive("max_norm", max_norm)
    leaves = [require_real_array("grads", leaf) for leaf in _leaves(grads)]
    norm = float(np.linalg.norm([np.linalg.norm(leaf) for leaf in leaves]))
    scale = max_norm / (norm + 1e-6)
    factor = scale if scale < 1 else 1.0
    return _rebuild(grads, iter([leaf * factor for leaf in leaves])), norm
