"""Receipt numbers: blocks issued to devices, spoiled receipts voided, codes verified.

Blocks never overlap (``first_number`` and ``last_number`` are unique and each new block
starts after the highest number issued); a number is spent once, on a sign-up or a void,
because it is the primary key of ``receipt_use``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from enroll_common.sync_wire import (
    EnrollmentStatus,
    ReceiptBlockOut,
    SchemeName,
    Verification,
    VoidOut,
    VoidRequest,
)
from server.auth.models import Device, Role, User
from server.auth.scope import Principal
from server.changelog import record_change
from server.dbtypes import utcnow
from server.enrollments.audit import audit
from server.enrollments.models import Enrollment, EnrollmentRevision, ReceiptBlock, ReceiptUse
from server.errors import Conflict, Forbidden, NotFound, RuleViolation
from server.ingest.reads import lock_names
from server.org.models import CollectionPoint

BLOCK_ENTITY = "receipt_block"
_ALLOCATION_RETRIES = 5


def block_out(block: ReceiptBlock) -> ReceiptBlockOut:
    return ReceiptBlockOut.model_validate(block, from_attributes=True)


def issue_block(
    session: Session, *, principal: Principal, device: Device, size: int
) -> ReceiptBlock:
    """Give a device the next ``size`` unused numbers; its agent's devices pull the block."""
    if principal.role is Role.AGENT:
        raise Forbidden("only coordinators and admins issue receipt blocks")
    if device.revoked_at is not None:
        raise Conflict("this device is revoked", field="device_id")
    owner = session.get(User, device.user_id)
    if owner is None or owner.role != Role.AGENT.value:
        raise RuleViolation("receipt blocks go to agents' devices", field="device_id")
    assert device.id is not None and owner.id is not None
    for attempt in range(_ALLOCATION_RETRIES):
        last = session.exec(select(func.coalesce(func.max(ReceiptBlock.last_number), 0))).one()
        block = ReceiptBlock(
            device_id=device.id,
            agent_id=owner.id,
            first_number=int(last) + 1,
            last_number=int(last) + size,
            issued_at=utcnow(),
            issued_by=principal.user_id,
        )
        try:
            with session.begin_nested():
                session.add(block)
                session.flush()
        except IntegrityError:
            # Another process took the same range first; read the new maximum and retry.
            if attempt == _ALLOCATION_RETRIES - 1:
                raise Conflict("receipt numbers are being issued concurrently; retry") from None
            continue
        break
    assert block.id is not None
    audit(
        session,
        entity="receipt_block",
        entity_id=str(block.id),
        action="issued",
        actor_id=principal.user_id,
        device_id=principal.device_id,
        detail={
            "device_id": device.id,
            "first_number": block.first_number,
            "last_number": block.last_number,
        },
    )
    record_change(
        session,
        entity=BLOCK_ENTITY,
        entity_id=block.id,
        payload=block_out(block).model_dump(mode="json"),
        province_code=owner.province_code,
        user_id=owner.id,
    )
    return block


def get_blocks(
    session: Session, *, device: Device, limit: int, offset: int
) -> tuple[Sequence[ReceiptBlock], int]:
    stmt = select(ReceiptBlock).where(ReceiptBlock.device_id == device.id)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(col(ReceiptBlock.first_number)).limit(limit).offset(offset)
    ).all()
    return rows, total


def void_receipt(session: Session, *, principal: Principal, data: VoidRequest) -> ReceiptUse:
    """Record a spoiled receipt so its number can never be used; only from its own device."""
    if principal.role is not Role.AGENT or principal.device_id is None:
        raise Forbidden("receipts are voided by the agent, from the device that holds them")
    number = data.receipt_number
    lock_names(session, [f"receipt/{number}"])  # the key a push of this number takes
    block = session.exec(
        select(ReceiptBlock).where(
            ReceiptBlock.device_id == principal.device_id,
            col(ReceiptBlock.first_number) <= number,
            col(ReceiptBlock.last_number) >= number,
        )
    ).first()
    if block is None or block.id is None:
        raise RuleViolation(
            f"{number} is not in a receipt block issued to this device", field="receipt_number"
        )
    use = ReceiptUse(
        receipt_number=number,
        block_id=block.id,
        device_id=principal.device_id,
        kind="void",
        reason=data.reason,
        used_at=utcnow(),
        used_by=principal.user_id,
    )
    existing = session.get(ReceiptUse, number)
    if existing is not None:
        if existing.kind == "void":
            return existing  # voiding twice is the same void
        raise Conflict(f"{number} is already used by a sign-up", field="receipt_number")
    try:
        with session.begin_nested():
            session.add(use)
            session.flush()
    except IntegrityError:
        raise Conflict(f"{number} was used at the same moment", field="receipt_number") from None
    audit(
        session,
        entity="receipt",
        entity_id=str(number),
        action="voided",
        actor_id=principal.user_id,
        device_id=principal.device_id,
        detail={"reason": data.reason, "block_id": block.id},
    )
    return use


def void_out(use: ReceiptUse) -> VoidOut:
    return VoidOut(
        receipt_number=use.receipt_number,
        device_id=use.device_id,
        reason=use.reason or "",
        voided_at=use.used_at,
    )


