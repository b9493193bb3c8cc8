"""The participants register: kept in step with sign-ups, published to devices as the roster."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from enroll_common.sync_wire import EnrollmentStatus
from server.auth.scope import Principal, commune_filter
from server.changelog import append_changes
from server.dbtypes import utcnow
from server.org.models import Commune
from server.participants.models import Participant

ROSTER_ENTITY = "participant"
_LIVE = (
    EnrollmentStatus.PENDING.value,
    EnrollmentStatus.APPROVED.value,
    EnrollmentStatus.RETURNED.value,
)


class PersonLike(Protocol):
    """What a sign-up tells the register about its person."""

    citizen_id: str
    si_code: str | None
    full_name: str
    date_of_birth: Any
    household_code: str | None
    person_commune_code: int
    id: str


def refresh_participant(
    session: Session,
    *,
    citizen_id: str,
    scheme: str,
    template: PersonLike | None = None,
    province_code: int | None = None,
) -> int:
    """Create or update one register entry from the live sign-ups of that person.

    ``coverage_end`` is the later of the agency's date and the live sign-ups' ends, so a
    rejected sign-up stops extending it. Returns the participant id.
    """
    row = session.exec(
        select(Participant)
        .where(Participant.citizen_id == citizen_id, Participant.scheme == scheme)
        .with_for_update()
    ).first()
    row = refresh_loaded(
        session,
        row,
        citizen_id=citizen_id,
        scheme=scheme,
        template=template,
        province_code=province_code,
    )
    assert row.id is not None
    return row.id


def refresh_loaded(
    session: Session,
    row: Participant | None,
    *,
    citizen_id: str,
    scheme: str,
    template: PersonLike | None = None,
    province_code: int | None = None,
    live_ends: Iterable[date] | None = None,
) -> Participant:
    """``refresh_participant`` for a caller that already holds the entry, locked (or knows
    there is none), e.g. one that read a whole batch's entries at once; and perhaps the
    coverage ends of all of the person's live sign-ups in the scheme, if it read them."""
    from server.enrollments.models import Enrollment  # the register is below sign-ups

    if row is None:
        if template is None:
            raise ValueError("a new register entry needs the sign-up it comes from")
        commune = session.get(Commune, template.person_commune_code)
        row = Participant(
            citizen_id=citizen_id,
            scheme=scheme,
            full_name=template.full_name,
            date_of_birth=template.date_of_birth,
            commune_code=template.person_commune_code,
            province_code=commune.province_code if commune else (province_code or 0),
            source="enrollment",
        )
    if template is not None:
        row.full_name = template.full_name
        row.date_of_birth = template.date_of_birth
        row.si_code = template.si_code or row.si_code
        row.household_code = template.household_code or row.household_code
        row.last_enrollment_id = template.id
    if live_ends is not None:
        live_end = max(live_ends, default=None)
    else:
        live_end = session.exec(
            select(func.max(Enrollment.coverage_end)).where(
                Enrollment.citizen_id == citizen_id,
                Enrollment.scheme == scheme,
                col(Enrollment.status).in_(_LIVE),
            )
        ).one()
    ends = [d for d in (row.registered_coverage_end, live_end) if d is not None]
    row.coverage_end = max(ends) if ends else None
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


class RosterRow(Protocol):
    """What the roster shows of a register entry (a ``Participant``, or a push's view of one)."""

    id: int | None
    citizen_id: str
    si_code: str | None
    full_name: str
    date_of_birth: date
    household_code: str | None
    national_household_code: str | None
    household_place: int | None
    support_months_used: int
    scheme: str
    commune_code: int
    province_code: int
    registered_coverage_end: date | None
    coverage_end: date | None
    initial_facility_code: str | None


def roster_payload(row: RosterRow) -> dict[str, Any]:
    """What a device keeps of a register entry (its roster and renewal list)."""
    return {
        "id": row.id,
        "citizen_id": row.citizen_id,
        "si_code": row.si_code,
        "full_name": row.full_name,
        "date_of_birth": row.date_of_birth.isoformat(),
        "household_code": row.household_code,
        "national_household_code": row.national_household_code,
        "household_place": row.household_place,
        "support_months_used": row.support_months_used,
        "scheme": row.scheme,
        "commune_code": row.commune_code,
        "coverage_end": row.coverage_end.isoformat() if row.coverage_end else None,
        "initial_facility_code": row.initial_facility_code,
        "registered_coverage_end": row.registered_coverage_end.isoformat()
        if row.registered_coverage_end
        else None,
    }


def publish_participants(session: Session, participant_ids: Iterable[int]) -> None:
    """Append the current state of these entries to the change log, for the commune."""
    ids = sorted(set(participant_ids))
    if ids:
        rows = session.exec(select(Participant).where(col(Participant.id).in_(ids))).all()
        publish_rows(session, rows)


def publish_rows(session: Session, rows: Iterable[RosterRow]) -> None:
    """``publish_participants`` for entries the caller holds, in id order."""
    append_changes(
        session,
        [
            {
                "entity": ROSTER_ENTITY,
                "entity_id": row.id,
                "payload": roster_payload(row),
                "province_code": row.province_code,
                "commune_code": row.commune_code,
            }
            for row in sorted(rows, key=lambda r: r.id or 0)
        ],
    )


def readable_participants(principal: Principal) -> SelectOfScalar[Participant]:
    """The register of the caller's communes (agents: their points' communes)."""
    if principal.is_admin:
        return select(Participant).where(Participant.province_code == principal.province_code)
    return select(Participant).where(
        commune_filter(principal, col(Participant.commune_code), col(Participant.province_code))
    )


def get_participants(
    session: Session,
    *,
    principal: Principal,
    commune_code: int | None,
    household_code: str | None,
    citizen_id: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Participant], int]:
    stmt = readable_participants(principal)
    if commune_code is not None:
        stmt = stmt.where(Participant.commune_code == commune_code)
    if household_code is not None:
        stmt = stmt.where(Participant.household_code == household_code)
    if citizen_id is not None:
        stmt = stmt.where(Participant.citizen_id == citizen_id)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(col(Participant.household_code), col(Participant.full_name))
        .limit(limit)
        .offset(offset)
    ).all()
    return rows, total


def get_renewals(
    session: Session,
    *,
    principal: Principal,
    today: date,
    within_days: int,
    scheme: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Participant], int]:
    """Participants whose coverage ends between today and ``within_days`` from now."""
    stmt = readable_participants(principal).where(
        col(Participant.coverage_end) >= today,
        col(Participant.coverage_end) <= today + timedelta(days=within_days),
    )
    if scheme is not None:
        stmt = stmt.where(Participant.scheme == scheme)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(col(Participant.coverage_end), col(Participant.id))
        .limit(limit)
        .offset(offset)
    ).all()
    return rows, total
