"""book.scale: memory accounting against independent counts, accumulation, clipping wrapper, bf16 helpers, bad input."""

import ml_dtypes
import numpy as np
import pytest

from book import noise, scale
from book.optim import global_norm

DTYPE_BYTES = {"fp32": np.dtype(np.float32).itemsize, "bf16": np.dtype(ml_dtypes.bfloat16).itemsize}


@pytest.mark.parametrize("optimizer, slots", [("sgd", 0), ("momentum", 1), ("adam", 2)])
def test_memory_counts_the_arrays_each_optimizer_keeps(optimizer, slots):
    n = 1000
    fp32 = [np.zeros(n, np.float32)] * (2 + slots)  # weights, gradients, slots
    mixed = [np.zeros(n, ml_dtypes.bfloat16)] * 2 + [np.zeros(n, np.float32)] * (1 + slots)  # + fp32 master
    assert scale.training_memory(n, optimizer, "fp32")["total"] == sum(a.nbytes for a in fp32)
    assert scale.training_memory(n, optimizer, "mixed")["total"] == sum(a.nbytes for a in mixed)
    assert DTYPE_BYTES == {"fp32": 4, "bf16": 2}


def test_sharding_divides_exactly_the_stage_parts():
    m = scale.training_memory(800, "adam", "mixed")
    assert scale.sharded_memory(m, 0, 8) == m
    s1, s2, s3 = (scale.sharded_memory(m, stage, 8) for stage in (1, 2, 3))
    assert (s1["weights"], s1["gradients"], s1["master"], s1["optimizer"]) == (1600, 1600, 400, 800)
    assert (s2["weights"], s2["gradients"]) == (1600, 200)
    assert s3["total"] == m["total"] / 8
    assert scale.sharded_memory(m, 3, 1) == m


def test_accumulation_of_a_sum_of_per_example_terms():
    x, y = np.arange(10.0)[:, None], np.ones((10, 1))

    def grad_fn(p, xs, ys):
        return {"w": np.mean(xs * (p["w"] * xs - ys), axis=0)}

    full = grad_fn({"w": np.array([0.5])}, x, y)["w"]
    for k in (1, 3, 4, 10):
        np.testing.assert_allclose(
            noise.accumulated_gradient(grad_fn, {"w": np.array([0.5])}, x, y, k)["w"], full, rtol=1e-14
        )


def test_micro_batch_costs_round_the_largest_micro_batch_up():
    assert noise.micro_batch_costs(10, 3, 7) == {"stored_activations": 28, "passes": 3, "examples": 10}


def test_bf16_helpers():
    assert scale.bf16([1.0, 1 + 2**-9, 3.01]).tolist() == [1.0, 1.0, 3.015625]
    assert scale.bf16(1 + 2**-8 + 2**-16) == 1 + 2**-7  # above half the spacing rounds up
    w = scale.bf16_descent([1.0], [1.0], 0.1, 5, master=True)
    assert w.shape == (6, 1) and np.all(w == 1.0)


def test_global_norm_and_clipped():
    assert global_norm({"a": np.array([3.0]), "b": np.array([[4.0]])}) == 5.0
    g = scale.clipped(lambda x: {"a": x}, 2.0)(np.array([0.3, 0.4]))
    np.testing.assert_array_equal(g["a"], [0.3, 0.4])  # below the threshold: unchanged


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: scale.training_memory(-1, "adam", "fp32"), "parameters"),
        (lambda: scale.training_memory(10, "lion", "fp32"), "optimizer"),
        (lambda: scale.training_memory(10, "adam", "fp8"), "precision"),
        (lambda: scale.sharded_memory(scale.training_memory(10, "adam", "fp32"), 4, 2), "stage"),
        (lambda: scale.sharded_memory(scale.training_memory(10, "adam", "fp32"), 1, 0), "devices"),
        (lambda: noise.micro_batch_costs(64, 0, 3), "micro_batches"),
        (lambda: noise.accumulated_gradient(lambda *a: {}, {}, np.zeros((3, 1)), np.zeros((3, 1)), 4), "micro_batches"),
        (lambda: scale.clipped(lambda x: x, 0.0), "max_norm"),
        (lambda: scale.bf16_descent([1.0], [0.0], -0.1, 5, master=False), "lr"),
        (lambda: scale.outlier_run(1.0, 0.0), "outlier_scale"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
