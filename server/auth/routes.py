"""Auth, account, user and device endpoints: authorise, call one service, answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from enroll_common.wire import LoginRequest, Page, RefreshRequest, TokenPair
from server.auth import service, users
from server.auth.models import Device, Role
from server.auth.schemas import (
    DevicePublic,
    MePublic,
    PasswordChange,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from server.deps import AuthDep, CurrentPrincipal, Manager, PageDep, SessionDep
from server.errors import DomainError, NotAuthenticated

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/login", response_model=TokenPair)
def login(body: LoginRequest, request: Request, session: SessionDep, ctx: AuthDep) -> TokenPair:
    """Exchange a password for tokens and register the device."""
    address = request.client.host if request.client else "unknown"
    try:
        pair = service.login(
            ctx,
            session,
            username=body.username,
            password=body.password,
            device_key=body.device_id,
            device_name=body.device_name,
            address=address,
        )
    except NotAuthenticated:
        session.commit()  # keep the failure count
        raise
    session.commit()
    return pair


@router.post("/auth/refresh", response_model=TokenPair)
def refresh(body: RefreshRequest, session: SessionDep, ctx: AuthDep) -> TokenPair:
    """Rotate the refresh token; the old one stops working."""
    try:
        pair = service.refresh(ctx, session, refresh_token=body.refresh_token)
    except DomainError:
        session.commit()  # a detected replay revokes the session for good
        raise
    session.commit()
    return pair


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(principal: CurrentPrincipal, session: SessionDep) -> None:
    """End this device's session; what the device holds is untouched."""
    service.logout(session, principal=principal)
    session.commit()


@router.get("/me", response_model=MePublic)
def me(principal: CurrentPrincipal, session: SessionDep) -> MePublic:
    """Who the token belongs to, with their scope."""
    public = users.to_public(session, principal.user)
    if principal.role is Role.AGENT:
        # An agent's area is the communes of their points: what the device defaults to.
        public.commune_codes = sorted(principal.commune_codes)
    return MePublic(**public.model_dump(), device_id=principal.device_id)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_my_password(
    body: PasswordChange, principal: CurrentPrincipal, session: SessionDep, ctx: AuthDep
) -> None:
    """Change one's own password; other sessions end, devices keep their data."""
    if not ctx.passwords.verify(principal.user.password_hash, body.current_password):
        raise NotAuthenticated("current password is wrong", extra={"field": "current_password"})
    service.change_password(
        session,
        ctx.passwords,
        user=principal.user,
        new_password=body.new_password,
        keep_session=principal.session_id,
    )
    session.commit()


@router.get("/users", response_model=Page[UserPublic])
def list_users(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    role: Annotated[Role | None, Query()] = None,
) -> Page[UserPublic]:
    """Users the caller may see."""
    rows, total = users.get_users(
        session, principal=principal, role=role, limit=page.limit, offset=page.offset
    )
    return Page(
        items=[users.to_public(session, u) for u in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(
    body: UserCreate, principal: Manager, session: SessionDep, ctx: AuthDep
) -> UserPublic:
    """Admins create anyone in their province; coordinators create agents in their communes."""
    user = users.create_user(session, ctx.passwords, principal=principal, data=body)
    session.commit()
    return users.to_public(session, user)


@router.get("/users/{user_id}", response_model=UserPublic)
def get_user(user_id: int, principal: CurrentPrincipal, session: SessionDep) -> UserPublic:
    return users.to_public(
        session, users.get_user_or_raise(session, principal=principal, user_id=user_id)
    )


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(
    user_id: int, body: UserUpdate, principal: CurrentPrincipal, session: SessionDep, ctx: AuthDep
) -> UserPublic:
    """Edit a user in scope; a new password ends their sessions but keeps their devices."""
    user = users.get_user_or_raise(session, principal=principal, user_id=user_id)
    users.update_user(session, ctx.passwords, principal=principal, user=user, data=body)
    session.commit()
    return users.to_public(session, user)


def _device_public(device: Device) -> DevicePublic:
    return DevicePublic.model_validate(device, from_attributes=True)


@router.get("/devices", response_model=Page[DevicePublic])
def list_devices(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    user_id: Annotated[int | None, Query()] = None,
) -> Page[DevicePublic]:
    """Devices of the users the caller may see."""
    rows, total = users.get_devices(
        session, principal=principal, user_id=user_id, limit=page.limit, offset=page.offset
    )
    return Page(
        items=[_device_public(d) for d in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/devices/{device_id}", response_model=DevicePublic)
def get_device(device_id: int, principal: CurrentPrincipal, session: SessionDep) -> DevicePublic:
    return _device_public(
        users.get_device_or_raise(session, principal=principal, device_id=device_id)
    )


@router.post("/devices/{device_id}/revoke", response_model=DevicePublic)
def revoke_device(device_id: int, principal: Manager, session: SessionDep) -> DevicePublic:
    """Revoke a lost or stolen device: its next call gets 401."""
    device = users.get_device_or_raise(session, principal=principal, device_id=device_id)
    service.revoke_device(session, device=device, by=principal)
    session.commit()
    return _device_public(device)
