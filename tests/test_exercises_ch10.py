"""Chapter 10's checkers recognise the typical mistakes and show the hint written for each."""

import numpy as np
import pytest
from conftest import assert_fails_with_hint

from book.exercises import ch10 as check
from exercises.solutions import ch10 as solutions

def _per_array(grads, max_norm):
    return [solutions.clip_by_global_norm([g], max_norm)[0] for g in grads]


def _no_cap(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * max_norm / norm for g in grads]


def _sum_of_norms(grads, max_norm):
    norm = sum(np.linalg.norm(g) for g in grads)
    return [g * min(1.0, max_norm / norm) for g in grads]


def _accumulate(weight):
    def answer(w, X, y, k):
        total = 0.0
        for rows in np.array_split(np.arange(len(y)), k):
            total = total + weight(len(rows), len(y), k) * 2 * X[rows].T @ (X[rows] @ w - y[rows]) / len(rows)
        return total
    return answer


def _last_only(w, X, y, k):
    rows = np.array_split(np.arange(len(y)), k)[-1]
    return 2 * X[rows].T @ (X[rows] @ w - y[rows]) / len(rows)


def _memory(per_parameter, unit=1e9):
    def answer(p, optimizer, precision):
        return per_parameter(optimizer, precision) * p / unit
    return answer


def _right_bytes(optimizer, precision):
    return (8 if precision == "mixed" else 8) + 4 * {"sgd": 0, "momentum": 1, "adam": 2}[optimizer]


def _zero(first_stage):
    def answer(p, stage, devices):
        sizes = {"weights": 2, "gradients": 2, "master": 4, "optimizer": 8}
        return sum(size * p / (devices if first_stage(part, stage) else 1) for part, size in sizes.items()) / 1e9
    return answer


_FIRST = {"master": 1, "optimizer": 1, "gradients": 2, "weights": 3}

TYPICAL_MISTAKES = [
    (check.clip_by_global_norm, _per_array, "clipping each array by its own norm"),
    (check.clip_by_global_norm, _no_cap, "only scale down"),
    (check.clip_by_global_norm, _sum_of_norms, "not Σ‖g_i‖"),
    (check.accumulated_gradient, _accumulate(lambda n_i, n, k: 1 / k), "1/k is wrong"),
    (check.accumulated_gradient, _accumulate(lambda n_i, n, k: 1.0), "k times too much"),
    (check.accumulated_gradient, _last_only, "the last one alone"),
    (check.training_memory_gb, _memory(lambda o, pr: _right_bytes(o, pr) - (4 if pr == "mixed" else 0)), "fp32 master copy"),
    (check.training_memory_gb, _memory(lambda o, pr: _right_bytes(o, pr) - (2 if pr == "mixed" else 4)), "count the gradients too"),
    (check.training_memory_gb, _memory(_right_bytes, unit=2**30), "not GiB"),
    (check.steepest_lr, lambda lrs, losses: float(lrs[np.argmin(np.diff(losses) / np.diff(np.log(lrs)))]), "np.log of the losses too"),
    (check.steepest_lr, lambda lrs, losses: float(lrs[np.argmin(losses)]), "the rate at the lowest loss"),
    (check.steepest_lr, lambda lrs, losses: float(lrs[np.argmin(np.diff(np.log(losses)) / np.diff(np.log(lrs))) + 1]), "left end"),
    (check.zero_memory_per_device, _zero(lambda part, stage: stage >= (3 if part == "master" else _FIRST[part])), "belong to the optimizer state"),
    (check.zero_memory_per_device, _zero(lambda part, stage: stage >= 1), "each stage shards one more part"),
    (check.zero_memory_per_device, _zero(lambda part, stage: stage in (_FIRST[part], 3)), "the stages add up"),
]


@pytest.mark.parametrize(("checker", "answer", "hint"), TYPICAL_MISTAKES)
def test_typical_mistake_fails_with_its_hint(checker, answer, hint):
    assert_fails_with_hint(checker(answer), hint)


def test_an_almost_right_answer_is_still_wrong():
    assert not check.training_memory_gb(lambda *a: 1.001 * solutions.training_memory_gb(*a)).passed
    assert not check.clip_by_global_norm(lambda g, m: [1.001 * x for x in solutions.clip_by_global_norm(g, m)]).passed
