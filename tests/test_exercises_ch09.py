"""Chapter 9's checkers stop the wrong answers learners write, each with its own hint where the exercise names
that mistake (``None``: the answer must fail, whatever the message)."""

import numpy as np

from book.exercises import ch09 as check
from exercises.solutions import ch09 as solution


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _naive_softmax(z, axis=-1):
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _spread(x, ddof=0):
    return np.std(x, axis=-1, keepdims=True, ddof=ddof)


def _layernorm(dx, ddof=0):
    """A LayerNorm backward written as dx(g, y, s), with y and s computed from the spread with ``ddof``."""

    def answer(x, g):
        s = _spread(x, ddof)
        y = (x - x.mean(axis=-1, keepdims=True)) / s
        return dx(g, y, s)

    return answer


def _mean(a):
    return a.mean(axis=-1, keepdims=True)


def _masked(mask, softmax=_softmax, fill=-np.inf):
    return lambda s: softmax(np.where(mask(s.shape), fill, s))


def _future(shape):
    return np.triu(np.ones(shape, dtype=bool), k=1)


def _bigram(probabilities, log=np.log, pairs=lambda ids: (ids[:-1], ids[1:]), every_pair=True):
    def answer(train_ids, held_ids, V, alpha):
        counts = np.zeros((V, V))
        if every_pair:
            np.add.at(counts, pairs(train_ids), 1.0)
        else:
            counts[pairs(train_ids)] += 1.0  # a repeated pair counted once
        p = probabilities(counts, V, alpha)
        return -np.mean(log(p[held_ids[:-1], held_ids[1:]]))

    return answer


def _right_rows(c, V, a):
    return (c + a) / (c.sum(axis=1, keepdims=True) + a * V)


def _sample(z_of, cumulative=lambda p, u: int(np.searchsorted(np.cumsum(p), u)), stable=True, normalise=True):
    def answer(scores, temperature, u):
        z = z_of(scores, temperature)
        with np.errstate(all="ignore"):
            p = np.exp(z - z.max()) if stable else np.exp(z)
            return cumulative(p / p.sum() if normalise else p, u)

    return answer


def _scaled(s, T):
    return s / T


def _loss(hidden=np.tanh, reduce=np.mean, logsumexp=None):
    def answer(E, W1, b1, W2, b2, X, y):
        s = hidden(E[X].reshape(len(X), -1) @ W1 + b1) @ W2 + b2
        with np.errstate(all="ignore"):
            lse = (
                np.log(np.exp(s).sum(axis=1))
                if logsumexp == "naive"
                else s.max(axis=1) + np.log(np.exp(s - s.max(axis=1, keepdims=True)).sum(axis=1))
            )
        return float(reduce(lse - s[np.arange(len(y)), y]))

    return answer


def _count(extra):
    return lambda V, k, L, h, d: solution.parameter_count(V, k, L, h, d) + extra(V, k, L, h, d)


