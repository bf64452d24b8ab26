"""Optimizers as pairs of pure functions over explicit state, and ``run``, the loop every chapter uses.

An optimizer has ``init(x) -> state`` and ``step(x, g, state) -> (x_new, state_new)``. Nothing is mutated and the
same inputs give the same outputs. ``x`` is an array of any shape (a leading axis of many starting points costs one
numpy call per step) or a dict of named arrays (a model's parameters); the state mirrors it.

The update rules are PyTorch's documented algorithms (``torch.optim.SGD``, ``Adagrad``, ``RMSprop``, ``Adam``,
``AdamW``), defaults included. ``lr`` is a positive number or a schedule: a callable ``t -> lr`` called with
``t = 0`` for the first step (see :mod:`book.schedules`).

>>> opt = sgd(lr=0.1)
>>> x, state = np.array([1.0, 1.0]), opt.init(np.array([1.0, 1.0]))
>>> x, state = opt.step(x, 2 * x, state)   # the gradient of x² + y² is [2x, 2y]
>>> x
array([0.8, 0.8])
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from book._validate import require_finite_array

__all__ = [
    "Optimizer",
    "State",
    "Trajectory",
    "adagrad",
    "adam",
    "adamw",
    "backtracking_line_search",
    "clip_by_global_norm",
    "global_norm",
    "rmsprop",
    "run",
    "sgd",
]

Params = np.ndarray | Mapping[str, np.ndarray]
Schedule = Callable[[int], float]
Slots = dict[str, np.ndarray]


# --- parameters: an array, or a dict of named arrays ------------------------------------------------------------


def _leaves(tree: Params) -> dict[str | None, np.ndarray]:
    """The arrays of ``tree`` by name; a single array is the one leaf ``None``."""
    if isinstance(tree, Mapping):
        return {name: np.asarray(value, dtype=float) for name, value in tree.items()}
    return {None: np.asarray(tree, dtype=float)}


def _rebuild(like: Params, leaves: Mapping[str | None, Any]) -> Any:
    """Leaves back in the structure of ``like``: a dict for a dict, the single leaf for an array."""
    return dict(leaves) if isinstance(like, Mapping) else leaves[None]


def _matching_gradient(x: Params, g: Params) -> dict[str | None, np.ndarray]:
    """The leaves of ``g``, after checking that ``g`` has the structure and shapes of ``x``."""
    xs, gs = _leaves(x), _leaves(g)
    if isinstance(x, Mapping) != isinstance(g, Mapping) or xs.keys() != gs.keys():
        raise ValueError(f"g must have the structure of x: x has {_describe(x)}, g has {_describe(g)}")
    for name, value in xs.items():
        if gs[name].shape != value.shape:
            where = "" if name is None else f"[{name!r}]"
            raise ValueError(f"g{where} must have the shape of x{where}: x{where} has shape {value.shape}, "
                             f"g{where} has shape {gs[name].shape}")
    return gs


def _describe(tree: Params) -> str:
    return f"keys {sorted(tree)}" if isinstance(tree, Mapping) else f"shape {np.shape(tree)}"


def _all_finite(tree: Params) -> bool:
    return all(bool(np.all(np.isfinite(leaf))) for leaf in _leaves(tree).values())


# --- hyper-parameters ---------------------------------------------------------------------------------------------


def _real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _learning_rate(lr: float | Schedule) -> Schedule:
    """``lr`` as a schedule ``t -> lr``, after checking a number is positive."""
    if callable(lr):
        return lr
    if not _real(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive number or a schedule (a callable t -> lr), got {lr!r}")
    return lambda t: float(lr)


def _rate_at(schedule: Schedule, t: int) -> float:
    rate = schedule(t)
    if not _real(rate) or rate < 0:
        raise ValueError(f"lr schedule must return a non-negative number, got {rate!r} at t = {t}")
    return float(rate)


def _nonnegative(name: str, value: Any) -> float:
    if not _real(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    return float(value)


def _positive(name: str, value: Any) -> float:
    if not _real(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _decay_rate(name: str, value: Any) -> float:
    if not _real(value) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _betas(betas: Any) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2) of numbers in [0, 1), got {betas!r}")
    return _decay_rate("betas[0]", betas[0]), _decay_rate("betas[1]", betas[1])


# --- the optimizer object -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """An optimizer's state: its name, the number ``t`` of steps taken, and per-parameter slot arrays."""

    optimizer: str
    t: int
    slots: Any  # a dict of slot arrays, or for dict parameters a dict of those per parameter name


