"""book.numerics: the stable elementary functions against their textbook formulas, and the float-for-a-point rule."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from book.numerics import float_if_scalar, log_sigmoid, log_softmax, sigmoid, softmax


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
