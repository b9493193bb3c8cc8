"""Provisioning-code endpoints: create, list and revoke (managers), redeem (a new device)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from enroll_common.wire import TokenPair
from server.auth import users
from server.dbtypes import utcnow
from server.deps import AuthDep, Manager, SessionDep, SettingsDep
from server.errors import NotAuthenticated, NotFound, TooManyRequests
from server.provisioning import service
from server.provisioning.models import ProvisioningCode
from server.provisioning.schemas import (
    ProvisioningCodeCreated,
    ProvisioningCodePublic,
    ProvisionRequest,
)

router = APIRouter(prefix="/api/v1", tags=["auth"])


def public(row: ProvisioningCode) -> ProvisioningCodePublic:
    return ProvisioningCodePublic(
        **row.model_dump(exclude={"code_hash"}), state=row.state(utcnow())
    )


def provision_uri(base_url: str, code: str) -> str:
    """What the QR code holds: the server and the code, for the agent app to scan."""
    return f"field-enroll://provision?server={base_url.rstrip('/')}&code={code}"


@router.post(
    "/users/{user_id}/provisioning-codes",
    response_model=ProvisioningCodeCreated,
    status_code=status.HTTP_201_CREATED,
)
def create_code(
    user_id: int,
    request: Request,
    principal: Manager,
    session: SessionDep,
    settings: SettingsDep,
) -> ProvisioningCodeCreated:
    """A one-time code that registers a device for this agent; the code is shown only here."""
    agent = users.get_user_or_raise(session, principal=principal, user_id=user_id)
    row, code = service.create(session, settings, principal=principal, agent=agent)
    session.commit()
    return ProvisioningCodeCreated(
        **public(row).model_dump(), code=code, uri=provision_uri(str(request.base_url), code)
    )


@router.get("/users/{user_id}/provisioning-codes", response_model=list[ProvisioningCodePublic])
def list_codes(
    user_id: int, principal: Manager, session: SessionDep
) -> list[ProvisioningCodePublic]:
    """This agent's latest codes and what became of them (never the codes themselves)."""
    agent = users.get_user_or_raise(session, principal=principal, user_id=user_id)
    assert agent.id is not None
    return [public(r) for r in service.list_for(session, agent_id=agent.id)]


def code_in_scope(session: SessionDep, principal: Manager, code_id: int) -> ProvisioningCode:
    row = session.get(ProvisioningCode, code_id)
    if row is None:
        raise NotFound("không có mã này (no such provisioning code)")
    users.get_user_or_raise(session, principal=principal, user_id=row.user_id)
    return row


@router.post("/provisioning-codes/{code_id}/revoke", response_model=ProvisioningCodePublic)
def revoke_code(code_id: int, principal: Manager, session: SessionDep) -> ProvisioningCodePublic:
    """Revoke an unused code: it can no longer register a device."""
    row = code_in_scope(session, principal, code_id)
    service.revoke(session, row=row, by=principal)
    session.commit()
    return public(row)


@router.post("/auth/provision", response_model=TokenPair)
def provision(
    body: ProvisionRequest, request: Request, session: SessionDep, ctx: AuthDep
) -> TokenPair:
    """Exchange a provisioning code for tokens and register the device (no password)."""
    address = request.client.host if request.client else "unknown"
    try:
        pair = service.redeem(
            ctx,
            session,
            code=body.code,
            device_key=body.device_id,
            device_name=body.device_name,
            address=address,
        )
    except (NotAuthenticated, TooManyRequests):
        session.commit()  # keep the failure count
        raise
    # Any other refusal (a revoked device: 403) rolls back, so the code is not spent.
    session.commit()
    return pair
