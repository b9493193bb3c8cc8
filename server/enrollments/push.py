"""Ingesting a pushed batch: one answer per record, each record in its own savepoint.

The server never trusts the device's amount, ordinal or coverage: it re-prices every
record with the shared calculator and the policy rows in the database, and reports the
difference as an adjustment. Idempotency comes from constraints (see ``models``): when a
concurrent process stores the same row first, the insert fails, the savepoint rolls back,
and the record is decided again against what is now committed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col, select

from enroll_common.calculator import Quote, QuoteRequest, Scheme, quote
from enroll_common.errors import PolicyError
from enroll_common.policy import PolicySet
from enroll_common.sync_wire import (
    MAX_PUSH_RECORDS,
    Accepted,
    ConflictReason,
    EnrollmentRecord,
    EnrollmentStatus,
    FieldProblem,
    Flag,
    PushResponse,
    PushResult,
    PushStatus,
    QuoteLineOut,
    SchemeName,
    ServerVersion,
    content_hash,
)
from server.auth.models import Role
from server.auth.scope import Principal
from server.dbtypes import utcnow
from server.enrollments.audit import audit_row
from server.enrollments.models import (
    Enrollment,
    EnrollmentAudit,
    EnrollmentRevision,
    ReceiptBlock,
    ReceiptUse,
)
from server.errors import Forbidden, PayloadTooLarge
from server.org.models import CollectionPoint, Commune
from server.participants.models import Participant
from server.participants.service import publish_participants, refresh_loaded
from server.policy.service import load_policy_set, mark_used, today_local

LIVE_STATUSES = (
    EnrollmentStatus.PENDING.value,
    EnrollmentStatus.APPROVED.value,
    EnrollmentStatus.RETURNED.value,
)
"""Statuses that count as coverage for ordinals and duplicate checks (not ``rejected``)."""

FROZEN_STATUSES = (EnrollmentStatus.APPROVED.value, EnrollmentStatus.REJECTED.value)
FUTURE_TOLERANCE = timedelta(minutes=10)
"""Device clocks drift; a capture this little ahead of the server is not flagged."""

_CALCULATOR_FIELDS = {
    "household_ordinal": "household.ordinal",
    "previous_coverage_end": "payment_date",
    "support_months_used": "support_groups",
}
_RACE_RETRIES = 3
_RETRYABLE = {"40P01", "40001"}  # deadlock, serialization failure


@dataclass
class PushContext:
    """What every record of one batch is judged with."""

    principal: Principal
    device_id: int
    now: datetime
    today: date
    max_age_days: int
    verify_key: bytes
    policy: PolicySet
    blocks: list[ReceiptBlock] = field(default_factory=list)
    touched_participants: set[int] = field(default_factory=set)
    used_policy_versions: set[int] = field(default_factory=set)
    # The identity map holds rows weakly; these keep the batch's reference rows loaded.
    points: dict[int, CollectionPoint | None] = field(default_factory=dict)
    communes: dict[int, Commune | None] = field(default_factory=dict)
    # Rows the batch's records name, read in one query each before the first record. Only
    # trusted while ``prefetched``: a record that meets an IntegrityError clears it, and
    # from then on every record reads its rows one by one, as committed at that moment.
    prefetched: bool = False
    enrollments: dict[str, Enrollment | None] = field(default_factory=dict)
    revisions: dict[tuple[str, int], EnrollmentRevision] = field(default_factory=dict)
    uses: dict[int, ReceiptUse | None] = field(default_factory=dict)
    participants: dict[tuple[str, str], Participant | None] = field(default_factory=dict)
    audits: list[EnrollmentAudit] = field(default_factory=list)

    def point(self, session: Session, point_id: int) -> CollectionPoint | None:
        if point_id not in self.points:
            self.points[point_id] = session.get(CollectionPoint, point_id)
        return self.points[point_id]

    def commune(self, session: Session, code: int) -> Commune | None:
        if code not in self.communes:
            self.communes[code] = session.get(Commune, code)
        return self.communes[code]

    def block_for(self, number: int) -> ReceiptBlock | None:
        """The device's block holding ``number`` (blocks are loaded once per batch)."""
        for block in self.blocks:
            if block.first_number <= number <= block.last_number:
                return block
        return None


