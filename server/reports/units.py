"""Codes, names and population of report units (agents, points, communes, provinces)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Table
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from server.auth.models import AgentPoint, Role, User
from server.auth.scope import Principal
from server.org.models import CollectionPoint, Commune, Province
from server.reports.models import CommunePopulation
from server.reports.schemas import Level


def unit_names(session: Session, level: Level, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    wanted = sorted(ids)
    if level is Level.AGENT:
        return {
            u.id or 0: (u.agent_code or u.username, u.full_name)
            for u in session.exec(select(User).where(col(User.id).in_(wanted))).all()
        }
    if level is Level.POINT:
        return {
            p.id or 0: (p.code, p.name)
            for p in session.exec(
                select(CollectionPoint).where(col(CollectionPoint.id).in_(wanted))
            ).all()
        }
    if level is Level.COMMUNE:
        return {
            c.code: (f"{c.code:05d}", c.name)
            for c in session.exec(select(Commune).where(col(Commune.code).in_(wanted))).all()
        }
    return {
        p.code: (f"{p.code:02d}", p.name)
        for p in session.exec(select(Province).where(col(Province.code).in_(wanted))).all()
    }


def population_by_unit(session: Session, level: Level, year: int) -> dict[int, int]:
    """The latest population figure up to ``year`` per commune, summed for a province."""
    latest: dict[int, tuple[int, int]] = {}
    rows = session.exec(
        select(CommunePopulation, Commune)
        .join(Commune, col(Commune.code) == col(CommunePopulation.commune_code))
        .where(col(CommunePopulation.year) <= year)
    ).all()
    province_of: dict[int, int] = {}
    for pop, commune in rows:
        province_of[commune.code] = commune.province_code
        if commune.code not in latest or pop.year > latest[commune.code][0]:
            latest[commune.code] = (pop.year, pop.population)
    if level is Level.COMMUNE:
        return {code: value for code, (_, value) in latest.items()}
    out: dict[int, int] = defaultdict(int)
    for code, (_, value) in latest.items():
        out[province_of[code]] += value
    return dict(out)


@dataclass(slots=True)
class ReportUnit:
    """One row's unit in the progress report: what it is called, which points it covers."""

    id: int
    code: str
    name: str
    parent: str = ""
    point_ids: set[int] = field(default_factory=set)


def report_units(
    session: Session, *, principal: Principal, level: Level, points: list[CollectionPoint]
) -> dict[int, ReportUnit]:
    """The units of ``level`` the caller's points make up (agents: only the agent)."""
    communes = {
        c.code: c
        for c in session.exec(
            select(Commune).where(col(Commune.code).in_({p.commune_code for p in points}))
        ).all()
    }
    if level is Level.POINT:
        return {
            p.id: ReportUnit(p.id, p.code, p.name, communes[p.commune_code].name, {p.id})
            for p in points
            if p.id is not None
        }
    if level is Level.COMMUNE:
        units: dict[int, ReportUnit] = {}
        for p in points:
            c = communes[p.commune_code]
            unit = units.setdefault(c.code, ReportUnit(c.code, str(c.code), c.name))
            unit.point_ids.add(p.id or 0)
        return units
    if level is Level.PROVINCE:
        province = session.get(Province, principal.province_code)
        name = province.name if province else str(principal.province_code)
        return {
            principal.province_code: ReportUnit(
                principal.province_code,
                str(principal.province_code),
                name,
                point_ids={p.id or 0 for p in points},
            )
        }
    codes = {p.id: p.code for p in points if p.id is not None}
    # The tables' own columns: plain rows, not ORM ones (thousands of agents in a province).
    users: Table = User.__table__  # type: ignore[attr-defined]
    links: Table = AgentPoint.__table__  # type: ignore[attr-defined]
    user, link = users.c, links.c
    stmt = (
        sa_select(user.id, user.agent_code, user.username, user.full_name, link.point_id)
        .join_from(users, links, link.user_id == user.id)
        .where(link.point_id.in_(sorted(codes)), user.role == Role.AGENT.value)
    )
    if principal.role is Role.AGENT:
        stmt = stmt.where(user.id == principal.user_id)
    agents: dict[int, ReportUnit] = {}
    for user_id, agent_code, username, full_name, point_id in session.execute(stmt):
        unit = agents.setdefault(user_id, ReportUnit(user_id, agent_code or username, full_name))
        unit.point_ids.add(point_id)
    for unit in agents.values():
        unit.parent = ", ".join(sorted(codes[p] for p in unit.point_ids))
    return agents


def commune_populations(
    session: Session, *, communes: set[int], year: int
) -> dict[int, CommunePopulation]:
    """Each commune's latest population figure up to the report's year."""
    out: dict[int, CommunePopulation] = {}
    rows = session.exec(
        select(CommunePopulation)
        .where(
            col(CommunePopulation.commune_code).in_(sorted(communes)),
            CommunePopulation.year <= year,
        )
        .order_by(col(CommunePopulation.year))
    ).all()
    for row in rows:
        out[row.commune_code] = row
    return out
