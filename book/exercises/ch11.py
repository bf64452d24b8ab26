"""Checkers for Chapter 11's exercises (the capstone language model): ``check.fast_recipe(...)``.

The language-model basics (encode, the bigram cross-entropy, sample_next, the model's loss) are Chapter 9's exercises."""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable

import numpy as np

from book import lm
from book.checks import Case, Mistake, Result, check_function, close_to, wrong
from book.exercises._claims import probed, same_side


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