def verification_key(secret: str) -> bytes:
    """A key of its own for verification codes, derived from the server secret."""
    return hmac.new(secret.encode(), b"field-enroll/receipt-verification/v1", "sha256").digest()


def verification_code(key: bytes, *, enrollment_id: str, content_hash: str, seq: int) -> str:
    """10 base32 characters (50 bits): short enough to read out, too many to guess."""
    mac = hmac.new(key, f"{enrollment_id}|{content_hash}|{seq}".encode(), hashlib.sha256)
    return base64.b32encode(mac.digest()).decode()[:10]


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def push_batch(
    session: Session,
    *,
    principal: Principal,
    records: Sequence[Any],
    max_age_days: int,
    secret: str,
) -> PushResponse:
    """Judge every record of a batch; the caller commits once at the end."""
    if principal.role is not Role.AGENT:
        raise Forbidden("only agents push sign-ups")
    if principal.device_id is None:
        raise Forbidden("pushing needs a device login")
    if len(records) > MAX_PUSH_RECORDS:
        raise PayloadTooLarge(
            f"a push carries at most {MAX_PUSH_RECORDS} records, got {len(records)}; "
            "split the batch",
            field="records",
            extra={"limit": MAX_PUSH_RECORDS},
        )
    for attempt in range(_RACE_RETRIES):
        try:
            results = _judge_all(session, principal, records, max_age_days, secret)
            break
        except DBAPIError as exc:
            # Two pushes touching the same rows in different orders can deadlock on
            # PostgreSQL; the loser's transaction is void, so judge the batch again.
            if (
                getattr(exc.orig, "sqlstate", None) not in _RETRYABLE
                or attempt == _RACE_RETRIES - 1
            ):
                raise
            session.rollback()
            time.sleep(random.uniform(0.05, 0.3) * (attempt + 1))
    counts = {status: sum(1 for r in results if r.status is status) for status in PushStatus}
    return PushResponse(
        results=results,
        accepted=counts[PushStatus.ACCEPTED],
        duplicate=counts[PushStatus.DUPLICATE],
        conflict=counts[PushStatus.CONFLICT],
        rejected=counts[PushStatus.REJECTED],
    )


def _judge_all(
    session: Session,
    principal: Principal,
    records: Sequence[Any],
    max_age_days: int,
    secret: str,
) -> list[PushResult]:
    """Records in request order, so within a batch the earlier one wins a receipt number
    or the lower household ordinal, as the agent recorded them."""
    assert principal.device_id is not None
    now = utcnow()
    ctx = PushContext(
        principal=principal,
        device_id=principal.device_id,
        now=now,
        today=today_local(),
        max_age_days=max_age_days,
        verify_key=verification_key(secret),
        policy=load_policy_set(session),
        blocks=list(
            session.exec(
                select(ReceiptBlock).where(ReceiptBlock.device_id == principal.device_id)
            ).all()
        ),
    )
    _lock_people(session, records)
    parsed = [_parse(i, raw) for i, raw in enumerate(records)]
    _prefetch(session, ctx, [p for p in parsed if isinstance(p, EnrollmentRecord)])
    results = [
        p if isinstance(p, PushResult) else _push_one(session, ctx, i, p)
        for i, p in enumerate(parsed)
    ]
    # Once per batch, in the same transaction as the sign-ups priced with them.
    session.add_all(ctx.audits)
    mark_used(session, sorted(ctx.used_policy_versions))
    publish_participants(session, sorted(ctx.touched_participants))
    return results


