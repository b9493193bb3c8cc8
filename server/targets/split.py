"""Splitting a whole into parts that add up exactly (largest-remainder rounding).

Pure: the coordinator's "split this point's target among its agents" and the tests use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction


def split_largest_remainder(total: int, weights: Sequence[int | Decimal | Fraction]) -> list[int]:
    """Split ``total`` in proportion to ``weights``; the parts sum to ``total`` exactly.

    Each part is the floor of its exact share, and the units left over go one each to the
    parts with the largest fractional remainders (ties: the earlier part), so no part is
    more than one away from its exact share.
    """
    if total < 0:
        raise ValueError("total must not be negative")
    if not weights:
        raise ValueError("at least one weight is needed")
    exact = [Fraction(w) for w in weights]
    if any(w < 0 for w in exact):
        raise ValueError("weights must not be negative")
    weight_sum = sum(exact, Fraction(0))
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    shares = [total * w / weight_sum for w in exact]
    parts = [int(s) for s in shares]  # floor: shares are non-negative
    left = total - sum(parts)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def split_evenly(total: int, n: int) -> list[int]:
    """Split ``total`` into ``n`` parts differing by at most one, the larger ones first."""
    return split_largest_remainder(total, [1] * n)


__all__ = ["split_evenly", "split_largest_remainder"]
