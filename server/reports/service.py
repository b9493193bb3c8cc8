"""Progress against plan per agent, point, commune and province, from the summary table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import BigInteger, case, cast, func
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
from server.reports.schemas import Level, ProgressReport
from server.reports.summary import ensure_fresh
from server.reports.units import ReportUnit, commune_populations, report_units
from server.targets.models import Metric, Target, TargetKind
from server.targets.service import target_filter

SCHEMES = tuple(s.value for s in Scheme)


def percent(numerator: int, denominator: int | None) -> float | None:
    """Exact ratio as a percentage, rounded half-up to one decimal (62.65...% -> 62.7).

    Integer arithmetic on tenths of a percent, rounding ties away from zero (as Decimal's
    ROUND_HALF_UP, -0.04% giving -0.0): the same figures as Fraction and Decimal gave, at a
    tenth of their cost, which counted with three ratios on each of an agent report's rows.
    """
    if not denominator:
        return None
    tenths = numerator * 1000
    if denominator < 0:
        tenths, denominator = -tenths, -denominator
    whole, rest = divmod(abs(tenths), denominator)
    if 2 * rest >= denominator:
        whole += 1
    return -(whole / 10) if tenths < 0 else whole / 10


@dataclass(slots=True)
class _Tally:
    achieved: int = 0
    approved: int = 0
    pending: int = 0
    amount_vnd: int = 0
    sign_ups: int = 0
    due: int = 0


_EMPTY = _Tally()
"""The figures of a unit without summary rows (never changed)."""

_SUMMARY: Any = ProgressSummary.__table__.c  # type: ignore[attr-defined]
"""The summary table's columns: selected from, they give plain rows (no ORM loading)."""


def _group_column(level: Level) -> Any:
    return {
        Level.AGENT: _SUMMARY.agent_id,
        Level.POINT: _SUMMARY.point_id,
        Level.COMMUNE: _SUMMARY.commune_code,
        Level.PROVINCE: _SUMMARY.province_code,
    }[level]


def _sum_if(test: Any, value: Any) -> Any:
    return cast(func.sum(case((test, value), else_=0)), BigInteger)


def _summed(
    *sums: Any,
    principal: Principal,
    period: Period,
    level: Level,
    kind: TargetKind,
    point_ids: set[int],
    schemes: Iterable[str],
) -> Any:
    """Unit, scheme and ``sums`` of the summary rows of ``period`` in the caller's scope.

    Summed per unit and scheme in the database (one row each, not one per status), read
    as plain Core rows one at a time: the agent level's two reads of 14,000 rows, built as
    ORM rows, all held at once and tallied one by one in Python, were most of its time.
    """
    summary, group = _SUMMARY, _group_column(level)
    stmt = (
        sa_select(group, summary.scheme, *sums)
        .where(
            summary.province_code == principal.province_code,
            summary.period == str(period),
            summary.scheme.in_(list(schemes)),
        )
        .group_by(group, summary.scheme)
    )
    if kind is not TargetKind.ALL:
        stmt = stmt.where(summary.kind == kind.value)
    if principal.role is Role.AGENT:
        stmt = stmt.where(summary.agent_id == principal.user_id)
    elif principal.role is Role.COORDINATOR:
        stmt = stmt.where(summary.point_id.in_(sorted(point_ids)))
    return stmt


def _first(kind: TargetKind) -> Any:
    """Participants counted once per period (for "all"), or once per period and kind."""
    return _SUMMARY.participants_all if kind is TargetKind.ALL else _SUMMARY.participants_kind


def _tallies(session: Session, **args: Any) -> dict[str, dict[int, _Tally]]:
    """scheme -> unit -> achieved, approved, pending, amount, sign-ups, due for renewal.

    Keyed by scheme, then unit, not by (unit, scheme) pairs: thousands of pairs kept alive
    at once are that many more objects for the garbage collector to walk.
    """
    summary, first = _SUMMARY, _first(args["kind"])
    paid = summary.status != "due"
    stmt = _summed(
        _sum_if(paid, first),
        _sum_if(summary.status == "approved", first),
        _sum_if(paid, summary.amount_vnd),
        _sum_if(paid, summary.sign_ups),
        _sum_if(summary.status == "due", summary.due_renewal),
        **args,
    )
    out: dict[str, dict[int, _Tally]] = defaultdict(dict)
    for unit, scheme, achieved, approved, amount, sign_ups, due in session.execute(stmt):
        out[scheme][unit] = _Tally(achieved, approved, achieved - approved, amount, sign_ups, due)
    return out


def _achieved(session: Session, **args: Any) -> dict[str, dict[int, int]]:
    """scheme -> unit -> participants: last year's figures, of which the report shows these."""
    stmt = _summed(_sum_if(_SUMMARY.status != "due", _first(args["kind"])), **args)
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for unit, scheme, achieved in session.execute(stmt):
        out[scheme][unit] = achieved
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


