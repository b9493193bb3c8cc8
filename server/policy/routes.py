"""Policy tables (read by everyone, versions appended by admins) and quotes."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from enroll_common import quote
from enroll_common.quote_wire import QuoteInput, QuotePublic
from enroll_common.wire import Page
from server.deps import Admin, CurrentPrincipal, PageDep, SessionDep
from server.org.support_areas import support_areas
from server.policy import service
from server.policy.models import PolicyVersion
from server.policy.schemas import (
    PolicyTable,
    PolicyVersionCreate,
    PolicyVersionCreated,
    PolicyVersionPublic,
    PolicyVersionUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["policy"])


def _public(version: PolicyVersion) -> PolicyVersionPublic:
    return PolicyVersionPublic.model_validate(version, from_attributes=True)


@router.get("/policy", response_model=PolicyTable)
def get_policy(
    _: CurrentPrincipal,
    session: SessionDep,
    on: Annotated[
        date | None, Query(description="Day to show (default: today in Việt Nam).")
    ] = None,
) -> PolicyTable:
    """The versions in force on a day, every version entered for later, and any gaps."""
    table = service.get_policy_table(session, on=on or service.today_local())
    return PolicyTable(
        on=table.on,
        in_force=[_public(v) for v in table.in_force],
        future=[_public(v) for v in table.future],
        missing=table.missing,
    )


@router.get("/policy/versions", response_model=Page[PolicyVersionPublic])
def list_versions(
    _: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    parameter: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[PolicyVersionPublic]:
    """The full history of versions, oldest first."""
    rows, total = service.get_version_page(
        session, parameter=parameter, limit=page.limit, offset=page.offset
    )
    return Page(items=[_public(v) for v in rows], total=total, limit=page.limit, offset=page.offset)


@router.get("/policy/versions/{version_id}", response_model=PolicyVersionPublic)
def get_version(version_id: int, _: CurrentPrincipal, session: SessionDep) -> PolicyVersionPublic:
    return _public(service.get_version_or_raise(session, version_id=version_id))


@router.post(
    "/policy/versions", response_model=PolicyVersionCreated, status_code=status.HTTP_201_CREATED
)
def create_version(
    body: PolicyVersionCreate, principal: Admin, session: SessionDep
) -> PolicyVersionCreated:
    """Append a version (validated like the calculator reads it); devices pull it."""
    created = service.create_version(session, principal=principal, data=body)
    session.commit()
    return PolicyVersionCreated(
        version=_public(created.version),
        closed=[_public(v) for v in created.closed],
        superseded=created.superseded,
    )


@router.patch("/policy/versions/{version_id}", response_model=PolicyVersionPublic)
def update_version(
    version_id: int, body: PolicyVersionUpdate, principal: Admin, session: SessionDep
) -> PolicyVersionPublic:
    """Correct a version that no sign-up has used yet (409 once one has)."""
    version = service.get_version_or_raise(session, version_id=version_id)
    service.update_version(session, principal=principal, version=version, data=body)
    session.commit()
    return _public(version)


@router.post("/quote", response_model=QuotePublic)
def post_quote(body: QuoteInput, _: CurrentPrincipal, session: SessionDep) -> QuotePublic:
    """The amount and its breakdown, priced exactly as the offline client prices it."""
    areas = support_areas(session, [body.commune_code] if body.commune_code else [])
    result = quote(body.to_request(areas), service.load_policy_set(session))
    return QuotePublic.model_validate(result.to_dict())
