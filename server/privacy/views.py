"""Every view of a sign-up's personal details by a coordinator or admin goes in the audit log."""

from __future__ import annotations

from sqlmodel import Session

from server.auth.models import Role
from server.auth.scope import Principal
from server.enrollments.audit import audit

VIEW_ACTION = "view_personal"


def record_view(session: Session, *, principal: Principal, enrollment_id: str, via: str) -> None:
    """Append who looked at which sign-up, from where (``api`` or ``dashboard``).

    An agent reading their own sign-ups is the data's collector, not a viewer, so only
    coordinators and admins are recorded. The caller commits.
    """
    if principal.role is Role.AGENT:
        return
    audit(
        session,
        entity="enrollment",
        entity_id=enrollment_id,
        action=VIEW_ACTION,
        actor_id=principal.user_id,
        device_id=principal.device_id,
        detail={"via": via},
    )
