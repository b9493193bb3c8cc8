"""The period picker: year to date (the default), months, quarters, years, ISO weeks, ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from enroll_common.periods import Period, PeriodError, PeriodKind, parse_period, period_of
from server.errors import RuleViolation
from server.web.fmt import VN_TZ, day
from server.web.fmt import day as day_text
from server.web.i18n import gettext as _
from server.web.progress import Span

YTD = "ytd"
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Choice:
    """What the user picked: a plan period (month, quarter, year), year to date, a week or a
    range. ``period`` is the calendar period the reports service answers for it (the year
    for the others), ``span`` the days it covers."""

    value: str
    kind: str  # "month" | "quarter" | "year" | "ytd" | "week" | "range"
    period: Period
    span: Span
    label: str

    @property
    def standard(self) -> bool:
        """Answered by the reports service as is (a calendar month, quarter or year)."""
        return self.kind in ("month", "quarter", "year")

    @property
    def last_year_span(self) -> Span:
        return self.span.year_before()


def today() -> date:
    return datetime.now(VN_TZ).date()


def label(period: Period) -> str:
    if period.kind is PeriodKind.MONTH:
        return f"{period.index:02d}/{period.year}"
    if period.kind is PeriodKind.QUARTER:
        return f"Q{period.index}/{period.year}"
    return str(period.year)


def _week(year: int, week: int) -> Span:
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise RuleViolation(f"no week {week} in {year}", field="period") from exc
    return Span(monday, monday + timedelta(days=7))


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise RuleViolation(f"{value!r} is not a date", field=field) from exc


def choose(value: str | None, start: str | None = None, end: str | None = None) -> Choice:
    """Parse the picker; nothing chosen is year to date of the current plan year."""
    now = today()
    if start or end:
        first = _date(start or "", "from")
        last = _date(end or "", "to")
        if last < first:
            raise RuleViolation("the range ends before it starts", field="to")
        if (last - first).days >= MAX_RANGE_DAYS:
            raise RuleViolation("a range is at most one year", field="to")
        span = Span(first, last + timedelta(days=1))
        text = f"{day(first)} – {day(last)}"
        return Choice(
            f"{first}..{last}", "range", Period(first.year, PeriodKind.YEAR, 0), span, text
        )
    if not value or value == YTD:
        year = Period(now.year, PeriodKind.YEAR, 0)
        span = Span(year.start, now + timedelta(days=1))
        text = _("Year to date") + f" {now.year} ({day(year.start)} – {day(now)})"
        return Choice(YTD, "ytd", year, span, text)
    if m := _WEEK.match(value.strip()):
        y, w = int(m.group(1)), int(m.group(2))
        span = _week(y, w)
        text = _("Week") + f" {w}/{y} ({day(span.start)} – {day(span.end - timedelta(days=1))})"
        return Choice(value, "week", Period(span.start.year, PeriodKind.YEAR, 0), span, text)
    try:
        period = parse_period(value)
    except PeriodError as exc:
        raise RuleViolation(str(exc), field="period") from exc
    return Choice(
        str(period), period.kind.value, period, Span(period.start, period.end), label(period)
    )


def year_to(day: date) -> Choice:
    """The plan year of ``day`` from 1 January up to and including ``day``."""
    year = Period(day.year, PeriodKind.YEAR, 0)
    span = Span(year.start, day + timedelta(days=1))
    text = _("Year to date") + f" {day.year} ({day_text(year.start)} – {day_text(day)})"
    return Choice(YTD, "ytd", year, span, text)


def parse(value: str | None) -> Period:
    """A calendar period for the exports (they stay on months, quarters and years)."""
    if not value or value == YTD:
        return period_of(today(), PeriodKind.YEAR)
    try:
        return parse_period(value)
    except PeriodError as exc:
        raise RuleViolation(str(exc), field="period") from exc


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


def choice_options(selected: Choice) -> dict[str, list[Option]]:
    """The overview's options: the plan periods, then the last twelve ISO weeks."""
    groups = options(selected.period)
    now = today()
    monday = now - timedelta(days=now.weekday())
    groups["week"] = []
    for i in range(12):
        d = monday - timedelta(weeks=i)
        iso = d.isocalendar()
        groups["week"].append(
            Option(f"{iso.year}-W{iso.week:02d}", f"{iso.week:02d}/{iso.year} · {day(d)}")
        )
    return groups