def _lock_people(session: Session, records: Sequence[Any]) -> None:
    """Serialise pushes that touch the same people or households, until commit.

    Otherwise two processes could each make a different person the household's 1st member,
    or miss each other's sign-up of one person as a duplicate. All keys of the batch are
    taken at once in one global order, so two such pushes queue instead of deadlocking.
    (SQLite runs one writer at a time anyway.)
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    names: set[str] = set()
    for raw in records:
        if not isinstance(raw, dict):
            continue
        person, household = raw.get("person"), raw.get("household")
        if isinstance(person, dict) and isinstance(person.get("citizen_id"), str):
            names.add(f"person/{person['citizen_id']}")
        if isinstance(household, dict) and isinstance(household.get("code"), str):
            names.add(f"household/{household['code']}")
    keys = sorted(
        int.from_bytes(
            hashlib.sha256(f"field-enroll/{n}".encode()).digest()[:8], "big", signed=True
        )
        for n in names
    )
    if keys:
        session.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(k)) FROM "
                "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS ordered"
            ),
            {"keys": keys},
        )


def _raw_id(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return str(raw["id"]).lower()
    return None


def _raw_rev(raw: Any) -> int | None:
    rev = raw.get("rev") if isinstance(raw, dict) else None
    return rev if isinstance(rev, int) and not isinstance(rev, bool) else None


def _prefetch(session: Session, ctx: PushContext, records: Sequence[EnrollmentRecord]) -> None:
    """Read the batch's sign-ups (locked, as ``session.get`` below would), their revisions
    and its receipt numbers' uses in three queries instead of three per record."""
    ids = sorted({str(r.id) for r in records})
    numbers = sorted({r.receipt_number for r in records})
    ctx.enrollments = dict.fromkeys(ids)
    ctx.uses = dict.fromkeys(numbers)
    people = sorted({(r.person.citizen_id, r.scheme.value) for r in records})
    ctx.participants = dict.fromkeys(people)
    if ids:
        for row in session.exec(
            select(Enrollment)
            .where(col(Enrollment.id).in_(ids))
            .order_by(col(Enrollment.id))
            .with_for_update()
        ):
            ctx.enrollments[row.id] = row
        found = [i for i, row in ctx.enrollments.items() if row is not None]
        if found:
            for rev in session.exec(
                select(EnrollmentRevision).where(col(EnrollmentRevision.enrollment_id).in_(found))
            ):
                ctx.revisions[(rev.enrollment_id, rev.rev)] = rev
    if numbers:
        for use in session.exec(
            select(ReceiptUse).where(col(ReceiptUse.receipt_number).in_(numbers))
        ):
            ctx.uses[use.receipt_number] = use
    if people:
        citizens = sorted({c for c, _ in people})
        for entry in session.exec(
            select(Participant)
            .where(col(Participant.citizen_id).in_(citizens))
            .order_by(col(Participant.id))
            .with_for_update()
        ):
            if (entry.citizen_id, entry.scheme) in ctx.participants:
                ctx.participants[(entry.citizen_id, entry.scheme)] = entry
    ctx.prefetched = True


def _participant(
    session: Session, ctx: PushContext, citizen_id: str, scheme: str, *, lock: bool
) -> Participant | None:
    if ctx.prefetched and (citizen_id, scheme) in ctx.participants:
        return ctx.participants[(citizen_id, scheme)]
    stmt = select(Participant).where(
        Participant.citizen_id == citizen_id, Participant.scheme == scheme
    )
    return session.exec(stmt.with_for_update() if lock else stmt).first()


def _existing(session: Session, ctx: PushContext, record_id: str) -> Enrollment | None:
    if ctx.prefetched and record_id in ctx.enrollments:
        return ctx.enrollments[record_id]
    return session.get(Enrollment, record_id, with_for_update=True)


def _revision(
    session: Session, ctx: PushContext, enrollment_id: str, rev: int
) -> EnrollmentRevision | None:
    if ctx.prefetched and enrollment_id in ctx.enrollments:
        return ctx.revisions.get((enrollment_id, rev))
    return session.exec(
        select(EnrollmentRevision).where(
            EnrollmentRevision.enrollment_id == enrollment_id,
            EnrollmentRevision.rev == rev,
        )
    ).first()


def _use(session: Session, ctx: PushContext, number: int) -> ReceiptUse | None:
    if ctx.prefetched and number in ctx.uses:
        return ctx.uses[number]
    return session.get(ReceiptUse, number)


def _parse(index: int, raw: Any) -> EnrollmentRecord | PushResult:
    try:
        return EnrollmentRecord.model_validate(raw)
    except ValidationError as exc:
        return PushResult(
            index=index,
            id=_raw_id(raw),
            rev=_raw_rev(raw),
            status=PushStatus.REJECTED,
            detail="the record does not match the schema",
            errors=[
                FieldProblem(field=".".join(str(p) for p in e["loc"]) or "record", message=e["msg"])
                for e in exc.errors()
            ],
        )


