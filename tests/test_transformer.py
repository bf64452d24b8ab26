"""book.transformer: the whole model's gradient against central differences, causality, the parameter and FLOP
counts re-derived independently, attention maps, the switches, a short training run, bad input."""

import math
import re

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from book import transformer as tr
from book.autodiff import Tensor, check_grad
from book.optim import adamw

TINY = tr.GPTConfig(vocab_size=7, block_size=5, n_layer=2, n_head=2, n_embd=8)


def perturbed(config, seed=1, size=0.1):
    """Seeded parameters with every gain and bias moved off 1 and 0, so that no term of the gradient is hidden."""
    rng = np.random.default_rng(seed + 100)
    return {k: v + size * rng.standard_normal(v.shape) for k, v in tr.init_params(config, seed).items()}


def flat_loss(params, config, idx, targets):
    names = list(params)
    ends = np.cumsum([params[n].size for n in names])
    starts = np.concatenate([[0], ends[:-1]])

    def f(x):
        unflat = {n: x[a:b].reshape(params[n].shape) for n, a, b in zip(names, starts, ends)}
        return tr.loss(unflat, config, idx, targets)

    return f, np.concatenate([params[n].ravel() for n in names])


@pytest.mark.parametrize(
    "config", [TINY, tr.GPTConfig(7, 5, 2, 2, 8, residual=False), tr.GPTConfig(7, 5, 1, 4, 8, scale_attention=False)]
)
def test_whole_model_loss_gradient_matches_central_differences(config):
    rng = np.random.default_rng(3)
    idx, targets = rng.integers(0, 7, (2, 5)), rng.integers(0, 7, (2, 5))
    params = perturbed(config)
    f, x = flat_loss(params, config, idx, targets)
    assert check_grad(f, x, directions=8, rtol=1e-6) < 1e-6
    value, grads = tr.loss_and_grads(params, config, idx, targets)
    assert value == pytest.approx(float(f(Tensor(x)).data), rel=1e-14)
    assert grads.keys() == params.keys() and all(grads[k].shape == params[k].shape for k in params)
    # one coordinate of one matrix, by central differences, against the dict of gradients
    name, where = "block0.attn.W_qkv", (3, 17)
    h = 1e-6
    up, down = (
        {
            **params,
            name: params[name]
            + s
            * h
            * (
                np.arange(params[name].size).reshape(params[name].shape)
                == np.ravel_multi_index(where, params[name].shape)
            ),
        }
        for s in (1, -1)
    )
    ahead, behind = (tr.loss_and_grads(shifted, config, idx, targets)[0] for shifted in (up, down))
    central = (ahead - behind) / (2 * h)
    assert grads[name][where] == pytest.approx(central, rel=1e-6, abs=1e-9)


def test_loss_is_the_mean_cross_entropy_of_the_softmax_of_the_logits():
    rng = np.random.default_rng(4)
    idx, targets = rng.integers(0, 7, (3, 4)), rng.integers(0, 7, (3, 4))
    params = perturbed(TINY)
    scores = tr.logits(params, TINY, idx).data
    assert scores.shape == (3, 4, 7)
    p = np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)
    expected = -np.mean(np.log(np.take_along_axis(p, targets[..., None], axis=-1)))
    assert tr.loss_and_grads(params, TINY, idx, targets)[0] == pytest.approx(expected, rel=1e-12)


def test_untrained_model_predicts_nearly_uniformly():
    config = tr.GPTConfig(65, 16, 2, 4, 32)
    idx, targets = np.random.default_rng(5).integers(0, 65, (2, 4, 16))
    value, _ = tr.loss_and_grads(tr.init_params(config), config, idx, targets)
    # scores x̂·E_j of the normalised x̂ with N(0, 0.02²) rows E_j have spread 0.02·√32 ≈ 0.11, except the input
    # token's own score |E_i|²/0.02 ≈ 0.64 (tied head): the loss on unrelated targets stays near log V
    assert abs(value - math.log(65)) < 0.05


@pytest.mark.parametrize("config", [TINY, tr.GPTConfig(7, 5, 2, 2, 8, residual=False)])
def test_changing_tokens_after_t_never_changes_the_logits_at_t(config):
    rng = np.random.default_rng(6)
    params = perturbed(config, size=0.5)
    idx = rng.integers(0, 7, (3, 5))
    before = tr.logits(params, config, idx).data
    for t in range(5):
        changed = idx.copy()
        changed[:, t + 1 :] = rng.integers(0, 7, changed[:, t + 1 :].shape)
        changed[:, t + 1 :] = (changed[:, t + 1 :] + (changed[:, t + 1 :] == idx[:, t + 1 :])) % 7  # really different
        after = tr.logits(params, config, changed).data
        assert np.array_equal(after[:, : t + 1], before[:, : t + 1])
        if t < 4:
            assert not np.allclose(after[:, t + 1 :], before[:, t + 1 :])  # the later positions do see the change