LeafUpdate = Callable[[np.ndarray, np.ndarray, Slots, int, float], tuple[np.ndarray, Slots]]


@dataclass(frozen=True)
class Optimizer:
    """``init(x) -> State`` and ``step(x, g, state) -> (x_new, state_new)``, pure."""

    name: str
    slot_init: Callable[[np.ndarray], Slots] = field(repr=False)
    leaf_update: LeafUpdate = field(repr=False)
    lr: Schedule = field(repr=False)

    def init(self, x: Params) -> State:
        """The state before the first step: ``t = 0`` and the slots for each array of ``x``."""
        leaves = _leaves(x)
        return State(self.name, 0, _rebuild(x, {k: self.slot_init(v) for k, v in leaves.items()}))

    def step(self, x: Params, g: Params, state: State) -> tuple[Params, State]:
        """One update of ``x`` with gradient ``g``; returns the new parameters and the new state."""
        if not isinstance(state, State) or state.optimizer != self.name:
            found = state.optimizer if isinstance(state, State) else type(state).__name__
            raise ValueError(f"state must come from this optimizer's init ({self.name}), got a state of {found}")
        xs, gs = _leaves(x), _matching_gradient(x, g)
        slots = state.slots if isinstance(x, Mapping) else {None: state.slots}
        rate = _rate_at(self.lr, state.t)
        new_x, new_slots = {}, {}
        for name in xs:
            new_x[name], new_slots[name] = self.leaf_update(xs[name], gs[name], slots[name], state.t, rate)
        return _rebuild(x, new_x), State(self.name, state.t + 1, _rebuild(x, new_slots))


def _no_slots(x: np.ndarray) -> Slots:
    return {}


def _zeros(*names: str, fill: float = 0.0) -> Callable[[np.ndarray], Slots]:
    return lambda x: {name: np.full_like(x, fill) for name in names}


# --- the optimizers -------------------------------------------------------------------------------------------------


def sgd(lr: float | Schedule, momentum: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0,
        dampening: float = 0.0) -> Optimizer:
    """Gradient descent with PyTorch's momentum: b ← μ b + (1 − τ) g (b = g at the first step), x ← x − η b.

    With ``nesterov`` the step uses g + μ b instead of b; ``weight_decay`` λ adds λ x to the gradient (L2).

    >>> x, state = sgd(lr=0.1, momentum=0.9).step(np.array([1.0]), np.array([1.0]), sgd(0.1, 0.9).init(np.ones(1)))
    >>> x
    array([0.9])
    """
    schedule = _learning_rate(lr)
    mu, decay, tau = _nonnegative("momentum", momentum), _nonnegative("weight_decay", weight_decay), _nonnegative(
        "dampening", dampening)
    if nesterov and (mu == 0 or tau != 0):
        raise ValueError(f"nesterov needs momentum > 0 and dampening = 0, got momentum={momentum!r}, "
                         f"dampening={dampening!r}")

    def update(x, g, slots, t, rate):
        g = g + decay * x if decay else g
        if mu == 0:
            return x - rate * g, slots
        buffer = g if t == 0 else mu * slots["momentum_buffer"] + (1 - tau) * g
        direction = g + mu * buffer if nesterov else buffer
        return x - rate * direction, {"momentum_buffer": buffer}

    return Optimizer("sgd", _zeros("momentum_buffer") if mu else _no_slots, update, schedule)


def adagrad(lr: float | Schedule = 0.01, eps: float = 1e-10, initial_accumulator_value: float = 0.0,
            weight_decay: float = 0.0) -> Optimizer:
    """AdaGrad: s ← s + g², x ← x − η g / (√s + ε), per coordinate."""
    schedule = _learning_rate(lr)
    eps = _positive("eps", eps)
    start = _nonnegative("initial_accumulator_value", initial_accumulator_value)
    decay = _nonnegative("weight_decay", weight_decay)

    def update(x, g, slots, t, rate):
        g = g + decay * x if decay else g
        total = slots["sum"] + g * g
        return x - rate * g / (np.sqrt(total) + eps), {"sum": total}

    return Optimizer("adagrad", _zeros("sum", fill=start), update, schedule)


