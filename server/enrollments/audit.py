"""The append-only audit log of sign-ups and receipts: nothing here updates or deletes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from server.enrollments.models import EnrollmentAudit


def audit(
    session: Session,
    *,
    entity: str,
    entity_id: str,
    action: str,
    actor_id: int | None,
    device_id: int | None,
    detail: dict[str, Any],
) -> EnrollmentAudit:
    """Append who did what, from which device; the time is the server's."""
    row = audit_row(
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor_id=actor_id,
        device_id=device_id,
        detail=detail,
    )
    session.add(row)
    return row


def audit_row(
    *,
    entity: str,
    entity_id: str,
    action: str,
    actor_id: int | None,
    device_id: int | None,
    detail: dict[str, Any],
) -> EnrollmentAudit:
    """An entry not yet added, so a batch can add all of its entries at once."""
    return EnrollmentAudit(
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor_id=actor_id,
        device_id=device_id,
        detail=detail,
    )


def history(session: Session, *, entity: str, entity_id: str) -> Sequence[EnrollmentAudit]:
    """Every entry for one entity, oldest first."""
    return session.exec(
        select(EnrollmentAudit)
        .where(EnrollmentAudit.entity == entity, EnrollmentAudit.entity_id == entity_id)
        .order_by(col(EnrollmentAudit.id))
    ).all()
