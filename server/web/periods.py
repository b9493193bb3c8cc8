"""The period picker: months, quarters and years around today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from enroll_common.periods import Period, PeriodError, PeriodKind, parse_period, period_of
from server.errors import RuleViolation
from server.web.fmt import VN_TZ


@dataclass(frozen=True)
class Option:
    value: str
    label: str


def today() -> date:
    from datetime import datetime

    return datetime.now(VN_TZ).date()


def parse(value: str | None) -> Period:
    """The chosen period, or this month; a malformed one is a 422 naming the field."""
    if not value:
        return period_of(today(), PeriodKind.MONTH)
    try:
        return parse_period(value)
    except PeriodError as exc:
        raise RuleViolation(str(exc), field="period") from exc


def label(period: Period) -> str:
    if period.kind is PeriodKind.MONTH:
        return f"{period.index:02d}/{period.year}"
    if period.kind is PeriodKind.QUARTER:
        return f"Q{period.index}/{period.year}"
    return str(period.year)


def options(selected: Period) -> dict[str, list[Option]]:
    """Options grouped by kind, for this year, last year and the selected one's year."""
    years = sorted({today().year, today().year - 1, selected.year}, reverse=True)
    groups: dict[str, list[Option]] = {"month": [], "quarter": [], "year": []}
    for y in years:
        year = Period(y, PeriodKind.YEAR, 0)
        groups["year"].append(Option(str(year), label(year)))
        for q in year.children():
            groups["quarter"].append(Option(str(q), label(q)))
        for m in reversed(year.months()):
            groups["month"].append(Option(str(m), label(m)))
    return groups
