"""Chapter 11's checkers stop the wrong answers learners write, each with its own hint where the exercise names that
mistake (``None``: the answer must fail, whatever the message); the challenge and the exploration are re-measured here
by independent code."""

import numpy as np
import pytest

from book.exercises import ch11 as check
from exercises.solutions import ch11 as solution


def _scaled(factor_of):
    """A clipping that multiplies both arrays by ``factor_of(norm_W, norm_b, max_norm)``."""

    def answer(grads, max_norm):
        g_W, g_b = grads
        factor = factor_of(np.linalg.norm(g_W), np.linalg.norm(g_b), max_norm)
        return g_W * factor, g_b * factor

    return answer


def _global(nW, nb):
    return np.hypot(nW, nb)


def _adamw(**changes):
    """The solution's AdamW with one thing changed."""

    def answer(x, g, m, v, t, lr, decay):
        beta1, beta2 = changes.get("betas", check.BETAS)
        if decay or changes.get("always_decay"):
            if changes.get("l2"):
                g = g + check.WEIGHT_DECAY * x
            else:
                x = x * (1 - changes.get("decay_rate", lr) * check.WEIGHT_DECAY)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * (g if changes.get("unsquared") else g * g)
        power = t + changes.get("shift", 0)
        m_hat = m / (1 - beta1**power) if not changes.get("uncorrected") else m
        v_hat = v / (1 - beta2**power) if not changes.get("uncorrected") else v
        denominator = np.sqrt(v_hat + check.EPS) if changes.get("eps_inside") else np.sqrt(np.abs(v_hat)) + check.EPS
        step = x - lr * m_hat / denominator
        return (step, m, v) if not changes.get("old_m") else (step, m * 0, v)

    return answer


def _step(clip=True, each=False, decay_b=False, scatter=True, after=False, reduce=np.mean, lr=check.LR):
    """The training step written out again here, with one thing changed."""

    def answer(W, b, m, v, t, idx, targets):
        def loss_of(W, b):
            s = W[idx] + b
            top = s.max(axis=1, keepdims=True)
            return float(reduce(top[:, 0] + np.log(np.exp(s - top).sum(axis=1)) - s[np.arange(len(idx)), targets]))

        s = W[idx] + b
        p = np.exp(s - s.max(axis=1, keepdims=True))
        d = p / p.sum(axis=1, keepdims=True)
        d[np.arange(len(idx)), targets] -= 1
        d = d / (len(idx) if reduce is np.mean else 1)
        dW = np.zeros_like(W)
        if scatter:
            np.add.at(dW, idx, d)
        else:
            dW[idx] += d
        db = d.sum(axis=0)
        if clip and each:
            dW, db = (g * min(1.0, check.MAX_NORM / max(np.linalg.norm(g), 1e-300)) for g in (dW, db))
        elif clip:
            dW, db = solution.clip_gradients((dW, db), check.MAX_NORM)
        W_new = solution.adamw_update(W, dW, m[0], v[0], t, lr, True)[0]
        b_new = solution.adamw_update(b, db, m[1], v[1], t, lr, decay_b)[0]
        return (loss_of(W_new, b_new) if after else loss_of(W, b)), W_new, b_new

    return answer


def _sampler(divide=True, window=True, keep_prompt=False, argmax=False, stable=True, one_minus=False):
    def answer(next_scores, prompt, block_size, temperature, uniforms):
        ids = list(prompt)
        for u in uniforms:
            z = next_scores(np.array(ids[-block_size:] if window else ids))
            z = z / temperature if divide else z * temperature
            with np.errstate(all="ignore"):
                p = np.exp(z - z.max()) if stable else np.exp(z)
                p = p / p.sum()
            ids.append(int(np.argmax(p)) if argmax else int(np.searchsorted(np.cumsum(p), 1 - u if one_minus else u)))
        return np.array(ids if keep_prompt else ids[len(prompt) :])

    return answer


def _no_growth(next_scores, prompt, block_size, temperature, uniforms):
    """Every id drawn from the prompt's scores: the context never grows."""
    z = next_scores(np.array(list(prompt)[-block_size:])) / temperature
    p = np.exp(z - z.max())
    return np.array([int(np.searchsorted(np.cumsum(p / p.sum()), u)) for u in uniforms])


