"""Collection organisations, their contracts and their points."""

from __future__ import annotations

from fastapi import APIRouter, status

from enroll_common.wire import Page
from server.collectors import service
from server.collectors.schemas import (
    ContractCreate,
    ContractPublic,
    OrganisationCreate,
    OrganisationPublic,
)
from server.deps import Admin, CurrentPrincipal, PageDep, SessionDep
from server.org.schemas import PointPublic

router = APIRouter(prefix="/api/v1/organisations", tags=["organisation"])


def _public(org: object) -> OrganisationPublic:
    return OrganisationPublic.model_validate(org, from_attributes=True)


@router.get("", response_model=Page[OrganisationPublic])
def list_organisations(
    principal: CurrentPrincipal, session: SessionDep, page: PageDep
) -> Page[OrganisationPublic]:
    """Organisations in scope: the province (admins) or those owning the caller's points."""
    rows = service.list_organisations(session, principal=principal)
    items = [_public(o) for o in rows[page.offset : page.offset + page.limit]]
    return Page(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.post("", response_model=OrganisationPublic, status_code=status.HTTP_201_CREATED)
def create_organisation(
    body: OrganisationCreate, principal: Admin, session: SessionDep
) -> OrganisationPublic:
    org = service.create_organisation(session, principal=principal, data=body)
    session.commit()
    return _public(org)


@router.get("/{organisation_id}", response_model=OrganisationPublic)
def get_organisation(
    organisation_id: int, principal: CurrentPrincipal, session: SessionDep
) -> OrganisationPublic:
    return _public(
        service.get_organisation(session, principal=principal, organisation_id=organisation_id)
    )


@router.get("/{organisation_id}/contracts", response_model=list[ContractPublic])
def list_contracts(
    organisation_id: int, principal: CurrentPrincipal, session: SessionDep
) -> list[ContractPublic]:
    org = service.get_organisation(session, principal=principal, organisation_id=organisation_id)
    return [
        ContractPublic.model_validate(c, from_attributes=True)
        for c in service.contracts(session, organisation_id=org.id or 0)
    ]


@router.post(
    "/{organisation_id}/contracts",
    response_model=ContractPublic,
    status_code=status.HTTP_201_CREATED,
)
def create_contract(
    organisation_id: int, body: ContractCreate, principal: CurrentPrincipal, session: SessionDep
) -> ContractPublic:
    """Record a contract (admins); contracts of one organisation never overlap in time."""
    org = service.get_organisation(session, principal=principal, organisation_id=organisation_id)
    contract = service.create_contract(session, principal=principal, org=org, data=body)
    session.commit()
    return ContractPublic.model_validate(contract, from_attributes=True)


@router.put("/{organisation_id}/points/{point_id}", response_model=PointPublic)
def assign_point(
    organisation_id: int, point_id: int, principal: CurrentPrincipal, session: SessionDep
) -> PointPublic:
    """Attach a collection point to the organisation (admins)."""
    org = service.get_organisation(session, principal=principal, organisation_id=organisation_id)
    point = service.assign_point(session, principal=principal, org=org, point_id=point_id)
    session.commit()
    return PointPublic.model_validate(point, from_attributes=True)
