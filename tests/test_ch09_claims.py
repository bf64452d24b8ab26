"""Every number and claim of Chapter 9's prose, re-derived a second way: if the text starts to lie, this fails."""

import collections
import math

import numpy as np
import pytest

from book import scale, text
from book import transformer as tf
from book.experiments import ch09 as experiments


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --- Section 1: baselines -------------------------------------------------------------------------------------


def test_the_split_is_contiguous_and_the_vocabulary_has_65_characters():
    splits, whole = text.load_splits(), text.load_tiny_shakespeare()
    assert splits.train + splits.validation + splits.test == whole
    assert len(set(whole)) == text.vocabulary().size == 65


def test_the_baselines_improve_with_context_and_the_uniform_one_is_log_v():
    for split in ("validation", "test"):
        table = experiments.baselines(split)
        assert table["uniform"] == pytest.approx(math.log(65), abs=1e-12)
        assert table["uniform"] > table["unigram"] > table["bigram"] > table["trigram"]


def test_the_tuned_unigram_is_no_worse_on_validation_than_plain_frequencies():
    """Frequencies counted with a Counter: λ = 1 is among the weights tried, so the tuned model can only be better."""
    splits = text.load_splits()
    counts = collections.Counter(splits.train)
    scored = splits.validation[2:]
    plain = -np.mean([math.log(counts[c] / len(splits.train)) for c in scored])
    assert experiments.baselines("validation")["unigram"] <= plain + 1e-9
    assert experiments.baselines("validation")["unigram"] == pytest.approx(plain, abs=0.01)


def test_counting_eight_characters_of_context_is_hopeless():
    assert 3e14 < 65**8 < 3.5e14
    assert 65**8 > 300 * len(text.load_splits().train)


def test_next_characters_after_th_are_counted_in_the_training_text():
    train = text.load_splits().train
    following = collections.Counter(train[i + 2] for i in range(len(train) - 2) if train[i : i + 2] == "th")
    total = sum(following.values())
    for char, frequency in experiments.next_characters("th").items():
        assert frequency == pytest.approx(following[char] / total, rel=1e-12)
    assert list(experiments.next_characters("th"))[0] == following.most_common(1)[0][0] == "e"


# --- Section 3: attention -------------------------------------------------------------------------------------


def test_softmax_jacobian_is_diag_p_minus_ppt_by_central_differences():
    rng = np.random.default_rng(3)
    for size in (2, 5, 9):
        z, h = rng.standard_normal(size), 1e-6
        numeric = np.column_stack([(_softmax(z + h * e) - _softmax(z - h * e)) / (2 * h) for e in np.eye(size)])
        p = _softmax(z)
        assert np.allclose(numeric, np.diag(p) - np.outer(p, p), atol=1e-9)
        assert np.allclose(numeric.sum(axis=0), 0, atol=1e-9)


def test_scores_spread_like_root_d():
    """Fresh, independent draws (not nested): the variance of q·k is d."""
    rng = np.random.default_rng(11)
    for d in (4, 64):
        q, k = rng.standard_normal((20000, d)), rng.standard_normal((20000, d))
        assert np.std(np.sum(q * k, axis=1)) == pytest.approx(math.sqrt(d), rel=0.03)
    assert experiments.score_spread()[63] == pytest.approx(8, rel=0.05)


def _median_jacobian_norm(d, scaled, draws=2000, seed=5):
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal((draws, 1, d)), rng.standard_normal((draws, 8, d))
    z = np.sum(q * k, axis=2) / (math.sqrt(d) if scaled else 1.0)
    p = _softmax(z)
    J = p[:, :, None] * np.eye(8) - p[:, :, None] * p[:, None, :]
    return np.median(np.linalg.norm(J, axis=(1, 2)))


