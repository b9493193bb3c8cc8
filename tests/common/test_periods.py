"""The period helper: parsing, bounds, containment and last year's period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enroll_common.periods import Period, PeriodError, PeriodKind, parse_period, period_of


def test_parse_month_quarter_year_round_trip() -> None:
    for text in ("2025-09", "2025-Q3", "2025"):
        assert str(parse_period(text)) == text
    assert parse_period("2025-q3") == parse_period("2025-Q3")


@pytest.mark.parametrize("bad", ["2025-13", "2025-00", "2025-Q5", "2025-Q0", "25", "2025/09", ""])
def test_parse_malformed_raises_period_error(bad: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(bad)


def test_bounds_of_quarter_and_year_are_calendar_edges() -> None:
    q3 = parse_period("2025-Q3")
    assert (q3.start, q3.end) == (date(2025, 7, 1), date(2025, 10, 1))
    year = parse_period("2025")
    assert (year.start, year.end) == (date(2025, 1, 1), date(2026, 1, 1))
    dec = parse_period("2025-12")
    assert (dec.start, dec.end) == (date(2025, 12, 1), date(2026, 1, 1))


def test_months_of_quarter_and_children_of_year() -> None:
    assert [str(m) for m in parse_period("2025-Q3").months()] == ["2025-07", "2025-08", "2025-09"]
    assert [str(q) for q in parse_period("2025").children()] == [
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
    ]
    assert len(parse_period("2025").months()) == 12
    assert parse_period("2025-09").children() == ()


def test_contains_days_and_periods() -> None:
    q3 = parse_period("2025-Q3")
    assert q3.contains(date(2025, 9, 30))
    assert not q3.contains(date(2025, 10, 1))
    assert q3.contains(parse_period("2025-08"))
    assert not q3.contains(parse_period("2025"))
    assert parse_period("2025").contains(q3)


def test_previous_year_keeps_kind_and_index() -> None:
    assert str(parse_period("2025-Q3").previous_year()) == "2024-Q3"
    assert str(parse_period("2025-09").previous_year()) == "2024-09"
    assert str(parse_period("2025").previous_year()) == "2024"


def test_parent_of_month_is_its_quarter() -> None:
    assert str(parse_period("2025-08").parent()) == "2025-Q3"
    assert str(parse_period("2025-Q3").parent()) == "2025"
    assert parse_period("2025").parent() is None


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(9998, 12, 31)))
def test_period_of_day_contains_the_day_and_tiles(day: date) -> None:
    for kind in PeriodKind:
        p = period_of(day, kind)
        assert p.contains(day)
        assert p.start <= day < p.end
        assert period_of(p.end - timedelta(days=1), kind) == p
        assert str(parse_period(str(p))) == str(p)
    month = period_of(day, PeriodKind.MONTH)
    parent = month.parent()
    assert parent is not None and month in parent.months()


def test_invalid_direct_construction_raises() -> None:
    with pytest.raises(PeriodError):
        Period(2025, PeriodKind.MONTH, 13)