WRONG_ANSWERS = {
    "clip_gradients": [
        (lambda grads, c: tuple(g * min(1.0, c / max(np.linalg.norm(g), 1e-300)) for g in grads), "its own norm"),
        (_scaled(lambda nW, nb, c: c / _global(nW, nb) if _global(nW, nb) else 1.0), "clipping only shrinks"),
        (lambda grads, c: tuple(np.clip(g, -c, c) for g in grads), "np.clip clips each entry"),
        (_scaled(lambda nW, nb, c: min(1.0, c / _global(nW, nb) ** 2) if _global(nW, nb) else 1.0), "square root"),
        (_scaled(lambda nW, nb, c: min(1.0, c / (nW + nb)) if nW + nb else 1.0), "not the sum of the arrays' norms"),
        (_scaled(lambda nW, nb, c: _global(nW, nb) / c if _global(nW, nb) > c else 1.0), "upside down"),
        (lambda grads, c: solution.clip_gradients(grads, c)[0], None),  # the clipped g_W alone
        (
            _scaled(lambda nW, nb, c: min(1.0, c / max(nW, nb)) if max(nW, nb) else 1.0),
            None,
        ),  # the largest array's norm
        (lambda grads, c: tuple(g * (1 + 1e-3) for g in solution.clip_gradients(grads, c)), None),
    ],
    "adamw_update": [
        (_adamw(uncorrected=True), "bias correction is missing"),
        (_adamw(l2=True), "Adam with L2"),
        (_adamw(decay_rate=1.0), "multiplied by the learning rate"),
        (_adamw(always_decay=True), "mask must be obeyed"),
        (_adamw(eps_inside=True), "after the square root"),
        (_adamw(shift=1), "not t + 1"),
        (_adamw(betas=check.BETAS[::-1]), None),  # β₁ and β₂ exchanged
        (_adamw(unsquared=True), None),  # v averages g, not g²
        (_adamw(shift=-1), None),  # t − 1: a division by zero at the first step
        (_adamw(old_m=True), None),  # returns the new x but a zeroed m
    ],
    "training_step": [
        (_step(clip=False), "are not clipped"),
        (_step(each=True), "clipped separately"),
        (_step(decay_b=True), "weight-decay mask leaves it out"),
        (_step(scatter=False), "counts a repeated id once"),
        (_step(after=True), "before the update"),
        (_step(reduce=np.sum), "the mean over the batch"),
        (_step(lr=check.LR / 10), None),
        (
            lambda W, b, m, v, t, idx, targets: _step()(W, b, m, v, t + 1, idx, targets),
            None,
        ),  # the step number off by one
        (lambda W, b, m, v, t, idx, targets: _step()(W.T, b, m, v, t, idx, targets), None),  # rows and columns swapped
    ],
    "sample_text": [
        (_sampler(divide=False), "do not multiply"),
        (lambda ns, prompt, block, T, us: _sampler()(ns, prompt, block, 1.0, us), "τ is ignored"),
        (_sampler(window=False), "the last ones"),
        (_no_growth, "append each new id"),
        (_sampler(keep_prompt=True), None),  # the prompt in front of the new ids
        (_sampler(argmax=True), "most likely id every time"),
        (_sampler(stable=False), None),  # exp overflows on scores in the hundreds
        (_sampler(one_minus=True), None),
        (lambda ns, prompt, block, T, us: _sampler()(ns, prompt, block, T, us)[:-1], None),  # one id short
    ],
    "fast_recipe": [
        (lambda: (1e-3, 100), "as long as this whole run"),
        (lambda: (0.03, 10), "ten times larger"),
        (lambda: (0.2, 80), "shorten it"),
        (lambda: (2.0, 5), "Try a few times smaller"),
        (lambda: (0.05, 5), "several units in 100 steps"),  # ends at 2.73
        (lambda: (1.0, 5), "several units in 100 steps"),  # 2.642 and 2.650
        (lambda: (0.1, 50), "several units in 100 steps"),
        (lambda: (5, 0.3), "several units in 100 steps"),  # the pair in the wrong order
        (lambda: (float("nan"), 10), "expected a pair (peak_lr, warmup_steps)"),
        (lambda: (0.3, 5, 100), "got 3 values"),
        (lambda: 0.3, "got one float"),
        (lambda: (True, 5), "got (True, 5)"),
    ],
    "best_temperature": [
        (lambda: 1.0, "try τ above 1"),  # the model as counted
        (lambda: 5.0, "Try smaller τ"),
        (lambda: 1.2, "try τ above 1"),
        (lambda: 1.8, "Try smaller τ"),
        (lambda: 0.5, "try τ above 1"),
        (lambda: 0.0, "try τ above 1"),  # not a temperature: counted as a loss 1 nat worse
        (lambda: -1.44, "try τ above 1"),
    ],
}


