"""book.landscape: random symmetric matrices, the minimum fraction, filter-normalised directions, loss planes."""

import numpy as np
import pytest

from book import landscape


def test_random_symmetric_is_symmetric_and_seeded():
    a = landscape.random_symmetric(4, 10, seed=3)
    np.testing.assert_array_equal(a, np.swapaxes(a, 1, 2))
    np.testing.assert_array_equal(a, landscape.random_symmetric(4, 10, seed=3))


def test_positive_definite_fraction_in_one_dimension_is_a_half():
    assert landscape.positive_definite_fraction(1, samples=100000) == pytest.approx(0.5, abs=0.005)


def test_filter_normalised_direction_matches_column_norms_and_skips_biases():
    params = {"W": np.array([[1.0, 10.0], [0.0, 0.0], [0.0, 0.0]]), "b": np.ones(2)}
    d = landscape.filter_normalised_direction(params, seed=0)
    np.testing.assert_allclose(np.linalg.norm(d["W"], axis=0), [1.0, 10.0], rtol=1e-12)
    np.testing.assert_array_equal(d["b"], 0.0)


def test_loss_plane_rows_are_beta_columns_alpha():
    params = {"w": np.zeros(2)}
    plane = landscape.loss_plane(
        lambda p: float(p["w"][0] + 10 * p["w"][1]),
        params,
        {"w": np.array([1.0, 0.0])},
        {"w": np.array([0.0, 1.0])},
        np.array([1.0, 2.0]),
        np.array([0.0, 1.0, 2.0]),
    )
    np.testing.assert_array_equal(plane, [[1, 2], [11, 12], [21, 22]])


def test_bad_input():
    with pytest.raises(ValueError, match="dim"):
        landscape.random_symmetric(0, 3)
    with pytest.raises(ValueError, match="W"):
        landscape.filter_normalised_direction({"W": np.array([[np.nan]])})
