"""Renewals due: participants of the caller's communes whose coverage ends soon.

Phone, address, point and agent come from the participant's last sign-up (a register entry
that never signed up through an agent has none of them); the point and agent filters
therefore keep only participants an agent has already served.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from enroll_common.glossary import term
from enroll_common.schemes import scheme_values
from enroll_common.sync_wire import SchemeName
from server.auth import users as users_service
from server.auth.models import Role
from server.auth.scope import Principal
from server.deps import SessionDep
from server.enrollments.models import Enrollment
from server.participants.models import Participant
from server.participants.service import readable_participants
from server.policy.service import today_local
from server.web import queries, tables
from server.web.render import WebRoute, render
from server.web.session import WebPrincipal

router = APIRouter(route_class=WebRoute)
PAGE_SIZE = 100
MAX_EXPORT = 50_000


@dataclass
class Due:
    participant: Participant
    days_left: int
    phone: str
    address: str
    point_id: int | None
    agent_id: int | None


@dataclass
class DueFilters:
    within_days: int
    scheme: str | None
    point_id: int | None
    agent_id: int | None


def find_due(
    session: Session,
    *,
    principal: Principal,
    today: date,
    filters: DueFilters,
    limit: int,
    offset: int,
) -> tuple[list[Due], int]:
    """Coverage ending between today and ``within_days`` ahead, soonest first, in scope."""
    scope = readable_participants(principal).whereclause
    assert scope is not None
    stmt: Any = (
        sa_select(
            Participant,
            col(Enrollment.phone),
            col(Enrollment.address),
            col(Enrollment.point_id),
            col(Enrollment.agent_id),
        )
        .outerjoin(Enrollment, col(Enrollment.id) == col(Participant.last_enrollment_id))
        .where(
            scope,
            col(Participant.coverage_end) >= today,
            col(Participant.coverage_end) <= today + timedelta(days=filters.within_days),
        )
    )
    if filters.scheme:
        stmt = stmt.where(Participant.scheme == filters.scheme)
    if filters.point_id is not None:
        stmt = stmt.where(Enrollment.point_id == filters.point_id)
    if filters.agent_id is not None:
        stmt = stmt.where(Enrollment.agent_id == filters.agent_id)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(col(Participant.coverage_end), col(Participant.id))
        .limit(limit)
        .offset(offset)
    ).all()
    out = [
        Due(
            participant=p,
            days_left=(p.coverage_end - today).days if p.coverage_end else 0,
            phone=phone or "",
            address=address or "",
            point_id=point_id,
            agent_id=agent_id,
        )
        for p, phone, address, point_id, agent_id in rows
    ]
    return out, int(total)


def _filters(
    within_days: int, scheme: SchemeName | None, point_id: int | None, agent_id: int | None
) -> DueFilters:
    return DueFilters(within_days, scheme.value if scheme else None, point_id, agent_id)


WithinDays = Annotated[int, Query(ge=0, le=366)]
SchemeQ = Annotated[SchemeName | None, Query()]
IdQ = Annotated[int | None, Query()]


@router.get("/renewals", response_class=HTMLResponse)
def renewals(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    within_days: WithinDays = 30,
    scheme: SchemeQ = None,
    point_id: IdQ = None,
    agent_id: IdQ = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """The renewal-due list with phone and address, by point and agent, soonest first."""
    today = today_local()
    filters = _filters(within_days, scheme, point_id, agent_id)
    rows, total = find_due(
        session,
        principal=principal,
        today=today,
        filters=filters,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    agents, _ = users_service.get_users(
        session, principal=principal, role=Role.AGENT, limit=500, offset=0
    )
    query = {
        k: v
        for k, v in {
            "within_days": within_days,
            "scheme": filters.scheme,
            "point_id": point_id,
            "agent_id": agent_id,
        }.items()
        if v is not None
    }
    return render(
        request,
        "renewals.html",
        {
            "rows": rows,
            "total": total,
            "f": filters,
            "within_days": within_days,
            "scheme": filters.scheme or "",
            "schemes": scheme_values(),
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "point_choices": queries.visible_points(session, principal=principal),
            "agent_choices": agents,
            "points": queries.point_names(session, {r.point_id for r in rows if r.point_id}),
            "agents": queries.names(session, {r.agent_id for r in rows if r.agent_id}),
            "query": query,
        },
    )


HEADER = [
    "Họ tên",
    "CCCD",
    "Loại hình",
    "Mã hộ",
    "Hết hạn thẻ",
    "Số ngày còn lại",
    "Điện thoại",
    "Địa chỉ",
    "Điểm thu",
    "Nhân viên thu",
]
KINDS = ["text", "text", "text", "text", "date", "int", "text", "text", "text", "text"]


@router.get("/exports/renewals.{fmt}")
def export_renewals(
    principal: WebPrincipal,
    session: SessionDep,
    fmt: str,
    within_days: WithinDays = 30,
    scheme: SchemeQ = None,
    point_id: IdQ = None,
    agent_id: IdQ = None,
) -> Response:
    """The same list as a file (CSV or XLSX) through the one export helper."""
    today = today_local()
    filters = _filters(within_days, scheme, point_id, agent_id)
    rows, _ = find_due(
        session, principal=principal, today=today, filters=filters, limit=MAX_EXPORT, offset=0
    )
    points = queries.point_names(session, {r.point_id for r in rows if r.point_id})
    agents = queries.names(session, {r.agent_id for r in rows if r.agent_id})
    body = [
        [
            r.participant.full_name,
            r.participant.citizen_id,
            term("scheme", r.participant.scheme),
            r.participant.household_code or "",
            r.participant.coverage_end,
            r.days_left,
            r.phone,
            r.address,
            points.get(r.point_id, "") if r.point_id else "",
            agents.get(r.agent_id, "") if r.agent_id else "",
        ]
        for r in rows
    ]
    title = f"Danh sách đến hạn gia hạn trong {within_days} ngày, từ {today:%d/%m/%Y}"
    return tables.download(
        fmt, name=f"gia-han-{today}", title=title, header=HEADER, kinds=KINDS, rows=body
    )