def _push_one(
    session: Session, ctx: PushContext, index: int, record: EnrollmentRecord
) -> PushResult:
    for attempt in range(_RACE_RETRIES):
        touched: set[int] = set()
        audits: list[EnrollmentAudit] = []
        try:
            with session.begin_nested():
                result = _decide(session, ctx, index, record, touched, audits)
            ctx.touched_participants |= touched
            ctx.audits += audits
            if result.accepted is not None and result.status is PushStatus.ACCEPTED:
                ctx.used_policy_versions.update(result.accepted.policy_versions.values())
            return result
        except IntegrityError:
            # Another process committed the same record, receipt or participant first:
            # the savepoint is gone; decide again against what is committed now.
            ctx.prefetched = False
            if attempt == _RACE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _decide(
    session: Session,
    ctx: PushContext,
    index: int,
    record: EnrollmentRecord,
    touched: set[int],
    audits: list[EnrollmentAudit],
) -> PushResult:
    record_id = str(record.id)
    body = record.model_dump(mode="json")
    digest = content_hash(body)
    base = {"index": index, "id": record_id, "rev": record.rev}
    existing = _existing(session, ctx, record_id)
    if existing is not None:
        if existing.agent_id != ctx.principal.user_id:
            return PushResult(
                **base,
                status=PushStatus.CONFLICT,
                reason=ConflictReason.NOT_YOURS,
                detail="this id belongs to a record of another agent; generate a new id",
            )
        stored = _revision(session, ctx, record_id, record.rev)
        if stored is not None and stored.content_hash == digest:
            return PushResult(
                **base,
                status=PushStatus.DUPLICATE,
                accepted=Accepted.model_validate(stored.answer),
            )
        if stored is not None or record.rev < existing.rev:
            same = record.rev == existing.rev
            return _conflict(
                session,
                base,
                existing,
                ConflictReason.SAME_REV_OTHER_CONTENT if same else ConflictReason.STALE_REV,
                f"rev {record.rev} is already stored with other content"
                if same
                else f"rev {record.rev} is older than the stored rev {existing.rev}",
            )
        if existing.status in FROZEN_STATUSES:
            return _conflict(
                session,
                base,
                existing,
                ConflictReason.FROZEN,
                f"the record was {existing.status} by review and can no longer change",
            )
    problems, point, commune = _check_scope_and_fields(session, ctx, record)
    receipt_problems, receipt_recorded = _check_receipt(session, ctx, record)
    problems += receipt_problems
    priced: _Priced | None = None
    if not problems:
        try:
            priced = _price(session, ctx, record, existing)
        except PolicyError as exc:
            problems.append(
                FieldProblem(
                    field=_CALCULATOR_FIELDS.get(exc.field, exc.field),
                    message=exc.message,
                    allowed=exc.allowed,
                )
            )
    if problems or priced is None or point is None or commune is None:
        return PushResult(
            **base,
            status=PushStatus.REJECTED,
            detail="; ".join(f"{p.field}: {p.message}" for p in problems),
            errors=problems,
        )
    enrollment = _store(
        session, ctx, record, existing, priced, point, commune, receipt_recorded=receipt_recorded
    )
    answer = _answer(session, ctx, enrollment, record, body, digest, priced)
    audits.append(
        audit_row(
            entity="enrollment",
            entity_id=record_id,
            action="created" if existing is None else "corrected",
            actor_id=ctx.principal.user_id,
            device_id=ctx.device_id,
            detail={
                "rev": record.rev,
                "content_hash": digest,
                "amount_vnd": enrollment.amount_vnd,
                "adjustment_vnd": enrollment.adjustment_vnd,
                "household_ordinal": enrollment.household_ordinal,
                "flags": enrollment.flag_list(),
                "possible_duplicate_of": priced.duplicate_of,
            },
        )
    )
    participant = refresh_loaded(
        session,
        _participant(session, ctx, enrollment.citizen_id, enrollment.scheme, lock=True),
        citizen_id=enrollment.citizen_id,
        scheme=enrollment.scheme,
        template=enrollment,
        province_code=commune.province_code,
        live_ends=[*priced.others_live_ends, enrollment.coverage_end],
    )
    ctx.participants[(enrollment.citizen_id, enrollment.scheme)] = participant
    assert participant.id is not None
    touched.add(participant.id)
    return PushResult(**base, status=PushStatus.ACCEPTED, accepted=answer)


