"""Solutions to the exercises of Chapter 8 (learning-rate schedules and warmup)."""

import numpy as np


def linear_warmup(t, peak_lr, warmup_steps):
    """η_t = peak_lr · t / W for t < W and peak_lr from t = W on: 0 at the first step, the peak at step W."""
    t = np.asarray(t, dtype=float)
    return np.where(t < warmup_steps, peak_lr * t / warmup_steps, peak_lr)


def cosine_decay(t, lr, total_steps, min_lr):
    """min_lr + ½ (lr − min_lr)(1 + cos(π t / T)) for t ≤ T, and min_lr after: half a cosine from lr down to min_lr."""
    t = np.minimum(np.asarray(t, dtype=float), total_steps)
    return min_lr + 0.5 * (lr - min_lr) * (1 + np.cos(np.pi * t / total_steps))


def warmup_cosine(t, peak_lr, warmup_steps, total_steps, min_lr):
    """Linear warmup to peak_lr at t = W, then cosine_decay over the remaining T − W steps (T counts the warmup)."""
    t = np.asarray(t, dtype=float)
    after = cosine_decay(t - warmup_steps, peak_lr, total_steps - warmup_steps, min_lr)
    return np.where(t < warmup_steps, linear_warmup(t, peak_lr, warmup_steps), after)


def step_decay(t, lr, step_size, gamma):
    """lr · γ^⌊t / step_size⌋: the rate is multiplied by γ at t = step_size, 2·step_size, …"""
    return lr * gamma ** (np.asarray(t) // step_size)


def pick_lr(lrs, losses):
    """A tenth of the first rate whose loss exceeds 4 × the lowest loss recorded before it (inf and nan do: not <=)."""
    lowest = losses[0]
    for lr, loss in zip(lrs[1:], losses[1:]):
        if not loss <= 4 * lowest:
            return lr / 10
        lowest = min(lowest, loss)
    raise ValueError("the loss never blows up: sweep to a larger rate")


def shortest_warmup():
    """Try W = 1, 2, 3, …: run gradient descent on x⁴/4 from x = 10 with my linear_warmup and keep the first W
    whose run stays below 10⁶."""
    for warmup in range(1, 300):
        x = 10.0
        for t in range(300):
            x -= float(linear_warmup(t, 0.5, warmup)) * x**3
            if not abs(x) <= 1e6:
                break
        else:
            return warmup
    raise ValueError("no warmup up to 300 steps keeps the run stable")
