"""A GPT-style decoder-only transformer written with :mod:`book.autodiff`: the function a large language model is.

Ids of shape (batch, T) are looked up in a token embedding and a position embedding and added; ``n_layer``
pre-LayerNorm blocks follow, each ``x + attention(LN(x))`` then ``x + MLP(LN(x))``; a final LayerNorm and the output
head score every token of the vocabulary. Attention is causal multi-head scaled dot-product self-attention: head h
of position t mixes the values of positions ≤ t with weights softmax(q·k / √d) (d = n_embd / n_head). The MLP is
n_embd → 4·n_embd → n_embd with GELU. The output head is *tied* to the token embedding (scores = x Eᵀ, no bias), as
in GPT-2, so the parameters number exactly

    N = 12·n_layer·n_embd² + 13·n_layer·n_embd + (vocab_size + block_size)·n_embd + 2·n_embd,

of which the usual approximation 12·n_layer·n_embd² + (vocab_size + block_size)·n_embd leaves out the biases and
LayerNorm gains (13·n_layer·n_embd + 2·n_embd). Two switches of :class:`GPTConfig` build the model without the residual
connections (``residual=False``) or without the 1/√d scale of the attention scores (``scale_attention=False``), for
the experiments on depth and saturation. Parameters are a flat dict of named arrays (names in
:func:`parameter_shapes`); :func:`attention_weights` returns every layer's attention maps of a forward pass.

Speed: attention is one node with a hand-derived backward (:func:`self_attention`), LayerNorm, GELU and the
cross-entropy are fused operations of :mod:`book.autodiff`, so a step is mostly matrix products. Training runs about
twice as fast in float32 — ``with precision(np.float32):`` and parameters cast with ``.astype(np.float32)`` — and,
on a shared machine, with the BLAS held to one thread (``threadpoolctl.threadpool_limits(1)``); gradient checks stay
in float64.

Two measures of stability go with the model: :func:`attention_saturation` (how peaked attention gets as the scores
grow, with and without QK-norm) and :func:`z_loss_gradient` (PaLM's auxiliary loss on the log-normaliser).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from book._validate import require_count, require_positive
from book.autodiff import Tensor, cross_entropy, gelu, layer_norm, node, reuse_freed_memory
from book.numerics import logsumexp, softmax

reuse_freed_memory()  # a training step allocates hundreds of arrays of a few MB: reuse them rather than remap them

__all__ = [
    "GPTConfig",
    "parameter_shapes",
    "init_params",
    "logits",
    "self_attention",
    "attention_weights",
    "loss",
    "loss_and_grads",
    "evaluate",
    "generate",
    "parameter_count",
    "decays",
    "attention_saturation",
    "z_loss_gradient",
    "approximate_parameter_count",
    "training_flops_per_token",
]


@dataclass(frozen=True)
class GPTConfig:
    """The model's sizes: vocabulary, context length (block_size), layers, attention heads per layer, width;
    ``residual`` and ``scale_attention`` switch off the residual connections and the 1/√d scale (both on in GPT).

    >>> GPTConfig(vocab_size=65, block_size=64, n_layer=2, n_head=4, n_embd=64).head_size
    16
    """

    vocab_size: int
    block_size: int
    n_layer: int
    n_head: int
    n_embd: int
    residual: bool = True
    scale_attention: bool = True

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.n_embd % self.n_head:
            raise ValueError(
                f"n_embd must be divisible by n_head, got n_embd = {self.n_embd} and n_head = {self.n_head}"
            )
        for name in ("residual", "scale_attention"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")

    @property
    def head_size(self) -> int:
        """d = n_embd / n_head, the width of one head's queries, keys and values."""
        return self.n_embd // self.n_head


def parameter_shapes(config: GPTConfig) -> dict[str, tuple[int, ...]]:
    """The name and shape of every parameter, in the order of the forward pass."""
    C, V = config.n_embd, config.vocab_size
    shapes = {"token_embedding": (V, C), "position_embedding": (config.block_size, C)}
    for i in range(config.n_layer):
        shapes |= {
            f"block{i}.ln1.gain": (C,),
            f"block{i}.ln1.bias": (C,),
            f"block{i}.attn.W_qkv": (C, 3 * C),
            f"block{i}.attn.b_qkv": (3 * C,),
            f"block{i}.attn.W_proj": (C, C),
            f"block{i}.attn.b_proj": (C,),
            f"block{i}.ln2.gain": (C,),
            f"block{i}.ln2.bias": (C,),
            f"block{i}.mlp.W_in": (C, 4 * C),
            f"block{i}.mlp.b_in": (4 * C,),
            f"block{i}.mlp.W_out": (4 * C, C),
            f"block{i}.mlp.b_out": (C,),
        }
    return shapes | {"ln_f.gain": (C,), "ln_f.bias": (C,)}


