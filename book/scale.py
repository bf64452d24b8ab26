"""Training at scale: the published recipe and clipping, the memory of the training state and its sharding,
activation checkpointing and pipelines, and low-precision (bf16, fp16) arithmetic.

Memory is counted in bytes per parameter, as in the ZeRO paper (Rajbhandari et al. 2020): with mixed precision,
Adam keeps 2 (bf16 weights) + 2 (bf16 gradients) + 4 (fp32 master weights) + 4 (m) + 4 (v) = 16 bytes:

>>> bytes_per_parameter("adam", "mixed")
16
>>> training_memory(7e9, "adam", "mixed")["total"] / 1e9
112.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ml_dtypes
import numpy as np

from book import networks, schedules
from book._validate import require_choice, require_count, require_positive
from book.optim import Optimizer, Trajectory, adamw, clip_by_global_norm, run

__all__ = [
    "BF16",
    "OPTIMIZER_SLOTS",
    "PRECISIONS",
    "RECIPE",
    "FSDP_STRATEGIES",
    "GPT3_LEARNING_RATES",
    "STATE_OPTIMIZERS",
    "bf16",
    "bf16_descent",
    "bytes_per_parameter",
    "checkpointed_activations",
    "clipped",
    "fp16",
    "fp16_lost_fraction",
    "llama_shapes",
    "loss_scale_halvings",
    "outlier_run",
    "optimizer_state_bytes",
    "pipeline_bubble",
    "recipe_optimizer",
    "sharded_memory",
    "training_memory",
]

BF16 = ml_dtypes.bfloat16
"""numpy's bfloat16 dtype (8 significant bits, float32's exponent range)."""

RECIPE = {"betas": (0.9, 0.95), "weight_decay": 0.1, "max_norm": 1.0, "min_lr_fraction": 0.1}
"""The GPT-3 / LLaMA recipe: AdamW with β₂ = 0.95, weight decay 0.1, clipping at 1.0, cosine down to 10 % of the
peak."""

OPTIMIZER_SLOTS = {"sgd": 0, "momentum": 1, "adam": 2}
"""fp32 arrays the optimizer keeps per parameter: none, the velocity, the two moments m and v."""

PRECISIONS = ("fp32", "mixed")
"""fp32 everywhere, or mixed precision: 16-bit weights and gradients plus an fp32 master copy."""

FSDP_STRATEGIES = {"NO_SHARD": 0, "SHARD_GRAD_OP": 2, "FULL_SHARD": 3}
"""PyTorch FSDP's sharding strategies and the ZeRO stage each corresponds to (what each device keeps a shard of)."""

GPT3_LEARNING_RATES = {
    0.125: 6.0e-4,
    0.35: 3.0e-4,
    0.76: 2.5e-4,
    1.3: 2.0e-4,
    2.7: 1.6e-4,
    6.7: 1.2e-4,
    13.0: 1.0e-4,
    175.0: 0.6e-4,
}
"""GPT-3's peak learning rate per model size in billions of parameters (Brown et al. 2020, table 2.1)."""

STATE_OPTIMIZERS = ("adam", "adam8bit", "lion", "muon", "adafactor")
"""Optimizers whose state :func:`optimizer_state_bytes` counts."""

PARTS = ("weights", "gradients", "master", "optimizer")
"""The parts of the training state, in the order the ZeRO stages shard them: optimizer (with master) first."""


def recipe_optimizer(peak_lr: float, warmup_steps: int, total_steps: int) -> Optimizer:
    """AdamW with the recipe's β's and weight decay, its rate a linear warmup then a cosine to 10 % of ``peak_lr``."""
    schedule = schedules.warmup_cosine(peak_lr, warmup_steps, total_steps, RECIPE["min_lr_fraction"] * peak_lr)
    return adamw(schedule, betas=RECIPE["betas"], weight_decay=RECIPE["weight_decay"])


def clipped(grad_fn: Callable, max_norm: float) -> Callable:
    """``grad_fn`` with its gradients clipped to global norm ``max_norm`` (:func:`book.optim.clip_by_global_norm`)."""
    limit = require_positive("max_norm", max_norm)
    return lambda x, *args: clip_by_global_norm(grad_fn(x, *args), limit)[0]


