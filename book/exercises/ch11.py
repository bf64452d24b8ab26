"""Checkers for Chapter 11's exercises (the capstone language model): ``check.encode(...)``."""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable

import numpy as np

from book import lm
from book.checks import Case, Mistake, Result, check_function, close_to, wrong
from book.exercises._claims import probed, same_side

TIGHT = close_to(rtol=1e-10, atol=1e-12)


def _encode(text):
    chars = sorted(set(text))
    return np.array([chars.index(c) for c in text])


def _first_seen_order(text):
    chars = list(dict.fromkeys(text))
    return np.array([chars.index(c) for c in text])


def encode(learner: Callable) -> Result:
    """Exercise 11.1: the ids of a text's characters, a character's id being its position in the sorted vocabulary."""
    return check_function(
        learner,
        _encode,
        (
            Case(("hello",), 'text = "hello"'),
            Case(("Shall I compare thee",), 'text = "Shall I compare thee"'),
            Case(("baba\nab",), 'text = "baba\\nab"'),
        ),
        mistakes=(
            Mistake(_first_seen_order, "the ids follow the order characters first appear in; sort the vocabulary first."),
            Mistake(lambda text: _encode(text) + 1, "ids start at 0: a character's id is its position in the sorted list."),
            Mistake(lambda text: np.array([ord(c) for c in text]), "ord(c) is the character's code point; the id is its position in sorted(set(text))."),
        ),
        hint="chars = sorted(set(text)); return np.array([chars.index(c) for c in text]).",
        compare=TIGHT,
        name="encode",
    )


def _bigram(train_ids, held_ids, V, alpha):
    counts = np.zeros((V, V))
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
    p = (counts + alpha) / (counts.sum(axis=1, keepdims=True) + alpha * V)
    return -np.mean(np.log(p[held_ids[:-1], held_ids[1:]]))


def _bigram_with(probabilities: Callable, log=np.log) -> Callable:
    def wrong(train_ids, held_ids, V, alpha):
        counts = np.zeros((V, V))
        np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
        return -np.mean(log(probabilities(counts, V, alpha)[held_ids[:-1], held_ids[1:]]))

    return wrong


_TRAIN = np.array([0, 1, 2, 0, 1, 1, 2, 0, 0, 1, 2, 2, 1, 0])
_HELD = np.array([0, 1, 2, 2, 0, 1, 0])


def bigram_cross_entropy(learner: Callable) -> Result:
    """Exercise 11.2: the held-out cross-entropy (nats) of the add-α bigram model counted on the training ids."""
    return check_function(
        learner,
        _bigram,
        (
            Case((_TRAIN, _HELD, 3, 1.0), "the 14 training ids of the exercise, held-out ids [0 1 2 2 0 1 0], V = 3, α = 1"),
            Case((_TRAIN, _HELD, 3, 0.1), "the same ids, α = 0.1"),
            Case((np.array([0, 1, 0, 1, 3]), np.array([1, 0, 3, 2]), 4, 0.5), "training [0 1 0 1 3], held-out [1 0 3 2], V = 4, α = 0.5"),
        ),
        mistakes=(
            Mistake(_bigram_with(lambda c, V, a: (c + a) / (c.sum(axis=1, keepdims=True) + a)),
                    "the row's total must grow by α·V, one α for each of the V possible next characters."),
            Mistake(_bigram_with(lambda c, V, a: (c + a) / (c.sum() + a * V * V)),
                    "divide by the count of the *current* character's row: p(b | a) = (count(a b) + α) / (count(a ·) + αV)."),
            Mistake(_bigram_with(lambda c, V, a: (c + a) / (c.sum(axis=0, keepdims=True) + a * V)),
                    "that divides by the column: rows are the current character, so normalise each row."),
            Mistake(_bigram_with(lambda c, V, a: (c + a) / (c.sum(axis=1, keepdims=True) + a * V), np.log2),
                    "the chapter measures in nats: use the natural logarithm np.log, not log2."),
        ),
        hint="count the pairs (train[i], train[i+1]) in a V × V table, add α, divide each row by its sum, and "
             "average −ln p(next | current) over the held-out pairs.",
        compare=TIGHT,
        name="bigram_cross_entropy",
    )


def _sample_next(scores, temperature, u):
    z = scores / temperature
    p = np.exp(z - z.max())
    return int(np.searchsorted(np.cumsum(p / p.sum()), u))


_SCORES = np.array([2.0, 1.0, 0.0, -1.0])