def init_params(config: GPTConfig, seed: int = 0) -> dict[str, np.ndarray]:
    """GPT-2's initialisation, seeded: weights and embeddings N(0, 0.02²), the projections into the residual stream
    (``W_proj``, ``W_out``) N(0, (0.02/√(2·n_layer))²), biases 0, LayerNorm gains 1."""
    rng = np.random.default_rng(seed)
    residual_std = 0.02 / math.sqrt(2 * config.n_layer)
    params = {}
    for name, shape in parameter_shapes(config).items():
        if name.endswith("gain"):
            params[name] = np.ones(shape)
        elif len(shape) == 1:
            params[name] = np.zeros(shape)
        else:
            std = residual_std if name.endswith(("W_proj", "W_out")) else 0.02
            params[name] = std * rng.standard_normal(shape)
    return params


def _ids(config: GPTConfig, idx: np.ndarray, name: str = "idx") -> np.ndarray:
    ids = np.asarray(idx)
    if ids.ndim != 2 or ids.dtype.kind not in "iu" or not 1 <= ids.shape[1] <= config.block_size:
        raise ValueError(
            f"{name} must be integer ids of shape (batch, T) with 1 ≤ T ≤ block_size = "
            f"{config.block_size}, got {ids.dtype} of shape {ids.shape}"
        )
    if ids.min() < 0 or ids.max() >= config.vocab_size:
        raise ValueError(
            f"{name} must be token ids in 0..{config.vocab_size - 1}, got values in {ids.min()}..{ids.max()}"
        )
    return ids


def _causal_mask(T: int) -> np.ndarray:
    """0 where query t may see key s (s ≤ t), −∞ above the diagonal: added to the scores before the softmax."""
    return np.triu(np.full((T, T), -np.inf), k=1)


def self_attention(qkv: Tensor, n_head: int, *, scale: bool = True, maps: list | None = None) -> Tensor:
    """Causal multi-head self-attention as one node: ``qkv`` (batch, T, 3C) holds the queries, keys and values of
    every position side by side; head h of position t returns Σ_s P[t, s] v_s with P = softmax(q_t·k_s / √d) over
    s ≤ t (without the 1/√d when ``scale`` is False). Output (batch, T, C); the weights P (batch, heads, T, T) are
    appended to ``maps`` if given.

    Backward, with G the gradient of the heads' outputs: dV = Pᵀ G, dP = G Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)) (the
    softmax rule), dQ = dS K / √d and dK = dSᵀ Q / √d.
    """
    data = qkv.data if isinstance(qkv, Tensor) else np.asarray(qkv, dtype=float)
    n_head = require_count("n_head", n_head, 1)
    if data.ndim != 3 or data.shape[2] % (3 * n_head):
        raise ValueError(f"qkv must have shape (batch, T, 3C) with C divisible by n_head = {n_head}, got {data.shape}")
    B, T, three_c = data.shape
    C = three_c // 3
    d = C // n_head
    q, k, v = data.reshape(B, T, 3, n_head, d).transpose(2, 0, 3, 1, 4)  # each (B, H, T, d), views
    factor = 1 / math.sqrt(d) if scale else 1.0
    scores = np.matmul(q, k.transpose(0, 1, 3, 2))
    scores *= factor
    scores += _causal_mask(T)
    p = softmax(scores)
    if maps is not None:
        maps.append(p)

    def rule(g: np.ndarray) -> np.ndarray:
        dy = g.reshape(B, T, n_head, d).transpose(0, 2, 1, 3)
        dp = np.matmul(dy, v.transpose(0, 1, 3, 2))
        ds = dp - (dp * p).sum(axis=-1, keepdims=True)
        ds *= p
        ds *= factor
        out = np.empty((B, T, 3, n_head, d), dtype=g.dtype)
        out[:, :, 0] = np.matmul(ds, k).transpose(0, 2, 1, 3)
        out[:, :, 1] = np.matmul(ds.transpose(0, 1, 3, 2), q).transpose(0, 2, 1, 3)
        out[:, :, 2] = np.matmul(p.transpose(0, 1, 3, 2), dy).transpose(0, 2, 1, 3)
        return out.reshape(B, T, three_c)

    return node(np.matmul(p, v).transpose(0, 2, 1, 3).reshape(B, T, C), (qkv, rule))