def outlier_run(
    max_norm: float | None,
    outlier_scale: float,
    steps: int = 400,
    outlier_step: int = 200,
    peak_lr: float = 0.05,
    warmup_steps: int = 20,
) -> Trajectory:
    """The recipe on the sine fit (:func:`book.networks.two_layer_problem`), except that step ``outlier_step`` sees
    corrupted targets s·(sin x + 1), s = ``outlier_scale``; clipped at ``max_norm`` (None: not clipped)."""
    inputs, targets, start = networks.two_layer_problem(samples=64, width=16, seed=0)
    bad = require_positive("outlier_scale", outlier_scale) * (targets + 1)
    calls = iter(range(require_count("steps", steps, 1) + 1))

    def grad_fn(parameters: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        batch = bad if next(calls) == outlier_step else targets
        return networks.two_layer_backprop(parameters, inputs, batch)

    def loss(parameters: dict[str, np.ndarray]) -> float:
        return float(np.mean((networks.two_layer_output(parameters, inputs) - targets) ** 2))

    optimizer = recipe_optimizer(peak_lr, warmup_steps, steps)
    return run(optimizer, grad_fn if max_norm is None else clipped(grad_fn, max_norm), start, steps, f=loss)


def bytes_per_parameter(optimizer: str, precision: str) -> int:
    """Bytes of training state per parameter: weights + gradients (+ fp32 master) + 4 per optimizer slot."""
    return int(training_memory(1, optimizer, precision)["total"])


def training_memory(parameters: float, optimizer: str, precision: str) -> dict[str, float]:
    """Bytes for weights, gradients, fp32 master weights and optimizer state of ``parameters`` parameters, and the
    total."""
    count = require_positive("parameters", parameters)
    slots = OPTIMIZER_SLOTS[require_choice("optimizer", optimizer, tuple(OPTIMIZER_SLOTS))]
    mixed = require_choice("precision", precision, PRECISIONS) == "mixed"
    parts = {
        "weights": 2 if mixed else 4,
        "gradients": 2 if mixed else 4,
        "master": 4 if mixed else 0,
        "optimizer": 4 * slots,
    }
    memory = {part: count * size for part, size in parts.items()}
    return {**memory, "total": sum(memory.values())}


def sharded_memory(memory: dict[str, float], stage: int, devices: int) -> dict[str, float]:
    """Bytes per device under ZeRO stage 0–3 over ``devices``: stage 1 shards optimizer state and master weights,
    stage 2 also the gradients, stage 3 (FSDP's full sharding) also the weights."""
    if stage not in (0, 1, 2, 3):
        raise ValueError(f"stage must be 0, 1, 2 or 3, got {stage!r}")
    n = require_count("devices", devices, 1)
    sharded = {"master": stage >= 1, "optimizer": stage >= 1, "gradients": stage >= 2, "weights": stage >= 3}
    per_device = {part: memory[part] / n if sharded[part] else memory[part] for part in PARTS}
    return {**per_device, "total": sum(per_device.values())}


def bf16(x: Any) -> np.ndarray:
    """``x`` rounded to bfloat16 (to nearest, ties to even) and returned as float64 for arithmetic."""
    return np.asarray(x, dtype=np.float32).astype(BF16).astype(np.float64)


def bf16_descent(w0: Any, target: Any, lr: float, steps: int, master: bool) -> np.ndarray:
    """Gradient descent on ℓ = ½‖w − target‖² with bf16 weights: each step's result rounded to bf16 (``master`` False)
    or accumulated in an fp32 master copy whose bf16 rounding gives the weights (True). Rows: the bf16 weights per
    step."""
    rate, count = require_positive("lr", lr), require_count("steps", steps, 1)
    goal = np.asarray(target, dtype=float)
    kept = np.asarray(w0, dtype=np.float32) if master else bf16(w0)
    weights = [bf16(kept)]
    for _ in range(count):
        step = rate * (weights[-1] - goal)  # the gradient is computed from the bf16 weights in both cases
        kept = (kept - step).astype(np.float32) if master else bf16(kept - bf16(step))
        weights.append(bf16(kept))
    return np.array(weights)


def fp16(x: Any) -> np.ndarray:
    """``x`` rounded to IEEE half precision (5 exponent bits, 11 significant bits) and returned as float64."""
    with np.errstate(over="ignore"):  # beyond 65504 is inf, which is the point
        return np.asarray(x, dtype=np.float64).astype(np.float16).astype(np.float64)


def fp16_lost_fraction(gradients: Any, loss_scale: float = 1.0) -> float:
    """The fraction of non-zero ``gradients`` that become 0 when the scaled values are stored in fp16."""
    values = np.asarray(gradients, dtype=float).ravel()
    values = values[values != 0]
    return float(np.mean(fp16(require_positive("loss_scale", loss_scale) * values) == 0))


def loss_scale_halvings(largest_gradient: float, loss_scale: float = 2.0**16) -> int:
    """How many overflowing steps a dynamic loss scaler skips, halving the scale each time, before the scaled largest
    gradient is finite in fp16 (PyTorch's GradScaler: initial scale 2¹⁶, backoff factor ½)."""
    largest, scale = require_positive("largest_gradient", largest_gradient), require_positive("loss_scale", loss_scale)
    halvings = 0
    while not np.isfinite(fp16(largest * scale)):
        scale, halvings = scale / 2, halvings + 1
    return halvings


def llama_shapes(d_model: int = 4096, layers: int = 32, hidden: int = 11008, vocab: int = 32000) -> dict[str, tuple]:
    """The parameter shapes of a LLaMA-style decoder (defaults: LLaMA 7B): per layer four d×d attention matrices, a
    SwiGLU MLP of three d×hidden matrices and two RMSNorm gains; token embeddings, a final norm, an untied output."""
    d, n, h, v = (
        require_count(name, value, 1)
        for name, value in (("d_model", d_model), ("layers", layers), ("hidden", hidden), ("vocab", vocab))
    )
    shapes: dict[str, tuple] = {"embedding": (v, d), "norm": (d,), "output": (d, v)}
    for layer in range(n):
        shapes.update({f"{layer}.{name}": (d, d) for name in ("wq", "wk", "wv", "wo")})
        shapes.update({f"{layer}.w1": (d, h), f"{layer}.w3": (d, h), f"{layer}.w2": (h, d)})
        shapes.update({f"{layer}.attention_norm": (d,), f"{layer}.mlp_norm": (d,)})
    return shapes


def optimizer_state_bytes(shapes: dict[str, tuple], optimizer: str, block: int = 2048) -> float:
    """Bytes of optimizer state for parameters of these ``shapes``: Adam keeps m and v in fp32 (8 bytes per parameter);
    8-bit Adam keeps them in one byte each plus an fp32 scale per ``block`` entries; Lion and Muon keep one fp32
    momentum; Adafactor (without momentum) keeps, for a matrix, one fp32 number per row and per column, and v for a
    vector."""
    kind = require_choice("optimizer", optimizer, STATE_OPTIMIZERS)
    sizes = [int(np.prod(shape)) for shape in shapes.values()]
    if kind == "adam":
        return 8.0 * sum(sizes)
    if kind == "adam8bit":
        return sum(2.0 * size + 2 * 4.0 * -(-size // require_count("block", block, 1)) for size in sizes)
    if kind in ("lion", "muon"):
        return 4.0 * sum(sizes)
    return 4.0 * sum(sum(shape) if len(shape) == 2 else int(np.prod(shape)) for shape in shapes.values())


def checkpointed_activations(layers: int, every: int) -> int:
    """Layer activations held at once in the backward pass when only every ``every``-th layer's input is kept
    (Chapter 3's checkpointing): the kept inputs plus one segment's recomputed activations, ⌈L/k⌉ + k; ``every`` = 1
    keeps every layer's activations, L, and recomputes nothing."""
    count, k = require_count("layers", layers, 1), require_count("every", every, 1)
    return count if k == 1 else -(-count // k) + min(k, count)


def pipeline_bubble(stages: int, micro_batches: int) -> float:
    """The idle fraction of a GPipe schedule: (p − 1) / (m + p − 1) with p stages and m micro-batches."""
    p, m = require_count("stages", stages, 1), require_count("micro_batches", micro_batches, 1)
    return (p - 1) / (m + p - 1)
