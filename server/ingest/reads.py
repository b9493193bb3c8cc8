"""The batch's locks and reads: one statement per kind of row, whatever the batch size."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, or_, select, text
from sqlmodel import Session, col

from enroll_common.sync_wire import EnrollmentRecord
from server.auth.scope import Principal
from server.dbtypes import member_of
from server.enrollments.models import Enrollment, EnrollmentRevision, ReceiptBlock, ReceiptUse
from server.ingest.view import (
    HOUSEHOLD_HI,
    LIVE_STATUSES,
    BatchView,
    BlockRef,
    Existing,
    LiveSignUp,
    PointRef,
    ReceiptUseRef,
    RegisterEntry,
    StoredRevision,
)
from server.org.models import CollectionPoint, Commune
from server.participants.models import Participant
from server.reports.summary_delta import Counted, counts


def lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for a person, household or receipt number."""
    digest = hashlib.sha256(f"field-enroll/{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_names(session: Session, names: Iterable[str]) -> None:
    """Take these transaction-scoped locks in one statement, in one global order.

    Two pushes (or a push and a void) that share a person, a household or a receipt number
    then queue instead of both deciding against the state before the other; the sorted
    order keeps them from deadlocking. SQLite's ``BEGIN IMMEDIATE`` serialises writers
    already, so this is PostgreSQL only.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({lock_key(n) for n in names})
    if keys:
        session.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(k)) FROM "
                "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS ordered"
            ),
            {"keys": keys},
        )


def batch_lock_names(records: Sequence[EnrollmentRecord]) -> set[str]:
    names: set[str] = set()
    for r in records:
        names.add(f"person/{r.person.citizen_id}")
        names.add(f"receipt/{r.receipt_number}")
        if r.household is not None:
            names.add(f"household/{r.person.commune_code}/{r.household.code}")
            if r.household.national_code:
                names.add(f"household/national/{r.household.national_code}")
    return names


def read_batch(
    session: Session, principal: Principal, records: Sequence[EnrollmentRecord]
) -> BatchView:
    """Lock, then read everything the records' checks need (see ``BatchView``)."""
    assert principal.device_id is not None
    lock_names(session, batch_lock_names(records))
    view = BatchView()
    postgres = session.get_bind().dialect.name == "postgresql"

    view.blocks = [
        BlockRef(id=i, first_number=f, last_number=last)
        for i, f, last in session.execute(
            select(
                col(ReceiptBlock.id), col(ReceiptBlock.first_number), col(ReceiptBlock.last_number)
            ).where(col(ReceiptBlock.device_id) == principal.device_id)
        )
    ]
    point_ids = sorted({r.point_id for r in records} & set(principal.point_ids))
    if point_ids:
        for pid, commune_code in session.execute(
            select(col(CollectionPoint.id), col(CollectionPoint.commune_code)).where(
                member_of(session, col(CollectionPoint.id), point_ids)
            )
        ):
            view.points[pid] = PointRef(id=pid, commune_code=commune_code)
    codes = {p.commune_code for p in view.points.values()} | {
        r.person.commune_code for r in records
    }
    if codes:
        rows = session.execute(
            select(col(Commune.code), col(Commune.province_code), col(Commune.support_area)).where(
                member_of(session, col(Commune.code), codes)
            )
        )
        for code, province, area in rows.tuples():
            view.communes[code] = province
            if area is not None:
                view.support_areas[code] = area

    ids = sorted({str(r.id) for r in records})
    if ids:
        stmt = (
            select(
                col(Enrollment.id),
                col(Enrollment.agent_id),
                col(Enrollment.rev),
                col(Enrollment.status),
                col(Enrollment.review_reason),
                col(Enrollment.received_at),
                col(Enrollment.citizen_id),
                col(Enrollment.scheme),
                col(Enrollment.household_ordinal),
            )
            .where(member_of(session, col(Enrollment.id), ids))
            .order_by(col(Enrollment.id))
        )
        for row in session.execute(stmt.with_for_update() if postgres else stmt):
            view.existing[row[0]] = Existing(*row)
        if view.existing:
            for eid, rev, digest, body, answer in session.execute(
                select(
                    col(EnrollmentRevision.enrollment_id),
                    col(EnrollmentRevision.rev),
                    col(EnrollmentRevision.content_hash),
                    col(EnrollmentRevision.body),
                    col(EnrollmentRevision.answer),
                ).where(member_of(session, col(EnrollmentRevision.enrollment_id), view.existing))
            ):
                view.revisions[(eid, rev)] = StoredRevision(eid, rev, digest, body, answer)

    numbers = sorted({r.receipt_number for r in records})
    for number, kind, enrollment_id in session.execute(
        select(
            col(ReceiptUse.receipt_number), col(ReceiptUse.kind), col(ReceiptUse.enrollment_id)
        ).where(member_of(session, col(ReceiptUse.receipt_number), numbers))
    ):
        view.uses[number] = ReceiptUseRef(kind=kind, enrollment_id=enrollment_id)

    citizens = sorted({r.person.citizen_id for r in records})
    households = sorted({r.household.code for r in records if r.household is not None})
    nationals = sorted(
        {r.household.national_code for r in records if r.household and r.household.national_code}
    )
    _read_live(session, view, citizens, households, nationals)
    view.read_people = set(citizens)
    _read_register(session, view, citizens, households, nationals, lock=postgres)
    return view


def _in_households(
    session: Session, code: Any, national: Any, scheme: Any, codes: list[str], nationals: list[str]
) -> Any:
    """Rows of these households: same local code (the commune is checked in memory, by
    ``HouseholdId.same_as``) or same national code."""
    which = member_of(session, code, codes)
    if nationals:
        which = or_(which, member_of(session, national, nationals))
    return and_(which, scheme == HOUSEHOLD_HI)


def _read_live(
    session: Session,
    view: BatchView,
    citizens: list[str],
    households: list[str],
    nationals: list[str],
) -> None:
    """The live sign-ups of the batch's people (any scheme) and households (household HI)."""
    who = member_of(session, col(Enrollment.citizen_id), citizens)
    if households:
        who = or_(
            who,
            _in_households(
                session,
                col(Enrollment.household_code),
                col(Enrollment.national_household_code),
                col(Enrollment.scheme),
                households,
                nationals,
            ),
        )
    for row in session.execute(
        select(
            col(Enrollment.id),
            col(Enrollment.citizen_id),
            col(Enrollment.scheme),
            col(Enrollment.status),
            col(Enrollment.household_code),
            col(Enrollment.coverage_start),
            col(Enrollment.coverage_end),
            col(Enrollment.supported_months),
            col(Enrollment.received_at),
            col(Enrollment.person_commune_code),
            col(Enrollment.national_household_code),
            col(Enrollment.household_ordinal),
            col(Enrollment.payment_date),
            col(Enrollment.kind),
            col(Enrollment.province_code),
            col(Enrollment.commune_code),
            col(Enrollment.point_id),
            col(Enrollment.agent_id),
            col(Enrollment.amount_vnd),
        ).where(who, col(Enrollment.status).in_(LIVE_STATUSES))
    ):
        live = LiveSignUp(*row[:13])
        view.set_live(live)
        if counts(live.status):
            kind, province, commune, point, agent, amount = row[13:]
            view.counted[live.id] = Counted(
                id=live.id,
                citizen_id=live.citizen_id,
                scheme=live.scheme,
                status=live.status,
                kind=kind,
                province_code=province,
                commune_code=commune,
                point_id=point,
                agent_id=agent,
                amount_vnd=amount,
                payment_date=row[12],
                coverage_end=live.coverage_end,
            )


def _read_register(
    session: Session,
    view: BatchView,
    citizens: list[str],
    households: list[str],
    nationals: list[str],
    *,
    lock: bool,
) -> None:
    """Register rows of the batch's people (locked: the batch updates them) and households."""
    who = member_of(session, col(Participant.citizen_id), citizens)
    if households:
        who = or_(
            who,
            _in_households(
                session,
                col(Participant.household_code),
                col(Participant.national_household_code),
                col(Participant.scheme),
                households,
                nationals,
            ),
        )
    stmt = (
        select(
            col(Participant.id),
            col(Participant.citizen_id),
            col(Participant.scheme),
            col(Participant.full_name),
            col(Participant.date_of_birth),
            col(Participant.si_code),
            col(Participant.household_code),
            col(Participant.commune_code),
            col(Participant.province_code),
            col(Participant.registered_coverage_end),
            col(Participant.coverage_end),
            col(Participant.source),
            col(Participant.last_enrollment_id),
            col(Participant.initial_facility_code),
            col(Participant.national_household_code),
            col(Participant.household_place),
            col(Participant.support_months_used),
        )
        .where(who)
        .order_by(col(Participant.id))
    )
    for row in session.execute(stmt.with_for_update() if lock else stmt):
        view.set_register(RegisterEntry(*row))