def test_a_shorter_input_gives_the_first_logits_of_a_longer_one():
    idx = np.random.default_rng(7).integers(0, 7, (2, 5))
    params = perturbed(TINY)
    assert np.allclose(tr.logits(params, TINY, idx[:, :3]).data, tr.logits(params, TINY, idx).data[:, :3], rtol=1e-13)


def test_attention_weights_are_causal_probabilities():
    idx = np.random.default_rng(8).integers(0, 7, (3, 5))
    maps = tr.attention_weights(perturbed(TINY, size=0.5), TINY, idx)
    assert maps.shape == (TINY.n_layer, 3, TINY.n_head, 5, 5)
    assert np.allclose(maps.sum(axis=-1), 1.0, rtol=1e-14)
    assert np.all(maps[..., np.triu_indices(5, 1)[0], np.triu_indices(5, 1)[1]] == 0)
    assert np.all(maps[..., 0, 0] == 1.0)  # the first position can only look at itself


def test_attention_of_the_first_layer_is_the_softmax_of_scaled_query_key_products():
    config = tr.GPTConfig(7, 5, 1, 2, 8)
    params = perturbed(config, size=0.5)
    idx = np.random.default_rng(9).integers(0, 7, (1, 5))
    x = params["token_embedding"][idx[0]] + params["position_embedding"]
    z = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
    z = z * params["block0.ln1.gain"] + params["block0.ln1.bias"]
    qkv = z @ params["block0.attn.W_qkv"] + params["block0.attn.b_qkv"]
    for head in range(2):
        q, k = qkv[:, head * 4 : (head + 1) * 4], qkv[:, 8 + head * 4 : 8 + (head + 1) * 4]
        for scaled, cfg in ((True, config), (False, tr.GPTConfig(7, 5, 1, 2, 8, scale_attention=False))):
            scores = q @ k.T / (2.0 if scaled else 1.0)
            scores[np.triu_indices(5, 1)] = -np.inf
            expected = np.exp(scores - scores.max(axis=1, keepdims=True))
            expected /= expected.sum(axis=1, keepdims=True)
            assert np.allclose(tr.attention_weights(params, cfg, idx)[0, 0, head], expected, rtol=1e-12)


def test_parameter_count_matches_init_params_and_the_twelve_l_c_squared_rule():
    configs = (
        TINY,
        tr.GPTConfig(65, 64, 2, 4, 64),
        tr.GPTConfig(65, 64, 4, 4, 128),
        tr.GPTConfig(50257, 1024, 12, 12, 768),
    )
    for config in configs:
        L, C, V, T = config.n_layer, config.n_embd, config.vocab_size, config.block_size
        per_block = (2 * C) + (C * 3 * C + 3 * C) + (C * C + C) + (2 * C) + (C * 4 * C + 4 * C) + (4 * C * C + C)
        assert tr.parameter_count(config) == L * per_block + V * C + T * C + 2 * C
        if V < 1000:
            assert tr.parameter_count(config) == sum(v.size for v in tr.init_params(config).values())
        error = tr.parameter_count(config) - tr.approximate_parameter_count(config)
        assert error == 13 * L * C + 2 * C
    gpt2 = tr.GPTConfig(50257, 1024, 12, 12, 768)
    assert tr.parameter_count(gpt2) == 124_439_808  # GPT-2 small, tied head: the published 124 M
    nano = tr.GPTConfig(65, 64, 4, 4, 128)
    assert 0.007 < 1 - tr.approximate_parameter_count(nano) / tr.parameter_count(nano) < 0.009


def test_training_flops_per_token_count_every_matrix_product_of_a_step(monkeypatch):
    config = tr.GPTConfig(11, 6, 2, 2, 8)
    idx = np.random.default_rng(10).integers(0, 11, (3, 6))
    params = tr.init_params(config)
    counted = []
    real_matmul = np.matmul

    def counting_matmul(a, b, *args, **kwargs):
        out = real_matmul(a, b, *args, **kwargs)
        inner = a.shape[-1]
        counted.append(2 * out.size * inner)
        return out

    monkeypatch.setattr(np, "matmul", counting_matmul)
    tr.loss_and_grads(params, config, idx, idx)
    monkeypatch.undo()
    assert sum(counted) == tr.training_flops_per_token(config) * idx.size
    assert len(counted) == 3 * (config.n_layer * 6 + 1)  # 6 products per block and the head, each with 2 backward
    nano = tr.GPTConfig(65, 64, 4, 4, 128)
    ratio = tr.training_flops_per_token(nano) / (6 * tr.parameter_count(nano))
    assert 1.0 < ratio < 1.12  # ≈ 6N: the attention term 12·L·T·C adds about 8 %