def rmsprop(lr: float | Schedule = 0.01, alpha: float = 0.99, eps: float = 1e-8, momentum: float = 0.0,
            centered: bool = False, weight_decay: float = 0.0) -> Optimizer:
    """RMSProp: v ← α v + (1 − α) g², x ← x − η g / (√v + ε); ``centered`` subtracts the mean gradient squared."""
    schedule = _learning_rate(lr)
    alpha, eps = _decay_rate("alpha", alpha), _positive("eps", eps)
    mu, decay = _nonnegative("momentum", momentum), _nonnegative("weight_decay", weight_decay)
    names = ("square_avg",) + (("grad_avg",) if centered else ()) + (("momentum_buffer",) if mu else ())

    def update(x, g, slots, t, rate):
        g = g + decay * x if decay else g
        new = {"square_avg": alpha * slots["square_avg"] + (1 - alpha) * g * g}
        variance = new["square_avg"]
        if centered:
            new["grad_avg"] = alpha * slots["grad_avg"] + (1 - alpha) * g
            variance = variance - new["grad_avg"] ** 2
        direction = g / (np.sqrt(variance) + eps)
        if mu:
            new["momentum_buffer"] = direction = mu * slots["momentum_buffer"] + direction
        return x - rate * direction, new

    return Optimizer("rmsprop", _zeros(*names), update, schedule)


def _adam(name: str, lr: float | Schedule, betas: Any, eps: float, weight_decay: float, amsgrad: bool,
          decoupled: bool) -> Optimizer:
    """Adam's update, with weight decay as L2 (added to g) or decoupled (x ← x − η λ x first, as AdamW)."""
    schedule = _learning_rate(lr)
    beta1, beta2 = _betas(betas)
    eps, decay = _positive("eps", eps), _nonnegative("weight_decay", weight_decay)
    names = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())

    def update(x, g, slots, t, rate):
        if decay and decoupled:
            x = x * (1 - rate * decay)
        elif decay:
            g = g + decay * x
        steps = t + 1
        new = {"exp_avg": beta1 * slots["exp_avg"] + (1 - beta1) * g,
               "exp_avg_sq": beta2 * slots["exp_avg_sq"] + (1 - beta2) * g * g}
        second = new["exp_avg_sq"]
        if amsgrad:
            new["max_exp_avg_sq"] = second = np.maximum(slots["max_exp_avg_sq"], second)
        denominator = np.sqrt(second) / math.sqrt(1 - beta2**steps) + eps
        return x - (rate / (1 - beta1**steps)) * new["exp_avg"] / denominator, new

    return Optimizer(name, _zeros(*names), update, schedule)


def adam(lr: float | Schedule = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
         weight_decay: float = 0.0, amsgrad: bool = False) -> Optimizer:
    """Adam (PyTorch's form): bias-corrected moments, x ← x − η m̂ / (√v̂ + ε); ``weight_decay`` is L2.

    The first step is η g / (|g| + ε), about η·sign(g):

    >>> opt = adam(lr=0.1)
    >>> opt.step(np.array([1.0, 1.0]), np.array([3.0, -0.5]), opt.init(np.zeros(2)))[0]
    array([0.9, 1.1])
    """
    return _adam("adam", lr, betas, eps, weight_decay, amsgrad, decoupled=False)


def adamw(lr: float | Schedule = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
          weight_decay: float = 0.01, amsgrad: bool = False) -> Optimizer:
    """AdamW (PyTorch's form): x ← x − η λ x (decoupled decay, scaled by the learning rate), then Adam's step."""
    return _adam("adamw", lr, betas, eps, weight_decay, amsgrad, decoupled=True)


# --- gradient clipping -----------------------------------------------------------------------------------------------


def global_norm(grads: Any) -> float:
    """√(sum of squares of every entry) of an array or a list/tuple/dict of arrays."""
    return math.sqrt(sum(float(np.sum(np.square(leaf))) for leaf in _grad_leaves(grads)))


def _grad_leaves(grads: Any) -> list[np.ndarray]:
    if isinstance(grads, Mapping):
        return [np.asarray(v, dtype=float) for v in grads.values()]
    if isinstance(grads, (list, tuple)):
        return [np.asarray(v, dtype=float) for v in grads]
    return [np.asarray(grads, dtype=float)]


