"""Time the gradient of a two-layer MLP loss: book.autodiff vs hand-written numpy backprop vs HIPS autograd.

The loss is the mean squared error of tanh(X W₁ + b₁) W₂ + b₂ against targets y, differentiated with respect to
(W₁, b₁, W₂, b₂). Run ``python benchmarks/bench_autodiff.py`` for a Markdown table.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import autograd.numpy as anp
import numpy as np
from autograd import grad as autograd_grad

from book.autodiff import Tensor

BATCH, INPUTS, HIDDEN, OUTPUTS = 256, 64, 256, 1

Parameters = list[np.ndarray]


def make_problem(seed: int = 0) -> tuple[Parameters, np.ndarray, np.ndarray]:
    """Random parameters (W₁, b₁, W₂, b₂), inputs X and targets y of the benchmark's sizes."""
    rng = np.random.default_rng(seed)
    parameters = [
        rng.standard_normal((INPUTS, HIDDEN)) / np.sqrt(INPUTS),
        0.1 * rng.standard_normal(HIDDEN),
        rng.standard_normal((HIDDEN, OUTPUTS)) / np.sqrt(HIDDEN),
        0.1 * rng.standard_normal(OUTPUTS),
    ]
    return parameters, rng.standard_normal((BATCH, INPUTS)), rng.standard_normal((BATCH, OUTPUTS))


def book_gradient(parameters: Parameters, inputs: np.ndarray, targets: np.ndarray) -> Parameters:
    """The loss gradient by ``book.autodiff``."""
    tensors = [Tensor(p) for p in parameters]
    w1, b1, w2, b2 = tensors
    hidden = (inputs @ w1 + b1).tanh()
    residual = hidden @ w2 + b2 - targets
    (residual**2).mean().backward()
    return [t.grad for t in tensors]


def numpy_gradient(parameters: Parameters, inputs: np.ndarray, targets: np.ndarray) -> Parameters:
    """The loss gradient by backpropagation written out by hand."""
    w1, b1, w2, b2 = parameters
    hidden = np.tanh(inputs @ w1 + b1)
    residual = hidden @ w2 + b2 - targets
    d_output = (2 / residual.size) * residual
    d_preactivation = (d_output @ w2.T) * (1 - hidden**2)
    return [inputs.T @ d_preactivation, d_preactivation.sum(axis=0), hidden.T @ d_output, d_output.sum(axis=0)]


def _autograd_loss(parameters: Parameters, inputs: np.ndarray, targets: np.ndarray) -> float:
    w1, b1, w2, b2 = parameters
    hidden = anp.tanh(anp.dot(inputs, w1) + b1)
    residual = anp.dot(hidden, w2) + b2 - targets
    return anp.mean(residual**2)


autograd_gradient = autograd_grad(_autograd_loss)


def run(repeats: int = 20) -> dict[str, float]:
    """Median milliseconds per gradient for each method, after checking that the three gradients agree to 1e-10."""
    parameters, inputs, targets = make_problem()
    methods: dict[str, Callable[..., Parameters]] = {
        "book_autodiff_ms": book_gradient,
        "numpy_ms": numpy_gradient,
        "autograd_ms": autograd_gradient,
    }
    reference = numpy_gradient(parameters, inputs, targets)
    for method in (book_gradient, autograd_gradient):
        for got, expected in zip(method(parameters, inputs, targets), reference, strict=True):
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    times: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(repeats):
        for name, method in methods.items():
            start = time.perf_counter()
            method(parameters, inputs, targets)
            times[name].append(time.perf_counter() - start)
    result = {name: 1e3 * statistics.median(seconds) for name, seconds in times.items()}
    result["ratio_book_to_numpy"] = result["book_autodiff_ms"] / result["numpy_ms"]
    return result


if __name__ == "__main__":
    results = run()
    print(f"MLP loss gradient: batch {BATCH}, {INPUTS} inputs, {HIDDEN} tanh hidden units, {OUTPUTS} output\n")
    print("| method | median ms per gradient |")
    print("|---|---|")
    print(f"| book.autodiff | {results['book_autodiff_ms']:.3f} |")
    print(f"| numpy, by hand | {results['numpy_ms']:.3f} |")
    print(f"| autograd | {results['autograd_ms']:.3f} |")
    print(f"\nbook.autodiff / numpy = {results['ratio_book_to_numpy']:.2f}")
