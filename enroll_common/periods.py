"""Plan periods: a month ``2025-09``, a quarter ``2025-Q3`` or a year ``2025``.

Pure and shared, so the server's reports and the agent's "my targets this month" agree on
what a period is and which days it covers.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class PeriodError(ValueError):
    """A period string that is not ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``."""


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, quarter or year. ``index`` is the month (1-12), quarter (1-4) or 0."""

    year: int
    kind: PeriodKind
    index: int

    def __post_init__(self) -> None:
        if not 1900 <= self.year <= 9999:
            raise PeriodError(f"year {self.year} out of range")
        limits = {PeriodKind.MONTH: (1, 12), PeriodKind.QUARTER: (1, 4), PeriodKind.YEAR: (0, 0)}
        low, high = limits[self.kind]
        if not low <= self.index <= high:
            raise PeriodError(f"{self.kind} index {self.index} out of range")

    def __str__(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.year:04d}-{self.index:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year:04d}-Q{self.index}"
        return f"{self.year:04d}"

    @property
    def first_month(self) -> int:
        if self.kind is PeriodKind.MONTH:
            return self.index
        if self.kind is PeriodKind.QUARTER:
            return 3 * (self.index - 1) + 1
        return 1

    @property
    def last_month(self) -> int:
        if self.kind is PeriodKind.MONTH:
            return self.index
        if self.kind is PeriodKind.QUARTER:
            return 3 * self.index
        return 12

    @property
    def start(self) -> date:
        """The first day of the period."""
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """The first day after the period (exclusive bound, for ``start <= d < end``)."""
        if self.last_month == 12:
            return date(self.year + 1, 1, 1)
        return date(self.year, self.last_month + 1, 1)

    def months(self) -> tuple[Period, ...]:
        """The months the period is made of, in order."""
        return tuple(
            Period(self.year, PeriodKind.MONTH, m)
            for m in range(self.first_month, self.last_month + 1)
        )

    def children(self) -> tuple[Period, ...]:
        """The next finer periods that add up to this one: a year's quarters, a quarter's
        months; a month has none."""
        if self.kind is PeriodKind.YEAR:
            return tuple(Period(self.year, PeriodKind.QUARTER, q) for q in range(1, 5))
        if self.kind is PeriodKind.QUARTER:
            return self.months()
        return ()

    def parent(self) -> Period | None:
        """The next coarser period containing this one (a month's quarter, a quarter's year)."""
        if self.kind is PeriodKind.MONTH:
            return Period(self.year, PeriodKind.QUARTER, (self.index - 1) // 3 + 1)
        if self.kind is PeriodKind.QUARTER:
            return Period(self.year, PeriodKind.YEAR, 0)
        return None

    def contains(self, other: Period | date) -> bool:
        """Whether a day, or a whole other period, falls inside this period."""
        if isinstance(other, Period):
            return self.start <= other.start and other.end <= self.end
        return self.start <= other < self.end

    def previous_year(self) -> Period:
        """The same period one year earlier (for "same period last year")."""
        return Period(self.year - 1, self.kind, self.index)


def parse_period(text: str) -> Period:
    """Parse ``2025-09``, ``2025-Q3`` (or ``2025-q3``) or ``2025``."""
    value = text.strip()
    if m := _MONTH.match(value):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"month {month} out of range in {text!r}")
        return Period(year, PeriodKind.MONTH, month)
    if m := _QUARTER.match(value):
        return Period(int(m.group(1)), PeriodKind.QUARTER, int(m.group(2)))
    if m := _YEAR.match(value):
        return Period(int(m.group(1)), PeriodKind.YEAR, 0)
    raise PeriodError(f"{text!r} is not a period: use 2025-09, 2025-Q3 or 2025")


def period_of(day: date, kind: PeriodKind) -> Period:
    """The month, quarter or year a day falls in."""
    if kind is PeriodKind.MONTH:
        return Period(day.year, kind, day.month)
    if kind is PeriodKind.QUARTER:
        return Period(day.year, kind, (day.month - 1) // 3 + 1)
    return Period(day.year, kind, 0)


def add_months(start: date, months: int) -> date:
    """``start`` plus calendar months, clamping the day to the target month's length
    (2024-01-31 + 1 month = 2024-02-29), like dateutil's ``relativedelta``."""
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last_day))


__all__ = ["Period", "PeriodError", "PeriodKind", "add_months", "parse_period", "period_of"]
