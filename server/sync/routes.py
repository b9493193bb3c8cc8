"""Pull: what a device fetches when it syncs (its push is ``server.ingest.routes``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from enroll_common.sync_wire import PullPage
from server.answers import json_answer
from server.db import begin_reading
from server.deps import CurrentPrincipal, SessionDep
from server.sync import service

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])


@router.get("/pull", response_model=PullPage)
def pull(
    principal: CurrentPrincipal,
    session: SessionDep,
    cursor: Annotated[str, Query(max_length=40, description="0 the first time.")] = "0",
    limit: Annotated[int, Query(ge=1, description="Capped at 1000.")] = 500,
) -> Response:
    """Changes the caller may see since ``cursor``."""
    # Only reads: on SQLite one snapshot without the write lock, so a sync wave's pulls do
    # not queue behind its pushes (``server.db.begin_reading``).
    begin_reading(session)
    return json_answer(service.pull(session, principal=principal, cursor=cursor, limit=limit))