WRONG_ANSWERS = {
    "softmax_jacobian": [
        (lambda z: np.diag(_softmax(z)), "only the diagonal's first term"),
        (lambda z: np.outer(_softmax(z), _softmax(z)) - np.diag(_softmax(z)), "sign is flipped"),
        (lambda z: np.diag(_softmax(z) * (1 - _softmax(z))), "diagonal entries only"),
        (
            lambda z: np.diag(_naive_softmax(z)) - np.outer(_naive_softmax(z), _naive_softmax(z)),
            None,
        ),  # overflows at 1000
        (lambda z: np.diag(z) - np.outer(z, z), None),  # the scores instead of the probabilities
        (lambda z: np.eye(len(z)) - np.outer(_softmax(z), _softmax(z)), None),
        (lambda z: np.diag(_softmax(z)) - np.outer(_softmax(z), np.ones(len(z))) / len(z), None),
        (lambda z: (np.diag(_softmax(z)) - np.outer(_softmax(z), _softmax(z))) * (1 + 1e-6), None),
    ],
    "layernorm_backward": [
        (_layernorm(lambda g, y, s: g / s), "subtract mean(g) and y·mean(g·y)"),
        (_layernorm(lambda g, y, s: (g - _mean(g)) / s), "its term is −y·mean(g·y)"),
        (_layernorm(lambda g, y, s: (g - y * _mean(g * y)) / s), "its term is −mean(g)"),
        (_layernorm(lambda g, y, s: (g - _mean(g) + y * _mean(g * y)) / s), "the sign of the y·mean(g·y) term"),
        (_layernorm(lambda g, y, s: (g - _mean(g) - y * _mean(g * y)) * s), None),  # times s
        (_layernorm(lambda g, y, s: (g - _mean(g) - y * _mean(g * y)) / s**2), None),
        (
            lambda x, g: (
                (
                    g
                    - g.mean(axis=0)
                    - ((x - x.mean(axis=0)) / x.std(axis=0)) * np.mean(g * (x - x.mean(axis=0)) / x.std(axis=0), axis=0)
                )
                / x.std(axis=0)
            ),
            None,
        ),  # columns
        (_layernorm(lambda g, y, s: (g - _mean(g) - y * _mean(g * y)) / s, ddof=1), None),  # n − 1 in the spread
    ],
    "causal_weights": [
        (_masked(lambda shape: np.tril(np.ones(shape, dtype=bool), k=-1)), "hides the past"),
        (_masked(_future, fill=0.0), "still gets weight e⁰"),
        (lambda s: np.where(_future(s.shape), 0.0, _softmax(s)), "no longer sum to 1"),
        (_masked(_future, softmax=lambda z: _softmax(z, axis=0)), "not down a column"),
        (_masked(lambda shape: np.triu(np.ones(shape, dtype=bool), k=0)), None),  # hides the position itself too
        (_masked(_future, softmax=_naive_softmax), None),  # overflows at 1000
        (_masked(lambda shape: np.triu(np.ones(shape, dtype=bool), k=2)), None),  # lets one future position through
        (lambda s: _softmax(s), None),  # no mask at all
    ],
    "parameter_count": [
        (lambda V, k, L, h, d: 12 * L * d * d + (V + k) * d, "that is the approximation"),
        (_count(lambda V, k, L, h, d: -k * d), "position embeddings"),
        (_count(lambda V, k, L, h, d: d * V), "the output head is tied"),
        (_count(lambda V, k, L, h, d: (h - 1) * L * 4 * d * d), "do not multiply it"),
        (_count(lambda V, k, L, h, d: -4 * L * d - 2 * d), "two vectors of n_embd"),
        (_count(lambda V, k, L, h, d: -L * 9 * d), None),  # the linear layers' biases forgotten
        (_count(lambda V, k, L, h, d: -4 * L * d * d), None),  # an MLP of width 2d
        (_count(lambda V, k, L, h, d: -2 * d), None),  # no final LayerNorm
        (_count(lambda V, k, L, h, d: d * V + V), None),  # an untied head with a bias
        (_count(lambda V, k, L, h, d: (L - 1) * -(12 * d * d + 13 * d)), None),  # one block only
    ],
    "encode": [
        (lambda text: np.array([list(dict.fromkeys(text)).index(c) for c in text]), "order characters first appear"),
        (lambda text: solution.encode(text) + 1, "ids start at 0"),
        (lambda text: np.array([ord(c) for c in text]), "code point"),
        (lambda text: np.array([sorted(set(text), reverse=True).index(c) for c in text]), None),
        (
            lambda text: np.array([sorted(text).index(c) for c in text]),
            None,
        ),  # positions in the sorted text, repeats kept
        (lambda text: np.array([sorted(set(text.lower())).index(c.lower()) for c in text]), None),
        (lambda text: np.array([sorted(set(text), key=text.count).index(c) for c in text]), None),  # by frequency
    ],
    "bigram_cross_entropy": [
        (_bigram(lambda c, V, a: (c + a) / (c.sum(axis=1, keepdims=True) + a)), "one α for each"),
        (_bigram(lambda c, V, a: (c + a) / (c.sum() + a * V * V)), "*current* character's row"),
        (_bigram(lambda c, V, a: (c + a) / (c.sum(axis=0, keepdims=True) + a * V)), "divides by the column"),
        (_bigram(_right_rows, np.log2), "nats"),
        (_bigram(_right_rows, every_pair=False), None),  # counts[a, b] += 1 counts a repeated pair once
        (_bigram(_right_rows, pairs=lambda ids: (ids[1:], ids[:-1])), None),  # the pair read backwards
        (lambda *args: len(args[1]) * solution.bigram_cross_entropy(*args), None),
        (lambda *args: -solution.bigram_cross_entropy(*args), None),
    ],
    "sample_next": [
        (_sample(lambda s, T: s * T), "do not multiply"),
        (_sample(lambda s, T: s), "temperature is ignored"),
        (lambda s, T, u: int(np.argmax(s)), "most likely index"),
        (lambda s, T, u: solution.sample_next(s, T, 1 - u), "not 1 − u"),
        (_sample(_scaled, stable=False), None),  # no max-subtraction: scores/T beyond 709.8 overflow
        (
            _sample(_scaled, cumulative=lambda p, u: int(np.searchsorted(np.cumsum(p), u, side="right"))),
            None,
        ),  # the boundary
        (_sample(_scaled, normalise=False), None),
        (lambda s, T, u: solution.sample_next(s, T, u) + 1, None),
        (_sample(_scaled, cumulative=lambda p, u: int(np.argmax(np.cumsum(p) > u))), None),  # "exceeds" for "reaches"
    ],
    "model_loss": [
        (lambda *args: len(args[-1]) * solution.model_loss(*args), "sum over the batch"),
        (lambda E, W1, b1, W2, b2, X, y: solution.model_loss(E, W1, 0 * b1, W2, 0 * b2, X, y), "biases"),
        (_loss(logsumexp="naive"), None),  # overflows with scores in the hundreds
        (_loss(hidden=lambda a: np.maximum(a, 0)), None),
        (_loss(hidden=lambda a: a), None),
        (lambda *args: solution.model_loss(*args) / np.log(2), None),  # bits, not nats
        (_loss(reduce=np.median), None),
    ],
    "saturating_dimension": [
        (lambda: 8, "try larger d"),
        (lambda: 1000, "much smaller d"),
        (lambda: 1, "try larger d"),
        (lambda: check.saturation_dimension() * 2, "much smaller d"),
        (lambda: check.saturation_dimension() // 2, "try larger d"),
        (lambda: 12, "try larger d"),
        (lambda: 256, "much smaller d"),
    ],
}


def test_each_checker_runs_at_least_ten_cases(monkeypatch):
    counts = {}
    original = check.check_function

    def spy(learner, reference, cases, **kwargs):
        counts[kwargs["name"]] = len(cases)
        return original(learner, reference, cases, **kwargs)

    monkeypatch.setattr(check, "check_function", spy)
    for name in WRONG_ANSWERS:
        assert getattr(check, name)(getattr(solution, name)).passed
    assert all(count >= 10 for name, count in counts.items() if name != "saturating_dimension"), counts


def test_the_overflow_and_small_u_cases_are_there():
    """scores/T beyond 709.8 fail the answer without max-subtraction; 1 − u gets its own hint, not argmax's."""
    with np.errstate(all="ignore"):
        careless = check.sample_next(_sample(_scaled, stable=False))
    assert not careless.passed and "709.8" in careless.message, careless.message
    flipped = check.sample_next(lambda s, T, u: solution.sample_next(s, T, 1 - u))
    assert "not 1 − u" in flipped.message and "most likely index" not in flipped.message, flipped.message


def test_the_exploration_accepts_a_fresh_simulation_and_claims_near_the_measured_dimension():
    """Another seed's measurement passes; answers within the band pass, just outside fail."""
    measured = check.saturation_dimension()
    assert check.saturating_dimension(lambda: check.saturation_dimension(seed=1)).passed
    assert check.saturating_dimension(lambda: measured * 1.2).passed
    assert not check.saturating_dimension(lambda: measured * 1.3).passed
    assert not check.saturating_dimension(lambda: measured / 1.3).passed


def test_the_parameter_count_exercise_counts_the_library_model():
    """The exercise's model is the chapter's: the same count as the shapes book.transformer builds."""
    from book.transformer import GPTConfig, parameter_shapes

    for sizes in [(65, 64, 2, 4, 64), (3, 1, 1, 1, 1), (50257, 1024, 12, 12, 768), (7, 5, 3, 2, 6)]:
        shapes = parameter_shapes(GPTConfig(*sizes))
        assert solution.parameter_count(*sizes) == sum(int(np.prod(shape)) for shape in shapes.values())
