"""Push and pull: the two calls a device makes to sync."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from enroll_common.sync_wire import PullPage, PushRequest, PushResponse
from server.deps import CurrentPrincipal, SessionDep, SettingsDep
from server.enrollments.push import push_batch
from server.sync import service
from server.sync.settings import SyncSettings

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])


def sync_settings(request: Request) -> SyncSettings:
    """Read from the environment once per app; tests may set ``app.state.sync_settings``."""
    found = getattr(request.app.state, "sync_settings", None)
    if not isinstance(found, SyncSettings):
        found = SyncSettings()
        request.app.state.sync_settings = found
    return found


@router.post("/push", response_model=PushResponse)
def push(
    body: PushRequest,
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> PushResponse:
    """Store a batch of sign-ups; one answer per record, in request order."""
    result = push_batch(
        session,
        principal=principal,
        records=body.records,
        max_age_days=sync_settings(request).max_record_age_days,
        secret=settings.resolved_secret(),
    )
    session.commit()
    return result


@router.get("/pull", response_model=PullPage)
def pull(
    principal: CurrentPrincipal,
    session: SessionDep,
    cursor: Annotated[str, Query(max_length=40, description="0 the first time.")] = "0",
    limit: Annotated[int, Query(ge=1, description="Capped at 1000.")] = 500,
) -> PullPage:
    """Changes the caller may see since ``cursor``."""
    return service.pull(session, principal=principal, cursor=cursor, limit=limit)
