"""Demo plans: 2025 targets for the demo province, population figures and commission rates.

Ea Kar's year targets are the seed article's (3,200 voluntary SI, 136,744 household HI
participants); the other communes get smaller invented ones. Point targets are split over
points and then over agents with the same largest-remainder split the API uses.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from enroll_common.calculator import Scheme
from server.auth.models import Role, User
from server.auth.service import load_principal
from server.dbtypes import utcnow
from server.org.models import CollectionPoint, Commune
from server.reports.models import CommissionRate, CommunePopulation
from server.targets.models import Metric, TargetKind
from server.targets.schemas import TargetKey
from server.targets.service import _write, agents_of_point
from server.targets.split import split_evenly, split_largest_remainder

EA_KAR = 24373
# commune -> (voluntary SI, household HI) year targets; Ea Kar's from the seed article
YEAR_TARGETS = {EA_KAR: (3200, 136_744)}
DEFAULT_TARGETS = (600, 24_000)
# commune -> (population, working-age population), invented but plausible
POPULATION = {EA_KAR: (151_200, 97_300)}
DEFAULT_POPULATION = (26_500, 17_100)
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
    """2025's plans (the article's year) and the current year's, so the demo sign-ups, dated
    this year, have targets to be measured against; returns the number of targets."""
    years = sorted({2025, utcnow().year})
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
    """Year and quarter targets for every point and agent, and population figures."""
    admin = _admin(session, province_code)
    principal = load_principal(session, admin, device_id=None, session_id=None)
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
    written = 0
    for commune_code, commune_points in by_commune.items():
        totals = YEAR_TARGETS.get(commune_code, DEFAULT_TARGETS)
        for scheme, total in zip((Scheme.VOLUNTARY_SI, Scheme.HOUSEHOLD_HI), totals, strict=True):
            for point, point_value in zip(
                commune_points, split_evenly(total, len(commune_points)), strict=True
            ):
                agents = [a.id for a in agents_of_point(session, point_id=point.id or 0) if a.id]
                quarters = split_evenly(point_value, 4)
                agent_years = split_evenly(point_value, len(agents)) if agents else []
                grid = _grid(agent_years, quarters)
                rows: list[tuple[str, int | None, int]] = [(str(year), None, point_value)]
                rows += [(str(year), a, v) for a, v in zip(agents, agent_years, strict=True)]
                for q in range(4):
                    rows.append((f"{year}-Q{q + 1}", None, quarters[q]))
                    rows += [(f"{year}-Q{q + 1}", a, grid[i][q]) for i, a in enumerate(agents)]
                for period, agent_id, value in rows:
                    key = TargetKey(
                        period=period,
                        scheme=scheme,
                        kind=TargetKind.ALL,
                        metric=Metric.PARTICIPANTS,
                    )
                    _write(
                        session,
                        principal=principal,
                        key=key,
                        point=point,
                        province_code=province_code,
                        agent_id=agent_id,
                        value=value,
                        reason="kế hoạch năm (demo)",
                        source="import",
                        now=now,
                    )
                    written += 1
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
    return written
