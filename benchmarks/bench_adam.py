"""Adam on Rosenbrock, 1 000 starts × 500 steps: book.optim batched, the same in a Python loop over starts, the same
steps in bare numpy (the floor for any numpy code) and optax under jax.jit (float64, the same starts), in one run.
Asserts the batched and looped iterates are identical and that the other end points agree with the book's. Run
``python benchmarks/bench_adam.py`` for a Markdown table.
"""

from __future__ import annotations


import jax
import jax.numpy as jnp
import numpy as np
import optax

from bench_optim import timed_call, random_starts  # the same 1 000 starts and the same timer as the GD benchmark
from book.functions import Rosenbrock
from book.optim import adam, run

jax.config.update("jax_enable_x64", True)

STEPS, LR = 500, 1e-2
REPEATS = 3
"""The batched and jitted forms are timed as the best of REPEATS runs (the loop once: it takes seconds)."""


def _best(task) -> tuple[float, np.ndarray]:
    runs = [timed_call(task) for _ in range(REPEATS)]
    return min(seconds for seconds, _ in runs), runs[-1][1]


def _optax_run(f: Rosenbrock):
    """A jitted function starts -> end points: STEPS steps of optax.adam, the gradient by jax.grad, in one lax.scan."""
    transform = optax.adam(LR)
    grad = jax.grad(lambda x: jnp.sum((f.a - x[..., 0]) ** 2 + f.b * (x[..., 1] - x[..., 0] ** 2) ** 2))

    def step(carry, _):
        x, state = carry
        updates, state = transform.update(grad(x), state, x)
        return (optax.apply_updates(x, updates), state), None

    @jax.jit
    def optimise(x0):
        (x, _), _ = jax.lax.scan(step, (x0, transform.init(x0)), None, length=STEPS)
        return x

    return lambda starts: np.asarray(optimise(jnp.asarray(starts)).block_until_ready())


def _bare_numpy(f: Rosenbrock, starts: np.ndarray) -> np.ndarray:
    """The floor for numpy: the same Adam steps written inline, no checks, no trees (PyTorch's formula, as book.optim)."""
    x, m, v = starts.copy(), np.zeros_like(starts), np.zeros_like(starts)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for t in range(1, STEPS + 1):
        u, w = x[:, 0], x[:, 1]
        g = np.stack([-2 * (f.a - u) - 4 * f.b * u * (w - u**2), 2 * f.b * (w - u**2)], axis=-1)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        x = x - (LR / (1 - beta1**t)) * (m / (np.sqrt(v) / np.sqrt(1 - beta2**t) + eps))
    return x


def run_benchmark() -> dict[str, float]:
    """Seconds for each form (optax's first call includes compiling), and the ratios to jitted optax."""
    f, starts, optimizer = Rosenbrock(), random_starts(), adam(LR)
    batched_s, batched = _best(lambda: run(optimizer, f.grad, starts, STEPS).x[-1])
    looped_s, looped = timed_call(lambda: np.stack([run(optimizer, f.grad, s, STEPS).x[-1] for s in starts]))
    np.testing.assert_array_equal(batched, looped)
    bare_s, bare = _best(lambda: _bare_numpy(f, starts))
    optimise = _optax_run(f)
    compile_s, _ = timed_call(lambda: optimise(starts))
    jitted_s, jitted = _best(lambda: optimise(starts))
    agreement = float(np.max(np.abs(jitted - batched)))
    assert agreement < 1e-6, f"optax and book.optim end points differ by {agreement:.3g}"
    assert float(np.max(np.abs(bare - batched))) < 1e-6
    return {
        "book.optim batched (s)": batched_s,
        "book.optim, Python loop over starts (s)": looped_s,
        "bare numpy, same steps inline (s)": bare_s,
        "optax under jax.jit, first call incl. compile (s)": compile_s,
        "optax under jax.jit (s)": jitted_s,
        "batched / jitted optax": batched_s / jitted_s,
        "bare numpy / jitted optax": bare_s / jitted_s,
        "loop / batched": looped_s / batched_s,
        "largest end-point difference, book vs optax": agreement,
    }


if __name__ == "__main__":
    print("| measure | value |\n|---|---|")
    for name, value in run_benchmark().items():
        print(f"| {name} | {value:.3g} |")
