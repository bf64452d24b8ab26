"""Why the optimizers take a leading axis: 1 000 starts × 500 gradient-descent steps on Rosenbrock, batched or looped.

One batched ``run`` costs one numpy call per step for all starts; the loop runs the same optimizer from each start in
turn. Both give the same iterates (asserted here). Run ``python benchmarks/bench_optim.py`` for a Markdown table.
"""

from __future__ import annotations

import time

import numpy as np

from book.functions import Rosenbrock
from book.optim import run, sgd

STARTS, STEPS, LR = 1000, 500, 1e-4


def random_starts(count: int = STARTS, seed: int = 0) -> np.ndarray:
    """``count`` starting points drawn uniformly from the square [−1.5, 1.5]²."""
    return np.random.default_rng(seed).uniform(-1.5, 1.5, size=(count, 2))


def timed_call(task) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    result = task()
    return time.perf_counter() - start, result


def run_benchmark() -> dict[str, float]:
    """Seconds for the batched and the looped form, and their ratio."""
    f, starts, optimizer = Rosenbrock(), random_starts(), sgd(LR)
    batched_s, batched = timed_call(lambda: run(optimizer, f.grad, starts, STEPS, keep="last").x[-1])
    looped_s, looped = timed_call(
        lambda: np.stack([run(optimizer, f.grad, s, STEPS, keep="last").x[-1] for s in starts])
    )
    np.testing.assert_array_equal(batched, looped)
    return {
        "batched run (s)": batched_s,
        "Python loop over starts (s)": looped_s,
        "loop / batched": looped_s / batched_s,
    }


if __name__ == "__main__":
    print("| measure | value |\n|---|---|")
    for name, value in run_benchmark().items():
        print(f"| {name} | {value:.3g} |")
