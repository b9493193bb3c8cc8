"""Largest-remainder splitting: exact sums, fair parts."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.targets.split import split_evenly, split_largest_remainder


def test_split_evenly_gives_leftover_to_first_parts() -> None:
    assert split_evenly(3200, 3) == [1067, 1067, 1066]
    assert split_evenly(10, 4) == [3, 3, 2, 2]


def test_split_by_weights_largest_remainder_gets_the_unit() -> None:
    # exact shares 2.5, 3.75, 3.75 -> floors 2, 3, 3 leave 2 units for the .75s
    assert split_largest_remainder(10, [2, 3, 3]) == [2, 4, 4]


def test_split_with_zero_weight_gives_zero() -> None:
    assert split_largest_remainder(7, [0, 1, 1]) == [0, 4, 3]


@pytest.mark.parametrize(("total", "weights"), [(-1, [1]), (5, []), (5, [0, 0]), (5, [1, -1])])
def test_split_invalid_input_raises(total: int, weights: list[int]) -> None:
    with pytest.raises(ValueError):
        split_largest_remainder(total, weights)


@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40).filter(
        lambda ws: sum(ws) > 0
    ),
)
def test_split_parts_sum_exactly_and_stay_within_one(total: int, weights: list[int]) -> None:
    parts = split_largest_remainder(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    weight_sum = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        exact = Fraction(total * w, weight_sum)
        assert abs(part - exact) < 1
        assert part >= 0


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=200))
def test_split_evenly_parts_differ_by_at_most_one(total: int, n: int) -> None:
    parts = split_evenly(total, n)
    assert sum(parts) == total
    assert max(parts) - min(parts) <= 1
