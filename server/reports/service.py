"""Progress against plan per agent, point, commune and province, from the summary table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from enroll_common.calculator import Scheme
from enroll_common.periods import Period
from enroll_common.schemes import Insurance, rules
from server.auth.models import Role
from server.auth.scope import Principal
from server.errors import Forbidden
from server.org.service import readable_points
from server.reports.models import ProgressSummary
from server.reports.schemas import Level, ProgressReport, ProgressRow
from server.reports.summary import ensure_fresh
from server.reports.units import ReportUnit, commune_populations, report_units
from server.targets.models import Metric, Target, TargetKind
from server.targets.service import target_filter

SCHEMES = tuple(s.value for s in Scheme)


def percent(numerator: int, denominator: int | None) -> float | None:
    """Exact ratio as a percentage, rounded half-up to one decimal (62.65...% -> 62.7)."""
    if not denominator:
        return None
    exact = Fraction(numerator * 100, denominator)
    rounded = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return float(rounded)


@dataclass
class _Tally:
    achieved: int = 0
    approved: int = 0
    pending: int = 0
    amount_vnd: int = 0
    sign_ups: int = 0
    due: int = 0


def _group_column(level: Level) -> Any:
    return {
        Level.AGENT: ProgressSummary.agent_id,
        Level.POINT: ProgressSummary.point_id,
        Level.COMMUNE: ProgressSummary.commune_code,
        Level.PROVINCE: ProgressSummary.province_code,
    }[level]


def _tallies(
    session: Session,
    *,
    principal: Principal,
    period: Period,
    level: Level,
    kind: TargetKind,
    point_ids: set[int],
    schemes: Iterable[str],
) -> dict[tuple[int, str], _Tally]:
    """(unit, scheme) -> achieved, approved, pending, amount, sign-ups, due for renewal."""
    group = _group_column(level)
    first = (
        ProgressSummary.participants_all
        if kind is TargetKind.ALL
        else ProgressSummary.participants_kind
    )
    columns: list[Any] = [
        group,
        ProgressSummary.scheme,
        ProgressSummary.status,
        func.sum(first),
        func.sum(ProgressSummary.amount_vnd),
        func.sum(ProgressSummary.sign_ups),
        func.sum(ProgressSummary.due_renewal),
    ]
    stmt = (
        sa_select(*columns)
        .where(
            col(ProgressSummary.province_code) == principal.province_code,
            col(ProgressSummary.period) == str(period),
            col(ProgressSummary.scheme).in_(list(schemes)),
        )
        .group_by(group, ProgressSummary.scheme, ProgressSummary.status)
    )
    if kind is not TargetKind.ALL:
        stmt = stmt.where(col(ProgressSummary.kind) == kind.value)
    if principal.role is Role.AGENT:
        stmt = stmt.where(col(ProgressSummary.agent_id) == principal.user_id)
    elif principal.role is Role.COORDINATOR:
        stmt = stmt.where(col(ProgressSummary.point_id).in_(sorted(point_ids)))
    out: dict[tuple[int, str], _Tally] = defaultdict(_Tally)
    for unit, scheme, status, firsts, amount, sign_ups, due in session.execute(stmt).all():
        tally = out[(int(unit), scheme)]
        if status == "due":
            tally.due += int(due or 0)
            continue
        tally.achieved += int(firsts or 0)
        tally.amount_vnd += int(amount or 0)
        tally.sign_ups += int(sign_ups or 0)
        if status == "approved":
            tally.approved += int(firsts or 0)
        else:
            tally.pending += int(firsts or 0)
    return out


def _targets(
    session: Session,
    *,
    principal: Principal,
    period: Period,
    level: Level,
    kind: TargetKind,
    point_ids: set[int],
) -> dict[tuple[int, str, str], int]:
    """(unit, scheme, metric) -> target. Agent level sums agents' targets, the other levels
    their points'. An "all" target missing for a unit falls back to new + renewal."""
    stmt = select(Target).where(
        target_filter(principal),
        Target.period == str(period),
        col(Target.point_id).in_(sorted(point_ids)),
    )
    if level is Level.AGENT:
        stmt = stmt.where(col(Target.agent_id).is_not(None))
    else:
        stmt = stmt.where(col(Target.agent_id).is_(None))
    by_kind: dict[str, dict[tuple[int, str, str], int]] = defaultdict(lambda: defaultdict(int))
    for t in session.exec(stmt).all():
        unit = {
            Level.AGENT: t.agent_id or 0,
            Level.POINT: t.point_id,
            Level.COMMUNE: t.commune_code,
            Level.PROVINCE: t.province_code,
        }[level]
        by_kind[t.kind][(unit, t.scheme, t.metric)] += t.value
    if kind is not TargetKind.ALL:
        return dict(by_kind[kind.value])
    out = dict(by_kind[TargetKind.ALL.value])
    for parts in (by_kind[TargetKind.NEW.value], by_kind[TargetKind.RENEWAL.value]):
        for key, value in parts.items():
            if key not in by_kind[TargetKind.ALL.value]:
                out[key] = out.get(key, 0) + value
    return out


