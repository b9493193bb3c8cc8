"""Codes, names and population of report units (agents, points, communes, provinces)."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from server.auth.models import User
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