_Row = dict[str, Any]
"""A ``ProgressRow``'s fields: the rows are figured and ranked as dicts, then validated into
the report in one call (7,200 models one by one took twice as long). Strings and numbers
only, so the garbage collector does not track them."""


def _standing(row: _Row) -> tuple[float, int]:
    share = row["percent"]
    return (-(share if share is not None else -1.0), -row["achieved"])


def _rank(rows: list[_Row]) -> None:
    """Competition ranking among peers of one scheme: percent of target, then achieved."""
    by_scheme: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        by_scheme[row["scheme"]].append(row)
    for peers in by_scheme.values():
        ordered = sorted(peers, key=_standing)
        previous = None
        for i, row in enumerate(ordered):
            standing = _standing(row)
            row["rank"] = ordered[i - 1]["rank"] if i and standing == previous else i + 1
            previous = standing


def _row(
    *,
    level: str,
    unit: ReportUnit,
    scheme: str,
    kind: str,
    now: _Tally,
    last_year: int,
    target: int | None,
    target_amount: int | None,
) -> _Row:
    change = now.achieved - last_year
    return {
        "level": level,
        "unit_id": unit.id,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "parent": unit.parent,
        "scheme": scheme,
        "kind": kind,
        "target": target,
        "achieved": now.achieved,
        "approved": now.approved,
        "pending": now.pending,
        "percent": percent(now.achieved, target),
        "shortfall": None if target is None else max(0, target - now.achieved),
        "surplus": None if target is None else max(0, now.achieved - target),
        "rank": None,
        "target_amount_vnd": target_amount,
        "amount_vnd": now.amount_vnd,
        "amount_percent": percent(now.amount_vnd, target_amount),
        "sign_ups": now.sign_ups,
        "last_year": last_year,
        "change": change,
        "change_percent": percent(change, last_year),
        "due_renewal": now.due,
    }


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
    before = _achieved(session, period=previous, schemes=schemes, **args)
    targets = _targets(session, period=period, **args)
    population = (
        commune_populations(session, communes={p.commune_code for p in points}, year=period.year)
        if level in (Level.COMMUNE, Level.PROVINCE)
        else {}
    )
    participants, amount = Metric.PARTICIPANTS.value, Metric.AMOUNT_VND.value
    level_name, kind_name = level.value, kind.value
    ordered = sorted(units.values(), key=lambda u: u.code)
    rows: list[_Row] = []
    for s in schemes:
        now_of, before_of = now.get(s, {}), before.get(s, {})
        for unit in ordered:
            row = _row(
                level=level_name,
                unit=unit,
                scheme=s,
                kind=kind_name,
                now=now_of.get(unit.id, _EMPTY),
                last_year=before_of.get(unit.id, 0),
                target=targets.get((unit.id, s, participants)),
                target_amount=targets.get((unit.id, s, amount)),
            )
            if population:
                codes = [unit.id] if level is Level.COMMUNE else list(population)
                figures = [population[c] for c in codes if c in population]
                if figures:
                    row["population"] = sum(f.population for f in figures)
                    row["working_age"] = sum(f.working_age for f in figures)
                    if rules(s).insurance is Insurance.HI:
                        row["coverage_percent"] = percent(row["achieved"], row["population"])
                    else:
                        row["labour_force_percent"] = percent(row["achieved"], row["working_age"])
            rows.append(row)
    _rank(rows)
    return ProgressReport.model_validate(
        {
            "period": str(period),
            "previous_period": str(previous),
            "level": level,
            "scheme": scheme,
            "kind": kind.value,
            "as_of": state.refreshed_at,
            "rows": rows,
            "totals": _totals(rows, level=level, kind=kind),
        }
    )


_SUMMED = ("achieved", "approved", "pending", "amount_vnd", "sign_ups", "due_renewal")


def _totals(rows: list[_Row], *, level: Level, kind: TargetKind) -> list[_Row]:
    """One totals row per scheme; participants add up because each counts once per period."""
    by_scheme: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        by_scheme[r["scheme"]].append(r)
    out: list[_Row] = []
    for s, peers in by_scheme.items():
        targets = [r["target"] for r in peers if r["target"] is not None]
        amounts = [r["target_amount_vnd"] for r in peers if r["target_amount_vnd"] is not None]
        sums = {name: sum(map(itemgetter(name), peers)) for name in _SUMMED}
        now = _Tally(
            achieved=sums["achieved"],
            approved=sums["approved"],
            pending=sums["pending"],
            amount_vnd=sums["amount_vnd"],
            sign_ups=sums["sign_ups"],
            due=sums["due_renewal"],
        )
        total = _row(
            level=level.value,
            unit=ReportUnit(0, "", "Tổng cộng"),
            scheme=s,
            kind=kind.value,
            now=now,
            last_year=sum(map(itemgetter("last_year"), peers)),
            target=sum(targets) if targets else None,
            target_amount=sum(amounts) if amounts else None,
        )
        out.append(total)
    return out