def _rank(rows: list[ProgressRow]) -> None:
    """Competition ranking among peers of one scheme: percent of target, then achieved."""
    by_scheme: dict[str, list[ProgressRow]] = defaultdict(list)
    for row in rows:
        by_scheme[row.scheme].append(row)
    for peers in by_scheme.values():

        def key(r: ProgressRow) -> tuple[float, int]:
            return (-(r.percent if r.percent is not None else -1.0), -r.achieved)

        ordered = sorted(peers, key=key)
        for i, row in enumerate(ordered):
            if i and key(ordered[i - 1]) == key(row):
                row.rank = ordered[i - 1].rank
            else:
                row.rank = i + 1


def _row(
    *,
    level: Level,
    unit: ReportUnit,
    scheme: str,
    kind: TargetKind,
    now: _Tally,
    before: _Tally,
    target: int | None,
    target_amount: int | None,
) -> ProgressRow:
    return ProgressRow(
        level=level,
        unit_id=unit.id,
        unit_code=unit.code,
        unit_name=unit.name,
        parent=unit.parent,
        scheme=scheme,
        kind=kind.value,
        target=target,
        achieved=now.achieved,
        approved=now.approved,
        pending=now.pending,
        percent=percent(now.achieved, target),
        shortfall=None if target is None else max(0, target - now.achieved),
        surplus=None if target is None else max(0, now.achieved - target),
        rank=None,
        target_amount_vnd=target_amount,
        amount_vnd=now.amount_vnd,
        amount_percent=percent(now.amount_vnd, target_amount),
        sign_ups=now.sign_ups,
        last_year=before.achieved,
        change=now.achieved - before.achieved,
        change_percent=percent(now.achieved - before.achieved, before.achieved),
        due_renewal=now.due,
    )


def progress_report(
    session: Session,
    *,
    principal: Principal,
    period: Period,
    level: Level,
    scheme: str | None = None,
    kind: TargetKind = TargetKind.ALL,
    refresh: bool = False,
) -> ProgressReport:
    """Achieved against plan for every unit of ``level`` in the caller's scope."""
    if principal.role is Role.AGENT and level not in (Level.AGENT, Level.POINT):
        raise Forbidden("agents see the agent and point levels only", field="level")
    if principal.role is Role.COORDINATOR and level is Level.PROVINCE:
        raise Forbidden("the province level needs an administrator", field="level")
    schemes = [scheme] if scheme else list(SCHEMES)
    previous = period.previous_year()
    state = ensure_fresh(
        session,
        province_code=principal.province_code,
        years=[period.year, previous.year],
        force=refresh,
    )
    points = list(session.exec(readable_points(principal)).all())
    point_ids = {p.id for p in points if p.id is not None}
    units = report_units(session, principal=principal, level=level, points=points)
    args: dict[str, Any] = {
        "principal": principal,
        "level": level,
        "kind": kind,
        "point_ids": point_ids,
    }
    now = _tallies(session, period=period, schemes=schemes, **args)
    before = _tallies(session, period=previous, schemes=schemes, **args)
    targets = _targets(session, period=period, **args)
    population = (
        commune_populations(session, communes={p.commune_code for p in points}, year=period.year)
        if level in (Level.COMMUNE, Level.PROVINCE)
        else {}
    )
    rows: list[ProgressRow] = []
    for s in schemes:
        for unit in sorted(units.values(), key=lambda u: u.code):
            row = _row(
                level=level,
                unit=unit,
                scheme=s,
                kind=kind,
                now=now.get((unit.id, s), _Tally()),
                before=before.get((unit.id, s), _Tally()),
                target=targets.get((unit.id, s, Metric.PARTICIPANTS.value)),
                target_amount=targets.get((unit.id, s, Metric.AMOUNT_VND.value)),
            )
            if population:
                codes = [unit.id] if level is Level.COMMUNE else list(population)
                figures = [population[c] for c in codes if c in population]
                if figures:
                    row.population = sum(f.population for f in figures)
                    row.working_age = sum(f.working_age for f in figures)
                    if rules(s).insurance is Insurance.HI:
                        row.coverage_percent = percent(row.achieved, row.population)
                    else:
                        row.labour_force_percent = percent(row.achieved, row.working_age)
            rows.append(row)
    _rank(rows)
    return ProgressReport(
        period=str(period),
        previous_period=str(previous),
        level=level,
        scheme=scheme,
        kind=kind.value,
        as_of=state.refreshed_at,
        rows=rows,
        totals=_totals(rows, level=level, kind=kind),
    )


def _totals(rows: list[ProgressRow], *, level: Level, kind: TargetKind) -> list[ProgressRow]:
    """One totals row per scheme; participants add up because each counts once per period."""
    out: list[ProgressRow] = []
    for s in dict.fromkeys(r.scheme for r in rows):
        peers = [r for r in rows if r.scheme == s]
        targets = [r.target for r in peers if r.target is not None]
        amounts = [r.target_amount_vnd for r in peers if r.target_amount_vnd is not None]
        now = _Tally(
            achieved=sum(r.achieved for r in peers),
            approved=sum(r.approved for r in peers),
            pending=sum(r.pending for r in peers),
            amount_vnd=sum(r.amount_vnd for r in peers),
            sign_ups=sum(r.sign_ups for r in peers),
            due=sum(r.due_renewal for r in peers),
        )
        before = _Tally(achieved=sum(r.last_year for r in peers))
        total = _row(
            level=level,
            unit=ReportUnit(0, "", "Tổng cộng"),
            scheme=s,
            kind=kind,
            now=now,
            before=before,
            target=sum(targets) if targets else None,
            target_amount=sum(amounts) if amounts else None,
        )
        out.append(total)
    return out
