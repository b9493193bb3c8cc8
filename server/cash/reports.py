"""Reading cash: an organisation's hand-overs, and the reconciliation per period.

Per agent: net = handed over + held; for the organisation: handed over = transferred + held
by the organisation; overdue against the contract's remittance days.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from enroll_common.periods import Period
from server.auth.models import Role, User
from server.auth.scope import Principal
from server.cash.models import CashHandover, CashHandoverItem, CashTransferItem
from server.cash.schemas import AgentCash, HandoverPublic, OrganisationCash, Reconciliation
from server.cash.service import LIVE, refunded_by_sign_up, scoped
from server.collectors.models import CollectionOrganisation
from server.collectors.service import contract_on, get_organisation
from server.enrollments.models import Enrollment
from server.errors import RuleViolation
from server.org.models import CollectionPoint


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
            scoped(principal),
        )
    )
    if principal.role is Role.AGENT:
        stmt = stmt.where(col(Enrollment.agent_id) == principal.user_id)
    sign_ups = list(session.exec(stmt).all())
    ids = [e.id for e in sign_ups]
    refunded = refunded_by_sign_up(session, ids)
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
