"""book.numerics: the stable elementary functions against their textbook formulas, and the float-for-a-point rule."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from book.autodiff import Tensor
from book.autodiff import cross_entropy as tensor_cross_entropy
from book.numerics import cross_entropy, float_if_scalar, log_sigmoid, log_softmax, logsumexp, sigmoid, softmax


def test_float_if_scalar_gives_a_float_for_one_value_and_the_array_otherwise():
    assert type(float_if_scalar(np.float64(2.5))) is float
    assert type(float_if_scalar(np.array(2.5))) is float
    batch = np.array([2.5])
    assert float_if_scalar(batch) is batch


def test_sigmoid_and_log_sigmoid_agree_with_scipy_and_never_overflow():
    z = np.linspace(-40.0, 40.0, 81)
    np.testing.assert_allclose(sigmoid(z), special.expit(z), rtol=1e-14)
    np.testing.assert_allclose(log_sigmoid(z), special.log_expit(z), rtol=1e-14)
    with np.errstate(over="raise", invalid="raise"):
        assert sigmoid(-800.0) == 0.0 and sigmoid(800.0) == 1.0
        assert log_sigmoid(-800.0) == pytest.approx(-800.0)


def test_softmax_and_log_softmax_agree_with_scipy_on_rows_and_survive_huge_scores():
    scores = np.random.default_rng(0).standard_normal((4, 3, 6)) * 5
    np.testing.assert_allclose(softmax(scores), special.softmax(scores, axis=-1), rtol=1e-13)
    np.testing.assert_allclose(log_softmax(scores), special.log_softmax(scores, axis=-1), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(np.exp(log_softmax(scores)).sum(axis=-1), 1.0, rtol=1e-14)
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(softmax(np.array([1000.0, 1000.0])), [0.5, 0.5])
        np.testing.assert_allclose(log_softmax(np.array([1000.0, 1000.0])), [-np.log(2)] * 2, rtol=1e-15)


def test_logsumexp_and_softmax_take_an_axis_and_keep_float32():
    scores = np.random.default_rng(1).standard_normal((3, 5)) * 5
    np.testing.assert_allclose(logsumexp(scores, axis=0)[0], special.logsumexp(scores, axis=0), rtol=1e-14)
    np.testing.assert_allclose(softmax(scores, axis=0), special.softmax(scores, axis=0), rtol=1e-13)
    assert softmax(scores.astype(np.float32)).dtype == np.float32 and softmax([0, 1]).dtype == np.float64


def test_cross_entropy_is_the_mean_negative_log_probability_and_the_tensor_op_agrees():
    scores = np.random.default_rng(2).standard_normal((2, 3, 7)) * 4
    targets = np.array([[0, 6, 3], [2, 2, 5]])
    by_hand = -np.mean(np.take_along_axis(special.log_softmax(scores, axis=-1), targets[..., None], axis=-1))
    assert cross_entropy(scores, targets) == pytest.approx(by_hand, rel=1e-14)
    assert float(tensor_cross_entropy(Tensor(scores), targets).data) == pytest.approx(by_hand, rel=1e-14)
    with pytest.raises(ValueError, match="class ids in 0..6"):
        cross_entropy(scores, targets + 1)
    with pytest.raises(ValueError, match="integers of shape"):
        cross_entropy(scores, targets[0])