def _attention(p: dict, prefix: str, config: GPTConfig, x: Tensor, maps: list | None) -> Tensor:
    """The attention sublayer of x (batch, T, C): project to queries, keys and values, attend, project back."""
    qkv = x @ p[prefix + "W_qkv"] + p[prefix + "b_qkv"]
    heads = self_attention(qkv, config.n_head, scale=config.scale_attention, maps=maps)
    return heads @ p[prefix + "W_proj"] + p[prefix + "b_proj"]


def _mlp(p: dict, prefix: str, x: Tensor) -> Tensor:
    return gelu(x @ p[prefix + "W_in"] + p[prefix + "b_in"]) @ p[prefix + "W_out"] + p[prefix + "b_out"]


def _forward(params: dict, config: GPTConfig, idx: np.ndarray, maps: list | None = None) -> Tensor:
    ids = _ids(config, idx)
    p = {name: value if isinstance(value, Tensor) else Tensor(value) for name, value in params.items()}
    missing = sorted(parameter_shapes(config).keys() - p.keys())
    if missing:
        raise ValueError(f"params must hold every parameter of the config; missing {', '.join(missing[:3])}")
    x = p["token_embedding"][ids] + p["position_embedding"][: ids.shape[1]]
    for i in range(config.n_layer):
        b = f"block{i}."
        a = _attention(p, b + "attn.", config, layer_norm(x, p[b + "ln1.gain"], p[b + "ln1.bias"]), maps)
        x = x + a if config.residual else a
        m = _mlp(p, b + "mlp.", layer_norm(x, p[b + "ln2.gain"], p[b + "ln2.bias"]))
        x = x + m if config.residual else m
    x = layer_norm(x, p["ln_f.gain"], p["ln_f.bias"])
    return x @ p["token_embedding"].T


def logits(params: dict, config: GPTConfig, idx: np.ndarray) -> Tensor:
    """The scores (batch, T, vocab_size) for the token after each position of the ids ``idx`` (batch, T);
    params are arrays or Tensors (Tensors to differentiate).

    >>> config = GPTConfig(vocab_size=5, block_size=4, n_layer=1, n_head=2, n_embd=8)
    >>> logits(init_params(config), config, np.array([[0, 1, 2]])).shape
    (1, 3, 5)
    """
    return _forward(params, config, idx)


def attention_weights(params: dict, config: GPTConfig, idx: np.ndarray) -> np.ndarray:
    """Every attention map of a forward pass on ``idx``: shape (n_layer, batch, n_head, T, T); entry [l, b, h, t, s]
    is how much position t attends to position s (zero for s > t, each row sums to 1)."""
    maps: list[np.ndarray] = []
    _forward(params, config, idx, maps)
    return np.stack(maps)


def loss(params: dict, config: GPTConfig, idx: np.ndarray, targets: np.ndarray) -> Tensor:
    """The mean cross-entropy (nats per token) of the next-token predictions on ``idx`` against ``targets``."""
    return cross_entropy(logits(params, config, idx), _ids(config, targets, "targets"))


def loss_and_grads(params: dict, config: GPTConfig, idx: np.ndarray, targets: np.ndarray) -> tuple[float, dict]:
    """The loss on (idx, targets) and its gradient with respect to every parameter (same names and shapes)."""
    leaves = {name: Tensor(value) for name, value in params.items()}
    value = loss(leaves, config, idx, targets)
    value.backward()
    return float(value.data), {name: np.zeros_like(t.data) if t.grad is None else t.grad for name, t in leaves.items()}


def evaluate(params: dict, config: GPTConfig, ids: np.ndarray, batch_size: int = 64) -> float:
    """The mean cross-entropy (nats per character) of the predictions of every id of ``ids`` after the first, read in
    consecutive windows of block_size ids (so a prediction sees 0 to block_size − 1 ids before it, from its window)."""
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.size < 2:
        raise ValueError(f"ids must be a 1-D array of at least 2 ids, got shape {ids.shape}")
    batch_size = require_count("batch_size", batch_size, 1)
    inputs, targets = ids[:-1], ids[1:]
    T = config.block_size
    full = inputs.size // T
    windows = [(inputs[: full * T].reshape(full, T), targets[: full * T].reshape(full, T))]
    if inputs.size > full * T:
        windows.append((inputs[None, full * T :], targets[None, full * T :]))
    total = 0.0
    for idx, tgt in windows:
        for start in range(0, idx.shape[0], batch_size):
            rows = slice(start, start + batch_size)
            total += float(loss(params, config, idx[rows], tgt[rows]).data) * tgt[rows].size
    return total / targets.size


