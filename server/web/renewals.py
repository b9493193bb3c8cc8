"""Renewals due: participants of the caller's communes whose coverage ends soon."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from enroll_common.sync_wire import SchemeName
from server.deps import SessionDep
from server.participants import service as participants
from server.policy.service import today_local
from server.web.render import WebRoute, render
from server.web.session import WebPrincipal

router = APIRouter(route_class=WebRoute)
PAGE_SIZE = 100


@router.get("/renewals", response_class=HTMLResponse)
def renewals(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    within_days: Annotated[int, Query(ge=0, le=366)] = 30,
    scheme: Annotated[SchemeName | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """The participants service's renewal-due list, soonest first."""
    today = today_local()
    rows, total = participants.get_renewals(
        session,
        principal=principal,
        today=today,
        within_days=within_days,
        scheme=scheme.value if scheme else None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return render(
        request,
        "renewals.html",
        {
            "rows": [(r, (r.coverage_end - today).days if r.coverage_end else 0) for r in rows],
            "total": total,
            "within_days": within_days,
            "scheme": scheme.value if scheme else "",
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
        },
    )