def test_unscaled_softmax_saturates_and_scaled_does_not():
    """Explicit Jacobian matrices on independent draws: the chapter's closed form of the norm agrees."""
    unscaled = np.median(experiments.softmax_jacobian_norms(256, scaled=False), axis=1)
    scaled = np.median(experiments.softmax_jacobian_norms(256, scaled=True), axis=1)
    assert _median_jacobian_norm(256, scaled=False) < 1e-2 and unscaled[-1] < 1e-2
    assert unscaled[-1] == pytest.approx(_median_jacobian_norm(256, scaled=False), rel=1.0)  # same order of magnitude
    assert _median_jacobian_norm(256, scaled=True) == pytest.approx(_median_jacobian_norm(1, scaled=True), rel=0.1)
    assert np.all(np.abs(scaled / scaled[0] - 1) < 0.1)
    assert scaled[-1] == pytest.approx(_median_jacobian_norm(256, scaled=True), rel=0.05)


def test_the_saturation_dimension_is_where_independent_draws_cross_the_threshold():
    d = experiments.saturation_dimension()
    assert _median_jacobian_norm(int(d * 1.25), scaled=False) < experiments.SATURATION_THRESHOLD
    assert _median_jacobian_norm(int(d / 1.25), scaled=False) > experiments.SATURATION_THRESHOLD


# --- Section 4: LayerNorm and residual connections ------------------------------------------------------------


def _layer_norm(x):
    return (x - x.mean()) / x.std()


def test_layer_norm_jacobian_by_central_differences_and_its_two_null_directions():
    x, h = np.random.default_rng(1).standard_normal(8), 1e-6
    numeric = np.column_stack([(_layer_norm(x + h * e) - _layer_norm(x - h * e)) / (2 * h) for e in np.eye(8)])
    J = experiments.layer_norm_jacobian(x)
    assert np.allclose(J, numeric, atol=1e-8)
    y = _layer_norm(x)
    assert np.allclose(numeric @ np.ones(8), 0, atol=1e-8) and np.allclose(numeric @ y, 0, atol=1e-8)
    assert np.sum(np.linalg.svd(J, compute_uv=False) < 1e-12) == 2
    g = np.random.default_rng(2).standard_normal(8)
    assert np.allclose(g @ numeric, (g - g.mean() - y * np.mean(g * y)) / x.std(), atol=1e-8)


def _loss_change_when_first_block_moves(n_layer, residual):
    """How much the loss moves when the first block's W_qkv is replaced by 3 times itself (no gradient involved)."""
    config = tf.GPTConfig(n_layer=n_layer, residual=residual, **experiments.DEPTH_SHAPE)
    idx, targets = text.random_windows(experiments.train_ids(), config.block_size, 4, np.random.default_rng(0))
    params = tf.init_params(config, 0)
    moved = dict(params, **{"block0.attn.W_qkv": 3 * params["block0.attn.W_qkv"]})
    return abs(float(tf.loss(moved, config, idx, targets).data) - float(tf.loss(params, config, idx, targets).data))


def test_residuals_keep_the_first_block_in_play_and_without_them_it_vanishes():
    depth = experiments.depth_experiment()
    assert depth[True][-1] > 0.1 * depth[True][0]
    assert depth[False][-1] < 1e-10 * depth[False][0]
    assert _loss_change_when_first_block_moves(32, residual=True) > 1e-6
    assert _loss_change_when_first_block_moves(32, residual=False) < 1e-12


def test_gelu_is_the_tanh_approximation_of_u_times_phi():
    from scipy.stats import norm

    from book.autodiff import Tensor, gelu

    u = np.linspace(-4, 4, 81)
    assert np.allclose(gelu(Tensor(u)).data, u * norm.cdf(u), atol=2e-3)


# --- Section 5: counting ----------------------------------------------------------------------------------------


def test_parameter_counts_from_the_arrays_and_gpt2_small_as_published():
    for config in (experiments.CONFIG, experiments.TINY, experiments.COUNTED[1][1]):
        assert sum(v.size for v in tf.init_params(config).values()) == experiments.counts(config)["parameters"]
    assert experiments.counts(experiments.COUNTED[2][1])["parameters"] == 124_439_808  # GPT-2 small, tied head


