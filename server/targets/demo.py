"""Demo plans at commune scale: last year's and this year's targets by month, quarter and year.

A commune of Đắk Lắk plans a few hundred household HI and a few dozen voluntary SI sign-ups a
year (the seed article's 3,200 / 136,744 are a district's and a province's figures). Point
targets are split over the months with a seasonal profile and over agents with the same
largest-remainder split the API uses; they are written in bulk, with their revision and the
pullable change, so seeding stays fast.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert
from sqlmodel import Session, col, select

from enroll_common.calculator import Scheme
from enroll_common.periods import Period, PeriodKind
from server.auth.models import Role, User
from server.changelog import ChangeLog, record_changes
from server.dbtypes import utcnow
from server.org.models import CollectionPoint, Commune
from server.policy.service import today_local
from server.reports.models import CommissionRate, CommunePopulation
from server.targets.models import (
    Metric,
    Target,
    TargetKind,
    TargetRevision,
    TargetScope,
    scope_key,
)
from server.targets.service import agents_of_point, target_payload
from server.targets.split import split_evenly, split_largest_remainder

EA_KAR = 24373
# commune -> (voluntary SI, household HI) participants planned in a year
YEAR_TARGETS = {EA_KAR: (120, 660)}
DEFAULT_TARGETS = (24, 120)
# commune -> (population, working-age population), invented but plausible for a commune
POPULATION = {EA_KAR: (15_100, 9_700)}
DEFAULT_POPULATION = (8_600, 5_500)
# the share of a year's plan in each month: more at the start of the year and before Tết
SEASON = [10, 7, 8, 8, 8, 9, 9, 8, 8, 8, 8, 9]
# (scheme, kind, basis points of the amount collected, VND per sign-up)
COMMISSION = [
    ("voluntary_si", "new", 450, 0),
    ("voluntary_si", "renewal", 300, 0),
    ("household_hi", "new", 200, 0),
    ("household_hi", "renewal", 150, 0),
]


def _grid(rows: list[int], columns: list[int]) -> list[list[int]]:
    """An integer table whose rows and columns add up exactly to the given margins: each
    column split over the rows in proportion to the row totals, the last column taking what
    is left (non-negative while row totals are well above the number of columns)."""
    if not rows:
        return []
    grid = [[0] * len(columns) for _ in rows]
    for j, column in enumerate(columns[:-1]):
        for i, part in enumerate(split_largest_remainder(column, rows)):
            grid[i][j] = part
    for i, total in enumerate(rows):
        grid[i][-1] = total - sum(grid[i][:-1])
    return grid


def seed_targets(session: Session, *, province_code: int) -> int:
    """Last year's and this year's plans, so the demo's sign-ups of both years have targets
    to be measured against; returns the number of targets."""
    this_year = today_local().year
    years = [this_year - 1, this_year]
    written = sum(_seed_year(session, province_code=province_code, year=year) for year in years)
    admin = _admin(session, province_code)
    for scheme_name, kind, rate_bp, per_sign_up in COMMISSION:
        session.add(
            CommissionRate(
                province_code=province_code,
                scheme=scheme_name,
                kind=kind,
                rate_bp=rate_bp,
                per_participant_vnd=per_sign_up,
                effective_from=date(years[0], 1, 1),
                contract_ref="Hợp đồng đại lý thu (demo)",
                created_by=admin.id,
            )
        )
    session.flush()
    return written


def _admin(session: Session, province_code: int) -> User:
    admin = session.exec(
        select(User)
        .where(User.role == Role.ADMIN.value, User.province_code == province_code)
        .order_by(col(User.id))
    ).first()
    if admin is None:
        raise RuntimeError("seed the demo users first")
    return admin


def _seed_year(session: Session, *, province_code: int, year: int) -> int:
    """Year, quarter and month targets for every point and agent, and population figures."""
    admin = _admin(session, province_code)
    assert admin.id is not None
    now = utcnow()
    points = session.exec(
        select(CollectionPoint)
        .join(Commune, col(Commune.code) == col(CollectionPoint.commune_code))
        .where(Commune.province_code == province_code)
        .order_by(col(CollectionPoint.code))
    ).all()
    by_commune: dict[int, list[CollectionPoint]] = {}
    for point in points:
        by_commune.setdefault(point.commune_code, []).append(point)
    rows_out: list[dict[str, object]] = []
    for commune_code, commune_points in by_commune.items():
        totals = YEAR_TARGETS.get(commune_code, DEFAULT_TARGETS)
        for scheme, total in zip((Scheme.VOLUNTARY_SI, Scheme.HOUSEHOLD_HI), totals, strict=True):
            for point, point_value in zip(
                commune_points, split_evenly(total, len(commune_points)), strict=True
            ):
                agents = [a.id for a in agents_of_point(session, point_id=point.id or 0) if a.id]
                months = split_largest_remainder(point_value, SEASON)
                agent_years = split_evenly(point_value, len(agents)) if agents else []
                grid = _grid(agent_years, months)
                rows: list[tuple[Period, int | None, int]] = []
                owners: list[tuple[int | None, list[int]]] = [(None, months)]
                owners += [(a, grid[i]) for i, a in enumerate(agents)]
                for owner, by_month in owners:
                    rows.append((Period(year, PeriodKind.YEAR, 0), owner, sum(by_month)))
                    for q in range(4):
                        value = sum(by_month[3 * q : 3 * q + 3])
                        rows.append((Period(year, PeriodKind.QUARTER, q + 1), owner, value))
                    for m in range(12):
                        rows.append((Period(year, PeriodKind.MONTH, m + 1), owner, by_month[m]))
                for period, agent_id, value in rows:
                    rows_out.append(
                        {
                            "period": str(period),
                            "period_kind": period.kind.value,
                            "period_start": period.start,
                            "period_end": period.end,
                            "scheme": scheme.value,
                            "kind": TargetKind.ALL.value,
                            "metric": Metric.PARTICIPANTS.value,
                            "scope": (
                                TargetScope.POINT if agent_id is None else TargetScope.AGENT
                            ).value,
                            "scope_key": scope_key(point.id or 0, agent_id),
                            "point_id": point.id or 0,
                            "agent_id": agent_id,
                            "commune_code": point.commune_code,
                            "province_code": province_code,
                            "value": value,
                            "revision": 1,
                            "set_by": admin.id,
                            "set_at": now,
                            "created_at": now,
                        }
                    )
    # Core statements: thousands of rows in a few round trips, not one ORM object each.
    session.execute(insert(Target), rows_out)
    written = session.exec(
        select(Target).where(
            Target.province_code == province_code,
            col(Target.period_start) >= date(year, 1, 1),
            col(Target.period_end) <= date(year + 1, 1, 1),
        )
    ).all()
    session.execute(
        insert(TargetRevision),
        [
            {
                "target_id": t.id,
                "revision": 1,
                "value": t.value,
                "previous_value": None,
                "reason": "kế hoạch năm (demo)",
                "source": "import",
                "set_by": admin.id,
                "set_at": now,
            }
            for t in written
        ],
    )
    if year == today_local().year:  # devices pull this year's plans only
        record_changes(
            session,
            [
                ChangeLog(
                    entity="target",
                    entity_id=str(t.id),
                    payload=target_payload(t),
                    province_code=province_code,
                    commune_code=t.commune_code,
                    point_id=t.point_id,
                    user_id=t.agent_id,
                )
                for t in written
            ],
        )
    for commune_code in by_commune:
        population, working_age = POPULATION.get(commune_code, DEFAULT_POPULATION)
        session.add(
            CommunePopulation(
                commune_code=commune_code,
                year=year,
                population=population,
                working_age=working_age,
                source="demo",
                loaded_by=admin.id,
            )
        )
    session.flush()
    return len(written)
