"""The figures the province publishes: participants in force at a date (a stock), the
increase since the end of last year, new against renewed (from history), revenue against
the revenue plan, and coverage of population, per agent, point, commune or province.

Read straight from ``enrollment`` and the participants register in the caller's scope (the
progress summary is only read for the revenue plan). Only approved sign-ups count.
Register entries (the agency's list) have no agent or point: they count at the commune and
province levels, for the people no approved sign-up covers at that date.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from enroll_common.money import round_half_up
from enroll_common.periods import parse_period
from enroll_common.schemes import Insurance, rules, scheme_values
from server.auth.models import Role
from server.auth.scope import Principal, commune_filter, point_filter
from server.dbtypes import utcnow
from server.enrollments.models import Enrollment
from server.errors import Forbidden, RuleViolation
from server.participants.models import Participant
from server.reports import service as progress
from server.reports.history import renewals
from server.reports.schemas import Level
from server.reports.units import population_by_unit, unit_names
from server.targets.models import TargetKind

SCHEMES = scheme_values()
COVERAGE_LABEL = (
    "Bao phủ BHYT: chỉ gồm người tham gia BHYT hộ gia đình và BHYT được NSNN hỗ trợ mức đóng "
    "mà hệ thống quản lý (đã duyệt, cùng danh sách của cơ quan BHXH); không gồm BHYT bắt "
    "buộc, do NSNN đóng toàn bộ, hay học sinh sinh viên đóng qua trường"
)
Key = tuple[int, str]  # (unit id, scheme)


class ProvinceRow(BaseModel):
    level: Level
    unit_id: int
    unit_code: str
    unit_name: str
    scheme: str
    in_force: int
    in_force_year_start: int
    increase: int
    new: int
    renewed: int
    revenue_vnd: int
    revenue_plan_vnd: int | None
    revenue_percent: float | None
    population: int | None
    coverage_percent: float | None


class ProvinceReport(BaseModel):
    at: date
    year_start: date
    level: Level
    as_of: datetime
    coverage_label: str
    rows: list[ProvinceRow]
    totals: list[ProvinceRow]


def _percent(part: int, whole: int | None) -> float | None:
    if not whole:
        return None
    return round_half_up(Decimal(part * 1000) / Decimal(whole)) / 10


def _unit_of(level: Level, e: Enrollment) -> int:
    return {
        Level.AGENT: e.agent_id,
        Level.POINT: e.point_id,
        Level.COMMUNE: e.commune_code,
        Level.PROVINCE: e.province_code,
    }[level]


def _in_force(
    sign_ups: list[Enrollment], register: list[Participant], level: Level, at: date
) -> dict[Key, set[str]]:
    """Persons in force at ``at`` per unit: the latest approved sign-up covering the date,
    else (commune and province levels) the agency's register."""
    best: dict[tuple[str, str], Enrollment] = {}
    for e in sign_ups:
        if e.coverage_start <= at <= e.coverage_end:
            key = (e.citizen_id, e.scheme)
            if key not in best or e.payment_date > best[key].payment_date:
                best[key] = e
    out: dict[Key, set[str]] = defaultdict(set)
    for (citizen, scheme), e in best.items():
        out[(_unit_of(level, e), scheme)].add(citizen)
    if level in (Level.COMMUNE, Level.PROVINCE):
        for p in register:
            end = p.registered_coverage_end
            if end is not None and end >= at and (p.citizen_id, p.scheme) not in best:
                unit = p.commune_code if level is Level.COMMUNE else p.province_code
                out[(unit, p.scheme)].add(p.citizen_id)
    return out


