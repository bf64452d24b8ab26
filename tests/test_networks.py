"""book.networks: the one-hot softmax cross-entropy is the library's one cross-entropy, and it refuses soft labels."""

from __future__ import annotations

import numpy as np
import pytest

from book import networks
from book.autodiff import Tensor


def test_softmax_cross_entropy_is_minus_the_mean_log_probability_of_the_labelled_class():
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]])
    onehot = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    by_hand = -np.mean([np.log(np.exp(row[c]) / np.exp(row).sum()) for row, c in zip(logits, (2, 1))])
    assert float(networks.softmax_cross_entropy(Tensor(logits), onehot).data) == pytest.approx(by_hand, rel=1e-14)


@pytest.mark.parametrize("labels", [[[0.5, 0.5, 0.0]], [[1.0, 1.0, 0.0]], [[0.0, 0.0, 0.0]]])
def test_softmax_cross_entropy_refuses_labels_that_are_not_one_hot(labels):
    with pytest.raises(ValueError, match="labels must be one-hot rows"):
        networks.softmax_cross_entropy(Tensor(np.zeros((1, 3))), np.array(labels))
