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

Two pieces compose with any rule, as PyTorch's parameter groups and ``clip_grad_norm_`` (or optax's ``mask`` and
``chain(clip_by_global_norm(c), ...)``) do: ``weight_decay_mask`` chooses which parameters are decayed (a tree of
booleans shaped like x, or a function of a parameter's name such as ``"block0.ln1.gain"``), and
:func:`with_clipping` scales each gradient to a global norm of at most ``max_norm`` before the step.
:func:`run` checks its arguments once, then steps; it can keep every iterate, every k-th or only the last.

>>> opt = sgd(lr=0.1)
>>> x, state = opt.step(np.array([1.0, 1.0]), np.array([2.0, 2.0]), opt.init(np.array([1.0, 1.0])))
>>> x, state.t
(array([0.8, 0.8]), 1)
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from book._validate import (
    require_betas,
    require_callable,
    require_count,
    require_finite_array,
    require_fraction,
    require_lr,
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
    "with_clipping",
    "run",
    "backtracking_line_search",
    "clip_by_global_norm",
    "global_norm",
    "rate_at",
]

Schedule = Callable[[int], float]

MAX_HALVINGS = 100
"""How many times :func:`backtracking_line_search` halves (multiplies by ρ) a trial step before it gives up."""

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


def _names(tree: Any, prefix: str = "") -> list[str]:
    """Each array's name, in leaf order: the keys on its path joined by "." (``"block0.ln1.gain"``); "" for an array."""
    if isinstance(tree, dict):
        return [name for key, value in tree.items() for name in _names(value, f"{prefix}{key}.")]
    if isinstance(tree, (list, tuple)):
        return [name for i, value in enumerate(tree) for name in _names(value, f"{prefix}{i}.")]
    return [prefix[:-1]]


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


def _all_finite(leaves: list) -> bool:
    """True when every entry of every array in ``leaves`` is finite (a finite sum of squares proves it at once)."""
    for leaf in leaves:
        if not math.isfinite(_square_sum(leaf)) and not np.isfinite(leaf).all():
            return False
    return True


def _square_sum(leaf: Any) -> float:
    """Σ leaf² over every entry, as ``np.linalg.norm`` sums it (one BLAS dot product; threaded above 10 000 entries)."""
    flat = leaf.ravel(order="K")
    return float(flat.dot(flat))


def global_norm(tree: Any) -> float:
    """‖g‖ of all arrays of ``tree`` (an array, or a list, tuple or dict of arrays) together: √(Σ over entries g²).

    >>> global_norm({"w": np.array([3.0]), "b": np.array([[4.0]])})
    5.0
    """
    return _global_norm([require_real_array("tree", leaf) for leaf in _leaves(tree)])


def _global_norm(leaves: list) -> float:
    """The norm of the arrays ``leaves`` together (computed as the norm of their norms, as PyTorch's clipping does)."""
    if len(leaves) == 1:
        return math.sqrt(_square_sum(leaves[0]))
    return float(np.linalg.norm([math.sqrt(_square_sum(leaf)) for leaf in leaves]))


def _clip_factor(norm: float, max_norm: float) -> float:
    """PyTorch's ``clip_grad_norm_`` factor: max_norm/(norm + 1e-6) when that is below 1, else 1."""
    scale = max_norm / (norm + 1e-6)
    return scale if scale < 1 else 1.0


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
    Before ``update`` the step clips g to global norm ``max_norm`` (None: no clipping), then applies weight decay λ
    to the parameters ``weight_decay_mask`` selects: g ← g + λx (L2), or x ← x(1 − lr·λ) if ``decoupled_weight_decay``.
    """

    name: str
    lr: float | Schedule
    slots: dict[str, float]
    update: Callable = field(repr=False)
    weight_decay: float = 0.0
    decoupled_weight_decay: bool = False
    weight_decay_mask: Any = None
    max_norm: float | None = None

    def init(self, x: Any) -> State:
        """The state before the first step: t = 0 and every slot filled with its initial value, shaped like x."""
        x = _parameters("x", x)
        return State(self.name, 0, self._slot_trees(x, self._initial_slots(_leaves(x))))

    def step(self, x: Any, g: Any, state: State) -> tuple[Any, State]:
        """One step from ``x`` with gradient ``g``: the new parameters and the new state; the inputs are not changed."""
        x, g = _parameters("x", x), _parameters("g", g)
        _require_like("g", g, x)
        self._require_state(state, x)
        leaves, grads = _leaves(x), _leaves(g, x)
        columns = [_leaves(state.slots[name], x) for name in self.slots]
        slots = [{name: column[i] for name, column in zip(self.slots, columns)} for i in range(len(leaves))]
        norm = _global_norm(grads) if self.max_norm is not None else math.nan
        new, slots = self._apply(leaves, grads, slots, state.t, self._decays(x), norm)
        return _rebuild(x, iter(new)), State(self.name, state.t + 1, self._slot_trees(x, slots))

    def _apply(
        self, leaves: list, grads: list, slots: list[dict], t: int, decays: list, norm: float
    ) -> tuple[list, list]:
        """The step on checked leaves: clip (``norm`` is the gradient's global norm), decay, then the rule on each
        leaf."""
        if self.max_norm is not None:
            factor = _clip_factor(norm, self.max_norm)
            if factor < 1:
                grads = [g * factor for g in grads]
        lr = rate_at(self.lr, t)
        if len(leaves) == 1:  # an array: no tree to walk
            x, slot = self._leaf_step(leaves[0], grads[0], slots[0], decays[0], t, lr)
            return [x], [slot]
        results = [self._leaf_step(*arguments, t, lr) for arguments in zip(leaves, grads, slots, decays)]
        return [x for x, _ in results], [slot for _, slot in results]

    def _leaf_step(self, x: np.ndarray, g: np.ndarray, slots: dict, decay: Any, t: int, lr: float) -> tuple:
        """Weight decay ``decay`` (None: none; a number or an array of λ's) on one leaf, then the rule."""
        if decay is not None:
            if self.decoupled_weight_decay:
                x = x * (1 - lr * decay)
            else:
                g = g + decay * x
        return self.update(x, g, slots, t, lr)

    def _initial_slots(self, leaves: list) -> list[dict]:
        """For each leaf, its slots filled with their initial values."""
        return [{name: np.full(np.shape(leaf), value) for name, value in self.slots.items()} for leaf in leaves]

    def _slot_trees(self, x: Any, slots: list[dict]) -> dict[str, Any]:
        """Per-leaf slots regrouped as one tree shaped like x per slot name, as :class:`State` holds them."""
        return {name: _rebuild(x, iter([leaf[name] for leaf in slots])) for name in self.slots}

    def _decays(self, x: Any) -> list:
        """For each leaf of x, the weight decay applied to it: None (none), λ, or an array of λ's and zeros (a mask)."""
        masks = _mask_leaves(self.weight_decay_mask, x)  # checked whatever λ is
        if not self.weight_decay:
            return [None] * len(masks)
        return [
            (self.weight_decay if mask else None) if isinstance(mask, bool) else self.weight_decay * mask
            for mask in masks
        ]

    def _require_state(self, state: Any, x: Any) -> None:
        """Raise ``ValueError`` unless ``state`` came from this kind of optimizer's ``init`` for parameters shaped
        like x."""
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


MASK_EXPECTED = (
    "a tree of booleans shaped like x (True, False or a boolean array of the parameter's shape for each "
    "parameter) or a function of the parameter's name returning True or False"
)


def _weight_decay_mask(mask: Any) -> Any:
    """``mask`` if it is None, a function or a tree (its shape is checked against x in ``init``/``run``)."""
    if mask is None or callable(mask) or isinstance(mask, (bool, np.bool_, np.ndarray, dict)):
        return mask
    raise ValueError(f"weight_decay_mask must be {MASK_EXPECTED}, got {type(mask).__name__}")


def _mask_leaves(mask: Any, x: Any) -> list:
    """For each leaf of x (in x's order), True, False or a boolean array: whether weight decay applies to it."""
    names, leaves = _names(x), _leaves(x)
    if mask is None:
        return [True] * len(leaves)
    if callable(mask):
        masks = [mask(name) for name in names]
        for name, value in zip(names, masks):
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(f"weight_decay_mask({name!r}) must return True or False, got {value!r}")
        return [bool(value) for value in masks]
    if not _mask_fits(mask, x):
        raise ValueError(
            f"weight_decay_mask must be {MASK_EXPECTED}: x has shape {_shapes(x)}, "
            f"weight_decay_mask is {_mask_description(mask)}"
        )
    return [value if isinstance(value, np.ndarray) else bool(value) for value in _leaves(mask, x)]


def _mask_fits(mask: Any, x: Any) -> bool:
    """True when ``mask`` has x's keys and, for each array of x, True, False or a boolean array of its shape."""
    if isinstance(x, dict):
        return isinstance(mask, dict) and mask.keys() == x.keys() and all(_mask_fits(mask[key], x[key]) for key in x)
    if isinstance(mask, np.ndarray):
        return mask.dtype == bool and mask.shape == np.shape(x)
    return isinstance(mask, (bool, np.bool_))


def _mask_description(mask: Any) -> Any:
    """The mask's structure for an error message: booleans as they are, arrays by dtype and shape, others by type."""
    if isinstance(mask, dict):
        return {key: _mask_description(value) for key, value in mask.items()}
    if isinstance(mask, (bool, np.bool_)):
        return bool(mask)
    if isinstance(mask, np.ndarray):
        return f"{mask.dtype} array of shape {mask.shape}"
    return type(mask).__name__


def rate_at(lr: float | Schedule, t: int) -> float:
    """The learning rate of step t (t = 0 the first) for a constant or a schedule, whose value must be finite and >=
    0."""
    return require_nonnegative(f"lr({t})", lr(t)) if callable(lr) else lr


def _decay(weight_decay: float, weight_decay_mask: Any, decoupled: bool = False) -> dict[str, Any]:
    """The weight-decay fields of an :class:`Optimizer`, checked: λ >= 0 and a mask (see ``_weight_decay_mask``)."""
    return {
        "weight_decay": require_nonnegative("weight_decay", weight_decay),
        "decoupled_weight_decay": decoupled,
        "weight_decay_mask": _weight_decay_mask(weight_decay_mask),
    }


# --- The optimizers -------------------------------------------------------------------------------------------------


def sgd(
    lr: float | Schedule,
    momentum: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    dampening: float = 0.0,
    weight_decay_mask: Any = None,
) -> Optimizer:
    """PyTorch's SGD: g ← g + λx; b₁ = g₁, b_t = β b_(t−1) + (1 − τ) g_t; x ← x − lr·b (Nesterov: x ← x − lr·(g + β b)).

    >>> opt = sgd(0.1, momentum=0.9)
    >>> x, state = opt.step(np.array([1.0]), np.array([1.0]), opt.init(np.array([1.0])))
    >>> x, state.slots["momentum_buffer"]
    (array([0.9]), array([1.]))
    """
    lr = require_lr(lr)
    momentum = require_nonnegative("momentum", momentum)
    decay = _decay(weight_decay, weight_decay_mask)
    dampening = require_nonnegative("dampening", dampening)
    if nesterov and (momentum == 0 or dampening != 0):
        raise ValueError(
            f"nesterov needs momentum > 0 and dampening = 0, got momentum={momentum!r}, dampening={dampening!r}"
        )

    def update(x, g, slots, t, lr):
        if not momentum:
            return x - lr * g, {}
        b = g.copy() if t == 0 else momentum * slots["momentum_buffer"] + (1 - dampening) * g
        return x - lr * (g + momentum * b if nesterov else b), {"momentum_buffer": b}

    return Optimizer("sgd", lr, {"momentum_buffer": 0.0} if momentum else {}, update, **decay)


def adagrad(
    lr: float | Schedule = 0.01,
    eps: float = 1e-10,
    initial_accumulator_value: float = 0.0,
    weight_decay: float = 0.0,
    weight_decay_mask: Any = None,
) -> Optimizer:
    """PyTorch's Adagrad (lr_decay = 0): g ← g + λx; s ← s + g²; x ← x − lr·g/(√s + ε_opt)."""
    lr = require_lr(lr)
    eps = require_positive("eps", eps)
    initial = require_nonnegative("initial_accumulator_value", initial_accumulator_value)
    decay = _decay(weight_decay, weight_decay_mask)

    def update(x, g, slots, t, lr):
        s = slots["sum"] + g * g
        return x - lr * (g / (np.sqrt(s) + eps)), {"sum": s}

    return Optimizer("adagrad", lr, {"sum": initial}, update, **decay)


def rmsprop(
    lr: float | Schedule = 0.01,
    alpha: float = 0.99,
    eps: float = 1e-8,
    momentum: float = 0.0,
    centered: bool = False,
    weight_decay: float = 0.0,
    weight_decay_mask: Any = None,
) -> Optimizer:
    """PyTorch's RMSprop: v ← αv + (1 − α)g²; ṽ = v (centered: v − ḡ², ḡ ← αḡ + (1 − α)g);
    x ← x − lr·g/(√ṽ + ε_opt).

    With momentum β > 0 the step is through a buffer: b ← βb + g/(√ṽ + ε_opt), x ← x − lr·b.
    """
    lr = require_lr(lr)
    alpha = require_fraction("alpha", alpha)
    eps = require_positive("eps", eps)
    momentum = require_nonnegative("momentum", momentum)
    decay = _decay(weight_decay, weight_decay_mask)

    def update(x, g, slots, t, lr):
        new = {"square_avg": alpha * slots["square_avg"] + (1 - alpha) * g * g}
        if centered:
            new["grad_avg"] = alpha * slots["grad_avg"] + (1 - alpha) * g
        denominator = np.sqrt(new["square_avg"] - new["grad_avg"] ** 2 if centered else new["square_avg"]) + eps
        if not momentum:
            return x - lr * (g / denominator), new
        new["momentum_buffer"] = momentum * slots["momentum_buffer"] + g / denominator
        return x - lr * new["momentum_buffer"], new

    slots = (
        {"square_avg": 0.0} | ({"grad_avg": 0.0} if centered else {}) | ({"momentum_buffer": 0.0} if momentum else {})
    )
    return Optimizer("rmsprop", lr, slots, update, **decay)


def _adam(name: str, lr: Any, betas: Any, eps: float, amsgrad: bool, decay: dict[str, Any]) -> Optimizer:
    """Adam; ``decay`` says how weight decay enters (L2 in g, or AdamW's decoupled x ← x(1 − lr·λ) before the step)."""
    lr = require_lr(lr)
    beta1, beta2 = require_betas(betas)
    eps = require_positive("eps", eps)

    def update(x, g, slots, t, lr):
        new = {
            "exp_avg": beta1 * slots["exp_avg"] + (1 - beta1) * g,
            "exp_avg_sq": beta2 * slots["exp_avg_sq"] + (1 - beta2) * g * g,
        }
        # AMSGrad keeps the running maximum of the raw v and bias-corrects it with this step's factor, as PyTorch's
        # implementation and current docs do (its 1.x docs wrote the maximum of the corrected v̂ instead)
        if amsgrad:
            new["max_exp_avg_sq"] = np.maximum(slots["max_exp_avg_sq"], new["exp_avg_sq"])
        bias1, bias2 = 1 - beta1 ** (t + 1), 1 - beta2 ** (t + 1)
        denominator = np.sqrt(new["max_exp_avg_sq"] if amsgrad else new["exp_avg_sq"]) / math.sqrt(bias2) + eps
        return x - (lr / bias1) * (new["exp_avg"] / denominator), new

    slots = {"exp_avg": 0.0, "exp_avg_sq": 0.0} | ({"max_exp_avg_sq": 0.0} if amsgrad else {})
    return Optimizer(name, lr, slots, update, **decay)


def adam(
    lr: float | Schedule = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    weight_decay_mask: Any = None,
) -> Optimizer:
    """PyTorch's Adam (weight decay = L2, added to g): m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), x ← x − lr·m̂/(√v̂ + ε_opt).

    The first step is lr·g/(|g| + ε_opt), about lr·sign(g):

    >>> opt = adam(lr=0.1)
    >>> opt.step(np.array([1.0, 1.0]), np.array([3.0, -0.5]), opt.init(np.zeros(2)))[0]
    array([0.9, 1.1])
    """
    return _adam("adam", lr, betas, eps, amsgrad, _decay(weight_decay, weight_decay_mask))


def adamw(
    lr: float | Schedule = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.01,
    amsgrad: bool = False,
    weight_decay_mask: Any = None,
) -> Optimizer:
    """PyTorch's AdamW: x ← x − lr·λ·x (decoupled, multiplied by lr), then the Adam step with the undecayed g.

    A mask decays only some parameters, as PyTorch's parameter groups do (here: not the biases):

    >>> opt = adamw(lr=0.1, weight_decay=0.5, weight_decay_mask=lambda name: not name.endswith("bias"))
    >>> x = {"layer": {"weight": np.array([1.0]), "bias": np.array([1.0])}}
    >>> opt.step(x, {"layer": {"weight": np.zeros(1), "bias": np.zeros(1)}}, opt.init(x))[0]
    {'layer': {'weight': array([0.95]), 'bias': array([1.])}}
    """
    return _adam("adamw", lr, betas, eps, amsgrad, _decay(weight_decay, weight_decay_mask, decoupled=True))


def with_clipping(optimizer: Optimizer, max_norm: float) -> Optimizer:
    """``optimizer`` whose every step first scales g by max_norm/(‖g‖ + 1e-6) when that is below 1 (‖g‖ the global
    norm of all gradients together): PyTorch's ``clip_grad_norm_`` between backward and step, optax's
    ``chain(clip_by_global_norm(max_norm), optimizer)``. :func:`run` records ‖g‖ before clipping.

    >>> opt = with_clipping(sgd(1.0), max_norm=1.0)
    >>> np.round(opt.step(np.zeros(2), np.array([3.0, 4.0]), opt.init(np.zeros(2)))[0], 6)
    array([-0.6, -0.8])
    """
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizer must be a book.optim optimizer such as sgd(0.1), got {type(optimizer).__name__}")
    return dataclasses.replace(optimizer, max_norm=require_positive("max_norm", max_norm))


# --- Running an optimizer -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trajectory:
    """A run: the kept iterates ``x`` stacked along a new first axis (x0 first, the last iterate last) and the step
    ``t[i]`` of each, how it ended, and two records taken at every step whatever was kept:

    * ``f[k]`` = f(x_k) for k = 0..steps_done, when ``run`` was given ``f`` (else None);
    * ``grad_norm[k]`` = ‖g_k‖, the global norm of the gradient ``grad_fn`` returned at x_k, before any clipping
      (k = 0..steps_done − 1; over every entry, so over every start of a batch);
    * ``loss[k]``, the loss ``grad_fn`` returned with g_k when run with ``returns_loss=True`` (else None): for a
      mini-batch gradient, that batch's loss.

    For dict parameters ``x`` is a dict of the same keys, each entry stacked: ``x[name][i]`` is ``name`` after
    ``t[i]`` steps.
    """

    x: Any
    f: np.ndarray | None
    diverged: bool
    steps_done: int
    t: np.ndarray | None = None
    grad_norm: np.ndarray | None = None
    loss: np.ndarray | None = None


def _every(keep: Any) -> int:
    """How often ``run`` keeps an iterate: every k-th step (``"all"``: k = 1), or 0 for only x0 and the last."""
    if isinstance(keep, str) and keep in ("all", "last"):
        return 1 if keep == "all" else 0
    if isinstance(keep, numbers.Integral) and not isinstance(keep, bool) and keep >= 1:
        return int(keep)
    raise ValueError(f"keep must be 'all', 'last' or a positive integer k (every k-th iterate), got {keep!r}")


_FLOAT = np.dtype(float)


def _gradient_leaves(g: Any, x: Any) -> list:
    """The leaves of ``g`` in x's order, checked: a float array shaped like an array x passes as it is."""
    if type(g) is np.ndarray and g.dtype is _FLOAT and type(x) is np.ndarray and g.shape == x.shape:
        return [g]
    g = _parameters("g", g)
    _require_like("g", g, x)
    return _leaves(g, x)


def _split_loss(output: Any) -> tuple[Any, Any]:
    """(loss, gradient) from what ``grad_fn`` returned when run with ``returns_loss=True``."""
    if not (isinstance(output, tuple) and len(output) == 2):
        raise ValueError(
            f"grad_fn must return a pair (loss, gradient) when returns_loss is True, got {type(output).__name__}"
        )
    return output


def run(
    optimizer: Optimizer,
    grad_fn: Callable,
    x0: Any,
    steps: int,
    *,
    f: Callable | None = None,
    callback: Callable | None = None,
    keep: str | int = "all",
    returns_loss: bool = False,
) -> Trajectory:
    """Up to ``steps`` steps of ``optimizer`` from ``x0`` with gradients ``grad_fn(x)``; stops early when an iterate
    has a non-finite entry (``diverged``, that iterate kept last) or when ``callback(t, x)`` (called after step t)
    returns True.

    ``keep`` chooses the iterates the :class:`Trajectory` holds: ``"all"``, ``"last"`` (x0 and the last: memory
    independent of ``steps``) or an integer k (x0, every k-th and the last). ``f(x)`` (if given) is recorded at every
    iterate, and the gradient's global norm at every step; with ``returns_loss=True``, ``grad_fn(x)`` returns a pair
    (loss, gradient) and the loss is recorded too. The arguments are checked once, here; each gradient only for its
    shape. Overflow on the way to a divergence raises no warning. For a leading axis of many starts, one diverging
    start stops them all: run starts that may diverge separately.

    >>> trajectory = run(sgd(0.1), lambda x: 2 * x, np.array([1.0, 1.0]), 2, f=lambda x: float(x @ x))
    >>> trajectory.x, trajectory.f, trajectory.steps_done
    (array([[1.  , 1.  ],
           [0.8 , 0.8 ],
           [0.64, 0.64]]), array([2.    , 1.28  , 0.8192]), 2)
    >>> last = run(sgd(0.1), lambda x: 2 * x, np.array([3.0, 4.0]), 1000, keep="last")
    >>> last.t, last.x.shape, last.grad_norm[:2]
    (array([   0, 1000]), (2, 2), array([10.,  8.]))
    >>> run(sgd(2.0), lambda x: 1e300 * x, np.array([1.0]), 10).diverged
    True
    """
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizer must be a book.optim optimizer such as sgd(0.1), got {type(optimizer).__name__}")
    require_callable("grad_fn", grad_fn)
    for name, value in (("f", f), ("callback", callback)):
        if value is not None:
            require_callable(name, value)
    steps, every = require_count("steps", steps), _every(keep)
    if not isinstance(returns_loss, bool):
        raise ValueError(f"returns_loss must be True or False, got {returns_loss!r}")
    x = _parameters("x0", x0, finite=True)
    leaves, decays, tree = _leaves(x), optimizer._decays(x), isinstance(x, dict)
    slots = optimizer._initial_slots(leaves)
    kept, kept_t = [leaves], [0]
    values, norms, losses = [] if f is None else [f(x)], [], []
    t, diverged, stopped = 0, False, False
    with np.errstate(all="ignore"):
        while t < steps and not diverged and not stopped:
            output = grad_fn(x)
            if returns_loss:
                loss, output = _split_loss(output)
                losses.append(loss)
            grads = _gradient_leaves(output, x)
            norms.append(_global_norm(grads))
            leaves, slots = optimizer._apply(leaves, grads, slots, t, decays, norms[-1])
            t, x = t + 1, _rebuild(x, iter(leaves)) if tree else leaves[0]
            if f is not None:
                values.append(f(x))
            diverged = not _all_finite(leaves)
            stopped = not diverged and callback is not None and bool(callback(t, x))
            if every and t % every == 0:
                kept.append(leaves)
                kept_t.append(t)
    if kept_t[-1] != t:
        kept.append(leaves)
        kept_t.append(t)
    stacked = _rebuild(x, iter([np.stack(column) for column in zip(*kept)]))
    return Trajectory(
        stacked,
        None if f is None else np.array(values, dtype=float),
        diverged,
        t,
        np.array(kept_t),
        np.array(norms, dtype=float),
        np.array(losses, dtype=float) if returns_loss else None,
    )


# --- Line search and clipping ---------------------------------------------------------------------------------------


def backtracking_line_search(
    f: Callable,
    grad_fn: Callable,
    x: Any,
    direction: Any,
    *,
    alpha0: float = 1.0,
    rho: float = 0.5,
    c: float = 1e-4,
    max_halvings: int = MAX_HALVINGS,
) -> float:
    """The first α in alpha0, alpha0·ρ, alpha0·ρ², … with f(x + αd) <= f(x) + c·α·∇f(x)·d (Armijo's condition).

    ``direction`` must be a descent direction (∇f(x)·d < 0) and f(x) finite; then a small enough α passes. A trial
    point where f overflows or is NaN is rejected silently. After ``max_halvings`` rejected trials (α =
    alpha0·ρ^max_halvings, 2⁻¹⁰⁰ by default) it gives up with a ``ValueError``: f and grad_fn disagree, or f is too
    noisy for the condition.

    >>> backtracking_line_search(lambda x: float(x @ x), lambda x: 2 * x, np.array([1.0]), np.array([-2.0]))
    0.5
    """
    require_callable("f", f)
    require_callable("grad_fn", grad_fn)
    x = require_finite_array("x", x)
    direction = require_finite_array("direction", direction)
    _require_like("direction", direction, x)
    alpha = require_positive("alpha0", alpha0)
    if not 0 < rho < 1:
        raise ValueError(f"rho must be a number in (0, 1), got {rho!r}")
    if not 0 < c < 1:
        raise ValueError(f"c must be a number in (0, 1), got {c!r}")
    max_halvings = require_count("max_halvings", max_halvings)
    slope = float(np.sum(np.asarray(grad_fn(x), dtype=float) * direction))
    if not slope < 0:
        raise ValueError(
            f"direction must be a descent direction (∇f(x)·direction < 0), got ∇f(x)·direction = {slope!r}"
        )
    fx = f(x)
    if not math.isfinite(fx):
        raise ValueError(f"f(x) must be a finite number for a line search from x, got f(x) = {fx!r}")
    with np.errstate(all="ignore"):
        for _ in range(max_halvings + 1):
            if f(x + alpha * direction) <= fx + c * alpha * slope:
                return float(alpha)
            alpha *= rho
    raise ValueError(
        f"no step alpha0·rho^k with k <= max_halvings = {max_halvings} satisfies Armijo's condition "
        f"(the last tried was {alpha / rho!r}): check that grad_fn is the gradient of f"
    )


def clip_by_global_norm(grads: Any, max_norm: float) -> tuple[Any, float]:
    """PyTorch's ``clip_grad_norm_``: with n the norm of all gradients together, scale them by max_norm/(n + 1e-6)
    when that is below 1. ``grads`` is an array or a list, tuple or dict of arrays; returns (clipped grads, n).

    >>> clipped, norm = clip_by_global_norm({"w": np.array([3.0]), "b": np.array([4.0])}, 1.0)
    >>> {name: np.round(g, 6) for name, g in clipped.items()}, norm
    ({'w': array([0.6]), 'b': array([0.8])}, 5.0)
    """
    max_norm = require_positive("max_norm", max_norm)
    leaves = [require_real_array("grads", leaf) for leaf in _leaves(grads)]
    norm = _global_norm(leaves)
    factor = _clip_factor(norm, max_norm)
    return _rebuild(grads, iter([leaf * factor for leaf in leaves])), norm
