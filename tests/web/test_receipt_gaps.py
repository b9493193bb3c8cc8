"""Receipt gaps: unused numbers below the highest used one (numbers after it are just unused)."""

from __future__ import annotations

from server.enrollments.models import ReceiptBlock
from server.web.queries import gaps


def _block(first: int, last: int) -> ReceiptBlock:
    return ReceiptBlock(device_id=1, agent_id=1, first_number=first, last_number=last, issued_by=1)


def test_gaps_skipped_numbers_below_highest_used_are_reported() -> None:
    assert gaps(_block(101, 150), [101, 102, 105, 106, 110]) == [(103, 104), (107, 109)]


def test_gaps_leading_unused_numbers_count_and_trailing_do_not() -> None:
    assert gaps(_block(1, 50), [3]) == [(1, 2)]
    assert gaps(_block(1, 50), []) == []
    assert gaps(_block(1, 50), [1, 2, 3]) == []


def test_gaps_ignore_numbers_of_other_blocks() -> None:
    assert gaps(_block(51, 100), [1, 2, 52]) == [(51, 51)]
