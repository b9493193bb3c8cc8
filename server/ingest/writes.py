"""Storing a judged batch: one multi-row statement per table.

Revision ids are allocated before the insert, so the verification code goes into the same
row. When another process stored the same id, receipt number or revision first, an insert
fails with a unique violation and the caller judges the batch again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, case, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from enroll_common.glossary import verification_code as printed_code
from enroll_common.sync_wire import Accepted, EnrollmentStatus, QuoteLineOut
from server.bulk import execute_many, insert_rows
from server.dbtypes import member_of
from server.enrollments.models import Enrollment, EnrollmentAudit, EnrollmentRevision, ReceiptUse
from server.ingest.decide import Acceptance, Judge
from server.ingest.verification import verification_code
from server.ingest.view import BatchView, RegisterEntry
from server.participants.models import Participant
from server.participants.service import publish_rows
from server.policy.service import mark_used
from server.reports import summary_delta
from server.reports.summary import add_people, subtract_people


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _insert(session: Session, table: Table) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (both dialects' types differ)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _insert_all(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL, one precompiled executemany on SQLite (``bulk``), not a multi-row
    VALUES with RETURNING: at 500 rows of 40 columns psycopg spends longer parsing that one
    huge statement than the database spends inserting. A row another process stored first
    fails the insert with a unique violation, which ``batch`` treats as a race."""
    insert_rows(session, table, rows)


def write_batch(
    session: Session,
    view: BatchView,
    j: Judge,
    accepted: Sequence[Acceptance],
    *,
    verify_key: bytes,
) -> None:
    """Store every acceptance, complete their answers, and keep the summary and roster."""
    if not accepted:
        return
    now = j.clock.now
    ids = _allocate_revision_ids(session, len(accepted))
    for a, rid in zip(accepted, ids, strict=True):
        a.revision_id = rid
        a.code = verification_code(
            verify_key, enrollment_id=a.record_id, content_hash=a.digest, seq=rid
        )
        a.answer = _answer(a, now)

    people = {a.record.person.citizen_id for a in accepted} | {
        a.existing.citizen_id for a in accepted if a.existing is not None
    }
    # The share of the people whose sign-ups were all read is computed in memory; a person
    # a correction moved a sign-up away from (their other sign-ups were not read) is
    # recomputed in SQL around the writes.
    by_sql = people - view.read_people
    subtract_people(session, sorted(by_sql))
    summary_delta.apply(session, _summary_change(view, j, accepted, people - by_sql))
    _write_enrollments(session, j, accepted)
    _write_receipt_uses(session, view, j, accepted)
    _write_revisions(session, j, accepted)
    touched = _write_register(session, view, accepted, now)
    _write_audits(session, j, accepted, now)
    add_people(session, sorted(by_sql))
    mark_used(session, {v for a in accepted for v in a.priced.quote.policy_versions.values()})
    publish_rows(session, touched)  # takes the change-log lock: last before commit


def _summary_change(
    view: BatchView, j: Judge, accepted: Sequence[Acceptance], people: set[str]
) -> list[tuple[summary_delta.SummaryKey, tuple[int, ...]]]:
    """These people's summary share after the batch minus before (``summary_delta``)."""
    before = {i: c for i, c in view.counted.items() if c.citizen_id in people}
    after = dict(before)
    for a in accepted:  # in request order: the last acceptance of an id is what is stored
        q, record = a.priced.quote, a.record
        after[a.record_id] = summary_delta.Counted(
            id=a.record_id,
            citizen_id=record.person.citizen_id,
            scheme=record.scheme.value,
            status=EnrollmentStatus.PENDING.value,
            kind=a.priced.kind.value,
            province_code=a.province_code,
            commune_code=a.point.commune_code,
            point_id=a.point.id,
            agent_id=j.user_id,
            amount_vnd=q.net_vnd,
            payment_date=record.payment_date,
            coverage_end=q.coverage_end,
        )
    return summary_delta.delta(
        before.values(), [c for c in after.values() if c.citizen_id in people]
    )


