"""Login, token rotation, logout, devices and password changes. No HTTP here."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from enroll_common.wire import TokenPair
from server.auth.models import (
    AgentPoint,
    AuthSession,
    CoordinatorCommune,
    Device,
    LoginThrottle,
    RefreshToken,
    Role,
    User,
)
from server.auth.scope import Principal
from server.auth.security import Passwords, Tokens
from server.config import Settings
from server.dbtypes import utcnow
from server.enrollments.first_block import issue_first_block
from server.errors import Forbidden, NotAuthenticated, TooManyRequests
from server.org.models import CollectionPoint

_LAST_SEEN_RESOLUTION = timedelta(minutes=5)
_SESSION_ENDED = {
    "device_revoked": "this device has been revoked; ask your coordinator",
    "password_changed": "the password was changed; log in again with the new one",
    "refresh_token_reuse": "session revoked: a used refresh token was presented again; log in",
    "logout": "logged out; log in again",
}


@dataclass
class AuthContext:
    """What the auth service needs from start-up: settings and the crypto helpers."""

    settings: Settings
    passwords: Passwords
    tokens: Tokens


# --- throttling -------------------------------------------------------------------------


def _throttle_keys(username: str, address: str) -> list[tuple[str, int]]:
    return [(f"user:{username.lower()}", 0), (f"addr:{address}", 1)]


def check_login_allowed(session: Session, *, username: str, address: str, now: datetime) -> None:
    """Refuse with 429 and ``Retry-After`` while the account or the address is locked."""
    for key, _ in _throttle_keys(username, address):
        row = session.get(LoginThrottle, key)
        if row and row.locked_until and row.locked_until > now:
            wait = max(1, int((row.locked_until - now).total_seconds() + 0.999))
            raise TooManyRequests(
                f"too many failed logins; try again in {wait} seconds",
                headers={"Retry-After": str(wait)},
            )


def record_login_failure(
    session: Session, settings: Settings, *, username: str, address: str, now: datetime
) -> None:
    window = timedelta(seconds=settings.login_failure_window_seconds)
    limits = [settings.login_max_failures_per_account, settings.login_max_failures_per_address]
    for key, which in _throttle_keys(username, address):
        row = session.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_started_at=now)
        if now - row.window_started_at > window:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= limits[which]:
            row.locked_until = now + timedelta(seconds=settings.login_lockout_seconds)
        session.add(row)


def clear_login_failures(session: Session, *, username: str) -> None:
    row = session.get(LoginThrottle, f"user:{username.lower()}")
    if row is not None:
        session.delete(row)


# --- login, refresh, logout ---------------------------------------------------------------


def _issue(
    ctx: AuthContext, session: Session, auth_session: AuthSession, now: datetime
) -> TokenPair:
    access, access_claims = ctx.tokens.encode(
        "access",
        user_id=auth_session.user_id,
        session_id=auth_session.id,
        device_id=auth_session.device_id,
        now=now,
    )
    refresh, refresh_claims = ctx.tokens.encode(
        "refresh",
        user_id=auth_session.user_id,
        session_id=auth_session.id,
        device_id=auth_session.device_id,
        now=now,
    )
    session.add(
        RefreshToken(
            jti=refresh_claims.jti,
            session_id=auth_session.id,
            issued_at=now,
            expires_at=refresh_claims.expires_at,
        )
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        access_expires_at=access_claims.expires_at,
        refresh_expires_at=refresh_claims.expires_at,
        device_id=auth_session.device_id,
    )


def login(
    ctx: AuthContext,
    session: Session,
    *,
    username: str,
    password: str,
    device_key: str,
    device_name: str,
    address: str,
) -> TokenPair:
    """Check the password, register the device, open a session and issue a token pair.

    Failures are committed by the caller even though this raises, so the throttle counts them.
    """
    now = utcnow()
    check_login_allowed(session, username=username, address=address, now=now)
    user = session.exec(select(User).where(User.username == username)).first()
    ok = ctx.passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        record_login_failure(session, ctx.settings, username=username, address=address, now=now)
        raise NotAuthenticated("invalid username or password")
    clear_login_failures(session, username=username)
    if ctx.passwords.needs_rehash(user.password_hash):
        user.password_hash = ctx.passwords.hash(password)
        session.add(user)
    return open_device_session(
        ctx, session, user=user, device_key=device_key, device_name=device_name, now=now
    )


def open_device_session(
    ctx: AuthContext,
    session: Session,
    *,
    user: User,
    device_key: str,
    device_name: str,
    now: datetime,
) -> TokenPair:
    """Register the device (or refuse a revoked one), open a session, issue a token pair.

    Shared by password login and provisioning codes, so both answer the same tokens.
    """
    assert user.id is not None
    device = session.exec(
        select(Device).where(Device.user_id == user.id, Device.device_key == device_key)
    ).first()
    if device is None:
        device = Device(user_id=user.id, device_key=device_key, name=device_name or device_key)
        session.add(device)
        session.flush()
    elif device.revoked_at is not None:
        raise Forbidden("this device has been revoked; ask your coordinator to register a new one")
    else:
        device.last_seen_at = now
        if device_name:
            device.name = device_name
        session.add(device)
    assert device.id is not None
    issue_first_block(session, user=user, device=device)  # when the commune allows it
    auth_session = AuthSession(
        id=secrets.token_urlsafe(24), user_id=user.id, device_id=device.id, created_at=now
    )
    session.add(auth_session)
    session.flush()
    return _issue(ctx, session, auth_session, now)


def refresh(ctx: AuthContext, session: Session, *, refresh_token: str) -> TokenPair:
    """Rotate a refresh token; a replay after the grace window revokes the whole session."""
    now = utcnow()
    claims = ctx.tokens.decode(refresh_token, "refresh")
    row = session.get(RefreshToken, claims.jti)
    auth_session = session.get(AuthSession, claims.session_id)
    if row is None or auth_session is None or row.session_id != auth_session.id:
        raise NotAuthenticated("unknown refresh token")
    _check_session_usable(session, auth_session)
    # Claim the token atomically, so two processes racing on it cannot both rotate it.
    result = session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.jti) == row.jti, col(RefreshToken.rotated_at).is_(None))
        .values(rotated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(row)
        rotated_at = row.rotated_at or now
        grace = timedelta(seconds=ctx.settings.refresh_reuse_grace_seconds)
        if now - rotated_at > grace:
            auth_session.revoked_at = now
            auth_session.revoked_reason = "refresh_token_reuse"
            session.add(auth_session)
            raise NotAuthenticated(
                "refresh token was already used; this session is revoked, log in again",
                extra={"reason": "refresh_token_reuse"},
            )
    return _issue(ctx, session, auth_session, now)


def logout(session: Session, *, principal: Principal) -> None:
    """End the caller's session: its refresh and access tokens stop working at once."""
    if principal.session_id is None:
        return
    auth_session = session.get(AuthSession, principal.session_id)
    if auth_session is not None and auth_session.revoked_at is None:
        auth_session.revoked_at = utcnow()
        auth_session.revoked_reason = "logout"
        session.add(auth_session)


