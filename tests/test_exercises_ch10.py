"""Chapter 10's checkers fail the wrong answers learners write, each with its own hint where the exercise names it."""

import numpy as np

from book import scale
from book.exercises import ch10 as check
from exercises.solutions import ch10 as solutions


def _clip(norm_of, factor_of=lambda max_norm, norm: min(1.0, max_norm / norm)):
    def answer(grads, max_norm):
        norm = norm_of(grads)
        return [g * factor_of(max_norm, norm) for g in grads]

    return answer


def _root_sum_of_squares(grads):
    return np.sqrt(sum(np.sum(g**2) for g in grads))


def _per_array(grads, max_norm):
    return [solutions.clip_by_global_norm([g], max_norm)[0] for g in grads]


def _accumulate(weight, factor=2.0, which=None):
    def answer(w, X, y, k):
        chunks = np.array_split(np.arange(len(y)), k)
        total = 0.0
        for rows in chunks if which is None else [chunks[which]]:
            total = total + weight(len(rows), len(y), k) * factor * X[rows].T @ (X[rows] @ w - y[rows]) / len(rows)
        return total

    return answer


def _memory(per_parameter, unit=1e9):
    def answer(p, optimizer, precision):
        return per_parameter(optimizer, precision) * p / unit

    return answer


_SLOTS = {"sgd": 0, "momentum": 1, "adam": 2}


def _right_bytes(optimizer, precision):
    return (2 + 2 + 4 if precision == "mixed" else 4 + 4) + 4 * _SLOTS[optimizer]


def _zero(first_stage, unit=1e9):
    def answer(p, stage, devices):
        sizes = {"weights": 2, "gradients": 2, "master": 4, "optimizer": 8}
        return sum(size * p / (devices if first_stage(part, stage) else 1) for part, size in sizes.items()) / unit

    return answer


_FIRST = {"master": 1, "optimizer": 1, "gradients": 2, "weights": 3}


def _steepest(rise, run, shift=0, pick=np.argmin):
    def answer(lrs, losses):
        return float(lrs[pick(rise(losses) / run(lrs)) + shift])

    return answer


def _log_diff(values):
    return np.diff(np.log(values))


