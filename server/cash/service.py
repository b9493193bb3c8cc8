"""Cash custody: refunds, hand-overs, transfers, and the reconciliation per period.

Every movement names the sign-ups it covers and is audited. A hand-over's amount must equal
the net cash of the sign-ups it covers and a transfer's the sum of its hand-overs, so the
reconciliation identities hold by construction and a typing error is refused at entry.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.auth.models import Role
from server.auth.scope import Principal, point_filter
from server.cash.models import (
    CashHandover,
    CashHandoverItem,
    CashRefund,
    CashTransfer,
    CashTransferItem,
)
from server.cash.schemas import (
    HandoverCreate,
    RefundCreate,
    TransferCreate,
)
from server.collectors.service import get_organisation
from server.enrollments.audit import audit
from server.enrollments.models import Enrollment
from server.errors import Conflict, Forbidden, NotFound, RuleViolation
from server.org.models import CollectionPoint

LIVE = ("approved", "pending", "returned")


def scoped(principal: Principal) -> ColumnElement[bool]:
    return point_filter(
        principal,
        col(Enrollment.point_id),
        col(Enrollment.commune_code),
        col(Enrollment.province_code),
    )


def refunded_by_sign_up(session: Session, ids: Sequence[str]) -> dict[str, int]:
    if not ids:
        return {}
    rows = session.exec(
        select(CashRefund.enrollment_id, func.sum(CashRefund.amount_vnd))
        .where(col(CashRefund.enrollment_id).in_(list(ids)))
        .group_by(col(CashRefund.enrollment_id))
    ).all()
    return {eid: int(total or 0) for eid, total in rows}


def record_refund(session: Session, *, principal: Principal, data: RefundCreate) -> CashRefund:
    """Money handed back to a participant; never more than the server's adjustment owes."""
    e = session.exec(
        select(Enrollment).where(col(Enrollment.id) == data.enrollment_id, scoped(principal))
    ).first()
    if e is None or (principal.role is Role.AGENT and e.agent_id != principal.user_id):
        raise NotFound("không có hồ sơ này", field="enrollment_id")
    if session.get(CashHandoverItem, e.id) is not None:
        raise Conflict(
            "tiền của hồ sơ này đã bàn giao; hoàn trả qua tổ chức", field="enrollment_id"
        )
    owed = (
        e.amount_collected_vnd if e.status == "rejected" else max(0, -e.adjustment_vnd)
    ) - refunded_by_sign_up(session, [e.id]).get(e.id, 0)
    if data.amount_vnd > owed:
        raise RuleViolation(f"chỉ còn phải hoàn {owed:,} đồng", field="amount_vnd")
    refund = CashRefund(
        enrollment_id=e.id,
        agent_id=e.agent_id,
        amount_vnd=data.amount_vnd,
        refunded_on=data.refunded_on,
        recorded_by=principal.user_id,
    )
    session.add(refund)
    session.flush()
    _audit(session, principal, "cash_refund", str(refund.id), data.model_dump(mode="json"))
    return refund


def record_handover(
    session: Session, *, principal: Principal, data: HandoverCreate
) -> CashHandover:
    org = get_organisation(session, principal=principal, organisation_id=data.organisation_id)
    if principal.role is Role.AGENT and data.agent_id != principal.user_id:
        raise Forbidden("nhân viên thu chỉ ghi lần bàn giao của chính mình", field="agent_id")
    ids = sorted(set(data.enrollment_ids))
    found = {
        e.id: e
        for e in session.exec(
            select(Enrollment)
            .join(CollectionPoint, col(CollectionPoint.id) == col(Enrollment.point_id))
            .where(
                col(Enrollment.id).in_(ids),
                col(Enrollment.agent_id) == data.agent_id,
                col(CollectionPoint.organisation_id) == org.id,
                col(Enrollment.status).in_(LIVE),
                scoped(principal),
            )
        ).all()
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise RuleViolation(
            f"{len(missing)} hồ sơ không thuộc nhân viên này tại tổ chức này: "
            + ", ".join(missing[:5]),
            field="enrollment_ids",
        )
    refunded = refunded_by_sign_up(session, ids)
    net = {i: found[i].amount_collected_vnd - refunded.get(i, 0) for i in ids}
    if sum(net.values()) != data.amount_vnd:
        raise RuleViolation(
            f"số tiền bàn giao phải bằng {sum(net.values()):,} đồng (tổng tiền thu của các hồ sơ)",
            field="amount_vnd",
        )
    handover = CashHandover(
        agent_id=data.agent_id,
        organisation_id=org.id or 0,
        amount_vnd=data.amount_vnd,
        handed_on=data.handed_on,
        received_by=data.received_by,
        recorded_by=principal.user_id,
    )
    try:
        with session.begin_nested():
            session.add(handover)
            session.flush()
            session.add_all(
                CashHandoverItem(enrollment_id=i, handover_id=handover.id or 0, amount_vnd=net[i])
                for i in ids
            )
            session.flush()
    except IntegrityError as exc:
        raise Conflict("một số hồ sơ đã được bàn giao trước đó", field="enrollment_ids") from exc
    _audit(session, principal, "cash_handover", str(handover.id), data.model_dump(mode="json"))
    return handover


def record_transfer(
    session: Session, *, principal: Principal, data: TransferCreate
) -> CashTransfer:
    if principal.role is Role.AGENT:
        raise Forbidden("chỉ điều phối xã hoặc quản trị tỉnh được ghi chuyển tiền")
    org = get_organisation(session, principal=principal, organisation_id=data.organisation_id)
    ids = sorted(set(data.handover_ids))
    handovers = session.exec(
        select(CashHandover).where(
            col(CashHandover.id).in_(ids), CashHandover.organisation_id == org.id
        )
    ).all()
    if len(handovers) != len(ids):
        raise RuleViolation("có lần bàn giao không thuộc tổ chức này", field="handover_ids")
    total = sum(h.amount_vnd for h in handovers)
    if total != data.amount_vnd:
        raise RuleViolation(
            f"số tiền chuyển phải bằng {total:,} đồng (tổng các lần bàn giao)", field="amount_vnd"
        )
    transfer = CashTransfer(
        organisation_id=org.id or 0,
        amount_vnd=data.amount_vnd,
        transferred_on=data.transferred_on,
        reference=data.reference,
        recorded_by=principal.user_id,
    )
    try:
        with session.begin_nested():
            session.add(transfer)
            session.flush()
            session.add_all(
                CashTransferItem(handover_id=i, transfer_id=transfer.id or 0) for i in ids
            )
            session.flush()
    except IntegrityError as exc:
        raise Conflict("một số lần bàn giao đã được chuyển trước đó", field="handover_ids") from exc
    _audit(session, principal, "cash_transfer", str(transfer.id), data.model_dump(mode="json"))
    return transfer


def _audit(
    session: Session, principal: Principal, entity: str, entity_id: str, detail: dict[str, object]
) -> None:
    audit(
        session,
        entity=entity,
        entity_id=entity_id,
        action="create",
        actor_id=principal.user_id,
        device_id=principal.device_id,
        detail=detail,
    )