def sample_next(learner: Callable) -> Result:
    """Exercise 11.3: the index drawn from softmax(scores / temperature) by inverting its cumulative sum at u."""
    return check_function(
        learner,
        _sample_next,
        (
            Case((_SCORES, 1.0, 0.7), "scores [2 1 0 -1], T = 1, u = 0.7"),
            Case((_SCORES, 0.5, 0.9), "scores [2 1 0 -1], T = 0.5, u = 0.9"),
            Case((_SCORES, 2.0, 0.9), "scores [2 1 0 -1], T = 2, u = 0.9"),
            Case((_SCORES * 400, 2.0, 0.5), "scores [800 400 0 -400], T = 2, u = 0.5"),
            Case((np.arange(4.0), 2.0, 0.1), "scores [0 1 2 3], T = 2, u = 0.1"),
        ),
        mistakes=(
            Mistake(lambda s, T, u: _sample_next(s, 1 / T, u), "divide the scores by the temperature, do not multiply."),
            Mistake(lambda s, T, u: _sample_next(s, 1.0, u), "the temperature is ignored: use softmax(scores / temperature)."),
            Mistake(lambda s, T, u: int(np.argmax(s)), "that is the most likely index, the T → 0 limit; draw with u from the probabilities."),
        ),
        hint="p = softmax(scores / temperature) (subtract the largest score before exp); return the first index "
             "whose cumulative probability exceeds u: np.searchsorted(np.cumsum(p), u).",
        compare=TIGHT,
        name="sample_next",
    )


def _model_loss(E, W1, b1, W2, b2, X, y):
    h = np.tanh(E[X].reshape(len(X), -1) @ W1 + b1)
    s = h @ W2 + b2
    top = s.max(axis=1, keepdims=True)
    return float(np.mean(top[:, 0] + np.log(np.exp(s - top).sum(axis=1)) - s[np.arange(len(y)), y]))


def _model_cases() -> tuple:
    rng = np.random.default_rng(10)
    V, k, d, H = 5, 3, 2, 4
    E, W1, b1 = rng.standard_normal((V, d)), rng.standard_normal((k * d, H)), rng.standard_normal(H)
    W2, b2 = rng.standard_normal((H, V)), rng.standard_normal(V)
    X, y = rng.integers(0, V, (6, k)), rng.integers(0, V, 6)
    return (
        Case((E, W1, b1, W2, b2, X, y), "V = 5, context 3, embeddings of 2, 4 hidden units, a batch of 6"),
        Case((E, W1, b1, 300 * W2, b2, X, y), "the same with W2 300 times larger (scores in the hundreds)"),
    )


def model_loss(learner: Callable) -> Result:
    """Exercise 11.4: the model's mean cross-entropy on a batch, from its five parameter arrays, in numpy."""
    return check_function(
        learner,
        _model_loss,
        _model_cases(),
        mistakes=(
            Mistake(lambda E, W1, b1, W2, b2, X, y: len(y) * _model_loss(E, W1, b1, W2, b2, X, y),
                    "that is the sum over the batch; the loss is the mean."),
            Mistake(lambda E, W1, b1, W2, b2, X, y: _model_loss(E, W1, np.zeros_like(b1), W2, np.zeros_like(b2), X, y),
                    "the biases b1 and b2 are missing."),
        ),
        hint="rows = E[X].reshape(len(X), -1); s = tanh(rows @ W1 + b1) @ W2 + b2; loss = mean of "
             "logsumexp(s) − s[y], with logsumexp(s) = m + log Σ exp(s − m), m the row's largest score.",
        compare=close_to(rtol=1e-9, atol=1e-12),
        name="model_loss",
    )


CHALLENGE_TARGET, CHALLENGE_STEPS, CHALLENGE_SEEDS = 2.65, 120, (0, 1)
"""Reach a held-out loss of 2.65 at the end of a 120-step run of the small model, on both seeds."""

_CHALLENGE_LABEL = ("the small model (context 3, embeddings of 8, 32 hidden units), batch 32, a 120-step run: the held-out "
                    "loss above 2.65 at its end, the worse of seeds 0 and 1")


def _pair(answer) -> tuple[complex, complex] | None:
    """``answer`` as a (peak_lr, warmup_steps) pair of finite numbers (True and False refused), or None."""
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        return None
    if not all(isinstance(v, numbers.Number) and not isinstance(v, (bool, np.bool_)) and np.isfinite(v) for v in answer):
        return None
    return answer[0], answer[1]


def _described(answer) -> str:
    """What the learner returned instead of a pair, in a few words (never its repr, which may fail)."""
    if isinstance(answer, np.ndarray):
        return f"an array of shape {answer.shape}"
    if isinstance(answer, (tuple, list)) and len(answer) != 2:
        return f"{len(answer)} values"
    if isinstance(answer, (tuple, list)):
        shown = [f"{v!r}" if isinstance(v, numbers.Number) else f"a {type(v).__name__}" for v in answer]
        return f"({shown[0]}, {shown[1]})"
    return f"one {type(answer).__name__}"


@functools.lru_cache(maxsize=64)  # the runs are seeded: a pair always gives the same answer
def final_loss_above_target(peak_lr: float, warmup: int) -> float:
    """How far above 2.65 the held-out loss ends after 120 steps of the small model, the worse of two seeds (0 if
    both reach it); a run that diverges counts as the loss of uniform guessing, ln V."""
    corpus = lm.prepare(3)
    recipe = lm.Recipe(steps=CHALLENGE_STEPS, batch_size=32, peak_lr=peak_lr, warmup=warmup)
    finals = []
    for seed in CHALLENGE_SEEDS:
        params = lm.init_params(corpus.vocab.size, 3, embed=8, hidden=32, seed=seed)
        try:
            run = lm.train(params, corpus.train_pairs, corpus.held_out_pairs, recipe, seed=seed, every=CHALLENGE_STEPS)
            finals.append(run.held_out_loss[CHALLENGE_STEPS])
        except (FloatingPointError, ValueError):  # diverged, or a rate or warmup the recipe refuses
            finals.append(float(np.log(corpus.vocab.size)))
    return max(max(finals) - CHALLENGE_TARGET, 0.0)