def _check_session_usable(session: Session, auth_session: AuthSession) -> tuple[User, Device]:
    if auth_session.revoked_at is not None:
        reason = auth_session.revoked_reason or "ended"
        raise NotAuthenticated(
            _SESSION_ENDED.get(reason, "session ended; log in again"), extra={"reason": reason}
        )
    device = session.get(Device, auth_session.device_id)
    if device is None or device.revoked_at is not None:
        raise NotAuthenticated("this device has been revoked", extra={"reason": "device_revoked"})
    user = session.get(User, auth_session.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("account disabled", extra={"reason": "user_disabled"})
    return user, device


def authenticate(ctx: AuthContext, session: Session, *, access_token: str) -> Principal:
    """Turn a bearer token into a principal, checking session, device and user are still live."""
    principal, seen = identify(ctx, session, access_token=access_token)
    if seen is not None:
        mark_seen(session, principal, seen)
    return principal


def identify(
    ctx: AuthContext, session: Session, *, access_token: str
) -> tuple[Principal, datetime | None]:
    """``authenticate`` with reads only: the principal, and the time to record as the device's
    last use when the stored one is older than its resolution (else None; ``mark_seen``)."""
    claims = ctx.tokens.decode(access_token, "access")
    auth_session = session.get(AuthSession, claims.session_id)
    if auth_session is None or auth_session.user_id != claims.user_id:
        raise NotAuthenticated("unknown session")
    user, device = _check_session_usable(session, auth_session)
    now = utcnow()
    seen = now if now - device.last_seen_at > _LAST_SEEN_RESOLUTION else None
    principal = load_principal(session, user, device_id=device.id, session_id=auth_session.id)
    return principal, seen


def mark_seen(session: Session, principal: Principal, now: datetime) -> None:
    """Record the device's last use (at most once per ``_LAST_SEEN_RESOLUTION``)."""
    session.execute(
        update(Device)
        .where(col(Device.id) == principal.device_id, col(Device.last_seen_at) < now)
        .values(last_seen_at=now)
    )


def load_principal(
    session: Session, user: User, *, device_id: int | None, session_id: str | None
) -> Principal:
    """Resolve the user's scope (communes and points) once."""
    role = Role(user.role)
    communes: set[int] = set()
    points: set[int] = set()
    if role is Role.COORDINATOR:
        communes = set(
            session.exec(
                select(CoordinatorCommune.commune_code).where(CoordinatorCommune.user_id == user.id)
            ).all()
        )
    elif role is Role.AGENT:
        rows = session.exec(
            select(CollectionPoint.id, CollectionPoint.commune_code)
            .join(AgentPoint, col(AgentPoint.point_id) == col(CollectionPoint.id))
            .where(AgentPoint.user_id == user.id)
        ).all()
        points = {pid for pid, _ in rows if pid is not None}
        communes = {code for _, code in rows}
    return Principal(
        user=user,
        role=role,
        province_code=user.province_code,
        device_id=device_id,
        session_id=session_id,
        commune_codes=frozenset(communes),
        point_ids=frozenset(points),
    )


def change_password(
    session: Session,
    passwords: Passwords,
    *,
    user: User,
    new_password: str,
    keep_session: str | None,
) -> None:
    """Set a new password and end the user's other sessions.

    Devices stay registered and keep their receipt blocks; the client keeps everything it
    holds and only asks its user to log in again.
    """
    now = utcnow()
    user.password_hash = passwords.hash(new_password)
    user.password_changed_at = now
    session.add(user)
    stmt = (
        update(AuthSession)
        .where(col(AuthSession.user_id) == user.id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now, revoked_reason="password_changed")
    )
    if keep_session is not None:
        stmt = stmt.where(col(AuthSession.id) != keep_session)
    session.execute(stmt)


def revoke_device(session: Session, *, device: Device, by: Principal) -> Device:
    """Revoke a device: its sessions end and its next call gets 401."""
    now = utcnow()
    if device.revoked_at is None:
        device.revoked_at = now
        device.revoked_by = by.user_id
        session.add(device)
        session.execute(
            update(AuthSession)
            .where(col(AuthSession.device_id) == device.id, col(AuthSession.revoked_at).is_(None))
            .values(revoked_at=now, revoked_reason="device_revoked")
        )
    return device