def server_version(session: Session, enrollment: Enrollment) -> ServerVersion:
    latest = session.exec(
        select(EnrollmentRevision).where(
            EnrollmentRevision.enrollment_id == enrollment.id,
            EnrollmentRevision.rev == enrollment.rev,
        )
    ).one()
    return ServerVersion(
        rev=enrollment.rev,
        record_status=EnrollmentStatus(enrollment.status),
        review_reason=enrollment.review_reason,
        record=latest.body,
        accepted=Accepted.model_validate(latest.answer) if latest.answer else None,
    )


def _conflict(
    session: Session,
    base: dict[str, Any],
    existing: Enrollment,
    reason: ConflictReason,
    detail: str,
) -> PushResult:
    return PushResult(
        **base,
        status=PushStatus.CONFLICT,
        reason=reason,
        detail=detail,
        server_version=server_version(session, existing),
    )


def _check_scope_and_fields(
    session: Session, ctx: PushContext, record: EnrollmentRecord
) -> tuple[list[FieldProblem], CollectionPoint | None, Commune | None]:
    problems: list[FieldProblem] = []
    point: CollectionPoint | None = None
    if record.point_id not in ctx.principal.point_ids:
        problems.append(
            FieldProblem(field="point_id", message="is not one of your collection points")
        )
    else:
        point = ctx.point(session, record.point_id)
    commune = ctx.commune(session, point.commune_code) if point is not None else None
    if ctx.commune(session, record.person.commune_code) is None:
        problems.append(
            FieldProblem(field="person.commune_code", message="is not an official commune code")
        )
    dob = record.person.date_of_birth
    if dob > ctx.today or dob.year < 1900:
        problems.append(
            FieldProblem(field="person.date_of_birth", message="must be a past date after 1900")
        )
    if record.household is not None and record.scheme is SchemeName.VOLUNTARY_SI:
        problems.append(FieldProblem(field="household", message="is only for household_hi"))
    return problems, point, commune


def _check_receipt(
    session: Session, ctx: PushContext, record: EnrollmentRecord
) -> tuple[list[FieldProblem], bool]:
    """Problems with the receipt number, and whether this sign-up already holds it."""
    number = record.receipt_number
    use = _use(session, ctx, number)
    if use is not None and use.kind == "enrollment" and use.enrollment_id == str(record.id):
        return [], True  # a correction keeping its receipt, perhaps from the agent's new phone
    block = ctx.block_for(number)
    if block is None:
        message = f"{number} is not in a receipt block issued to this device"
        return [FieldProblem(field="receipt_number", message=message)], False
    if use is not None:
        what = "voided" if use.kind == "void" else "already used by another sign-up"
        return [FieldProblem(field="receipt_number", message=f"{number} was {what}")], False
    return [], False


@dataclass(frozen=True)
class _Other:
    """Another live sign-up of the same person and scheme."""

    id: str
    status: str
    coverage_start: date
    coverage_end: date
    supported_months: int


@dataclass
class _Priced:
    quote: Quote
    ordinal: int | None
    supported_months: int
    flags: list[Flag]
    duplicate_of: list[str]
    others_live_ends: list[date]


