"""Every number and claim of Chapter 11's prose, re-derived a second way: the trained GPT is re-run by a forward pass
written here in plain numpy (float64, no autodiff), the first training steps are replayed with AdamW, the mask, the
schedule and clipping written inline, and the counts come from the parameter arrays themselves."""

import math

import numpy as np
import pytest

from book import transformer as tf
from book.autodiff import precision
from book.experiments import ch09
from book.experiments import ch11 as experiments
from book.text import vocabulary

CONFIG, RECIPE = experiments.CONFIG, experiments.RECIPE


@pytest.fixture(scope="module")
def run():
    return experiments.trained()


@pytest.fixture(scope="module")
def table(run):
    return experiments.table_on_test(run.best)


# --- an independent forward pass ------------------------------------------------------------------------------


def _layer_norm(x, gain, bias):
    mean = x.mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=-1, keepdims=True) + 1e-5) * gain + bias


def _gelu(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def numpy_forward(params, idx, maps=None):
    """The GPT's scores for ids ``idx`` (batch, T), in float64 numpy; every attention map appended to ``maps``."""
    p = {name: np.asarray(value, dtype=float) for name, value in params.items()}
    B, T = idx.shape
    C, H = CONFIG.n_embd, CONFIG.n_head
    d = C // H
    x = p["token_embedding"][idx] + p["position_embedding"][:T]
    future = np.triu(np.ones((T, T), dtype=bool), k=1)
    for i in range(CONFIG.n_layer):
        b = f"block{i}."
        qkv = _layer_norm(x, p[b + "ln1.gain"], p[b + "ln1.bias"]) @ p[b + "attn.W_qkv"] + p[b + "attn.b_qkv"]
        q, k, v = (qkv[..., j * C : (j + 1) * C].reshape(B, T, H, d).transpose(0, 2, 1, 3) for j in range(3))
        scores = np.where(future, -np.inf, q @ k.transpose(0, 1, 3, 2) / math.sqrt(d))
        weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights /= weights.sum(axis=-1, keepdims=True)
        if maps is not None:
            maps.append(weights)
        heads = (weights @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        x = x + heads @ p[b + "attn.W_proj"] + p[b + "attn.b_proj"]
        h = _gelu(_layer_norm(x, p[b + "ln2.gain"], p[b + "ln2.bias"]) @ p[b + "mlp.W_in"] + p[b + "mlp.b_in"])
        x = x + h @ p[b + "mlp.W_out"] + p[b + "mlp.b_out"]
    return _layer_norm(x, p["ln_f.gain"], p["ln_f.bias"]) @ p["token_embedding"].T


def numpy_cross_entropy(params, idx, targets):
    scores = numpy_forward(params, idx)
    top = scores.max(axis=-1, keepdims=True)
    log_p = scores - top - np.log(np.exp(scores - top).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]


# --- Section 1 and 2: counts, the mask, the schedule -----------------------------------------------------------


def test_parameter_counts_from_the_arrays():
    params = tf.init_params(CONFIG)
    total = sum(value.size for value in params.values())
    assert tf.parameter_count(CONFIG) == total == 108_352
    matrices = sum(value.size for name, value in params.items() if value.ndim == 2 and "embedding" not in name)
    assert matrices == 12 * CONFIG.n_layer * CONFIG.n_embd**2  # W_qkv, W_proj, W_in, W_out: 3 + 1 + 4 + 4 = 12 C²
    decayed = sum(value.size for name, value in params.items() if experiments.decays(name))
    assert decayed == matrices
    assert [name for name in params if experiments.decays(name) and params[name].ndim != 2] == []
    assert not experiments.decays("token_embedding") and not experiments.decays("position_embedding")


def test_the_schedule_against_its_formula():
    lr, peak, warmup, steps, low = RECIPE.optimizer().lr, RECIPE.peak_lr, RECIPE.warmup, RECIPE.steps, RECIPE.min_lr
    assert lr(0) == 0 and lr(warmup // 2) == pytest.approx(peak / 2) and lr(warmup) == pytest.approx(peak)
    middle = (warmup + steps) // 2
    assert lr(middle) == pytest.approx(
        low + (peak - low) * 0.5 * (1 + math.cos(math.pi * (middle - warmup) / (steps - warmup)))
    )
    assert lr(steps - 1) == pytest.approx(low, rel=0.01)
    assert warmup == steps // 10 and low == pytest.approx(peak / 10)  # "the first 10 %", "10 % of its peak"


def test_predictions_per_character():
    predictions = RECIPE.steps * RECIPE.batch_size * CONFIG.block_size
    assert predictions / ch09.train_ids().size == pytest.approx(1.4, abs=0.05)


# --- Section 3: the run ---------------------------------------------------------------------------------------


def test_the_first_steps_replayed_with_the_recipe_written_inline(run):
    """The gradient norms book.optim recorded before clipping, reproduced by a loop with AdamW (PyTorch's form), the
    mask, the warmup and clipping written here: they depend on every earlier update."""
    steps = 12
    rng = np.random.default_rng(experiments.SEED)
    params = {name: value.copy() for name, value in tf.init_params(CONFIG, experiments.SEED).items()}
    m = {name: np.zeros_like(value) for name, value in params.items()}
    v = {name: np.zeros_like(value) for name, value in params.items()}
    beta1, beta2 = RECIPE.betas
    norms = []
    for t in range(steps):
        starts = rng.integers(0, ch09.train_ids().size - CONFIG.block_size, RECIPE.batch_size)
        rows = starts[:, None] + np.arange(CONFIG.block_size)
        with precision(np.float32):
            _, grads = tf.loss_and_grads(params, CONFIG, ch09.train_ids()[rows], ch09.train_ids()[rows + 1])
        norm = math.sqrt(sum(float(np.sum(np.square(g, dtype=float))) for g in grads.values()))
        norms.append(norm)
        scale = min(1.0, RECIPE.max_norm / (norm + 1e-6))
        lr = RECIPE.peak_lr * t / RECIPE.warmup
        for name in params:
            g = grads[name].astype(float) * scale
            if name.rsplit(".", 1)[-1].startswith("W_"):  # the weight matrices only
                params[name] = params[name] * (1 - lr * RECIPE.weight_decay)
            m[name] = beta1 * m[name] + (1 - beta1) * g
            v[name] = beta2 * v[name] + (1 - beta2) * g * g
            m_hat, v_hat = m[name] / (1 - beta1 ** (t + 1)), v[name] / (1 - beta2 ** (t + 1))
            params[name] = params[name] - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
    np.testing.assert_allclose(norms, run.grad_norm[:steps], rtol=2e-3)


def test_clipping_claims(run):
    """Clipping acts on about 60 % of the steps, about 30 % of the first 200 and 80 % of the last 200, counted here
    from the recorded norms and the threshold; the norm grows while the loss falls."""
    norms, threshold = run.grad_norm, RECIPE.max_norm
    assert norms.size == RECIPE.steps
    assert sum(1 for n in norms if n > threshold) / RECIPE.steps == pytest.approx(0.6, abs=0.05)
    assert sum(1 for n in norms[:200] if n > threshold) / 200 == pytest.approx(0.3, abs=0.05)
    assert sum(1 for n in norms[-200:] if n > threshold) / 200 == pytest.approx(0.8, abs=0.05)
    assert np.median(norms[-200:]) > np.median(norms[:200])
    assert run.batch_loss[-100:].mean() < run.batch_loss[:100].mean() - 1


def test_validation_losses_by_the_numpy_forward(run):
    idx, targets = experiments.validation_windows(CONFIG, RECIPE.eval_windows)
    final = float(numpy_cross_entropy(run.final, idx, targets).mean())
    assert final == pytest.approx(run.validation[RECIPE.steps], abs=2e-3)
    best = float(numpy_cross_entropy(run.best, idx, targets).mean())
    assert best == pytest.approx(min(run.validation.values()), abs=2e-3)
    assert best < ch09.baselines("validation")["trigram"]
    assert run.validation[0] == pytest.approx(math.log(65), abs=0.05)  # "about ln 65" at the start
    assert run.best_step >= RECIPE.steps - 2 * RECIPE.every
    assert run.validation[RECIPE.steps] < run.validation[RECIPE.steps // 2]  # "still falls at the end"


# --- Section 4: the temperature and the checkpoints -----------------------------------------------------------


def _by_hand(params, prompt: str, temperature: float) -> list[float]:
    """softmax(s / τ) of the numpy forward's scores for the character after ``prompt``, one math.exp at a time."""
    ids = vocabulary().encode(prompt)[None, -CONFIG.block_size :]
    scores = [float(s) / temperature for s in numpy_forward(params, ids)[0, -1]]
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    return [w / sum(weights) for w in weights]


def _entropy(p) -> float:
    return -sum(q * math.log(q) for q in p if q > 0)


def test_the_temperature_explorable_by_hand(run):
    """The explorable's distributions are softmax(s / τ) of the trained model's scores, and the prose's claims about
    them hold for the distributions computed here."""
    assert experiments.TOP == 12 and CONFIG.vocab_size - experiments.TOP == 53  # "the 12 most likely", "the other 53"
    assert min(experiments.SLIDER_TEMPERATURES) == 0.1 and max(experiments.SLIDER_TEMPERATURES) == 5  # "from 0.1 to 5"
    hand = {
        (prompt, tau): _by_hand(run.best, prompt, tau)
        for prompt in experiments.SLIDER_PROMPTS
        for tau in experiments.SLIDER_TEMPERATURES
    }
    for (prompt, tau), p in hand.items():
        np.testing.assert_allclose(experiments.next_probabilities(prompt, tau), p, atol=1e-3)
    for prompt in experiments.SLIDER_PROMPTS:
        entropies = [_entropy(hand[prompt, tau]) for tau in experiments.SLIDER_TEMPERATURES]
        assert entropies == sorted(entropies)  # every distribution flattens as τ grows...
        assert entropies[-1] < math.log(65)  # ...towards the uniform's ln 65
        leaders = [
            sorted(range(65), key=lambda i: -hand[prompt, tau][i])[:12] for tau in experiments.SLIDER_TEMPERATURES
        ]
        assert all(
            set(lead) == set(leaders[0]) for lead in leaders
        )  # "the same 12 characters lead at every temperature"
    u = vocabulary().encode("u")[0]
    sure = hand["What say yo", 1.0]
    assert max(sure) == sure[u] > 0.95  # "gives u more than 95 % of the probability"
    assert hand["What say yo", 2.0][u] > 0.5 > hand["What say yo", 3.0][u]  # "more than half of it up to τ = 2"
    unsure = _entropy(hand["And the ", 1.0])
    assert round(unsure) == 3 and round(math.exp(unsure), -1) == 20  # "about 3 nats", "about 20 characters"
    assert max(_entropy(hand[prompt, 1.0]) for prompt in experiments.SLIDER_PROMPTS) == unsure  # the least sure
    for prompt in experiments.SLIDER_PROMPTS:  # τ = 0.1 is nearly the greedy choice (where the model has no near tie)
        if prompt != "My lord, I th":
            assert max(hand[prompt, 0.1]) > 0.8
    hot = sorted(hand["the kin", 5.0])
    assert sum(hot[:53]) > 0.5  # "the 53 least likely get more than half of the probability"
    assert sum(sorted(hand["And the ", 1.5])[:53]) > 0.25  # "more than a quarter" at τ = 1.5


def test_the_checkpoint_explorable_claims(run):
    """The run keeps its parameters at every checkpoint (the best and the last among them); what the model writes
    there and the prose's claims about it."""
    steps = sorted(run.checkpoints)
    assert steps == sorted(run.validation) and steps[0] == 0 and steps[-1] == RECIPE.steps == 700
    assert experiments.CHECKPOINT_TEMPERATURE == 0.8
    for name, value in run.final.items():
        np.testing.assert_array_equal(run.checkpoints[RECIPE.steps][name], value)
        np.testing.assert_array_equal(run.checkpoints[run.best_step][name], run.best[name])
    np.testing.assert_allclose(
        run.checkpoints[0]["token_embedding"], tf.init_params(CONFIG, experiments.SEED)["token_embedding"], rtol=1e-6
    )
    idx, targets = experiments.validation_windows(CONFIG, RECIPE.eval_windows)
    for step in (50, 100):
        assert float(numpy_cross_entropy(run.checkpoints[step], idx, targets).mean()) == pytest.approx(
            run.validation[step], abs=2e-3
        )
    baselines = ch09.baselines("validation")
    assert run.validation[50] < baselines["unigram"]  # "within 50 steps below the unigram's"
    assert abs(run.validation[100] - baselines["bigram"]) < 0.1  # "by step 100 close to the bigram's"
    training = vocabulary().decode(ch09.train_ids())
    words = set(training.split())
    texts = {step: experiments.checkpoint_sample(step) for step in (0, 50, 100, 700)}
    space = training.count(" ") / len(training)
    assert texts[0].count(" ") / len(texts[0]) < 2 / 65  # "the space no more common than any other"
    assert abs(texts[50].count(" ") / len(texts[50]) - space) < 0.05  # "spaces at about the right rate"
    real = {step: np.mean([word in words for word in text.split()]) for step, text in texts.items()}
    assert real[0] < 0.1 and real[100] < 0.5 and real[700] > 0.5  # "most ... not yet a word" at 100; most are at 700
    assert real[0] < real[50] < real[700]
    assert all(len(text) == experiments.CHECKPOINT_LENGTH for text in texts.values())


# --- Sections 5 and 6: attention and the test set -------------------------------------------------------------


def test_attention_claims_by_the_numpy_forward(run):
    maps = []
    numpy_forward(run.best, experiments.map_ids()[None, :], maps)
    maps = np.stack(maps)[:, 0]
    np.testing.assert_allclose(maps, experiments.attention_maps(run.best), atol=1e-4)
    T = maps.shape[-1]
    distance = np.array(
        [
            [
                np.mean([sum(maps[layer, h, t, s] * (t - s) for s in range(t + 1)) for t in range(T)])
                for h in range(CONFIG.n_head)
            ]
            for layer in range(CONFIG.n_layer)
        ]
    )
    assert round(distance[0].mean()) == 4 and round(distance[1].mean()) == 10  # "about 4", "about 10" characters back
    assert distance[0].max() < distance[1].min()
    near = np.array(
        [np.mean([maps[0, h, t, max(t - 3, 0) : t + 1].sum() for t in range(T)]) for h in range(CONFIG.n_head)]
    )
    assert (near > 0.5).sum() >= 3  # most of their weight on the current character and the few before it


def test_the_test_table_by_the_numpy_forward(run, table):
    """The GPT's test loss over every character of the test block, in consecutive windows of 64, in float64 numpy."""
    ids = ch09.test_ids()
    inputs, targets = ids[:-1], ids[1:]
    T = CONFIG.block_size
    full = inputs.size // T
    windows = inputs[: full * T].reshape(full, T), targets[: full * T].reshape(full, T)
    losses = [
        numpy_cross_entropy(run.best, windows[0][s : s + 64], windows[1][s : s + 64]).ravel()
        for s in range(0, full, 64)
    ]
    losses.append(numpy_cross_entropy(run.best, inputs[None, full * T :], targets[None, full * T :]).ravel())
    gpt = float(np.concatenate(losses).mean())
    assert np.concatenate(losses).size == targets.size
    assert gpt == pytest.approx(table["GPT"], abs=2e-3)
    assert gpt < table["trigram"] < table["bigram"] < table["unigram"] < table["uniform"]
    assert gpt < table["MLP (Chapter 9)"]
    assert table["uniform"] == pytest.approx(math.log(65), rel=1e-12)


def _batch_gradients(params, batches: int, seed: int = 7) -> list[np.ndarray]:
    """The flattened gradients of ``batches`` random training batches of the recipe's size."""
    rng, ids = np.random.default_rng(seed), ch09.train_ids()
    flat = []
    for _ in range(batches):
        starts = rng.integers(0, ids.size - CONFIG.block_size, RECIPE.batch_size)
        rows = starts[:, None] + np.arange(CONFIG.block_size)
        with precision(np.float32):
            _, grads = tf.loss_and_grads(params, CONFIG, ids[rows], ids[rows + 1])
        flat.append(np.concatenate([g.ravel().astype(float) for g in grads.values()]))
    return flat


def test_at_the_end_the_batch_gradient_is_mostly_noise(run):
    """'the true part shrinks and what is left is mostly noise': with k = 16 batch gradients g_i, E‖g_i‖² = ‖ḡ‖² + σ²
    and E‖mean of g_i‖² = ‖ḡ‖² + σ²/k, so σ² is estimated from the two; its share of ‖g‖² is small at the start and
    more than half at the end of training."""
    k = 16
    shares = []
    for params in (tf.init_params(CONFIG, experiments.SEED), run.final):
        flat = _batch_gradients(params, k)
        single = np.mean([g @ g for g in flat])
        mean = np.mean(flat, axis=0)
        noise = (single - mean @ mean) * k / (k - 1)
        shares.append(noise / single)
    assert shares[0] < 0.1 and shares[1] > 0.5, shares