def province_report(
    session: Session, *, principal: Principal, at: date, level: Level
) -> ProvinceReport:
    if principal.role is Role.AGENT and level not in (Level.AGENT, Level.POINT):
        raise Forbidden("nhân viên thu chỉ xem cấp nhân viên và điểm thu", field="level")
    if principal.role is Role.COORDINATOR and level is Level.PROVINCE:
        raise Forbidden("cấp tỉnh dành cho quản trị tỉnh", field="level")
    if not 2000 <= at.year <= 2100:
        raise RuleViolation("ngày phải trong khoảng năm 2000–2100", field="at")
    year_start = date(at.year - 1, 12, 31)
    first_day = date(at.year, 1, 1)
    stmt = select(Enrollment).where(
        col(Enrollment.status) == "approved",
        col(Enrollment.coverage_end) >= year_start,
        col(Enrollment.coverage_start) <= at,
        point_filter(
            principal,
            col(Enrollment.point_id),
            col(Enrollment.commune_code),
            col(Enrollment.province_code),
        ),
    )
    if principal.role is Role.AGENT:
        stmt = stmt.where(col(Enrollment.agent_id) == principal.user_id)
    sign_ups = list(session.exec(stmt).all())
    register: list[Participant] = []
    if principal.role is not Role.AGENT:
        register = list(
            session.exec(
                select(Participant).where(
                    col(Participant.registered_coverage_end) >= year_start,
                    commune_filter(
                        principal, col(Participant.commune_code), col(Participant.province_code)
                    ),
                )
            ).all()
        )
    now_in = _in_force(sign_ups, register, level, at)
    then_in = _in_force(sign_ups, register, level, year_start)
    paid = [e for e in sign_ups if first_day <= e.payment_date <= at]
    renewed = renewals(session, paid)
    new_count: dict[Key, int] = defaultdict(int)
    renewed_count: dict[Key, int] = defaultdict(int)
    revenue: dict[Key, int] = defaultdict(int)
    for e in paid:
        key = (_unit_of(level, e), e.scheme)
        (renewed_count if renewed[e.id] else new_count)[key] += 1
        revenue[key] += e.amount_vnd
    plan = _plans(session, principal, level, at.year)
    units = unit_names(session, level, {k[0] for k in [*now_in, *then_in, *revenue, *plan]})
    population = (
        population_by_unit(session, level, at.year)
        if level
        in (
            Level.COMMUNE,
            Level.PROVINCE,
        )
        else {}
    )
    rows = []
    for unit_id in sorted(units, key=lambda u: units[u][0]):
        for scheme in SCHEMES:
            key = (unit_id, scheme)
            rows.append(
                _row(
                    level,
                    unit_id,
                    units[unit_id],
                    scheme,
                    now_in,
                    then_in,
                    new_count,
                    renewed_count,
                    revenue,
                    plan.get(key),
                    population.get(unit_id),
                )
            )
    totals = []
    for scheme in SCHEMES:
        mine = [r for r in rows if r.scheme == scheme]
        in_force = sum(r.in_force for r in mine)
        plans = [r.revenue_plan_vnd for r in mine if r.revenue_plan_vnd is not None]
        pop = sum(r.population or 0 for r in mine) or None
        rev = sum(r.revenue_vnd for r in mine)
        plan_total = sum(plans) if plans else None
        totals.append(
            ProvinceRow(
                level=level,
                unit_id=0,
                unit_code="",
                unit_name="Tổng cộng",
                scheme=scheme,
                in_force=in_force,
                in_force_year_start=sum(r.in_force_year_start for r in mine),
                increase=sum(r.increase for r in mine),
                new=sum(r.new for r in mine),
                renewed=sum(r.renewed for r in mine),
                revenue_vnd=rev,
                revenue_plan_vnd=plan_total,
                revenue_percent=_percent(rev, plan_total),
                population=pop,
                coverage_percent=_percent(in_force, pop) if _is_hi(scheme) else None,
            )
        )
    return ProvinceReport(
        at=at,
        year_start=year_start,
        level=level,
        as_of=utcnow(),
        coverage_label=COVERAGE_LABEL,
        rows=rows,
        totals=totals,
    )


def _row(
    level: Level,
    unit_id: int,
    unit: tuple[str, str],
    scheme: str,
    now_in: dict[Key, set[str]],
    then_in: dict[Key, set[str]],
    new_count: dict[Key, int],
    renewed_count: dict[Key, int],
    revenue: dict[Key, int],
    plan: int | None,
    population: int | None,
) -> ProvinceRow:
    key = (unit_id, scheme)
    in_force, before = len(now_in.get(key, ())), len(then_in.get(key, ()))
    hi = _is_hi(scheme)
    return ProvinceRow(
        level=level,
        unit_id=unit_id,
        unit_code=unit[0],
        unit_name=unit[1],
        scheme=scheme,
        in_force=in_force,
        in_force_year_start=before,
        increase=in_force - before,
        new=new_count.get(key, 0),
        renewed=renewed_count.get(key, 0),
        revenue_vnd=revenue.get(key, 0),
        revenue_plan_vnd=plan,
        revenue_percent=_percent(revenue.get(key, 0), plan),
        population=population if hi else None,
        coverage_percent=_percent(in_force, population) if hi else None,
    )


def _is_hi(scheme: str) -> bool:
    """HI schemes count toward HI coverage of the population (VSI has no such ratio here)."""
    return rules(scheme).insurance is Insurance.HI


def _plans(session: Session, principal: Principal, level: Level, year: int) -> dict[Key, int]:
    """The year's revenue plan (targets in VND) per unit, as the progress report sums it."""
    report = progress.progress_report(
        session,
        principal=principal,
        period=parse_period(str(year)),
        level=level,
        kind=TargetKind.ALL,
    )
    return {
        (r.unit_id, r.scheme): r.target_amount_vnd
        for r in report.rows
        if r.target_amount_vnd is not None
    }
