"""Each voluntary SI participant's next due date and whether they are due, overdue or lapsed.

The participant's method is the months paid by their latest sign-up (1, 3, 6 or 12, or
several years ahead), the next period starts after their last coverage end (over all
approved or pending sign-ups), and its deadline is the shared cycle rule
(``enroll_common.cycles.next_due``, policy rows ``vsi_payment_deadlines``) that the push
and the device apply too. Listed per agent of the latest sign-up, in the caller's scope.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel
from sqlmodel import Session, col, select

from enroll_common.cycles import next_due
from enroll_common.policy import PolicySet
from enroll_common.schemes import Insurance, scheme_values
from server.auth.models import Role, User
from server.auth.scope import Principal, point_filter
from server.enrollments.models import Enrollment
from server.errors import RuleViolation
from server.org.models import CollectionPoint, Commune
from server.policy.service import load_policy_set

DUE_WINDOW_DAYS = 30
LAPSED_KEEP_DAYS = 365


class FollowUpStatus(StrEnum):
    DUE = "due"  # the next period starts within the window
    OVERDUE = "overdue"  # the period started, still within the deadline
    LAPSED = "lapsed"  # past the deadline: treated as having stopped paying


STATUS_TITLES = {
    "due": "Sắp đến hạn",
    "overdue": "Quá hạn (còn hạn đóng)",
    "lapsed": "Đã dừng đóng",
}


class FollowUpRow(BaseModel):
    enrollment_id: str
    citizen_id: str
    full_name: str
    phone: str | None
    address: str
    commune: str
    method_months: int
    coverage_end: date
    due_date: date
    deadline: date
    status: FollowUpStatus
    days_late: int
    agent_id: int
    agent_code: str
    agent_name: str
    point_code: str


class FollowUpList(BaseModel):
    at: date
    rows: list[FollowUpRow]


def schedule(coverage_end: date, method: int, policy: PolicySet, at: date) -> tuple[date, date]:
    """(due date, last day to pay) for the period after ``coverage_end``."""
    found = next_due(method, coverage_end, policy, at)
    return found.due_date, found.deadline


def classify(at: date, due: date, deadline: date) -> FollowUpStatus | None:
    if at < due - timedelta(days=DUE_WINDOW_DAYS):
        return None
    if at < due:
        return FollowUpStatus.DUE
    if at <= deadline:
        return FollowUpStatus.OVERDUE
    if (at - deadline).days <= LAPSED_KEEP_DAYS:
        return FollowUpStatus.LAPSED
    return None


def follow_up(
    session: Session,
    *,
    principal: Principal,
    at: date,
    agent_id: int | None = None,
    status: FollowUpStatus | None = None,
) -> FollowUpList:
    if not 2000 <= at.year <= 2100:
        raise RuleViolation("ngày phải trong khoảng năm 2000–2100", field="at")
    stmt = (
        select(Enrollment, CollectionPoint, User, Commune)
        .join(CollectionPoint, col(CollectionPoint.id) == col(Enrollment.point_id))
        .join(User, col(User.id) == col(Enrollment.agent_id))
        .join(Commune, col(Commune.code) == col(Enrollment.person_commune_code))
        .where(
            col(Enrollment.scheme).in_(scheme_values(Insurance.VSI)),
            col(Enrollment.status).in_(("approved", "pending")),
            col(Enrollment.coverage_end) >= at - timedelta(days=LAPSED_KEEP_DAYS + 7 * 31),
            point_filter(
                principal,
                col(Enrollment.point_id),
                col(Enrollment.commune_code),
                col(Enrollment.province_code),
            ),
        )
    )
    latest: dict[str, tuple[Enrollment, CollectionPoint, User, Commune]] = {}
    cover_end: dict[str, date] = {}
    for row in session.exec(stmt).all():
        e = row[0]
        cover_end[e.citizen_id] = max(cover_end.get(e.citizen_id, e.coverage_end), e.coverage_end)
        if e.citizen_id not in latest or e.payment_date > latest[e.citizen_id][0].payment_date:
            latest[e.citizen_id] = row
    rows = []
    policy = load_policy_set(session)
    for citizen, (e, point, agent, commune) in latest.items():
        if principal.role is Role.AGENT and e.agent_id != principal.user_id:
            continue
        if agent_id is not None and e.agent_id != agent_id:
            continue
        due, deadline = schedule(cover_end[citizen], e.months, policy, at)
        found = classify(at, due, deadline)
        if found is None or (status is not None and found is not status):
            continue
        rows.append(
            FollowUpRow(
                enrollment_id=e.id,
                citizen_id=citizen,
                full_name=e.full_name,
                phone=e.phone,
                address=e.address,
                commune=commune.name,
                method_months=e.months,
                coverage_end=cover_end[citizen],
                due_date=due,
                deadline=deadline,
                status=found,
                days_late=max(0, (at - due).days),
                agent_id=e.agent_id,
                agent_code=agent.agent_code or agent.username,
                agent_name=agent.full_name,
                point_code=point.code,
            )
        )
    order = {FollowUpStatus.OVERDUE: 0, FollowUpStatus.DUE: 1, FollowUpStatus.LAPSED: 2}
    rows.sort(key=lambda r: (r.agent_code, order[r.status], r.due_date, r.full_name))
    return FollowUpList(at=at, rows=rows)
