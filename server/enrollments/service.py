"""Reading sign-ups through the caller's scope, and the coordinator's review."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from enroll_common.periods import PeriodError, parse_period
from enroll_common.sync_wire import EnrollmentStatus
from server.auth.models import Role
from server.auth.scope import Principal, commune_filter
from server.changelog import record_change
from server.dbtypes import utcnow
from server.enrollments.audit import audit, history
from server.enrollments.models import Enrollment, EnrollmentRevision
from server.enrollments.schemas import (
    AuditPublic,
    EnrollmentDetail,
    EnrollmentPublic,
    ReviewRequest,
    RevisionPublic,
)
from server.errors import Conflict, Forbidden, NotFound, RuleViolation
from server.ingest.reads import lock_names
from server.participants.service import publish_participants, refresh_participant
from server.privacy.views import VIEW_ACTION
from server.reports.summary import add_people, subtract_people

REVIEW_ENTITY = "review_decision"
_DECISIONS: dict[str, EnrollmentStatus] = {
    "approve": EnrollmentStatus.APPROVED,
    "reject": EnrollmentStatus.REJECTED,
    "return": EnrollmentStatus.RETURNED,
}


def readable_enrollments(principal: Principal) -> SelectOfScalar[Enrollment]:
    """Agents: their own sign-ups. Coordinators: their communes'. Admins: their province's."""
    stmt = select(Enrollment)
    if principal.role is Role.AGENT:
        return stmt.where(Enrollment.agent_id == principal.user_id)
    return stmt.where(
        commune_filter(principal, col(Enrollment.commune_code), col(Enrollment.province_code))
    )


def get_enrollments(
    session: Session,
    *,
    principal: Principal,
    status: EnrollmentStatus | None = None,
    scheme: str | None = None,
    commune_code: int | None = None,
    point_id: int | None = None,
    agent_id: int | None = None,
    period: str | None = None,
    flag: str | None = None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Enrollment], int]:
    stmt = readable_enrollments(principal)
    if status is not None:
        stmt = stmt.where(Enrollment.status == status.value)
    if scheme is not None:
        stmt = stmt.where(Enrollment.scheme == scheme)
    if commune_code is not None:
        stmt = stmt.where(Enrollment.commune_code == commune_code)
    if point_id is not None:
        stmt = stmt.where(Enrollment.point_id == point_id)
    if agent_id is not None:
        stmt = stmt.where(Enrollment.agent_id == agent_id)
    if period is not None:
        try:
            p = parse_period(period)
        except PeriodError as exc:
            raise RuleViolation(str(exc), field="period") from None
        stmt = stmt.where(
            col(Enrollment.payment_date) >= p.start, col(Enrollment.payment_date) < p.end
        )
    if flag is not None:
        stmt = stmt.where(col(Enrollment.flags).contains(f",{flag},", autoescape=True))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(col(Enrollment.received_at).desc(), col(Enrollment.id))
        .limit(limit)
        .offset(offset)
    ).all()
    return rows, total


def get_enrollment_or_raise(
    session: Session, *, principal: Principal, enrollment_id: str, for_update: bool = False
) -> Enrollment:
    """Missing and out-of-scope look the same: 404."""
    stmt = readable_enrollments(principal).where(Enrollment.id == enrollment_id.lower())
    if for_update:
        stmt = stmt.with_for_update()
    row = session.exec(stmt).first()
    if row is None:
        raise NotFound(f"no sign-up {enrollment_id}")
    return row


def to_public(row: Enrollment) -> EnrollmentPublic:
    data = row.model_dump()
    data["flags"] = row.flag_list()
    return EnrollmentPublic.model_validate(data)


def to_detail(session: Session, row: Enrollment) -> EnrollmentDetail:
    revisions = session.exec(
        select(EnrollmentRevision)
        .where(EnrollmentRevision.enrollment_id == row.id)
        .order_by(col(EnrollmentRevision.rev))
    ).all()
    return EnrollmentDetail(
        **to_public(row).model_dump(),
        revisions=[RevisionPublic.model_validate(r, from_attributes=True) for r in revisions],
        audit=[
            AuditPublic.model_validate(a, from_attributes=True)
            for a in history(session, entity="enrollment", entity_id=row.id)
            if a.action != VIEW_ACTION  # views are an access log, not the sign-up's story
        ],
    )


def review(
    session: Session, *, principal: Principal, enrollment_id: str, data: ReviewRequest
) -> Enrollment:
    """Approve, reject or return a pending sign-up; the agent's device pulls the decision."""
    if principal.role is Role.AGENT:
        raise Forbidden("only coordinators and admins review sign-ups")
    row = get_enrollment_or_raise(session, principal=principal, enrollment_id=enrollment_id)
    # The person's lock, as a push takes it before reading their sign-ups: a push keeps the
    # summary from the sign-ups it read (summary_delta), so no decision may land in between.
    citizen = row.citizen_id
    lock_names(session, [f"person/{citizen}"])
    session.refresh(row, with_for_update=True)
    if row.citizen_id != citizen:
        raise Conflict("the sign-up was corrected meanwhile; look at it again", field="rev")
    if row.status != EnrollmentStatus.PENDING.value:
        raise Conflict(
            f"only pending sign-ups can be reviewed; this one is {row.status}", field="decision"
        )
    if data.rev is not None and data.rev != row.rev:
        raise Conflict(
            f"the sign-up is now at rev {row.rev}, not {data.rev}; look at it again",
            field="rev",
        )
    decision: Literal["approve", "reject", "return"] = data.decision
    status = _DECISIONS[decision]
    now = utcnow()
    reason = data.reason.strip() if data.reason else None
    subtract_people(session, [row.citizen_id])
    row.status = status.value
    row.reviewed_by = principal.user_id
    row.reviewed_at = now
    row.review_reason = reason
    row.updated_at = now
    session.add(row)
    audit(
        session,
        entity="enrollment",
        entity_id=row.id,
        action=f"review_{decision}",
        actor_id=principal.user_id,
        device_id=principal.device_id,
        detail={"rev": row.rev, "status": status.value, "reason": reason},
    )
    record_change(
        session,
        entity=REVIEW_ENTITY,
        entity_id=row.id,
        payload={
            "enrollment_id": row.id,
            "rev": row.rev,
            "status": status.value,
            "reason": reason,
            "reviewed_at": now.isoformat(),
        },
        province_code=row.province_code,
        user_id=row.agent_id,
    )
    session.flush()
    add_people(session, [row.citizen_id])
    if status is EnrollmentStatus.REJECTED:
        # A rejected sign-up no longer extends the participant's coverage.
        pid = refresh_participant(session, citizen_id=row.citizen_id, scheme=row.scheme)
        publish_participants(session, [pid])
    return row
