"""Liveness and schema check for operators and load balancers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from server.deps import SessionDep
from server.migrate import head_revision

router = APIRouter(prefix="/api/v1", tags=["system"])


@router.get("/health")
def health(session: SessionDep) -> JSONResponse:
    """Database reachable and the schema at the revision this code expects."""
    body: dict[str, Any] = {"expected_revision": head_revision()}
    try:
        current = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        body.update(database="ok", schema_revision=current)
    except Exception as exc:  # the point of a health check is to report, not to raise
        body.update(database="unreachable", schema_revision=None, error=type(exc).__name__)
        return JSONResponse({"status": "error", **body}, status_code=503)
    up_to_date = current == body["expected_revision"]
    body["status"] = "ok" if up_to_date else "migration_needed"
    return JSONResponse(body, status_code=200 if up_to_date else 503)
