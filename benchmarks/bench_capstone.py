"""Chapter 11's language model: training steps per second with book.autodiff's gradient vs the same model's gradient
written by hand in numpy, both through the same book.optim.run, AdamW, schedule and clipping; and the time each
takes to reach the loss the chapter states (held-out loss 0.2 nats below the bigram). Asserts that the two
gradients agree. Run ``python benchmarks/bench_capstone.py`` for a Markdown table.
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

from book import lm
from book.figures import ch11
from book.optim import clip_by_global_norm, run

STEPS = 600
"""Steps timed for each gradient (the first 600 of the chapter's 3 000-step schedule)."""


def numpy_loss_and_grads(params: dict, X: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    """The model's loss and its gradient with the backward pass derived by hand."""
    E, W1, b1, W2, b2 = (params[n] for n in ("E", "W1", "b1", "W2", "b2"))
    n = len(y)
    rows = E[X].reshape(n, -1)
    h = np.tanh(rows @ W1 + b1)
    s = h @ W2 + b2
    top = s.max(axis=1, keepdims=True)
    p = np.exp(s - top)
    total = p.sum(axis=1, keepdims=True)
    loss = float(np.mean(top[:, 0] + np.log(total[:, 0]) - s[np.arange(n), y]))
    ds = p / total
    ds[np.arange(n), y] -= 1
    ds /= n  # d loss / d scores = (softmax − onehot) / n
    dh = ds @ W2.T
    dz = dh * (1 - h**2)
    drows = dz @ W1.T
    dE = np.zeros_like(E)
    np.add.at(dE, X, drows.reshape(X.shape + (E.shape[1],)))
    return loss, {"E": dE, "W1": rows.T @ dz, "b1": dz.sum(axis=0), "W2": h.T @ ds, "b2": ds.sum(axis=0)}


def _check_gradients(corpus: lm.Corpus, params: dict) -> float:
    X, y = corpus.train_pairs[0][:64], corpus.train_pairs[1][:64]
    ours, by_hand = lm.loss_and_grads(params, X, y), numpy_loss_and_grads(params, X, y)
    assert abs(ours[0] - by_hand[0]) < 1e-12
    worst = max(float(np.max(np.abs(ours[1][n] - by_hand[1][n]))) for n in params)
    assert worst < 1e-12, f"hand-derived gradient differs from book.autodiff's by {worst}"
    return worst


def _timed_training(gradient, corpus: lm.Corpus, params: dict) -> tuple[float, dict]:
    """Seconds for STEPS steps with the chapter's recipe, and the held-out loss every 100 steps."""
    X, y = corpus.train_pairs
    rng = np.random.default_rng(ch11.SEED)

    def grad_fn(x):
        rows = rng.integers(0, len(y), ch11.RECIPE.batch_size)
        return clip_by_global_norm(gradient(x, X[rows], y[rows])[1], ch11.RECIPE.max_norm)[0]

    kept = {}

    def callback(t, x):
        if t % 100 == 0:
            kept[t] = x
        return False

    with threadpool_limits(1):
        start = time.perf_counter()
        run(ch11.RECIPE.optimizer(), grad_fn, params, STEPS, callback=callback)
        seconds = time.perf_counter() - start
    return seconds, {t: lm.evaluate(x, *corpus.held_out_pairs) for t, x in kept.items()}


def run_benchmark() -> dict[str, float]:
    corpus = ch11.corpus()
    params = lm.init_params(corpus.vocab.size, ch11.CONTEXT, ch11.EMBED, ch11.HIDDEN, seed=ch11.SEED)
    worst = _check_gradients(corpus, params)
    autodiff_s, autodiff_losses = _timed_training(lm.loss_and_grads, corpus, params)
    numpy_s, numpy_losses = _timed_training(numpy_loss_and_grads, corpus, params)
    for t in autodiff_losses:
        assert abs(autodiff_losses[t] - numpy_losses[t]) < 1e-6, "the two trainings drifted apart"
    full = ch11.trained()
    bigram = lm.bigram_cross_entropy(lm.bigram_log_probs(corpus.train_ids, corpus.vocab.size, 0.1),
                                     corpus.held_out_pairs[0][:, -1], corpus.held_out_pairs[1])
    reach = lm.steps_to_reach(full, bigram - 0.2)
    return {
        "largest gradient difference, autodiff vs hand-derived": worst,
        "book.autodiff: steps per second": STEPS / autodiff_s,
        "hand-derived numpy backward: steps per second": STEPS / numpy_s,
        "autodiff / numpy time per step": autodiff_s / numpy_s,
        "steps to held-out loss bigram − 0.2 (checkpoints every 200)": float(reach),
        "book.autodiff: seconds to that loss": reach * autodiff_s / STEPS,
        "hand-derived numpy: seconds to that loss": reach * numpy_s / STEPS,
    }


if __name__ == "__main__":
    print("| measure | value |\n|---|---|")
    for name, value in run_benchmark().items():
        print(f"| {name} | {value:.3g} |")