def test_init_is_gpt2s_seeded_normal_with_scaled_residual_projections():
    config = tr.GPTConfig(65, 64, 8, 4, 128)
    params = tr.init_params(config, seed=3)
    assert np.array_equal(params["block2.mlp.W_in"], tr.init_params(config, seed=3)["block2.mlp.W_in"])
    assert not np.array_equal(params["block2.mlp.W_in"], tr.init_params(config, seed=4)["block2.mlp.W_in"])
    assert params["token_embedding"].std() == pytest.approx(0.02, rel=0.02)
    assert params["block0.attn.W_qkv"].std() == pytest.approx(0.02, rel=0.02)
    for name in ("block5.attn.W_proj", "block5.mlp.W_out"):
        assert params[name].std() == pytest.approx(0.02 / 4, rel=0.03)  # 1/√(2·8) = 1/4
    assert np.all(params["block1.ln2.gain"] == 1) and np.all(params["block1.mlp.b_in"] == 0)


def test_a_short_training_run_lowers_the_loss():
    config = tr.GPTConfig(vocab_size=5, block_size=8, n_layer=1, n_head=2, n_embd=16)
    rng = np.random.default_rng(11)
    pattern = np.array([0, 1, 2, 3, 4, 3, 2, 1])
    params = tr.init_params(config)
    opt = adamw(3e-2, weight_decay=0.0)
    state = opt.init(params)
    losses = []
    with threadpool_limits(1):
        for _ in range(40):
            shift = rng.integers(0, 8, 4)
            rows = np.stack([np.roll(np.tile(pattern, 2), -s)[:9] for s in shift])
            value, grads = tr.loss_and_grads(params, config, rows[:, :-1], rows[:, 1:])
            params, state = opt.step(params, grads, state)
            losses.append(value)
    assert losses[0] > 1.5 and np.mean(losses[-5:]) < 0.5 * losses[0]


def test_params_given_as_tensors_get_gradients_and_arrays_work_too():
    idx = np.array([[1, 2, 3]])
    params = tr.init_params(TINY)
    tensors = {k: Tensor(v) for k, v in params.items()}
    out = tr.logits(tensors, TINY, idx)
    out.sum().backward()
    assert tensors["token_embedding"].grad.shape == params["token_embedding"].shape
    assert np.array_equal(tr.logits(params, TINY, idx).data, out.data)


def test_bad_configs_and_inputs_are_refused_with_one_clear_sentence():
    with pytest.raises(ValueError, match="n_embd must be divisible by n_head, got n_embd = 10 and n_head = 4"):
        tr.GPTConfig(7, 5, 1, 4, 10)
    with pytest.raises(ValueError, match="n_layer must be a positive integer, got 0"):
        tr.GPTConfig(7, 5, 0, 2, 8)
    with pytest.raises(ValueError, match="residual must be True or False"):
        tr.GPTConfig(7, 5, 1, 2, 8, residual=1)
    params = tr.init_params(TINY)
    message = "idx must be integer ids of shape (batch, T) with 1 ≤ T ≤ block_size = 5"
    with pytest.raises(ValueError, match=re.escape(message)):
        tr.logits(params, TINY, np.zeros((1, 6), dtype=int))
    with pytest.raises(ValueError, match=re.escape("idx must be token ids in 0..6, got values in 0..7")):
        tr.logits(params, TINY, np.array([[0, 7]]))
    with pytest.raises(ValueError, match="targets must be integer ids"):
        tr.loss_and_grads(params, TINY, np.array([[0, 1]]), np.array([0, 1]))
    with pytest.raises(
        ValueError, match=re.escape("qkv must have shape (batch, T, 3C) with C divisible by n_head = 4,")
    ):
        tr.self_attention(np.zeros((1, 2, 18)), 4)
    with pytest.raises(ValueError, match="params must hold every parameter of the config; missing ln_f.bias"):
        tr.logits({k: v for k, v in params.items() if k != "ln_f.bias"}, TINY, np.array([[0]]))


