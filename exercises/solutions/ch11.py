"""Solutions to the exercises of Chapter 11 (the capstone: training a tiny GPT)."""

import numpy as np

from book.exercises.ch11 import BETAS, EPS, LR, MAX_NORM, WEIGHT_DECAY, calibrated_loss


def clip_gradients(grads, max_norm):
    """One factor for all arrays: max_norm / ‖g‖ when the global norm ‖g‖ is above max_norm, else 1."""
    norm = np.sqrt(sum(np.sum(g * g) for g in grads))
    factor = max_norm / norm if norm > max_norm else 1.0
    return tuple(g * factor for g in grads)


def adamw_update(x, g, m, v, t, lr, decay):
    """Decoupled decay (if the mask says so), the two moving averages, bias correction, the normalised step."""
    beta1, beta2 = BETAS
    if decay:
        x = x * (1 - lr * WEIGHT_DECAY)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return x - lr * m_hat / (np.sqrt(v_hat) + EPS), m, v


def training_step(W, b, m, v, t, idx, targets):
    """Loss and gradients by hand, clipping by the global norm, then AdamW on W (decayed) and b (not decayed)."""
    n = len(idx)
    scores = W[idx] + b
    top = scores.max(axis=1, keepdims=True)
    e = np.exp(scores - top)
    loss = float(np.mean(top[:, 0] + np.log(e.sum(axis=1)) - scores[np.arange(n), targets]))
    d = e / e.sum(axis=1, keepdims=True)
    d[np.arange(n), targets] -= 1.0
    d /= n
    dW = np.zeros_like(W)
    np.add.at(dW, idx, d)  # an id used twice adds twice; dW[idx] += d would add once
    dW, db = clip_gradients((dW, d.sum(axis=0)), MAX_NORM)
    W_new = adamw_update(W, dW, m[0], v[0], t, LR, True)[0]
    b_new = adamw_update(b, db, m[1], v[1], t, LR, False)[0]
    return loss, W_new, b_new


def sample_text(next_scores, prompt, block_size, temperature, uniforms):
    """Score the last block_size ids, draw from softmax(scores / τ) with the next uniform number, append, repeat."""
    ids = list(prompt)
    for u in uniforms:
        z = next_scores(np.array(ids[-block_size:])) / temperature
        p = np.exp(z - z.max())
        ids.append(int(np.searchsorted(np.cumsum(p / p.sum()), u)))
    return np.array(ids[len(prompt) :])


def fast_recipe():
    """Three hundred times make train's peak rate and a warmup of 5 steps: a 100-step run has no time to creep up."""
    return 0.3, 5


def best_temperature():
    """Scan τ on a logarithmic grid and keep the one with the lowest validation loss."""
    temperatures = np.geomspace(0.5, 5, 101)
    return float(temperatures[np.argmin([calibrated_loss(tau) for tau in temperatures])])