def test_every_checker_of_a_function_runs_at_least_ten_cases():
    for name in ("clip_gradients", "adamw_update", "training_step", "sample_text"):
        message = getattr(check, name)(getattr(solution, name)).message
        assert int(message.split("(")[1].split()[0]) >= 10, message


def test_pytorch_form_of_clipping_passes_too():
    def pytorch(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        factor = min(1.0, max_norm / (norm + 1e-6))
        return tuple(g * factor for g in grads)

    assert check.clip_gradients(pytorch).passed


def test_the_adamw_update_agrees_with_book_optim():
    """The solution's update, applied twice, equals book.optim's adamw (PyTorch's form) on the same gradients."""
    from book.optim import adamw

    rng = np.random.default_rng(5)
    x, grads = rng.standard_normal(4), [rng.standard_normal(4) for _ in range(2)]
    opt = adamw(lr=0.05, betas=check.BETAS, eps=check.EPS, weight_decay=check.WEIGHT_DECAY)
    ours, m, v = x, np.zeros(4), np.zeros(4)
    theirs, state = x, opt.init(x)
    for t, g in enumerate(grads, start=1):
        ours, m, v = solution.adamw_update(ours, g, m, v, t, 0.05, True)
        theirs, state = opt.step(theirs, g, state)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_the_training_step_gradient_by_central_differences():
    """The checker's gradient of the score-table loss against central differences, and the loss the solution's step
    returns against the loss computed here directly."""
    rng = np.random.default_rng(3)
    W, b = rng.standard_normal((4, 4)), rng.standard_normal(4)
    idx, targets = rng.integers(0, 4, 9), rng.integers(0, 4, 9)

    def loss(W, b):
        s = W[idx] + b
        return float(np.mean(np.log(np.exp(s).sum(axis=1)) - s[np.arange(9), targets]))

    _, dW, db = check._loss_and_grads(W, b, idx, targets)
    h = 1e-6
    for i, j in [(0, 0), (1, 3), (idx[0], targets[0])]:
        bumped = W.copy()
        bumped[i, j] += h
        lowered = W.copy()
        lowered[i, j] -= h
        assert dW[i, j] == pytest.approx((loss(bumped, b) - loss(lowered, b)) / (2 * h), abs=1e-8)
    e = np.eye(4)[1] * h
    assert db[1] == pytest.approx((loss(W, b + e) - loss(W, b - e)) / (2 * h), abs=1e-8)
    zeros = (np.zeros((4, 4)), np.zeros(4))
    assert solution.training_step(W, b, zeros, zeros, 1, idx, targets)[0] == pytest.approx(loss(W, b), rel=1e-12)


def _challenge_run(peak_lr, warmup, seed, steps=check.CHALLENGE_STEPS):
    """The challenge's run written out again: a plain loop with AdamW written inline (not book.optim), and the
    validation loss averaged over every pair of the validation block (not from a table of counts)."""
    from book.experiments import ch09
    from book.schedules import warmup_cosine

    ids, rng = ch09.train_ids(), np.random.default_rng(seed)
    schedule = warmup_cosine(peak_lr, warmup, steps, min_lr=0.1 * peak_lr)
    W, b = np.zeros((65, 65)), np.zeros(65)
    m, v = [np.zeros((65, 65)), np.zeros(65)], [np.zeros((65, 65)), np.zeros(65)]
    beta1, beta2 = check.BETAS
    for t in range(steps):
        at = rng.integers(0, ids.size - 1, check.CHALLENGE_BATCH)
        _, dW, db = check._loss_and_grads(W, b, ids[at], ids[at + 1])
        dW, db = solution.clip_gradients((dW, db), check.MAX_NORM)
        lr = float(schedule(t))
        W = W * (1 - lr * check.WEIGHT_DECAY)
        params = [W, b]
        for k, g in enumerate((dW, db)):
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            params[k] = params[k] - lr * (m[k] / (1 - beta1 ** (t + 1))) / (
                np.sqrt(v[k] / (1 - beta2 ** (t + 1))) + check.EPS
            )
        W, b = params
    held = ch09.validation_ids()
    s = W[held[:-1]] + b
    top = s.max(axis=1, keepdims=True)
    return float(np.mean(top[:, 0] + np.log(np.exp(s - top).sum(axis=1)) - s[np.arange(held.size - 1), held[1:]]))


def test_the_challenge_by_a_second_computation():
    """The published recipe reaches the target on both seeds and (1.0, 5) misses it, by a loop written here."""
    assert max(_challenge_run(0.3, 5, seed) for seed in check.CHALLENGE_SEEDS) <= check.CHALLENGE_TARGET
    assert max(_challenge_run(1.0, 5, seed) for seed in check.CHALLENGE_SEEDS) > check.CHALLENGE_TARGET
    assert _challenge_run(0.3, 5, 0) == pytest.approx(check.final_validation_loss(0.3, 5, 0), abs=1e-9)


def test_the_challenge_is_a_real_target():
    """Other reasonable recipes pass it, not only the published one; a recipe judged on one seed only could pass by
    luck."""
    assert check.fast_recipe(lambda: (0.2, 5)).passed
    assert check.fast_recipe(lambda: (0.5, 0)).passed
    assert check.fast_recipe(lambda: [0.3, 10]).passed
    assert check.loss_above_target(1e-3, 100) == pytest.approx(np.log(65) - check.CHALLENGE_TARGET)


def test_the_best_temperature_by_a_second_computation():
    """The validation loss of softmax(log p / τ), counted here from the text with a dense pair table: its minimum
    over a fine grid passes, is above 1, and both neighbours of τ = 1 are worse than the best."""
    from book.experiments import ch09

    ids = ch09.train_ids()[: check.CALIBRATION_TEXT]
    counts = np.zeros((65, 65))
    np.add.at(counts, (ids[:-1], ids[1:]), 1.0)
    log_p = np.log((counts + check.CALIBRATION_ALPHA) / (counts + check.CALIBRATION_ALPHA).sum(axis=1, keepdims=True))
    held = ch09.validation_ids()

    def loss(tau):
        z = log_p / tau
        log_q = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -np.mean(log_q[held[:-1], held[1:]])

    grid = np.geomspace(0.8, 3.0, 400)
    best = float(grid[np.argmin([loss(t) for t in grid])])
    assert best > 1.2
    assert check.best_temperature(lambda: best).passed
    assert solution.best_temperature() == pytest.approx(best, rel=0.03)
    assert loss(1.0) > loss(best) + 0.05


def test_the_numbers_the_challenge_states():
    """'loss ln 65 ≈ 4.17' at the start and 'the counted bigram is about 2.47' on validation, counted here."""
    from book.experiments import ch09

    train, held = ch09.train_ids(), ch09.validation_ids()
    counts = np.zeros((65, 65))
    np.add.at(counts, (train[:-1], train[1:]), 1.0)
    p = (counts + 0.01) / (counts + 0.01).sum(axis=1, keepdims=True)
    assert -np.mean(np.log(p[held[:-1], held[1:]])) == pytest.approx(2.47, abs=0.01)
    assert check.table_loss(np.zeros((65, 65)), np.zeros(65), np.ones((65, 65))) == pytest.approx(np.log(65))
    assert round(np.log(65), 2) == 4.17
