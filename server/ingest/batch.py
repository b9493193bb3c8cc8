"""The push protocol: parse a batch once, judge it in memory, write it once, answer per record.

Same answers as judging records one by one in request order (docs/sync-protocol.md §3):
within a batch an earlier record wins a receipt number or the lower household ordinal.
When another process stored one of the batch's rows first, the batch is judged again (those
records then read as duplicates or conflicts); when the database refuses a record for any
other reason, the records are judged one by one, each in a savepoint, so one bad record
never fails the others.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlmodel import Session

from enroll_common.sync_wire import (
    MAX_PUSH_RECORDS,
    EnrollmentRecord,
    FieldProblem,
    PushBatch,
    PushRequest,
    PushResponse,
    PushResult,
    PushStatus,
)
from server.auth.models import Role
from server.auth.scope import Principal
from server.db import writer_turn
from server.dbtypes import utcnow
from server.errors import Forbidden, PayloadTooLarge
from server.facilities.service import facility_book
from server.ingest.decide import (
    Acceptance,
    ConflictOutcome,
    Duplicate,
    Judge,
    Outcome,
    judge,
    server_version,
)
from server.ingest.pricing import Clock, Quoter
from server.ingest.reads import read_batch
from server.ingest.verification import verification_key
from server.ingest.writes import write_batch
from server.policy.service import load_policy_set, today_local

log = logging.getLogger(__name__)

_ATTEMPTS = 3
_RETRYABLE = {"40P01", "40001"}  # deadlock, serialization failure
_TYPED = TypeAdapter(PushBatch)
_LOOSE = TypeAdapter(PushRequest)
Parsed = EnrollmentRecord | PushResult


def push_body(
    session: Session, *, principal: Principal, body: bytes, max_age_days: int, secret: str
) -> PushResponse:
    """A push as the route receives it, committed: the raw JSON body validated in one pass,
    then judged, written and committed in the process's writer turn (``writer_turn``: on
    SQLite the next push starts the moment this one commits; the validation of the next
    ones goes on meanwhile)."""
    _check_pusher(principal)
    parsed = parse_body(body)
    with writer_turn(session):
        result = _push(session, principal, parsed, max_age_days, secret)
        session.commit()
    return result


def push_batch(
    session: Session,
    *,
    principal: Principal,
    records: Sequence[Any],
    max_age_days: int,
    secret: str,
) -> PushResponse:
    """A push of records already decoded from JSON (the demo seed, tests); the caller commits."""
    _check_pusher(principal)
    _check_size(len(records))
    return _push(
        session, principal, [_parse(i, raw) for i, raw in enumerate(records)], max_age_days, secret
    )


def _check_pusher(principal: Principal) -> None:
    if principal.role is not Role.AGENT:
        raise Forbidden("only agents push sign-ups")
    if principal.device_id is None:
        raise Forbidden("pushing needs a device login")


def _check_size(count: int) -> None:
    if count > MAX_PUSH_RECORDS:
        raise PayloadTooLarge(
            f"a push carries at most {MAX_PUSH_RECORDS} records, got {count}; split the batch",
            field="records",
            extra={"limit": MAX_PUSH_RECORDS},
        )


def parse_body(body: bytes) -> list[Parsed]:
    """Every record validated in one pass; only when that fails is each record validated on
    its own, to name the rejected ones. A body that is no batch at all is a 422."""
    try:
        records: list[Parsed] = list(_TYPED.validate_json(body).records)
    except ValidationError:
        try:
            loose = _LOOSE.validate_json(body)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            ) from None
        _check_size(len(loose.records))
        return [_parse(i, raw) for i, raw in enumerate(loose.records)]
    _check_size(len(records))
    return records


def _parse(index: int, raw: Any) -> Parsed:
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


def _raw_id(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return str(raw["id"]).lower()
    return None


def _raw_rev(raw: Any) -> int | None:
    rev = raw.get("rev") if isinstance(raw, dict) else None
    return rev if isinstance(rev, int) and not isinstance(rev, bool) else None


def _push(
    session: Session,
    principal: Principal,
    parsed: list[Parsed],
    max_age_days: int,
    secret: str,
) -> PushResponse:
    valid = [(i, p) for i, p in enumerate(parsed) if isinstance(p, EnrollmentRecord)]
    outcomes: dict[int, Outcome] = {}
    if valid:
        outcomes = _judge_and_write(session, principal, valid, max_age_days, secret)
    results = [
        p if isinstance(p, PushResult) else _result(outcomes[i]) for i, p in enumerate(parsed)
    ]
    counts = {status: sum(1 for r in results if r.status is status) for status in PushStatus}
    return PushResponse(
        results=results,
        accepted=counts[PushStatus.ACCEPTED],
        duplicate=counts[PushStatus.DUPLICATE],
        conflict=counts[PushStatus.CONFLICT],
        rejected=counts[PushStatus.REJECTED],
    )


def _judge_and_write(
    session: Session,
    principal: Principal,
    valid: list[tuple[int, EnrollmentRecord]],
    max_age_days: int,
    secret: str,
) -> dict[int, Outcome]:
    key = verification_key(secret)
    for attempt in range(_ATTEMPTS):
        try:
            return _run(session, principal, valid, max_age_days, key)
        except IntegrityError as exc:
            session.rollback()
            if not is_unique_violation(exc):
                log.warning("push batch refused by the database, judging one by one: %s", exc)
                return _one_by_one(session, principal, valid, max_age_days, key)
            # Another process stored one of the batch's rows first; it is committed now, so
            # the next judgement reads it (those records answer duplicate or conflict).
        except DataError as exc:
            log.warning("push batch refused by the database, judging one by one: %s", exc)
            session.rollback()
            return _one_by_one(session, principal, valid, max_age_days, key)
        except DBAPIError as exc:
            # Two pushes touching the same rows in different orders can deadlock on
            # PostgreSQL; the loser's transaction is void, so judge the batch again.
            if getattr(exc.orig, "sqlstate", None) not in _RETRYABLE or attempt == _ATTEMPTS - 1:
                raise
            session.rollback()
            time.sleep(random.uniform(0.05, 0.3) * (attempt + 1))
    return _one_by_one(session, principal, valid, max_age_days, key)


def _run(
    session: Session,
    principal: Principal,
    valid: list[tuple[int, EnrollmentRecord]],
    max_age_days: int,
    key: bytes,
) -> dict[int, Outcome]:
    assert principal.device_id is not None
    policy = load_policy_set(session)
    view = read_batch(session, principal, [r for _, r in valid])
    facilities = facility_book(session, view.communes.values(), [r for _, r in valid])
    # The clock is read once the batch's locks are held, so a batch that waited for another
    # one sharing its people is stamped after it.
    j = Judge(
        user_id=principal.user_id,
        device_id=principal.device_id,
        point_ids=frozenset(principal.point_ids),
        quoter=Quoter(policy),
        clock=Clock(now=utcnow(), today=today_local(), max_age_days=max_age_days),
        facilities=facilities,
    )
    outcomes = {i: judge(view, j, i, r) for i, r in valid}
    accepted = [o for o in outcomes.values() if isinstance(o, Acceptance)]
    write_batch(session, view, j, accepted, verify_key=key)
    return outcomes


def _one_by_one(
    session: Session,
    principal: Principal,
    valid: list[tuple[int, EnrollmentRecord]],
    max_age_days: int,
    key: bytes,
) -> dict[int, Outcome]:
    """Each record alone in a savepoint: what the database refuses is that record's answer."""
    outcomes: dict[int, Outcome] = {}
    for index, record in valid:
        for attempt in range(_ATTEMPTS):
            try:
                with session.begin_nested():
                    outcomes.update(_run(session, principal, [(index, record)], max_age_days, key))
                break
            except (IntegrityError, DataError) as exc:
                if isinstance(exc, IntegrityError) and is_unique_violation(exc):
                    if attempt < _ATTEMPTS - 1:
                        continue  # stored meanwhile by another process: judge it again

                outcomes[index] = PushResult(
                    index=index,
                    id=str(record.id),
                    rev=record.rev,
                    status=PushStatus.REJECTED,
                    detail="the database refused the record; nothing of it was stored",
                    errors=[FieldProblem(field="record", message=type(exc.orig).__name__)],
                )
                break
    return outcomes


def is_unique_violation(exc: IntegrityError) -> bool:
    """A key another transaction inserted first (PostgreSQL 23505; SQLite's UNIQUE)."""
    if getattr(exc.orig, "sqlstate", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(exc.orig)


def _result(outcome: Outcome) -> PushResult:
    if isinstance(outcome, PushResult):
        return outcome
    if isinstance(outcome, Acceptance):
        return PushResult(
            index=outcome.index,
            id=outcome.record_id,
            rev=outcome.record.rev,
            status=PushStatus.ACCEPTED,
            accepted=outcome.answer,
        )
    if isinstance(outcome, Duplicate):
        return PushResult(
            index=outcome.index,
            id=outcome.record_id,
            rev=outcome.rev,
            status=PushStatus.DUPLICATE,
            accepted=outcome.revision.accepted(),
        )
    assert isinstance(outcome, ConflictOutcome)
    return PushResult(
        index=outcome.index,
        id=outcome.record_id,
        rev=outcome.rev,
        status=PushStatus.CONFLICT,
        reason=outcome.reason,
        detail=outcome.detail,
        server_version=server_version(outcome.current, outcome.revision),
    )