def _price(
    session: Session, ctx: PushContext, record: EnrollmentRecord, existing: Enrollment | None
) -> _Priced:
    """Re-price from the server's own view: ordinal, previous coverage and support used."""
    record_id = str(record.id)
    citizen = record.person.citizen_id
    scheme = record.scheme.value
    first_received = existing.received_at if existing is not None else None
    # The person's other live sign-ups in this scheme, read once: previous coverage,
    # support used, possible duplicates and the register's coverage end all come from them.
    rows = session.execute(
        sa_select(
            col(Enrollment.id),
            col(Enrollment.status),
            col(Enrollment.coverage_start),
            col(Enrollment.coverage_end),
            col(Enrollment.supported_months),
        ).where(
            col(Enrollment.citizen_id) == citizen,
            col(Enrollment.scheme) == scheme,
            col(Enrollment.id) != record_id,
            col(Enrollment.status).in_(LIVE_STATUSES),
        )
    ).all()
    others = [_Other(*row) for row in rows]
    registered = _participant(session, ctx, citizen, scheme, lock=False)
    registered_end = registered.registered_coverage_end if registered is not None else None

    previous_end: date | None = None
    support_used = 0
    if record.scheme is SchemeName.HOUSEHOLD_HI:
        approved = [o.coverage_end for o in others if o.status == EnrollmentStatus.APPROVED.value]
        ends = [d for d in (registered_end, max(approved, default=None)) if d is not None]
        previous_end = max(ends) if ends else None
    else:
        support_used = sum(o.supported_months for o in others)

    def price(ordinal: int | None) -> Quote:
        return quote(
            QuoteRequest(
                scheme=Scheme(scheme),
                payment_date=record.payment_date,
                months=record.months,
                monthly_income_vnd=record.monthly_income_vnd,
                support_groups=frozenset(record.support_groups),
                support_months_used=support_used,
                household_ordinal=ordinal,
                previous_coverage_end=previous_end,
            ),
            ctx.policy,
        )

    flags: list[Flag] = []
    ordinal: int | None = None
    if record.scheme is SchemeName.HOUSEHOLD_HI:
        assert record.household is not None
        first = price(1)
        ordinal = 1 + _covered_members(
            session,
            household_code=record.household.code,
            citizen_id=citizen,
            record_id=record_id,
            start=first.coverage_start,
            end=first.coverage_end,
            received_before=first_received,
        )
        result = first if ordinal == 1 else price(ordinal)
        if ordinal != record.household.ordinal:
            flags.append(Flag.HOUSEHOLD_ORDINAL_CHANGED)
    else:
        result = price(None)

    duplicate_of = [
        o.id
        for o in others
        if o.coverage_start <= result.coverage_end and o.coverage_end >= result.coverage_start
    ]
    if registered_end is not None and registered_end >= result.coverage_start:
        duplicate_of.append(f"register:{citizen}")
    if duplicate_of:
        flags.append(Flag.POSSIBLE_DUPLICATE)
    if result.net_vnd != record.amount_collected_vnd:
        flags.append(Flag.AMOUNT_ADJUSTED)
    if record.captured_at > ctx.now + FUTURE_TOLERANCE or record.payment_date > ctx.today:
        flags.append(Flag.FUTURE_DATED)
    if record.captured_at < ctx.now - timedelta(days=ctx.max_age_days):
        flags.append(Flag.LATE_UPLOAD)

    supported = 0
    per_month = result.monthly_gross_vnd - result.monthly_net_vnd
    if result.scheme is Scheme.VOLUNTARY_SI and result.support_vnd and per_month > 0:
        supported = result.support_vnd // per_month
    return _Priced(
        quote=result,
        ordinal=ordinal,
        supported_months=supported,
        flags=flags,
        duplicate_of=sorted(duplicate_of),
        others_live_ends=[o.coverage_end for o in others],
    )


def _covered_members(
    session: Session,
    *,
    household_code: str,
    citizen_id: str,
    record_id: str,
    start: date,
    end: date,
    received_before: datetime | None,
) -> int:
    """Other people of the household already covered by household HI during [start, end]."""
    covered: set[str] = set(
        session.exec(
            select(Participant.citizen_id).where(
                Participant.household_code == household_code,
                Participant.scheme == SchemeName.HOUSEHOLD_HI.value,
                Participant.citizen_id != citizen_id,
                col(Participant.registered_coverage_end) >= start,
            )
        ).all()
    )
    stmt = select(Enrollment.citizen_id).where(
        Enrollment.household_code == household_code,
        Enrollment.scheme == SchemeName.HOUSEHOLD_HI.value,
        Enrollment.citizen_id != citizen_id,
        Enrollment.id != record_id,
        col(Enrollment.status).in_(LIVE_STATUSES),
        col(Enrollment.coverage_start) <= end,
        col(Enrollment.coverage_end) >= start,
    )
    if received_before is not None:
        # A correction keeps the place in the household it had when first received.
        stmt = stmt.where(col(Enrollment.received_at) < received_before)
    covered.update(session.exec(stmt).all())
    return len(covered)


