"""The first receipt block, issued automatically when an agent's new device logs in.

A coordinator allows it per commune (``CommuneReceiptSetting``: the block size); the block
is issued in that coordinator's name through the ordinary block service, so it is audited
and pulled like any other. Without the setting nothing happens: a coordinator issues blocks
by hand. The device then has numbers before its first sign-up (issue 12, item 2).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from pydantic import Field as PydField
from sqlmodel import Field, Session, SQLModel, col, select

from server.auth.models import AgentPoint, CoordinatorCommune, Device, Role, User
from server.auth.scope import Principal
from server.dbtypes import UTCDateTime, utcnow
from server.enrollments.audit import audit
from server.enrollments.models import ReceiptBlock
from server.enrollments.receipts import issue_block
from server.errors import Forbidden, NotFound
from server.org.models import CollectionPoint, Commune

MAX_FIRST_BLOCK = 1000


class CommuneReceiptSetting(SQLModel, table=True):
    """Per commune: the size of the block a new agent device gets at its first login."""

    __tablename__ = "commune_receipt_setting"

    commune_code: int = Field(
        foreign_key="commune.code", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    first_block_size: int = Field(ge=0, le=MAX_FIRST_BLOCK)
    set_by: int = Field(foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FirstBlockSetting(BaseModel):
    """0 turns the automatic first block off for the commune."""

    commune_code: int = PydField(ge=1, le=999_999)
    first_block_size: int = PydField(ge=0, le=MAX_FIRST_BLOCK)


def set_first_block(
    session: Session, *, principal: Principal, data: FirstBlockSetting
) -> CommuneReceiptSetting:
    """A coordinator (or admin) sets their commune's policy for new devices."""
    commune = session.get(Commune, data.commune_code)
    if commune is None or not principal.sees_commune(commune.code, commune.province_code):
        raise NotFound("no such commune in your area", field="commune_code")
    if not principal.manages_commune(commune.code, commune.province_code):
        raise Forbidden("only the commune's coordinators and admins change this")
    row = session.get(CommuneReceiptSetting, data.commune_code) or CommuneReceiptSetting(
        commune_code=data.commune_code, first_block_size=0, set_by=principal.user_id
    )
    row.first_block_size = data.first_block_size
    row.set_by = principal.user_id
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def get_first_block(session: Session, *, principal: Principal, commune_code: int) -> int:
    commune = session.get(Commune, commune_code)
    if commune is None or not principal.sees_commune(commune.code, commune.province_code):
        raise NotFound("no such commune in your area", field="commune_code")
    row = session.get(CommuneReceiptSetting, commune_code)
    return row.first_block_size if row else 0


def issue_first_block(session: Session, *, user: User, device: Device) -> ReceiptBlock | None:
    """If this is an agent's device without any block and its commune allows it, issue one."""
    if user.role != Role.AGENT.value or device.id is None or device.revoked_at is not None:
        return None
    has_block = session.exec(
        select(ReceiptBlock.id).where(ReceiptBlock.device_id == device.id).limit(1)
    ).first()
    if has_block is not None:
        return None
    settings = session.exec(
        select(CommuneReceiptSetting)
        .join(
            CollectionPoint,
            col(CollectionPoint.commune_code) == col(CommuneReceiptSetting.commune_code),
        )
        .join(AgentPoint, col(AgentPoint.point_id) == col(CollectionPoint.id))
        .where(AgentPoint.user_id == user.id, col(CommuneReceiptSetting.first_block_size) > 0)
        .order_by(col(CommuneReceiptSetting.commune_code))
    ).all()
    if not settings:
        return None
    setting = settings[0]
    coordinator = session.get(User, setting.set_by)
    if coordinator is None or not coordinator.is_active:
        return None
    communes = frozenset(
        session.exec(
            select(CoordinatorCommune.commune_code).where(
                CoordinatorCommune.user_id == setting.set_by
            )
        ).all()
    )
    issuer = Principal(
        user=coordinator,
        role=Role(coordinator.role),
        province_code=coordinator.province_code,
        device_id=None,
        session_id=None,
        commune_codes=communes,
        point_ids=frozenset(),
    )
    block = issue_block(session, principal=issuer, device=device, size=setting.first_block_size)
    assert block.id is not None and user.id is not None
    audit(
        session,
        entity="receipt_block",
        entity_id=str(block.id),
        action="issued_at_first_login",
        actor_id=user.id,
        device_id=device.id,
        detail={"commune_code": setting.commune_code, "policy_set_by": setting.set_by},
    )
    return block


def allow_first_blocks(session: Session, *, province_code: int, size: int = 50) -> int:
    """Demo and tests: every commune of the province with a coordinator allows a first block."""
    pairs = session.exec(
        select(CoordinatorCommune.commune_code, CoordinatorCommune.user_id)
        .join(Commune, col(Commune.code) == col(CoordinatorCommune.commune_code))
        .where(Commune.province_code == province_code)
        .order_by(col(CoordinatorCommune.commune_code), col(CoordinatorCommune.user_id))
    ).all()
    done: set[int] = set()
    for commune_code, user_id in pairs:
        if commune_code in done:
            continue
        done.add(commune_code)
        session.add(
            CommuneReceiptSetting(commune_code=commune_code, first_block_size=size, set_by=user_id)
        )
    session.flush()
    return len(done)