def _allocate_revision_ids(session: Session, n: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('enrollment_revision', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": n},
        )
        return sorted(r[0] for r in rows)
    # SQLite: writers hold the database lock (BEGIN IMMEDIATE) until commit.
    top = session.execute(select(func.max(_table(EnrollmentRevision).c.id))).scalar()
    start = (top or 0) + 1
    return list(range(start, start + n))


def _answer(a: Acceptance, now: datetime) -> Accepted:
    q, record = a.priced.quote, a.record
    return Accepted(
        rev=record.rev,
        record_status=EnrollmentStatus.PENDING,
        amount_vnd=q.net_vnd,
        amount_collected_vnd=record.amount_collected_vnd,
        adjustment_vnd=q.net_vnd - record.amount_collected_vnd,
        household_ordinal=a.priced.ordinal,
        coverage_start=q.coverage_start,
        coverage_end=q.coverage_end,
        kind=a.priced.kind,
        lines=[
            QuoteLineOut(code=line.code, label=line.label, amount_vnd=line.amount_vnd)
            for line in q.lines
        ],
        policy_versions=dict(q.policy_versions),
        flags=a.priced.flags,
        verification_code=printed_code(a.code),
        received_at=now,
    )


def _enrollment_values(a: Acceptance, j: Judge) -> dict[str, Any]:
    q, record, person = a.priced.quote, a.record, a.record.person
    flags = a.priced.flags
    return {
        "rev": record.rev,
        "status": EnrollmentStatus.PENDING.value,
        "scheme": record.scheme.value,
        "kind": a.priced.kind.value,
        "kind_claimed": record.kind.value,
        "citizen_id": person.citizen_id,
        "si_code": person.si_code,
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "phone": person.phone,
        "person_commune_code": person.commune_code,
        "address": person.address,
        "household_code": record.household.code if record.household else None,
        "national_household_code": record.household.national_code if record.household else None,
        "household_ordinal_claimed": record.household.ordinal if record.household else None,
        "household_ordinal": a.priced.ordinal,
        "monthly_income_vnd": record.monthly_income_vnd,
        "months": record.months,
        "payment_date": record.payment_date,
        "amount_collected_vnd": record.amount_collected_vnd,
        "amount_vnd": q.net_vnd,
        "adjustment_vnd": q.net_vnd - record.amount_collected_vnd,
        "coverage_start": q.coverage_start,
        "coverage_end": q.coverage_end,
        "supported_months": a.priced.supported_months,
        "receipt_number": record.receipt_number,
        "flags": _flags([f.value for f in flags] + list(a.facility.flags)),
        "initial_facility_code": a.facility.code,
        "captured_at": record.captured_at,
        "updated_at": j.clock.now,
        "gps_lat": record.gps.lat if record.gps else None,
        "gps_lon": record.gps.lon if record.gps else None,
        "device_id": j.device_id,
        "point_id": a.point.id,
        "commune_code": a.point.commune_code,
        "province_code": a.province_code,
        "reviewed_by": None,
        "reviewed_at": None,
        "review_reason": None,
    }


def _flags(values: list[str]) -> str:
    return "," + ",".join(values) + "," if values else ""


def _write_enrollments(session: Session, j: Judge, accepted: Sequence[Acceptance]) -> None:
    """The last state of each sign-up: new ones inserted, corrections updated."""
    final: dict[str, Acceptance] = {}
    for a in accepted:
        final[a.record_id] = a
    inserted = {a.record_id for a in accepted if a.existing is None}
    table = _table(Enrollment)
    new_rows = []
    changed_rows = []
    for eid, a in final.items():
        values = _enrollment_values(a, j)
        if eid in inserted:
            new_rows.append(
                {"id": eid, "agent_id": j.user_id, "received_at": a.received_at, **values}
            )
        else:
            changed_rows.append({"_id": eid, **values})
    if new_rows:
        _insert_all(session, table, new_rows)
    if changed_rows:
        columns = [k for k in changed_rows[0] if k != "_id"]
        session.execute(
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({k: bindparam(k) for k in columns}),
            changed_rows,
            execution_options={"synchronize_session": False},
        )


def _write_receipt_uses(
    session: Session, view: BatchView, j: Judge, accepted: Sequence[Acceptance]
) -> None:
    rows = []
    for a in accepted:
        if a.receipt_recorded:
            continue
        block = view.block_for(a.record.receipt_number)
        assert block is not None
        rows.append(
            {
                "receipt_number": a.record.receipt_number,
                "block_id": block.id,
                "device_id": j.device_id,
                "kind": "enrollment",
                "enrollment_id": a.record_id,
                "reason": None,
                "used_at": j.clock.now,
                "used_by": j.user_id,
            }
        )
    if not rows:
        return
    _insert_all(session, _table(ReceiptUse), rows)


def _write_revisions(session: Session, j: Judge, accepted: Sequence[Acceptance]) -> None:
    table = _table(EnrollmentRevision)
    rows = [
        {
            "id": a.revision_id,
            "enrollment_id": a.record_id,
            "rev": a.record.rev,
            "content_hash": a.digest,
            "body": a.body,
            "answer": a.answer.model_dump(mode="json"),
            "verification_code": a.code,
            "agent_id": j.user_id,
            "device_id": j.device_id,
            "received_at": j.clock.now,
        }
        for a in accepted
    ]
    _insert_all(session, table, rows)


def _write_register(
    session: Session, view: BatchView, accepted: Sequence[Acceptance], now: datetime
) -> list[RegisterEntry]:
    """Upsert the register rows the batch touched; returns them, as stored, for the roster."""
    touched = {(a.record.person.citizen_id, a.record.scheme.value) for a in accepted}
    keys = sorted(touched)
    rows = []
    for key in keys:
        e = view.register[key]
        rows.append(
            {
                "citizen_id": e.citizen_id,
                "scheme": e.scheme,
                "si_code": e.si_code,
                "full_name": e.full_name,
                "date_of_birth": e.date_of_birth,
                "household_code": e.household_code,
                "national_household_code": e.national_household_code,
                "household_place": e.household_place,
                "commune_code": e.commune_code,
                "province_code": e.province_code,
                "registered_coverage_end": e.registered_coverage_end,
                "coverage_end": e.coverage_end,
                "source": e.source,
                "last_enrollment_id": e.last_enrollment_id,
                "initial_facility_code": e.initial_facility_code,
                "support_months_used": 0,  # the column default: a new row only (not updated)
                "updated_at": now,
            }
        )
    table = _table(Participant)
    execute_many(
        session, table, rows, name="register_upsert", build=lambda: _register_upsert(session)
    )
    stored = session.execute(
        select(table.c.id, table.c.citizen_id, table.c.scheme, table.c.coverage_end).where(
            member_of(session, table.c.citizen_id, {c for c, _ in keys})
        )
    ).all()
    entries = []
    for pid, citizen, scheme, coverage_end in stored:
        if (citizen, scheme) not in touched:
            continue  # the person's entry in another scheme, not touched here
        entry = view.register[(citizen, scheme)]
        entry.id, entry.coverage_end = pid, coverage_end
        entries.append(entry)
    return entries


def _register_upsert(session: Session) -> Any:
    """The register upsert (dialect ``ON CONFLICT``, which SQLAlchemy cannot cache: built and
    compiled once per process by ``bulk.execute_many``)."""
    table = _table(Participant)
    stmt = _insert(session, table)
    registered = table.c.registered_coverage_end
    # The agency's date wins if an import stored a later one since the batch read the row.
    coverage_end = case(
        (
            and_(
                registered.is_not(None),
                (stmt.excluded.coverage_end.is_(None)) | (registered > stmt.excluded.coverage_end),
            ),
            registered,
        ),
        else_=stmt.excluded.coverage_end,
    )
    return stmt.on_conflict_do_update(
        index_elements=["citizen_id", "scheme"],
        set_={
            "full_name": stmt.excluded.full_name,
            "date_of_birth": stmt.excluded.date_of_birth,
            "si_code": stmt.excluded.si_code,
            "household_code": stmt.excluded.household_code,
            "national_household_code": stmt.excluded.national_household_code,
            "household_place": stmt.excluded.household_place,
            "last_enrollment_id": stmt.excluded.last_enrollment_id,
            "initial_facility_code": stmt.excluded.initial_facility_code,
            "coverage_end": coverage_end,
            "updated_at": stmt.excluded.updated_at,
        },
    )


def _write_audits(
    session: Session, j: Judge, accepted: Sequence[Acceptance], now: datetime
) -> None:
    rows = [
        {
            "entity": "enrollment",
            "entity_id": a.record_id,
            "action": "created" if a.existing is None else "corrected",
            "actor_id": j.user_id,
            "device_id": j.device_id,
            "at": now,
            "detail": {
                "rev": a.record.rev,
                "content_hash": a.digest,
                "amount_vnd": a.priced.quote.net_vnd,
                "adjustment_vnd": a.priced.quote.net_vnd - a.record.amount_collected_vnd,
                "household_ordinal": a.priced.ordinal,
                "kind": a.priced.kind.value,
                "flags": [f.value for f in a.priced.flags],
                "possible_duplicate_of": a.priced.duplicate_of,
            },
        }
        for a in accepted
    ]
    _insert_all(session, _table(EnrollmentAudit), rows)
