"""Create, redeem and revoke provisioning codes. No HTTP here.

A code is 12 characters of Crockford base32 (60 bits) shown as ``XXXX-XXXX-XXXX``; only its
SHA-256 is stored. Wrong codes count against the caller's address with the login throttle,
so guessing is as slow as guessing passwords; a code is claimed with one conditional
UPDATE, so two devices racing on it cannot both use it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from enroll_common.wire import TokenPair
from server.auth import service as auth_service
from server.auth.models import Role, User
from server.auth.scope import Principal
from server.config import Settings
from server.dbtypes import utcnow
from server.enrollments.audit import audit
from server.errors import NotAuthenticated, RuleViolation
from server.provisioning.models import ProvisioningCode

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_LENGTH = 12
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
ENTITY = "provisioning_code"


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _LENGTH, 4))


def normalize(code: str) -> str:
    """What a person may type: any case, with or without dashes and spaces, O for 0."""
    return "".join(ch for ch in code.upper() if ch.isalnum()).translate(_READ_AS)


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize(code).encode("ascii", "replace")).hexdigest()


def create(
    session: Session, settings: Settings, *, principal: Principal, agent: User
) -> tuple[ProvisioningCode, str]:
    """A new code for an agent the caller manages (the caller checked the scope)."""
    if agent.role != Role.AGENT:
        raise RuleViolation(
            "chỉ cấp mã thiết bị cho cộng tác viên (provisioning codes are for agents only)",
            field="user_id",
        )
    if not agent.is_active:
        raise RuleViolation("tài khoản đã bị khoá (the account is disabled)", field="user_id")
    assert agent.id is not None
    code = new_code()
    now = utcnow()
    row = ProvisioningCode(
        code_hash=code_hash(code),
        user_id=agent.id,
        created_by=principal.user_id,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.provisioning_code_minutes),
    )
    session.add(row)
    session.flush()
    audit(
        session,
        entity=ENTITY,
        entity_id=str(row.id),
        action="create",
        actor_id=principal.user_id,
        device_id=principal.device_id,
        detail={"agent_id": agent.id, "expires_at": row.expires_at.isoformat()},
    )
    return row, code


def list_for(session: Session, *, agent_id: int, limit: int = 50) -> Sequence[ProvisioningCode]:
    return session.exec(
        select(ProvisioningCode)
        .where(ProvisioningCode.user_id == agent_id)
        .order_by(col(ProvisioningCode.id).desc())
        .limit(limit)
    ).all()


def revoke(session: Session, *, row: ProvisioningCode, by: Principal) -> ProvisioningCode:
    """Revoke an unused code; revoking twice (or a used code) changes nothing."""
    if row.revoked_at is None and row.used_at is None:
        row.revoked_at = utcnow()
        row.revoked_by = by.user_id
        session.add(row)
        audit(
            session,
            entity=ENTITY,
            entity_id=str(row.id),
            action="revoke",
            actor_id=by.user_id,
            device_id=by.device_id,
            detail={"agent_id": row.user_id},
        )
    return row


_INVALID = (
    "mã cấp thiết bị không đúng, đã dùng, đã thu hồi hoặc đã hết hạn "
    "(invalid, used, revoked or expired provisioning code)"
)


def _throttle_name(address: str) -> str:
    return f"#provision@{address}"


def redeem(
    ctx: auth_service.AuthContext,
    session: Session,
    *,
    code: str,
    device_key: str,
    device_name: str,
    address: str,
) -> TokenPair:
    """Use a code once: register the device and answer the same tokens as a login.

    A failure is committed by the caller even though this raises, so the throttle counts it.
    """
    now = utcnow()
    name = _throttle_name(address)
    auth_service.check_login_allowed(session, username=name, address=address, now=now)
    row = session.exec(
        select(ProvisioningCode).where(ProvisioningCode.code_hash == code_hash(code))
    ).first()
    user = session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or row.state(now) != "active" or not user.is_active:
        auth_service.record_login_failure(
            session, ctx.settings, username=name, address=address, now=now
        )
        raise NotAuthenticated(_INVALID, field="code")
    claimed = session.execute(
        update(ProvisioningCode)
        .where(col(ProvisioningCode.id) == row.id, col(ProvisioningCode.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise NotAuthenticated(_INVALID, field="code")
    pair = auth_service.open_device_session(
        ctx, session, user=user, device_key=device_key, device_name=device_name, now=now
    )
    session.execute(
        update(ProvisioningCode)
        .where(col(ProvisioningCode.id) == row.id)
        .values(device_id=pair.device_id)
    )
    audit(
        session,
        entity=ENTITY,
        entity_id=str(row.id),
        action="use",
        actor_id=user.id,
        device_id=pair.device_id,
        detail={"device_key": device_key, "address": address},
    )
    return pair
