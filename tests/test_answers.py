"""Sync answers serialised in the worker thread (``server.answers``) are the bytes FastAPI
itself would have written for the route's response model."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.routing import APIRoute, serialize_response
from pydantic import BaseModel

from enroll_common.sync_answers import PushResponse
from enroll_common.sync_wire import PullPage
from server.answers import json_answer
from server.ingest.routes import router as push_router
from server.sync.routes import router as pull_router


def _fastapi_bytes(router: APIRouter, path: str, value: BaseModel) -> bytes:
    route = next(r for r in router.routes if isinstance(r, APIRoute) and r.path == path)
    body = asyncio.run(
        serialize_response(field=route.response_field, response_content=value, dump_json=True)
    )
    assert isinstance(body, bytes)
    return body


def test_a_pull_page_is_what_fastapi_writes():
    page = PullPage.model_validate(
        {
            "changes": [
                {
                    "seq": 7,
                    "entity": "participant",
                    "entity_id": "42",
                    "op": "upsert",
                    "payload": {"full_name": "Nguyễn Thị Ánh", "n": None, "list": [1, "a"]},
                    "created_at": datetime(2026, 11, 30, 8, 4, 5, 123456, tzinfo=UTC),
                }
            ],
            "next_cursor": "7",
            "has_more": False,
            "scope": "0123456789abcdef",
        }
    )
    assert json_answer(page).body == _fastapi_bytes(pull_router, "/api/v1/sync/pull", page)


def test_a_push_answer_is_what_fastapi_writes():
    answer = PushResponse.model_validate(
        {
            "results": [
                {
                    "index": 0,
                    "id": "6f1c2b9e-0d3a-4c55-9a1e-2f0b7d9c8e11",
                    "rev": 1,
                    "status": "rejected",
                    "detail": "person.full_name: chứa ký tự điều khiển",
                    "errors": [{"field": "person.full_name", "message": "bad"}],
                }
            ],
            "accepted": 0,
            "duplicate": 0,
            "conflict": 0,
            "rejected": 1,
        }
    )
    assert json_answer(answer).body == _fastapi_bytes(push_router, "/api/v1/sync/push", answer)
