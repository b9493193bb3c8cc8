"""Provinces, communes and collection points, always read through the caller's scope."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from server.auth.scope import Principal, commune_filter, point_filter
from server.errors import Conflict, Forbidden, NotFound
from server.org.models import CollectionPoint, Commune, Province
from server.org.schemas import PointCreate, PointUpdate


def get_all_provinces(session: Session) -> Sequence[Province]:
    return session.exec(select(Province).order_by(col(Province.code))).all()


def get_communes(
    session: Session, *, province_code: int, q: str | None = None
) -> Sequence[Commune]:
    stmt = select(Commune).where(Commune.province_code == province_code)
    if q:
        stmt = stmt.where(col(Commune.name).ilike(f"%{q}%"))
    return session.exec(stmt.order_by(col(Commune.name))).all()


def get_commune_or_raise(session: Session, code: int) -> Commune:
    commune = session.get(Commune, code)
    if commune is None:
        raise NotFound(f"no commune with code {code}", field="commune_code")
    return commune


def readable_points(principal: Principal) -> SelectOfScalar[CollectionPoint]:
    """The one query every read of collection points starts from."""
    return (
        select(CollectionPoint)
        .join(Commune, col(Commune.code) == col(CollectionPoint.commune_code))
        .where(
            point_filter(
                principal,
                col(CollectionPoint.id),
                col(CollectionPoint.commune_code),
                col(Commune.province_code),
            )
        )
    )


def readable_communes(principal: Principal) -> SelectOfScalar[Commune]:
    return select(Commune).where(
        commune_filter(principal, col(Commune.code), col(Commune.province_code))
    )


def get_points(
    session: Session,
    *,
    principal: Principal,
    commune_code: int | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[CollectionPoint], int]:
    stmt = readable_points(principal)
    if commune_code is not None:
        stmt = stmt.where(CollectionPoint.commune_code == commune_code)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(CollectionPoint.code)).limit(limit).offset(offset)).all()
    return rows, total


def get_point_or_raise(session: Session, *, principal: Principal, point_id: int) -> CollectionPoint:
    """Out-of-scope and missing points look the same: 404."""
    point = session.exec(readable_points(principal).where(CollectionPoint.id == point_id)).first()
    if point is None:
        raise NotFound(f"no collection point {point_id}")
    return point


def _check_manages(session: Session, principal: Principal, commune_code: int) -> Commune:
    commune = get_commune_or_raise(session, commune_code)
    if not principal.manages_commune(commune.code, commune.province_code):
        raise Forbidden(f"commune {commune_code} is outside your scope", field="commune_code")
    return commune


def create_point(session: Session, *, principal: Principal, data: PointCreate) -> CollectionPoint:
    _check_manages(session, principal, data.commune_code)
    if session.exec(select(CollectionPoint).where(CollectionPoint.code == data.code)).first():
        raise Conflict(f"collection point code {data.code!r} is taken", field="code")
    point = CollectionPoint(**data.model_dump())
    session.add(point)
    session.flush()
    return point


def update_point(
    session: Session, *, principal: Principal, point: CollectionPoint, data: PointUpdate
) -> CollectionPoint:
    _check_manages(session, principal, point.commune_code)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(point, key, value)
    session.add(point)
    return point