def _trained(recipe_fn: Callable, refused: dict | None = None) -> Callable:
    """The learner's (peak_lr, warmup_steps) → how far above the target the small model ends (0 = passed); an answer
    that is not such a pair is kept in ``refused`` and handed back as it is."""

    def measured():
        answer = recipe_fn()
        pair = _pair(answer)
        if pair is None:
            if refused is not None and answer is not None:
                refused["answer"] = answer
            return answer
        imaginary = max(abs(np.imag(v)) for v in pair)  # reported back, so a complex answer is told it is one
        over = final_loss_above_target(float(np.real(pair[0])), int(np.real(pair[1])))
        return over + 1j * imaginary if imaginary else over

    return measured


def fast_recipe(learner: Callable) -> Result:
    """Exercise 11.5 (challenge): a (peak_lr, warmup_steps) with which the small model ends a 120-step run at a
    held-out loss of 2.65 or less on both seeds; the chapter's (3e-3, 100) ends near 3.24."""
    refused: dict = {}
    result = check_function(
        learner,
        lambda: (0.1, 10),
        (Case((), _CHALLENGE_LABEL),),
        mistakes=(
            Mistake(lambda: (3e-3, 100), "the chapter's recipe is made for 1500 steps: in 120 its rate never gets "
                                         "large enough to matter. Raise the peak rate and shorten the warmup."),
            Mistake(lambda: (1e-2, 10), "a peak of 10⁻² is still too small for so short a run: try a few times larger."),
            Mistake(lambda: (0.3, 10), "a peak rate of 0.3 is too large: the loss bounces instead of falling. Try 0.05 to 0.1."),
            Mistake(lambda: (0.1, 60), "a warmup of half the run spends too many of its 120 steps at a small rate: shorten it."),
        ),
        hint="return a pair (peak_lr, warmup_steps); 0 above the target passes. Raise the peak rate from the chapter's "
             "3e-3 and shorten the warmup, but not so far that the loss bounces.",
        compare=close_to(),
        name="fast_recipe",
        adapt=lambda recipe_fn: _trained(recipe_fn, refused if recipe_fn is learner else None),
    )
    if "answer" in refused and not result.passed:
        return wrong(f"For {_CHALLENGE_LABEL}: expected a pair (peak_lr, warmup_steps) of finite numbers, such as "
                     f"(0.01, 50); got {_described(refused['answer'])}.")
    return result


# --- Exploration: how much to smooth the bigram baseline ----------------------------------------------------------


def _held_out_cross_entropy(alpha: float) -> float:
    corpus = lm.prepare(1)
    log_probs = lm.bigram_log_probs(corpus.train_ids, corpus.vocab.size, alpha)
    return lm.bigram_cross_entropy(log_probs, corpus.held_out_ids[:-1], corpus.held_out_ids[1:])


def smoothing_gain(alphas: tuple[float, float]) -> float:
    """The held-out cross-entropy of the add-α bigram model at the first α minus that at the second (1 nat if the
    first α is not positive: then unseen pairs get no probability at all)."""
    mine, other = alphas
    if not mine > 0:
        return 1.0
    return _held_out_cross_entropy(mine) - _held_out_cross_entropy(other)


def best_smoothing(learner: Callable) -> Result:
    """Exploration 11.6: the learner's claim, the α with the lowest held-out cross-entropy, compared with 1.2 α and α/1.2."""
    return check_function(
        learner,
        lambda: 0.09,
        (Case((), "the add-α bigram model counted on the training text of the corpus, measured on its held-out text"),),
        mistakes=[
            Mistake(lambda: 1.0, "α/1.2 gives a lower held-out loss: so much smoothing flattens every row towards "
                                 "uniform, away from what the training text shows. Try smaller α."),
            Mistake(lambda: 0.01, "1.2 × your α gives a lower held-out loss: with so little smoothing, pairs rare in "
                                  "the training text get too little probability. Try larger α."),
        ],
        hint="compute the held-out cross-entropy for α on a grid finer than 1.2 × from one α to the next, such as "
             "np.geomspace(1e-3, 10, 81), and keep the best.",
        compare=same_side(0.0),
        name="best_smoothing",
        parts={"the held-out loss at your α minus that at 1.2 α": 0, "the held-out loss at your α minus that at α/1.2": 1},
        parts_noun="differences",
        adapt=probed(smoothing_gain, lambda alpha: (alpha, 1.2 * alpha), lambda alpha: (alpha, alpha / 1.2)),
    )
