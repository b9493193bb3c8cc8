"""The push route: thin, beside the pipeline it calls (``server.ingest.batch``).

It reads the raw body itself, so the batch is validated in one pass by the pipeline, and
documents the typed body (``PushBatch``) in the OpenAPI document instead.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from enroll_common.sync_wire import PushBatch, PushResponse
from server.answers import json_answer
from server.deps import CurrentPrincipal, SessionDep, SettingsDep
from server.ingest.batch import push_body
from server.ingest.protocol import PROTOCOL_HEADER, for_protocol, spoken
from server.observability import observe_push
from server.sync.settings import SyncSettings

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])


def document_push_body(schema: dict[str, Any]) -> dict[str, Any]:
    """Put the typed push body (``PushBatch`` and the record's models) into the components;
    the route parses the raw body itself, in one pass, so FastAPI does not see the model."""
    body = PushBatch.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(body.pop("$defs", {}))
    components["PushBatch"] = body
    return schema


@router.post(
    "/push",
    response_model=PushResponse,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushBatch"}}},
        }
    },
)
async def push(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Store a batch of sign-ups; one answer per record, in request order."""
    body = await request.body()
    if await request.is_disconnected():
        # The device gave up while its batch was queued: its retry is the same batch, so
        # storing this one now would only delay the others (the answer could not arrive).
        return Response(status_code=499)
    sync: SyncSettings = request.app.state.sync_settings  # validated at start-up
    max_age_days = sync.max_record_age_days
    version = spoken(request.headers.get(PROTOCOL_HEADER))

    def work() -> Response:
        result = push_body(  # commits
            session,
            principal=principal,
            body=body,
            max_age_days=max_age_days,
            secret=settings.resolved_secret(),
        )
        observe_push(result)
        return json_answer(for_protocol(result, version))  # serialised here, not on the loop

    return await run_in_threadpool(work)
