"""Provinces, communes and collection points."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from enroll_common.wire import Page
from server.deps import CurrentPrincipal, Manager, PageDep, SessionDep
from server.org import service
from server.org.models import CollectionPoint
from server.org.schemas import CommunePublic, PointCreate, PointPublic, PointUpdate, ProvincePublic

router = APIRouter(prefix="/api/v1", tags=["organisation"])


@router.get("/provinces", response_model=list[ProvincePublic])
def list_provinces(_: CurrentPrincipal, session: SessionDep) -> list[ProvincePublic]:
    """The official province list (public reference data)."""
    return [
        ProvincePublic.model_validate(p, from_attributes=True)
        for p in service.get_all_provinces(session)
    ]


@router.get("/communes", response_model=list[CommunePublic])
def list_communes(
    principal: CurrentPrincipal,
    session: SessionDep,
    province_code: Annotated[int | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> list[CommunePublic]:
    """Communes of a province (default: the caller's), official codes and names."""
    rows = service.get_communes(
        session, province_code=province_code or principal.province_code, q=q
    )
    return [CommunePublic.model_validate(c, from_attributes=True) for c in rows]


def _public(point: CollectionPoint) -> PointPublic:
    return PointPublic.model_validate(point, from_attributes=True)


@router.get("/points", response_model=Page[PointPublic])
def list_points(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    commune_code: Annotated[int | None, Query()] = None,
) -> Page[PointPublic]:
    """Collection points in the caller's scope."""
    rows, total = service.get_points(
        session,
        principal=principal,
        commune_code=commune_code,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=[_public(p) for p in rows], total=total, limit=page.limit, offset=page.offset)


@router.post("/points", response_model=PointPublic, status_code=status.HTTP_201_CREATED)
def create_point(body: PointCreate, principal: Manager, session: SessionDep) -> PointPublic:
    point = service.create_point(session, principal=principal, data=body)
    session.commit()
    return _public(point)


@router.get("/points/{point_id}", response_model=PointPublic)
def get_point(point_id: int, principal: CurrentPrincipal, session: SessionDep) -> PointPublic:
    return _public(service.get_point_or_raise(session, principal=principal, point_id=point_id))


@router.patch("/points/{point_id}", response_model=PointPublic)
def update_point(
    point_id: int, body: PointUpdate, principal: Manager, session: SessionDep
) -> PointPublic:
    point = service.get_point_or_raise(session, principal=principal, point_id=point_id)
    service.update_point(session, principal=principal, point=point, data=body)
    session.commit()
    return _public(point)
