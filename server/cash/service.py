"""Cash custody: refunds, hand-overs, transfers, and the reconciliation per period.

Every movement names the sign-ups it covers and is audited. A hand-over's amount must equal
the net cash of the sign-ups it covers and a transfer's the sum of its hand-overs, so the
reconciliation identities hold by construction and a typing error is refused at entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import ColumnElement, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from enroll_common.periods import Period
from server.auth.models import Role, User
from server.auth.scope import Principal, point_filter
from server.cash.models import (
    CashHandover,
    CashHandoverItem,
    CashRefund,
    CashTransfer,
    CashTransferItem,
)
from server.cash.schemas import (
    AgentCash,
    HandoverCreate,
    HandoverPublic,
    OrganisationCash,
    Reconciliation,
    RefundCreate,
    TransferCreate,
)
from server.collectors.models import CollectionOrganisation
from server.collectors.service import contract_on, get_organisation
from server.enrollments.audit import audit
from server.enrollments.models import Enrollment
from server.errors import Conflict, Forbidden, NotFound, RuleViolation
from server.org.models import CollectionPoint

LIVE = ("approved", "pending", "returned")


def _scoped(principal: Principal) -> ColumnElement[bool]:
    return point_filter(
        principal,
        col(Enrollment.point_id),
        col(Enrollment.commune_code),
        col(Enrollment.province_code),
    )


def _refunded(session: Session, ids: Sequence[str]) -> dict[str, int]:
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
        select(Enrollment).where(col(Enrollment.id) == data.enrollment_id, _scoped(principal))
    ).first()
    if e is None or (principal.role is Role.AGENT and e.agent_id != principal.user_id):
        raise NotFound("không có hồ sơ này", field="enrollment_id")
    if session.get(CashHandoverItem, e.id) is not None:
        raise Conflict(
            "tiền của hồ sơ này đã bàn giao; hoàn trả qua tổ chức", field="enrollment_id"
        )
    owed = (
        e.amount_collected_vnd if e.status == "rejected" else max(0, -e.adjustment_vnd)
    ) - _refunded(session, [e.id]).get(e.id, 0)
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
        raise Forbidden("an agent records only their own hand-overs", field="agent_id")
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
                _scoped(principal),
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
    refunded = _refunded(session, ids)
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
        raise Forbidden("transfers are recorded by a coordinator or an administrator")
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


def list_handovers(
    session: Session, *, principal: Principal, organisation_id: int, untransferred: bool
) -> list[HandoverPublic]:
    """The organisation's hand-overs (agents: their own), newest first, with their transfer."""
    org = get_organisation(session, principal=principal, organisation_id=organisation_id)
    stmt = (
        select(CashHandover, CashTransferItem.transfer_id)
        .outerjoin(CashTransferItem, col(CashTransferItem.handover_id) == col(CashHandover.id))
        .where(CashHandover.organisation_id == org.id)
        .order_by(col(CashHandover.handed_on).desc(), col(CashHandover.id).desc())
    )
    if principal.role is Role.AGENT:
        stmt = stmt.where(CashHandover.agent_id == principal.user_id)
    if untransferred:
        stmt = stmt.where(col(CashTransferItem.transfer_id).is_(None))
    rows = session.exec(stmt).all()
    counts = dict(
        session.exec(
            select(CashHandoverItem.handover_id, func.count())
            .where(col(CashHandoverItem.handover_id).in_([h.id for h, _ in rows]))
            .group_by(col(CashHandoverItem.handover_id))
        ).all()
    )
    return [
        HandoverPublic(
            id=h.id or 0,
            agent_id=h.agent_id,
            organisation_id=h.organisation_id,
            amount_vnd=h.amount_vnd,
            handed_on=h.handed_on,
            received_by=h.received_by,
            sign_ups=int(counts.get(h.id or 0, 0)),
            transfer_id=transfer_id,
        )
        for h, transfer_id in rows
    ]