def test_the_approximation_misses_only_biases_and_gains_under_one_percent_above_the_tiniest():
    for _, config in experiments.COUNTED[1:]:
        c = experiments.counts(config)
        assert c["parameters"] - c["approximation"] == 13 * config.n_layer * config.n_embd + 2 * config.n_embd
        assert (c["parameters"] - c["approximation"]) / c["parameters"] < 0.01


def test_training_flops_per_token_by_counting_the_matrix_products(monkeypatch):
    """Every np.matmul of a forward pass on one full window is counted (2mnk flops); backward is twice forward."""
    counted = []
    original = np.matmul

    def counting(a, b, *args, **kwargs):
        out = original(a, b, *args, **kwargs)
        inner = np.shape(a)[-1]
        counted.append(2 * inner * out.size)
        return out

    for config in (experiments.CONFIG, tf.GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128)):
        counted.clear()
        params = tf.init_params(config)
        monkeypatch.setattr(np, "matmul", counting)
        tf.logits(params, config, np.zeros((1, config.block_size), dtype=int))
        monkeypatch.undo()
        forward_per_token = sum(counted) / config.block_size
        assert 3 * forward_per_token == pytest.approx(experiments.counts(config)["flops per token"], rel=1e-12)
        assert 0.95 < experiments.counts(config)["flops / 6N"] < 1.2


def test_flops_stay_within_15_percent_of_6n_for_the_counted_models():
    for _, config in experiments.COUNTED:
        assert abs(experiments.counts(config)["flops / 6N"] - 1) < 0.15


def test_gpt2_small_training_state_and_a_billion_tokens():
    n = experiments.counts(experiments.COUNTED[2][1])["parameters"]
    assert (
        scale.training_memory(n, "adam", "mixed")["total"]
        == experiments.counts(experiments.COUNTED[2][1])["training state (bytes)"]
    )
    assert round(16 * n / 1e9, 1) == 2.0
    assert 6 * n * 1e9 == pytest.approx(7.5e17, rel=0.01)


# --- Section 6: checked end to end ------------------------------------------------------------------------------


def test_tiny_gradient_coordinate_by_coordinate():
    """Central differences on single parameters (not random directions) against loss_and_grads, in float64."""
    config, rng = experiments.TINY, np.random.default_rng(0)
    params = {n: v + 0.3 * rng.standard_normal(v.shape) for n, v in tf.init_params(config, 0).items()}
    idx, targets = rng.integers(0, 5, (2, 4)), rng.integers(0, 5, (2, 4))
    _, grads = tf.loss_and_grads(params, config, idx, targets)
    h = 1e-5
    for name in ("token_embedding", "block0.attn.W_qkv", "block1.ln2.gain", "block1.mlp.b_out", "position_embedding"):
        for flat in rng.choice(params[name].size, 3, replace=False):
            where = np.unravel_index(flat, params[name].shape)
            plus, minus = ({**params, name: params[name].copy()} for _ in range(2))
            plus[name][where] += h
            minus[name][where] -= h
            numeric = (
                float(tf.loss(plus, config, idx, targets).data) - float(tf.loss(minus, config, idx, targets).data)
            ) / (2 * h)
            assert grads[name][where] == pytest.approx(numeric, rel=1e-5, abs=1e-9)
    assert experiments.tiny_gradient_check(directions=10) < 1e-6


def test_causality_by_truncation():
    """The logits at positions ≤ t computed on the prefix alone equal those on the whole window (to round-off: the
    matrix products have other shapes)."""
    config = experiments.CONFIG
    params = tf.init_params(config, 0)
    window = experiments.prompt_ids()[None, :]
    full = tf.logits(params, config, window).data
    for t in (0, 5, 17, 31):
        assert np.allclose(tf.logits(params, config, window[:, : t + 1]).data, full[:, : t + 1], rtol=1e-12, atol=1e-14)
    changes = experiments.causality_map(params, config, window)
    assert not np.triu(changes, k=1).any() and np.all(np.diag(changes) > 0)