def _store(
    session: Session,
    ctx: PushContext,
    record: EnrollmentRecord,
    existing: Enrollment | None,
    priced: _Priced,
    point: CollectionPoint,
    commune: Commune,
    *,
    receipt_recorded: bool,
) -> Enrollment:
    q = priced.quote
    person = record.person
    values: dict[str, Any] = {
        "rev": record.rev,
        "status": EnrollmentStatus.PENDING.value,
        "scheme": record.scheme.value,
        "kind": record.kind.value,
        "citizen_id": person.citizen_id,
        "si_code": person.si_code,
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "phone": person.phone,
        "person_commune_code": person.commune_code,
        "address": person.address,
        "household_code": record.household.code if record.household else None,
        "household_ordinal_claimed": record.household.ordinal if record.household else None,
        "household_ordinal": priced.ordinal,
        "monthly_income_vnd": record.monthly_income_vnd,
        "months": record.months,
        "payment_date": record.payment_date,
        "amount_collected_vnd": record.amount_collected_vnd,
        "amount_vnd": q.net_vnd,
        "adjustment_vnd": q.net_vnd - record.amount_collected_vnd,
        "coverage_start": q.coverage_start,
        "coverage_end": q.coverage_end,
        "supported_months": priced.supported_months,
        "receipt_number": record.receipt_number,
        "flags": "," + ",".join(f.value for f in priced.flags) + "," if priced.flags else "",
        "captured_at": record.captured_at,
        "updated_at": ctx.now,
        "gps_lat": record.gps.lat if record.gps else None,
        "gps_lon": record.gps.lon if record.gps else None,
        "device_id": ctx.device_id,
        "point_id": point.id,
        "commune_code": commune.code,
        "province_code": commune.province_code,
        "reviewed_by": None,
        "reviewed_at": None,
        "review_reason": None,
    }
    if existing is None:
        enrollment = Enrollment(
            id=str(record.id), agent_id=ctx.principal.user_id, received_at=ctx.now, **values
        )
    else:
        enrollment = existing
        for key, value in values.items():
            setattr(enrollment, key, value)
    session.add(enrollment)
    session.flush()
    ctx.enrollments[enrollment.id] = enrollment
    if not receipt_recorded:
        block = ctx.block_for(record.receipt_number)
        assert block is not None and block.id is not None
        use = ReceiptUse(
            receipt_number=record.receipt_number,
            block_id=block.id,
            device_id=ctx.device_id,
            kind="enrollment",
            enrollment_id=enrollment.id,
            used_at=ctx.now,
            used_by=ctx.principal.user_id,
        )
        session.add(use)
        session.flush()
        ctx.uses[use.receipt_number] = use
    return enrollment


def _answer(
    session: Session,
    ctx: PushContext,
    enrollment: Enrollment,
    record: EnrollmentRecord,
    body: dict[str, Any],
    digest: str,
    priced: _Priced,
) -> Accepted:
    revision = EnrollmentRevision(
        enrollment_id=enrollment.id,
        rev=record.rev,
        content_hash=digest,
        body=body,
        agent_id=ctx.principal.user_id,
        device_id=ctx.device_id,
        received_at=ctx.now,
    )
    session.add(revision)
    session.flush()
    ctx.revisions[(enrollment.id, record.rev)] = revision
    assert revision.id is not None
    code = verification_code(
        ctx.verify_key, enrollment_id=enrollment.id, content_hash=digest, seq=revision.id
    )
    q = priced.quote
    answer = Accepted(
        rev=record.rev,
        record_status=EnrollmentStatus.PENDING,
        amount_vnd=enrollment.amount_vnd,
        amount_collected_vnd=enrollment.amount_collected_vnd,
        adjustment_vnd=enrollment.adjustment_vnd,
        household_ordinal=enrollment.household_ordinal,
        coverage_start=q.coverage_start,
        coverage_end=q.coverage_end,
        lines=[
            QuoteLineOut(code=line.code, label=line.label, amount_vnd=line.amount_vnd)
            for line in q.lines
        ],
        policy_versions=dict(q.policy_versions),
        flags=priced.flags,
        verification_code=format_code(code),
        received_at=ctx.now,
    )
    revision.verification_code = code
    revision.answer = answer.model_dump(mode="json")
    session.add(revision)
    session.flush()
    return answer