def reconcile(
    session: Session, *, principal: Principal, organisation_id: int, period: Period, at: date
) -> Reconciliation:
    """Per agent and for the organisation, the period's sign-ups' cash at date ``at``."""
    if not 2000 <= at.year <= 2100:
        raise RuleViolation("ngày phải trong khoảng năm 2000–2100", field="at")
    org: CollectionOrganisation = get_organisation(
        session, principal=principal, organisation_id=organisation_id
    )
    stmt = (
        select(Enrollment)
        .join(CollectionPoint, col(CollectionPoint.id) == col(Enrollment.point_id))
        .where(
            col(CollectionPoint.organisation_id) == org.id,
            col(Enrollment.status).in_((*LIVE, "rejected")),  # their cash is owed back
            col(Enrollment.payment_date) >= period.start,
            col(Enrollment.payment_date) <= period.end,
            _scoped(principal),
        )
    )
    if principal.role is Role.AGENT:
        stmt = stmt.where(col(Enrollment.agent_id) == principal.user_id)
    sign_ups = list(session.exec(stmt).all())
    ids = [e.id for e in sign_ups]
    refunded = _refunded(session, ids)
    items: dict[str, CashHandoverItem] = {}
    transferred: set[int] = set()
    for i in range(0, len(ids), 500):
        for item in session.exec(
            select(CashHandoverItem).where(
                col(CashHandoverItem.enrollment_id).in_(ids[i : i + 500])
            )
        ).all():
            items[item.enrollment_id] = item
    handover_ids = sorted({it.handover_id for it in items.values()})
    if handover_ids:
        transferred = {
            t.handover_id
            for t in session.exec(
                select(CashTransferItem).where(col(CashTransferItem.handover_id).in_(handover_ids))
            ).all()
        }
    contract = contract_on(session, organisation_id=org.id or 0, day=period.end)
    days = contract.remittance_days if contract else None

    def overdue(e: Enrollment) -> bool:
        return days is not None and e.payment_date + timedelta(days=days) < at

    per_agent: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    oldest: dict[int, date] = {}
    org_cash: dict[str, int] = defaultdict(int)
    for e in sign_ups:
        a = per_agent[e.agent_id]
        paid_back = refunded.get(e.id, 0)
        owed = e.amount_collected_vnd if e.status == "rejected" else max(0, -e.adjustment_vnd)
        net = e.amount_collected_vnd - paid_back
        a["sign_ups"] += 1
        a["collected"] += e.amount_collected_vnd
        a["refunds_paid"] += paid_back
        a["refunds_owed"] += max(0, owed - paid_back)
        a["net"] += net
        handed = items.get(e.id)
        if handed is None:
            a["held"] += net
            if overdue(e):
                a["overdue"] += net
            oldest[e.agent_id] = min(oldest.get(e.agent_id, e.payment_date), e.payment_date)
            continue
        a["handed_over"] += handed.amount_vnd
        org_cash["handed_over"] += handed.amount_vnd
        if handed.handover_id in transferred:
            org_cash["transferred"] += handed.amount_vnd
        else:
            org_cash["held"] += handed.amount_vnd
            if overdue(e):
                org_cash["overdue"] += handed.amount_vnd
    users = {
        u.id: u for u in session.exec(select(User).where(col(User.id).in_(sorted(per_agent)))).all()
    }
    agents = [
        AgentCash(
            agent_id=agent_id,
            agent_code=users[agent_id].agent_code or users[agent_id].username,
            agent_name=users[agent_id].full_name,
            sign_ups=v["sign_ups"],
            collected_vnd=v["collected"],
            refunds_owed_vnd=v["refunds_owed"],
            refunds_paid_vnd=v["refunds_paid"],
            net_vnd=v["net"],
            handed_over_vnd=v["handed_over"],
            held_vnd=v["held"],
            overdue_vnd=v["overdue"],
            oldest_held=oldest.get(agent_id),
        )
        for agent_id, v in sorted(per_agent.items(), key=lambda kv: users[kv[0]].agent_code or "")
    ]
    organisation = OrganisationCash(
        handed_over_vnd=org_cash["handed_over"],
        transferred_vnd=org_cash["transferred"],
        held_by_org_vnd=org_cash["held"],
        overdue_vnd=org_cash["overdue"],
    )
    total = sum(a.net_vnd for a in agents)
    balanced = (
        all(a.net_vnd == a.handed_over_vnd + a.held_vnd for a in agents)
        and organisation.handed_over_vnd
        == organisation.transferred_vnd + organisation.held_by_org_vnd
        and sum(a.handed_over_vnd for a in agents) == organisation.handed_over_vnd
        and len(ids) == len(set(ids))
    )
    return Reconciliation(
        organisation_id=org.id or 0,
        period=str(period),
        at=at,
        remittance_days=days,
        agents=agents,
        organisation=organisation,
        total_net_vnd=total,
        balanced=balanced,
    )


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
