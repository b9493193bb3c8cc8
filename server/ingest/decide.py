"""Judging one record against the batch's view, and recording an acceptance in it.

Nothing here touches the database: the outcome of every record is decided in memory, in
request order, and ``writes`` stores the accepted ones afterwards. Answers that need the
stored revision's id (the verification code) are completed once the batch is written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from enroll_common.errors import PolicyError
from enroll_common.schemes import HouseholdUse, rules
from enroll_common.sync_wire import (
    ConflictReason,
    EnrollmentRecord,
    EnrollmentStatus,
    FieldProblem,
    PushResult,
    PushStatus,
    ServerVersion,
    content_hash,
)
from server.facilities.check import FacilityBook, FacilityChoice
from server.facilities.check import choose as choose_facility
from server.ingest.checks import cycle_outcome, identity_problems
from server.ingest.pricing import Clock, Priced, Quoter, price
from server.ingest.view import (
    BatchView,
    Existing,
    LiveSignUp,
    PointRef,
    ReceiptUseRef,
    RegisterEntry,
    StoredRevision,
)

FROZEN_STATUSES = (EnrollmentStatus.APPROVED.value,)
"""A sign-up approved by review can no longer change; a rejected one can be corrected."""

_CALCULATOR_FIELDS = {
    "household_ordinal": "household.ordinal",
    "previous_coverage_end": "payment_date",
    "support_months_used": "support_groups",
    "residence_area": "person.commune_code",
    "province_code": "point_id",
}


@dataclass(frozen=True)
class Judge:
    """Who pushes, and what every record of the batch is judged with."""

    user_id: int
    device_id: int
    point_ids: frozenset[int]
    quoter: Quoter
    clock: Clock
    facilities: FacilityBook = FacilityBook()


@dataclass
class Acceptance:
    """A record to store; ``revision_id``, ``code`` and ``answer`` are set by ``writes``."""

    index: int
    record: EnrollmentRecord
    record_id: str  # str(record.id), taken once: a batch wrote it a dozen times per record
    body: dict[str, Any]
    digest: str
    existing: Existing | None
    priced: Priced
    point: PointRef
    province_code: int
    receipt_recorded: bool
    received_at: datetime
    facility: FacilityChoice = FacilityChoice()
    revision_id: int = 0
    code: str = ""
    answer: Any = None  # Accepted, once written


@dataclass(frozen=True)
class Duplicate:
    index: int
    record_id: str
    rev: int
    revision: StoredRevision


@dataclass(frozen=True)
class ConflictOutcome:
    index: int
    record_id: str
    rev: int
    reason: ConflictReason
    detail: str
    current: Existing
    revision: StoredRevision


Outcome = PushResult | Acceptance | Duplicate | ConflictOutcome


def judge(view: BatchView, j: Judge, index: int, record: EnrollmentRecord) -> Outcome:
    """The outcome of one record; an acceptance is applied to ``view`` at once."""
    record_id = str(record.id)
    body = record.model_dump(mode="json")
    digest = content_hash(body)
    existing = view.existing.get(record_id)
    if existing is not None:
        if existing.agent_id != j.user_id:
            return PushResult(
                index=index,
                id=record_id,
                rev=record.rev,
                status=PushStatus.CONFLICT,
                reason=ConflictReason.NOT_YOURS,
                detail="this id belongs to a record of another agent; generate a new id",
            )
        stored = view.revisions.get((record_id, record.rev))
        if stored is not None and stored.content_hash == digest:
            return Duplicate(index, record_id, record.rev, stored)
        if stored is not None or record.rev < existing.rev:
            same = record.rev == existing.rev
            return _conflict(
                view,
                index,
                record,
                existing,
                ConflictReason.SAME_REV_OTHER_CONTENT if same else ConflictReason.STALE_REV,
                f"rev {record.rev} is already stored with other content"
                if same
                else f"rev {record.rev} is older than the stored rev {existing.rev}",
            )
        if existing.status in FROZEN_STATUSES:
            return _conflict(
                view,
                index,
                record,
                existing,
                ConflictReason.FROZEN,
                f"the record was {existing.status} by review and can no longer change",
            )
    problems = _check_fields(view, j, record)
    problems += identity_problems(record, j.quoter.policy)
    receipt_problems, receipt_recorded = _check_receipt(view, record)
    problems += receipt_problems
    facility = _facility(view, j, record)
    problems += facility.problems
    priced: Priced | None = None
    if not problems:
        try:
            priced = price(view, j.quoter, j.clock, record, existing)
        except PolicyError as exc:
            problems.append(
                FieldProblem(
                    field=_CALCULATOR_FIELDS.get(exc.field, exc.field),
                    message=exc.message,
                    allowed=exc.allowed,
                )
            )
    if priced is not None and not problems:
        late, cycle_flags = cycle_outcome(
            view, record, priced.quote.coverage_start, j.quoter.policy
        )
        problems += late
        priced.flags += cycle_flags
    point = view.points.get(record.point_id)
    if problems or priced is None or point is None:
        return PushResult(
            index=index,
            id=record_id,
            rev=record.rev,
            status=PushStatus.REJECTED,
            detail="; ".join(f"{p.field}: {p.message}" for p in problems),
            errors=problems,
        )
    acceptance = Acceptance(
        index=index,
        record=record,
        record_id=record_id,
        body=body,
        digest=digest,
        existing=existing,
        priced=priced,
        point=point,
        province_code=view.communes[point.commune_code],
        receipt_recorded=receipt_recorded,
        received_at=existing.received_at if existing is not None else _arrival(j, index),
        facility=facility,
    )
    _apply(view, j, acceptance)
    return acceptance


def _facility(view: BatchView, j: Judge, record: EnrollmentRecord) -> FacilityChoice:
    """The initial health facility to store (``server.facilities.check``)."""
    point = view.points.get(record.point_id)
    province = view.communes.get(point.commune_code) if point is not None else None
    citizen = record.person.citizen_id

    def on_file(scheme: str) -> str | None:
        entry = view.register.get((citizen, scheme))
        return entry.initial_facility_code if entry is not None else None

    return choose_facility(j.facilities, record, province, on_file)


def _arrival(j: Judge, index: int) -> datetime:
    """When a new sign-up counts as received: the batch's time plus its position in
    microseconds, so records of one batch keep their request order, as if pushed one by one
    (a correction keeps the household place this order gave it)."""
    return j.clock.now + timedelta(microseconds=index)


def _conflict(
    view: BatchView,
    index: int,
    record: EnrollmentRecord,
    existing: Existing,
    reason: ConflictReason,
    detail: str,
) -> ConflictOutcome:
    return ConflictOutcome(
        index=index,
        record_id=str(record.id),
        rev=record.rev,
        reason=reason,
        detail=detail,
        current=replace(existing),
        revision=view.revisions[(existing.id, existing.rev)],
    )


def server_version(current: Existing, revision: StoredRevision) -> ServerVersion:
    return ServerVersion(
        rev=current.rev,
        record_status=EnrollmentStatus(current.status),
        review_reason=current.review_reason,
        record=revision.body,
        accepted=revision.accepted(),
    )


def _check_fields(view: BatchView, j: Judge, record: EnrollmentRecord) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if record.point_id not in j.point_ids:
        problems.append(
            FieldProblem(field="point_id", message="is not one of your collection points")
        )
    if record.person.commune_code not in view.communes:
        problems.append(
            FieldProblem(field="person.commune_code", message="is not an official commune code")
        )
    dob = record.person.date_of_birth
    if dob > j.clock.today or dob.year < 1900:
        problems.append(
            FieldProblem(field="person.date_of_birth", message="must be a past date after 1900")
        )
    if record.household is not None and rules(record.scheme).household is HouseholdUse.NONE:
        problems.append(
            FieldProblem(field="household", message=f"is not used by {record.scheme.value}")
        )
    return problems


def _check_receipt(view: BatchView, record: EnrollmentRecord) -> tuple[list[FieldProblem], bool]:
    """Problems with the receipt number, and whether this sign-up already holds it."""
    number = record.receipt_number
    use = view.uses.get(number)
    if use is not None and use.kind == "enrollment" and use.enrollment_id == str(record.id):
        return [], True  # a correction keeping its receipt, perhaps from the agent's new phone
    if view.block_for(number) is None:
        message = f"{number} is not in a receipt block issued to this device"
        return [FieldProblem(field="receipt_number", message=message)], False
    if use is not None:
        what = "voided" if use.kind == "void" else "already used by another sign-up"
        return [FieldProblem(field="receipt_number", message=f"{number} was {what}")], False
    return [], False


def _apply(view: BatchView, j: Judge, a: Acceptance) -> None:
    """What a stored acceptance changes, so later records of the batch see it."""
    record, q = a.record, a.priced.quote
    record_id = a.record_id
    person = record.person
    household = record.household.code if record.household is not None else None
    national = record.household.national_code if record.household is not None else None
    view.existing[record_id] = Existing(
        id=record_id,
        agent_id=j.user_id,
        rev=record.rev,
        status=EnrollmentStatus.PENDING.value,
        review_reason=None,
        received_at=a.received_at,
        citizen_id=person.citizen_id,
        scheme=record.scheme.value,
        household_ordinal=a.priced.ordinal,
    )
    view.revisions[(record_id, record.rev)] = StoredRevision(
        record_id, record.rev, a.digest, a.body, acceptance=a
    )
    if not a.receipt_recorded:
        view.uses[record.receipt_number] = ReceiptUseRef("enrollment", record_id)
    view.set_live(
        LiveSignUp(
            id=record_id,
            citizen_id=person.citizen_id,
            scheme=record.scheme.value,
            status=EnrollmentStatus.PENDING.value,
            household_code=household,
            coverage_start=q.coverage_start,
            coverage_end=q.coverage_end,
            supported_months=a.priced.supported_months,
            received_at=a.received_at,
            person_commune_code=person.commune_code,
            national_household_code=national,
            household_ordinal=a.priced.ordinal,
            payment_date=record.payment_date,
        )
    )
    key = (person.citizen_id, record.scheme.value)
    entry = view.register.get(key)
    if entry is None:
        entry = RegisterEntry(
            id=None,
            citizen_id=person.citizen_id,
            scheme=record.scheme.value,
            full_name=person.full_name,
            date_of_birth=person.date_of_birth,
            si_code=None,
            household_code=None,
            commune_code=person.commune_code,
            province_code=view.communes[person.commune_code],
            registered_coverage_end=None,
            coverage_end=None,
            source="enrollment",
            last_enrollment_id=None,
        )
    else:
        entry = replace(entry)
    entry.full_name = person.full_name
    entry.date_of_birth = person.date_of_birth
    entry.si_code = person.si_code or entry.si_code
    if household is not None:
        entry.household_code = household
        entry.national_household_code = national or entry.national_household_code
        entry.household_place = a.priced.ordinal
    entry.last_enrollment_id = record_id
    entry.initial_facility_code = a.facility.code or entry.initial_facility_code
    live_end = max(o.coverage_end for o in view.live_of(*key))
    registered = entry.registered_coverage_end
    entry.coverage_end = max(live_end, registered) if registered is not None else live_end
    view.set_register(entry)