WRONG_ANSWERS = {
    "clip_by_global_norm": [
        (_per_array, "clipping each array by its own norm"),
        (_clip(_root_sum_of_squares, lambda c, n: c / n), "only scale down"),
        (_clip(lambda grads: sum(np.linalg.norm(g) for g in grads)), "not Σ‖g_i‖"),
        (_clip(lambda grads: sum(np.sum(g**2) for g in grads)), None),  # the root forgotten
        (_clip(lambda grads: np.sqrt(np.mean(np.concatenate([g.ravel() for g in grads]) ** 2))), None),  # a mean
        (_clip(_root_sum_of_squares, lambda c, n: max(1.0, c / n)), None),  # only scales up
        (lambda grads, c: [np.clip(g, -c, c) for g in grads], None),  # clipping values, not the norm
    ],
    "accumulated_gradient": [
        (_accumulate(lambda n_i, n, k: 1 / k), "1/k is wrong"),
        (_accumulate(lambda n_i, n, k: 1.0), "k times too much"),
        (_accumulate(lambda n_i, n, k: 1.0, which=-1), "the last one alone"),
        (_accumulate(lambda n_i, n, k: 1.0, which=0), None),  # the first one alone
        (_accumulate(lambda n_i, n, k: n_i / n, factor=1.0), None),  # the 2 of the square's derivative missing
        (_accumulate(lambda n_i, n, k: (n_i / n) ** 2), None),  # divided by n inside and weighted again
        (_accumulate(lambda n_i, n, k: n_i / n, factor=-2.0), None),  # residual y − Xw
    ],
    "training_memory_gb": [
        (_memory(lambda o, pr: _right_bytes(o, pr) - (4 if pr == "mixed" else 0)), "fp32 master copy"),
        (_memory(lambda o, pr: _right_bytes(o, pr) - (2 if pr == "mixed" else 4)), "count the gradients too"),
        (_memory(_right_bytes, unit=2**30), "not GiB"),
        (_memory(lambda o, pr: _right_bytes(o, pr) - 4 * (o == "adam")), None),  # Adam with one slot
        (_memory(lambda o, pr: _right_bytes(o, pr) - 2 * _SLOTS[o] * (pr == "mixed")), None),  # 2-byte optimizer state
        (_memory(_right_bytes, unit=1), None),  # bytes, not GB
        (_memory(lambda o, pr: _right_bytes(o, pr) + 4 * (pr == "fp32")), None),  # a master copy in fp32 too
    ],
    "steepest_lr": [
        (_steepest(np.diff, _log_diff), "np.log of the losses too"),
        (lambda lrs, losses: float(lrs[np.argmin(losses)]), "the rate at the lowest loss"),
        (_steepest(_log_diff, _log_diff, shift=1), "left end"),
        (_steepest(_log_diff, lambda lrs: 1.0), "divide each change of log ℓ"),
        (_steepest(_log_diff, _log_diff, pick=np.argmax), None),  # the steepest rise
        (_steepest(_log_diff, np.diff), None),  # against η, not log η
        (_steepest(np.diff, lambda lrs: 1.0), None),  # neither logarithm nor division
    ],
    "zero_memory_per_device": [
        (
            _zero(lambda part, stage: stage >= (3 if part == "master" else _FIRST[part])),
            "belong to the optimizer state",
        ),
        (_zero(lambda part, stage: stage >= 1), "each stage shards one more part"),
        (_zero(lambda part, stage: stage in (_FIRST[part], 3)), "the stages add up"),
        (_zero(lambda part, stage: True), None),  # everything divided, stage 0 too
        (_zero(lambda part, stage: stage > _FIRST[part]), None),  # each part one stage late
        (_zero(lambda part, stage: stage >= _FIRST[part], unit=2**30), None),  # GiB
        (_zero(lambda part, stage: part != "weights" and stage >= _FIRST[part]), None),  # stage 3 keeps the weights
    ],
    "largest_lost_lr": [
        (lambda: 2.0**-10, "still does not move"),
        (lambda: 2.0**-8, "at your rate the weight moves"),
        (lambda: 1e-3, "still does not move"),
        (lambda: 2.0**-24, "still does not move"),  # float32's spacing at 1, not bf16's
        (lambda: 2.0**-7, "at your rate the weight moves"),
        (lambda: 1.0, "at your rate the weight moves"),
        (lambda: 0.0, "still does not move"),  # no rate at all
    ],
}


def test_the_exploration_edge_is_half_the_bf16_spacing_at_one():
    """bf16 keeps 8 significant bits: below 1 its numbers are 2⁻⁸ apart, so 1 − 2⁻⁹ is a tie that rounds to 1 (even)
    and any update a little larger rounds to 1 − 2⁻⁸."""
    import ml_dtypes

    assert float(np.float32(1 - 2.0**-9).astype(ml_dtypes.bfloat16)) == 1.0
    assert float(np.float32(1 - 1.1 * 2.0**-9).astype(ml_dtypes.bfloat16)) == 1 - 2.0**-8
    assert check.largest_lost_lr(lambda: 2.0**-9).passed
    assert check.largest_lost_lr(lambda: solutions.largest_lost_lr()).passed
    assert scale.bf16_descent(1.0, 0.0, 2.0**-9, 100, master=True)[-1] < 1.0  # an fp32 master copy keeps the updates


def test_an_almost_right_answer_is_still_wrong():
    assert not check.training_memory_gb(lambda *a: 1.001 * solutions.training_memory_gb(*a)).passed
    assert not check.clip_by_global_norm(lambda g, m: [1.001 * x for x in solutions.clip_by_global_norm(g, m)]).passed