# --- Section 7: the short run ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs():
    return {kind: experiments.trained(kind) for kind in ("mlp", "transformer")}


def _numpy_mlp_loss(params, ids, starts):
    """The MLP's loss on windows, written out in numpy (no autodiff), float64."""
    rows = starts[:, None] + np.arange(experiments.CONFIG.block_size)
    contexts = experiments.mlp_contexts(ids, starts)
    p = {k: v.astype(float) for k, v in params.items()}
    s = np.tanh(p["E"][contexts].reshape(len(contexts), -1) @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    top = s.max(axis=1)
    targets = ids[rows + 1].reshape(-1)
    return float(np.mean(top + np.log(np.exp(s - top[:, None]).sum(axis=1)) - s[np.arange(len(targets)), targets]))


def test_the_short_run_verdicts(runs):
    mlp, transformer = runs["mlp"], runs["transformer"]
    held = experiments.validation_ids()
    last = experiments.STEPS
    assert mlp.validation[last] == pytest.approx(
        _numpy_mlp_loss(mlp.params, held, experiments.eval_starts(held)), abs=1e-4
    )
    assert (
        mlp.validation[last]
        < experiments.baselines("validation")["trigram"]
        < experiments.baselines("validation")["bigram"]
    )
    assert transformer.validation[last] > mlp.validation[last]  # the MLP is ahead at equal steps
    assert transformer.validation[last] > experiments.baselines("validation")["trigram"]
    assert all(transformer.seconds[t] > 0 for t in transformer.seconds if t > 0)
    assert experiments.training_loss("mlp", mlp.params) < mlp.validation[last]
    assert np.all(np.isfinite(mlp.batch_loss)) and np.all(np.isfinite(transformer.batch_loss))
    assert transformer.validation[last] < transformer.validation[0] - 1.5
    by_position = experiments.loss_by_position("transformer", transformer.params, held)
    assert by_position[16:].mean() < by_position[:8].mean()
    mlp_by_position = experiments.loss_by_position("mlp", mlp.params, held)
    assert abs(mlp_by_position[16:].mean() - mlp_by_position[:8].mean()) < 0.1  # flat: 8 characters everywhere


def test_the_test_table(runs):
    """The MLP's test score from the numpy forward pass, on the same windows as experiments.score."""
    ids = experiments.test_ids()
    starts = np.arange(
        experiments.MLP_CONTEXT - 1, ids.size - experiments.CONFIG.block_size - 1, experiments.CONFIG.block_size
    )
    assert experiments.score("mlp", runs["mlp"].params, ids) == pytest.approx(
        _numpy_mlp_loss(runs["mlp"].params, ids, starts), abs=1e-4
    )
    mlp = _numpy_mlp_loss(runs["mlp"].params, ids, starts)
    transformer = experiments.score("transformer", runs["transformer"].params, ids)
    baselines = experiments.baselines("test")
    assert mlp < min(baselines.values())
    assert abs(transformer - baselines["trigram"]) < 0.1 and transformer < baselines["bigram"] and transformer > mlp


def test_gelu_derivative_is_zero_at_one_point_only():
    from scipy.stats import norm

    u = np.linspace(-6, 6, 120001)
    derivative = norm.cdf(u) + u * norm.pdf(u)  # d/du of u·Φ(u)
    assert np.sum(np.diff(np.sign(derivative)) != 0) == 1


def test_attention_starts_nearly_uniform_and_e_to_the_8_is_about_3000():
    maps = tf.attention_weights(
        tf.init_params(experiments.CONFIG, 0), experiments.CONFIG, experiments.prompt_ids()[None, :]
    )
    uniform = np.tril(np.ones((32, 32))) / np.arange(1, 33)[:, None]
    assert np.abs(maps - uniform).max() < 0.02
    assert round(math.exp(8), -3) == 3000