def generate(
    params: dict, config: GPTConfig, prompt: np.ndarray, length: int, temperature: float = 1.0, seed: int = 0
) -> np.ndarray:
    """``length`` ids drawn one at a time after the ids ``prompt`` from softmax(scores / temperature) of the last
    position, reading at most the last block_size ids; seeded."""
    temperature = require_positive("temperature", temperature)
    length = require_count("length", length)
    ids = list(_ids(config, np.asarray(prompt)[None, -config.block_size :], "prompt")[0])
    rng = np.random.default_rng(seed)
    for _ in range(length):
        scores = logits(params, config, np.array([ids[-config.block_size :]])).data[0, -1] / temperature
        ids.append(int(rng.choice(config.vocab_size, p=softmax(scores))))
    return np.array(ids[len(ids) - length :], dtype=np.int64)


def decays(name: str) -> bool:
    """Whether weight decay applies to the parameter ``name``: the weight matrices and the embeddings, as in GPT-2 and
    nanoGPT; not the biases and LayerNorm gains (a mask for AdamW).

    >>> decays("block0.mlp.W_in"), decays("token_embedding"), decays("block0.mlp.b_in"), decays("ln_f.gain")
    (True, True, False, False)
    """
    return name.rsplit(".", 1)[-1].startswith("W_") or name.endswith("_embedding")


def parameter_count(config: GPTConfig) -> int:
    """N = 12·L·C² + 13·L·C + (V + block_size)·C + 2·C, the exact number of parameters (tied output head).

    >>> parameter_count(GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128))
    809856
    """
    L, C = config.n_layer, config.n_embd
    return 12 * L * C * C + 13 * L * C + (config.vocab_size + config.block_size) * C + 2 * C


def approximate_parameter_count(config: GPTConfig) -> int:
    """12·L·C² + (V + block_size)·C: the weight matrices and embeddings, without biases and LayerNorm gains."""
    return 12 * config.n_layer * config.n_embd**2 + (config.vocab_size + config.block_size) * config.n_embd


def training_flops_per_token(config: GPTConfig, T: int | None = None) -> int:
    """Floating-point operations of the matrix products of one training step, per token, at context length T
    (block_size by default): 6·(12·L·C² + V·C) + 12·L·T·C.

    Forward, a token is multiplied by every weight matrix and the tied head (12·L·C² + V·C multiply–adds, 2 flops
    each) and, per layer, meets T keys and T values (2·T·C multiply–adds; the causal mask is applied after the full
    T × T product); backward does two products of the same size for each. Close to 6N when T ≪ C and V ≪ 12·L·C.

    >>> training_flops_per_token(GPTConfig(vocab_size=65, block_size=64, n_layer=2, n_head=4, n_embd=64))
    713088
    """
    T = config.block_size if T is None else T
    L, C, V = config.n_layer, config.n_embd, config.vocab_size
    return 6 * (12 * L * C * C + V * C) + 12 * L * T * C


def z_loss_gradient(logits: Any, weight: float = 1e-4) -> np.ndarray:
    """The gradient of PaLM's auxiliary loss ``weight``·(log Z)², Z = Σ exp(logits), with respect to the logits (last
    axis): 2·weight·log Z·softmax(logits). It pulls log Z towards 0, a direction the cross-entropy never pushes."""
    z = np.asarray(logits, dtype=float)
    return 2 * require_positive("weight", weight) * logsumexp(z) * softmax(z)


def attention_saturation(
    scale: float, head_size: int = 16, positions: int = 32, qk_norm: bool = False, seed: int = 0
) -> dict[str, float]:
    """Attention of one query over ``positions`` keys whose entries grow with ``scale`` (random, seeded): the
    weights' entropy in nats and the norm of the softmax Jacobian diag(p) − ppᵀ (its largest singular value).
    With ``qk_norm`` the query and keys are normalised to length √head_size first, as QK-norm does."""
    rng = np.random.default_rng(seed)
    q = require_positive("scale", scale) * rng.normal(size=head_size)
    k = scale * rng.normal(size=(require_count("positions", positions, 2), require_count("head_size", head_size, 1)))
    if qk_norm:
        q = np.sqrt(head_size) * q / np.linalg.norm(q)
        k = np.sqrt(head_size) * k / np.linalg.norm(k, axis=1, keepdims=True)
    scores = k @ q / np.sqrt(head_size)
    p = softmax(scores)
    jacobian = np.diag(p) - np.outer(p, p)
    return {
        "entropy": float(-np.sum(p * np.log(np.where(p > 0, p, 1.0)))),
        "jacobian_norm": float(np.linalg.norm(jacobian, 2)),
    }
