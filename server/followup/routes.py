"""The follow-up list of voluntary SI participants due, overdue or lapsed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from server.dbtypes import utcnow
from server.deps import CurrentPrincipal, SessionDep
from server.followup import export
from server.followup.service import FollowUpList, FollowUpStatus, follow_up
from server.reports.export import CSV_TYPE, VN_TZ, XLSX_TYPE

router = APIRouter(prefix="/api/v1", tags=["follow-up"])


@router.get("/follow-up", response_model=FollowUpList)
def follow_up_list(
    principal: CurrentPrincipal,
    session: SessionDep,
    at: Annotated[date | None, Query(description="As of (default: today, Vietnam time).")] = None,
    agent_id: Annotated[int | None, Query(ge=1)] = None,
    status: Annotated[FollowUpStatus | None, Query()] = None,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
) -> Response | FollowUpList:
    """Per agent: who to visit, with phone and address (agents: their own participants)."""
    day = at or utcnow().astimezone(VN_TZ).date()
    result = follow_up(session, principal=principal, at=day, agent_id=agent_id, status=status)
    if format == "json":
        return result
    content = export.to_csv(result) if format == "csv" else export.to_xlsx(result)
    return Response(
        content,
        media_type=CSV_TYPE if format == "csv" else XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="follow-up-{day}.{format}"'},
    )