def clip_by_global_norm(grads: Any, max_norm: float) -> tuple[Any, float]:
    """PyTorch's ``clip_grad_norm_`` rule: scale by max_norm / (norm + 1e-6) when that is below 1; returns (grads, norm).

    >>> clipped, norm = clip_by_global_norm({"w": np.array([3.0, 4.0])}, max_norm=1.0)
    >>> norm, np.round(clipped["w"], 6)
    (5.0, array([0.6, 0.8]))
    """
    limit = _positive("max_norm", max_norm)
    norm = global_norm(grads)
    factor = min(1.0, limit / (norm + 1e-6))

    def scaled(leaf):
        return np.asarray(leaf, dtype=float) * factor

    if isinstance(grads, Mapping):
        return {name: scaled(value) for name, value in grads.items()}, norm
    if isinstance(grads, (list, tuple)):
        return type(grads)(scaled(value) for value in grads), norm
    return scaled(grads), norm


# --- running an optimizer ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trajectory:
    """The iterates of a run: ``x`` stacks x0 and every iterate on a leading axis (a dict of such stacks for dict
    parameters); ``f`` holds f at each iterate when ``run`` was given ``f``; ``diverged`` says the run stopped at a
    non-finite iterate (the last one stored)."""

    x: Any
    f: np.ndarray | None
    diverged: bool
    steps_done: int


def _stack(iterates: list[Params]) -> Any:
    if isinstance(iterates[0], Mapping):
        return {name: np.stack([x[name] for x in iterates]) for name in iterates[0]}
    return np.stack(iterates)


def run(optimizer: Optimizer, grad_fn: Callable[[Params], Params], x0: Params, steps: int, *,
        f: Callable[[Params], Any] | None = None, callback: Callable[[int, Params], Any] | None = None) -> Trajectory:
    """Apply ``optimizer`` for ``steps`` steps from ``x0``, with gradients from ``grad_fn(x)``.

    A non-finite iterate ends the run with ``diverged=True`` (no exception, no overflow warnings). ``callback(t, x)``
    is called after step t (1, 2, ...) with the new iterate; if it returns a true value the run stops there.

    >>> trajectory = run(sgd(lr=0.25), lambda x: 2 * x, np.array([1.0, 1.0]), steps=3, f=lambda x: np.sum(x**2))
    >>> trajectory.x[-1], trajectory.f, trajectory.diverged, trajectory.steps_done
    (array([0.125, 0.125]), array([2.     , 0.5    , 0.125  , 0.03125]), False, 3)
    """
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizer must be an optimizer such as sgd(lr=0.1), got {type(optimizer).__name__}")
    if not callable(grad_fn):
        raise ValueError(f"grad_fn must be a callable returning the gradient at x, got {type(grad_fn).__name__}")
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    if f is not None and not callable(f):
        raise ValueError(f"f must be a callable returning the objective at x, got {type(f).__name__}")
    x = _rebuild(x0, {name: require_finite_array("x0" if name is None else f"x0[{name!r}]", leaf)
                      for name, leaf in _leaves(x0).items()})
    iterates, diverged = [x], False
    state = optimizer.init(x)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(1, steps + 1):
            x, state = optimizer.step(x, grad_fn(x), state)
            iterates.append(x)
            if not _all_finite(x):
                diverged = True
                break
            if callback is not None and callback(t, x):
                break
        values = None if f is None else np.asarray([f(point) for point in iterates], dtype=float)
    return Trajectory(_stack(iterates), values, diverged, len(iterates) - 1)


def backtracking_line_search(f: Callable, grad_fn: Callable, x: np.ndarray, direction: np.ndarray, *,
                             alpha0: float = 1.0, rho: float = 0.5, c: float = 1e-4, max_halvings: int = 60) -> float:
    """Armijo backtracking: the first α = α₀ ρᵏ with f(x + α d) ≤ f(x) + c α ∇f(x)·d.

    >>> backtracking_line_search(lambda x: float(x @ x), lambda x: 2 * x, np.array([1.0]), np.array([-2.0]))
    0.5
    """
    alpha, rho, c = _positive("alpha0", alpha0), _decay_rate("rho", rho), _decay_rate("c", c)
    if rho == 0 or c == 0:
        raise ValueError(f"rho and c must be in (0, 1), got rho={rho!r}, c={c!r}")
    point = require_finite_array("x", x)
    step = np.asarray(direction, dtype=float)
    if step.shape != point.shape:
        raise ValueError(f"direction must have the shape of x: x has shape {point.shape}, direction has {step.shape}")
    slope = float(np.sum(np.asarray(grad_fn(point), dtype=float) * step))
    if slope >= 0:
        raise ValueError(f"direction must be a descent direction (∇f(x)·direction < 0), got {slope:.3g}")
    start = float(f(point))
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(max_halvings):
            if float(f(point + alpha * step)) <= start + c * alpha * slope:
                return alpha
            alpha *= rho
    return alpha
