"""Train Chapter 11's language model longer than the chapter does and save a checkpoint (``make train``).

Usage: python scripts/train_capstone.py [--steps 6000] [--out checkpoints/capstone.npz]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from book import lm
from book.figures import ch11


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--out", type=Path, default=Path("checkpoints/capstone.npz"))
    args = parser.parse_args()
    corpus = ch11.corpus()
    recipe = dataclasses.replace(ch11.RECIPE, steps=args.steps)
    params = lm.init_params(corpus.vocab.size, ch11.CONTEXT, ch11.EMBED, ch11.HIDDEN, seed=ch11.SEED)

    def report(step: int) -> None:
        if step % 1000 == 0 or step == recipe.steps:
            print(f"step {step:>6} of {recipe.steps}", flush=True)

    run = lm.train(params, corpus.train_pairs, corpus.held_out_pairs, recipe, seed=ch11.SEED, every=500,
                   on_checkpoint=report)
    bigram = lm.bigram_cross_entropy(lm.bigram_log_probs(corpus.train_ids, corpus.vocab.size, 0.1),
                                     corpus.held_out_pairs[0][:, -1], corpus.held_out_pairs[1])
    final = run.held_out_loss[recipe.steps]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, **run.final, vocabulary=np.array(corpus.vocab.chars), held_out_loss=final, steps=recipe.steps)
    print(f"held-out loss {final:.3f} nats per character (bigram {bigram:.3f}); saved {args.out}")
    print(lm.sample(run.final, corpus.vocab, ch11.PROMPT, 300, 0.8, seed=0))


if __name__ == "__main__":
    main()