def _initialled(name: str) -> str:
    """'Nguyễn Văn An' -> 'Nguyễn V. A.': enough to recognise, not to harvest."""
    parts = name.split()
    if len(parts) <= 1:
        return name[:1] + "."
    return " ".join([parts[0], *(p[:1] + "." for p in parts[1:])])


def verify(session: Session, *, code: str) -> Verification:
    """Anyone with a receipt's code may confirm it exists; wrong codes all look alike."""
    normal = code.replace("-", "").replace(" ", "").upper()
    revision = (
        session.exec(
            select(EnrollmentRevision).where(EnrollmentRevision.verification_code == normal)
        ).first()
        if len(normal) == 10
        else None
    )
    enrollment = session.get(Enrollment, revision.enrollment_id) if revision else None
    if revision is None or enrollment is None or not revision.answer:
        raise NotFound("no sign-up has this verification code", field="code")
    point = session.get(CollectionPoint, enrollment.point_id)
    answer = revision.answer
    return Verification(
        valid=True,
        enrollment_id=enrollment.id,
        rev=revision.rev,
        current=revision.rev == enrollment.rev,
        record_status=EnrollmentStatus(enrollment.status),
        scheme=SchemeName(enrollment.scheme),
        participant=_initialled(str(revision.body["person"]["full_name"])),
        receipt_number=int(revision.body["receipt_number"]),
        amount_vnd=int(answer["amount_vnd"]),
        coverage_start=answer["coverage_start"],
        coverage_end=answer["coverage_end"],
        point_name=point.name if point else "",
        received_at=revision.received_at,
    )


MAX_VOID_RANGE = 1_000


def void_unused(
    session: Session,
    *,
    principal: Principal,
    device: Device,
    first: int,
    last: int,
    reason: str,
) -> list[int]:
    """A coordinator voids a device's unused numbers (a lost or returned receipt book).

    Numbers already spent or voided are left as they are; the rest of ``first..last`` must lie
    in one block of this device. Returns the numbers voided now; each is audited.
    """
    if principal.role is Role.AGENT:
        raise Forbidden("only coordinators and admins void a device's numbers")
    reason = reason.strip()
    if not reason:
        raise RuleViolation("say why the numbers are voided", field="reason")
    if last < first:
        raise RuleViolation("the last number is below the first", field="last_number")
    if last - first + 1 > MAX_VOID_RANGE:
        raise RuleViolation(f"at most {MAX_VOID_RANGE} numbers at a time", field="last_number")
    block = session.exec(
        select(ReceiptBlock).where(
            ReceiptBlock.device_id == device.id,
            col(ReceiptBlock.first_number) <= first,
            col(ReceiptBlock.last_number) >= last,
        )
    ).first()
    if block is None or block.id is None or device.id is None:
        raise RuleViolation(
            "these numbers are not all in one receipt block of this device", field="first_number"
        )
    # the keys a push of these numbers takes, so a void and a push of one number queue
    lock_names(session, [f"receipt/{n}" for n in range(first, last + 1)])
    taken = set(
        session.exec(
            select(ReceiptUse.receipt_number).where(
                col(ReceiptUse.receipt_number) >= first, col(ReceiptUse.receipt_number) <= last
            )
        ).all()
    )
    free = [n for n in range(first, last + 1) if n not in taken]
    now = utcnow()
    for number in free:
        session.add(
            ReceiptUse(
                receipt_number=number,
                block_id=block.id,
                device_id=device.id,
                kind="void",
                reason=reason,
                used_at=now,
                used_by=principal.user_id,
            )
        )
        audit(
            session,
            entity="receipt",
            entity_id=str(number),
            action="voided",
            actor_id=principal.user_id,
            device_id=principal.device_id,
            detail={"reason": reason, "block_id": block.id, "by_coordinator": True},
        )
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            "a number was used at the same moment; retry", field="first_number"
        ) from None
    return free


def audit_device_revoked(session: Session, *, principal: Principal, device: Device) -> None:
    """The revocation itself lives in auth; this leaves it in the receipts' audit trail."""
    audit(
        session,
        entity="device",
        entity_id=str(device.id),
        action="revoked",
        actor_id=principal.user_id,
        device_id=principal.device_id,
        detail={"device_key": device.device_key, "user_id": device.user_id},
    )


def device_activity(
    session: Session, *, device: Device
) -> tuple[datetime | None, timedelta | None]:
    """The device's last upload and the outbox lag of that upload.

    The push does not report the device's queue yet, so the lag is what the server can see:
    the longest wait between capture and arrival among the revisions of the last upload.
    """
    last = session.exec(
        select(func.max(EnrollmentRevision.received_at)).where(
            EnrollmentRevision.device_id == device.id
        )
    ).one()
    if last is None:
        return None, None
    rows = session.exec(
        select(Enrollment.captured_at, EnrollmentRevision.received_at)
        .join(Enrollment, col(Enrollment.id) == col(EnrollmentRevision.enrollment_id))
        .where(
            EnrollmentRevision.device_id == device.id,
            col(EnrollmentRevision.received_at) >= last - timedelta(minutes=5),
        )
    ).all()
    lags = [received - captured for captured, received in rows if captured and received]
    return last, (max(lags) if lags else None)