def composed_attention(qkv, n_head, scale):
    """The same attention from book.autodiff's elementary operations: reshape, transpose, batched matmul, softmax."""
    from book.autodiff import softmax

    B, T, three_c = qkv.shape
    C, d = three_c // 3, three_c // 3 // n_head
    parts = qkv.reshape(B, T, 3, n_head, d).transpose(2, 0, 3, 1, 4)
    q, k, v = parts[0], parts[1], parts[2]
    scores = q @ k.transpose(0, 1, 3, 2) * (1 / math.sqrt(d) if scale else 1.0)
    weights = softmax(scores + np.triu(np.full((T, T), -np.inf), 1), axis=-1)
    return (weights @ v).transpose(0, 2, 1, 3).reshape(B, T, C)


@pytest.mark.parametrize("scale", [True, False])
def test_fused_self_attention_matches_the_composition_and_central_differences(scale):
    rng = np.random.default_rng(12)
    qkv = rng.standard_normal((2, 4, 18))  # 3 heads of width 2: a shape the model tests do not use
    weights = rng.standard_normal((2, 4, 6))
    fused, composed = Tensor(qkv), Tensor(qkv)
    (tr.self_attention(fused, 3, scale=scale) * weights).sum().backward()
    (composed_attention(composed, 3, scale) * weights).sum().backward()
    assert np.allclose(
        tr.self_attention(qkv, 3, scale=scale).data, composed_attention(Tensor(qkv), 3, scale).data, rtol=1e-13
    )
    assert np.allclose(fused.grad, composed.grad, rtol=1e-12, atol=1e-15)
    assert check_grad(lambda t: (tr.self_attention(t, 3, scale=scale) * weights).sum(), qkv) < 1e-8


def test_reuse_freed_memory_tunes_glibc_and_declines_elsewhere():
    import platform

    from book.autodiff import reuse_freed_memory

    assert reuse_freed_memory() is (platform.libc_ver()[0] == "glibc")


def test_evaluate_scores_every_character_after_the_first_in_consecutive_windows():
    params = perturbed(TINY, size=0.3)
    ids = np.random.default_rng(13).integers(0, 7, 13)  # 12 predictions: windows of 5, 5 and 2
    losses = []
    for start in range(0, 12, 5):
        window = ids[start : min(start + 5, 12)]
        scores = tr.logits(params, TINY, window[None]).data[0]
        log_p = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
        losses += [-log_p[t, ids[start + t + 1]] for t in range(window.size)]
    assert len(losses) == 12
    assert tr.evaluate(params, TINY, ids, batch_size=1) == pytest.approx(np.mean(losses), rel=1e-12)
    assert tr.evaluate(params, TINY, ids, batch_size=7) == pytest.approx(np.mean(losses), rel=1e-12)
    with pytest.raises(ValueError, match="at least 2 ids"):
        tr.evaluate(params, TINY, np.array([1]))


def test_generate_is_seeded_and_at_low_temperature_takes_the_most_likely_id():
    params = perturbed(TINY, size=0.5)
    prompt = np.array([1, 2])
    drawn = tr.generate(params, TINY, prompt, 8, temperature=1.0, seed=3)
    assert drawn.shape == (8,) and drawn.min() >= 0 and drawn.max() < 7
    assert np.array_equal(drawn, tr.generate(params, TINY, prompt, 8, temperature=1.0, seed=3))
    greedy = tr.generate(params, TINY, prompt, 6, temperature=1e-4, seed=0)
    ids = list(prompt)
    for _ in range(6):
        ids.append(int(np.argmax(tr.logits(params, TINY, np.array([ids[-5:]])).data[0, -1])))
    assert greedy.tolist() == ids[2:]
    with pytest.raises(ValueError, match="temperature"):
        tr.generate(params, TINY, prompt, 3, temperature=0.0)


def test_weight_decay_applies_to_exactly_the_matrices_and_embeddings():
    params = tr.init_params(tr.GPTConfig(7, 5, 3, 2, 8))
    assert {name for name in params if tr.decays(name)} == {name for name, v in params.items() if v.ndim == 2}


def test_float32_mode_gives_float32_gradients_close_to_float64():
    from book.autodiff import precision

    config = tr.GPTConfig(11, 8, 2, 2, 16)
    idx, targets = np.random.default_rng(14).integers(0, 11, (2, 3, 8))
    params = perturbed(config)
    value64, grads64 = tr.loss_and_grads(params, config, idx, targets)
    with precision(np.float32):
        value32, grads32 = tr.loss_and_grads(params, config, idx, targets)
    assert all(g.dtype == np.float32 for g in grads32.values())
    assert value32 == pytest.approx(value64, rel=1e-5)
    for name in params:
        scale = np.abs(grads64[name]).max()
        assert np.abs(grads32[name] - grads64[name]).max() <= 1e-4 * scale + 1e-7, name
