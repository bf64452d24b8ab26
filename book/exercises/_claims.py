"""Open explorations: the learner claims one number, and the checker measures what happens at it and next to it.

``probed(measure, *probes)`` is the ``adapt`` of such a checker: the answer ``claim()`` becomes the tuple of
``measure(probe(claim))``, e.g. the distance after 1000 steps at the claimed rate and at 1.1 × it. ``same_side``
compares such measurements by the verdict they give (below or above a threshold), not by their digits.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from book.checks import Compare


def _real(claim) -> float | None:
    """``claim`` as one finite real number (a zero imaginary part allowed, True refused), or None."""
    if isinstance(claim, (bool, np.bool_)):
        return None
    if isinstance(claim, np.ndarray) and claim.shape == () and claim.dtype.kind in "iufc":
        claim = claim[()]
    if isinstance(claim, numbers.Complex) and not isinstance(claim, numbers.Real):
        claim = claim.real if claim.imag == 0 else None
    if isinstance(claim, numbers.Real) and np.isfinite(float(claim)):
        return float(claim)
    return None


def probed(measure: Callable[[Any], float], *probes: Callable[[float], Any]) -> Callable[[Callable], Callable]:
    """An ``adapt``: ``claim()`` becomes ``(measure(probe(claim)) for probe in probes)`` (a probe may hand ``measure``
    the claim and a neighbour together); an answer that is not one finite real number comes back once per probe, so
    that the checker reports it as it is."""

    def adapt(claim_fn: Callable) -> Callable:
        def measured():
            claim = claim_fn()
            if claim is None:
                return None
            value = _real(claim)
            if value is None:
                return tuple(claim for _ in probes)
            return tuple(float(measure(probe(value))) for probe in probes)

        return measured

    return adapt


def same_side(threshold: float) -> Compare:
    """Measurements agree when they lie on the same side of ``threshold`` (above it, or at most it)."""
    return lambda got, expected: (
        got.shape == expected.shape and bool(np.all((got > threshold) == (expected > threshold)))
    )
