"""Progress over any span of days: ISO weeks, custom ranges, year to date, pace.

The reports service answers calendar months, quarters and years from its summary; the
overview also needs arbitrary spans (a week, 1 March to 15 April, "this year up to today"),
the figure "where we should be by today", and the same span last year. Counting follows the
summary's rule: a person counts once per scheme in the span, at the first sign-up's unit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from server.auth.models import Role
from server.auth.scope import Principal
from server.enrollments.models import Enrollment
from server.reports.schemas import Level
from server.targets.models import Target
from server.targets.service import target_filter

ACCEPTED = ("approved", "pending")
_FINEST_FIRST = ("month", "quarter", "year")


@dataclass(frozen=True)
class Span:
    """The days ``start <= d < end``."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def overlap(self, start: date, end: date) -> int:
        return max(0, (min(self.end, end) - max(self.start, start)).days)

    def until(self, today: date) -> Span | None:
        """The part of the span up to and including ``today``; None if it starts later."""
        if today < self.start:
            return None
        return Span(self.start, min(self.end, today + timedelta(days=1)))

    def year_before(self) -> Span:
        return Span(_year_before(self.start), _year_before(self.end))


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass
class Tally:
    achieved: int = 0
    approved: int = 0
    pending: int = 0
    amount_vnd: int = 0
    sign_ups: int = 0


def _unit_column(level: Level) -> Any:
    e = Enrollment
    return {
        Level.AGENT: e.agent_id,
        Level.POINT: e.point_id,
        Level.COMMUNE: e.commune_code,
        Level.PROVINCE: e.province_code,
    }[level]


def tallies(
    session: Session, *, principal: Principal, span: Span, level: Level, point_ids: set[int]
) -> dict[tuple[int, str], Tally]:
    """(unit, scheme) -> achieved (first sign-up per person and scheme), approved, pending."""
    e = Enrollment
    where: list[Any] = [
        col(e.province_code) == principal.province_code,
        col(e.status).in_(ACCEPTED),
        col(e.payment_date) >= span.start,
        col(e.payment_date) < span.end,
    ]
    if not principal.is_admin:
        where.append(col(e.point_id).in_(sorted(point_ids)))
    if principal.role is Role.AGENT:
        where.append(col(e.agent_id) == principal.user_id)
    ranked = (
        sa_select(
            _unit_column(level).label("unit"),
            col(e.scheme).label("scheme"),
            col(e.status).label("status"),
            col(e.amount_vnd).label("amount"),
            func.row_number()
            .over(
                partition_by=(col(e.citizen_id), col(e.scheme)),
                order_by=(col(e.payment_date), col(e.id)),
            )
            .label("r"),
        )
        .where(*where)
        .subquery()
    )
    r = ranked.c
    stmt = sa_select(
        r.unit,
        r.scheme,
        r.status,
        func.sum(case((r.r == 1, 1), else_=0)),
        func.sum(r.amount),
        func.count(),
    ).group_by(r.unit, r.scheme, r.status)
    out: dict[tuple[int, str], Tally] = defaultdict(Tally)
    for unit, scheme, status, firsts, amount, count in session.execute(stmt).all():
        t = out[(int(unit), str(scheme))]
        t.achieved += int(firsts or 0)
        t.amount_vnd += int(amount or 0)
        t.sign_ups += int(count or 0)
        if status == "approved":
            t.approved += int(firsts or 0)
        else:
            t.pending += int(firsts or 0)
    return out


def any_sign_ups(
    session: Session, *, principal: Principal, span: Span, point_ids: set[int]
) -> bool:
    """Whether the span has data at all (last year may simply not be loaded)."""
    stmt = select(Enrollment.id).where(
        col(Enrollment.province_code) == principal.province_code,
        col(Enrollment.payment_date) >= span.start,
        col(Enrollment.payment_date) < span.end,
    )
    if not principal.is_admin:
        stmt = stmt.where(col(Enrollment.point_id).in_(sorted(point_ids)))
    return session.exec(stmt.limit(1)).first() is not None


def _target_unit(level: Level, t: Target) -> int:
    return {
        Level.AGENT: t.agent_id or 0,
        Level.POINT: t.point_id,
        Level.COMMUNE: t.commune_code,
        Level.PROVINCE: t.province_code,
    }[level]


def planned(
    session: Session,
    *,
    principal: Principal,
    spans: list[Span],
    level: Level,
    point_ids: set[int],
) -> list[dict[tuple[int, str], float]]:
    """For each span, (unit, scheme) -> the participants planned for its days.

    Month targets are used where a unit has them, else quarter, else year targets, each
    spread evenly over its days; an "all" target wins over new + renewal, as in the reports.
    """
    if not spans:
        return []
    lo = min(s.start for s in spans)
    hi = max(s.end for s in spans)
    stmt = select(Target).where(
        target_filter(principal),
        col(Target.point_id).in_(sorted(point_ids)),
        col(Target.metric) == "participants",
        col(Target.period_start) < hi,
        col(Target.period_end) > lo,
    )
    if level is Level.AGENT:
        stmt = stmt.where(col(Target.agent_id).is_not(None))
    else:
        stmt = stmt.where(col(Target.agent_id).is_(None))
    rows = session.exec(stmt).all()
    # (unit, scheme) -> granularity -> kind -> targets
    grouped: dict[tuple[int, str], dict[str, dict[str, list[Target]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for t in rows:
        grouped[(_target_unit(level, t), t.scheme)][t.period_kind][t.kind].append(t)
    out: list[dict[tuple[int, str], float]] = []
    for span in spans:
        result: dict[tuple[int, str], float] = {}
        for key, by_grain in grouped.items():
            grain = next((g for g in _FINEST_FIRST if by_grain.get(g)), None)
            if grain is None:
                continue
            kinds = by_grain[grain]
            chosen = (
                kinds["all"]
                if kinds.get("all")
                else kinds.get("new", []) + kinds.get("renewal", [])
            )
            total = 0.0
            for t in chosen:
                days = (t.period_end - t.period_start).days
                if days > 0:
                    total += t.value * span.overlap(t.period_start, t.period_end) / days
            result[key] = total
        out.append(result)
    return out


__all__ = ["Span", "Tally", "any_sign_ups", "planned", "tallies"]
