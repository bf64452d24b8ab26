"""Train Chapter 11's full GPT (``make train``): nanoGPT's CPU configuration on Tiny Shakespeare, with the chapter's
recipe, the best checkpoint on validation saved to ``checkpoints/`` and scored once on the test block; its figures
(test loss, wall time, steps per second, peak memory) added to ``benchmarks/RESULTS.md`` as a dated section.

Usage: python scripts/train_capstone.py [--steps 3000] [--out checkpoints/capstone.npz] [--no-results] [--profile-only]
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime
import json
import os
import pstats
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from threadpoolctl import threadpool_limits  # noqa: E402

from book import transformer as tf  # noqa: E402
from book.autodiff import precision  # noqa: E402
from book.experiments import ch09, ch11  # noqa: E402
from book.text import random_windows, vocabulary  # noqa: E402

TITLE = "Capstone: `make train` (Chapter 11's full GPT on Tiny Shakespeare)"


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    return f"{os.cpu_count()} cores ({cpu}), Python {sys.version.split()[0]}"


def profile(steps: int = 10, top: int = 6) -> list[tuple[str, float]]:
    """The ``top`` functions that take most of the time of ``steps`` training steps (loss, backward, clipped AdamW
    update) under cProfile, with their share of the total."""
    config, recipe = ch11.FULL_CONFIG, ch11.FULL_RECIPE
    rng, opt = np.random.default_rng(1), recipe.optimizer()
    params = tf.init_params(config)
    state = opt.init(params)
    profiler = cProfile.Profile()
    with threadpool_limits(1):
        for _ in range(steps):
            idx, targets = random_windows(ch09.train_ids(), config.block_size, recipe.batch_size, rng)
            profiler.enable()
            with precision(np.float32):
                _, grads = tf.loss_and_grads(params, config, idx, targets)
            params, state = opt.step(params, grads, state)
            profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(entry[2] for entry in stats.values())
    ranked = sorted(stats.items(), key=lambda item: -item[1][2])[:top]
    return [(f"{Path(file).name}:{line} {name}", entry[2] / total) for (file, line, name), entry in ranked]


def profile_note(shares: list[tuple[str, float]]) -> str:
    """One sentence listing where a training step's time goes."""
    listed = "; ".join(f"`{label}` {100 * share:.0f} %" for label, share in shares)
    return (
        f"Where a training step's time goes (cProfile over 10 steps, own time of each function; a `<lambda>` is "
        f"the backward rule of the operation defined just above it): {listed}."
    )


def results_section(figures: dict, recipe: ch11.Recipe, load: float, when: str | None = None) -> str:
    """The dated section of RESULTS.md for one run that started at load average ``load`` and ended ``when``."""
    when = when or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    config = ch11.FULL_CONFIG
    lines = [
        f"## {TITLE}",
        "",
        f"Run ended {when} on {_machine()}; load average {load:.1f} (1 min) when it started, "
        f"{os.getloadavg()[0]:.1f} when it ended. "
        f"{config.n_layer} blocks of {config.n_head} heads, width {config.n_embd}, context {config.block_size} "
        f"({tf.parameter_count(config):,} parameters); {recipe.steps} steps of {recipe.batch_size} windows, AdamW "
        f"peak {recipe.peak_lr:g} (β₂ = {recipe.betas[1]}), warmup {recipe.warmup}, cosine to {recipe.min_lr:g}, "
        f"weight decay {recipe.weight_decay} on the weight matrices, clipping at {recipe.max_norm}; float32, one "
        "BLAS thread. Test loss: the best checkpoint on validation, every character of the test block.",
        "",
        "| measure | value |",
        "|---|---|",
    ]
    lines += [f"| {name} | {value:.4g} |" for name, value in figures.items()]
    lines += ["", profile_note(profile())]
    return "\n".join(lines) + "\n"


def write_results(section: str, path: Path = ROOT / "benchmarks" / "RESULTS.md") -> None:
    """Replace (or add) this script's section of RESULTS.md, keeping the others."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    parts = text.split("\n## ")
    kept = [parts[0].rstrip("\n")] + ["## " + part.rstrip("\n") for part in parts[1:] if not part.startswith(TITLE)]
    path.write_text("\n\n".join(kept + [section.rstrip("\n")]) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=ch11.FULL_RECIPE.steps)
    parser.add_argument("--out", type=Path, default=ROOT / "checkpoints" / "capstone.npz")
    parser.add_argument("--no-results", action="store_true", help="do not write benchmarks/RESULTS.md")
    parser.add_argument("--profile-only", action="store_true", help="only print where a training step's time goes")
    args = parser.parse_args()
    if args.profile_only:
        print(profile_note(profile()))
        return
    recipe = dataclasses.replace(ch11.FULL_RECIPE, steps=args.steps)
    load = os.getloadavg()[0]
    started = time.perf_counter()

    def report(step: int, validation: float) -> None:
        print(
            f"step {step:>5} of {recipe.steps}: validation {validation:.3f}, {time.perf_counter() - started:.0f} s",
            flush=True,
        )

    run = ch11.train(ch11.FULL_CONFIG, recipe, on_checkpoint=report)
    test = ch11.loss_on_test(run.best, ch11.FULL_CONFIG)
    wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "test loss, best checkpoint (nats per character)": test,
        "validation loss of the best checkpoint (200 windows)": run.validation[run.best_step],
        "best checkpoint (step)": run.best_step,
        "wall time, whole script (s)": wall,
        "training steps per second (loss, backward, update)": recipe.steps / run.train_seconds,
        "steps per second including evaluations": recipe.steps / run.seconds,
        "steps whose gradient was clipped (%)": 100 * ch11.clipped_fraction(run, recipe.max_norm),
        "peak memory, resident (MB)": peak_mb,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, **run.best, step=run.best_step, test_loss=test, vocabulary=np.array(vocabulary().chars))
    (args.out.with_suffix(".json")).write_text(
        json.dumps(
            {
                "figures": figures,
                "validation": run.validation,
                "config": dataclasses.asdict(ch11.FULL_CONFIG),
                "recipe": dataclasses.asdict(recipe),
            },
            indent=1,
        )
    )
    for name, value in figures.items():
        print(f"{name}: {value:.4g}")
    print(ch11.PROMPT + ch11.samples(run.best, ch11.FULL_CONFIG, temperatures=(0.8,), length=300)[0.8])
    if not args.no_results:
        write_results(results_section(figures, recipe, load))
        print("written to benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
