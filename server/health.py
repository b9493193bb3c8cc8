"""Liveness, readiness and the schema check, for operators and load balancers.

- ``/api/v1/health/live``: the process answers (restart it if not).
- ``/api/v1/health/ready``: it can do its job: the database accepts a write within the probe
  timeout, the schema is the one this code expects (or a newer one, see below) and the disk
  holding a SQLite database has room. Otherwise 503 with ``cause``: ``read_only``,
  ``disk_full``, ``busy``, ``unreachable`` or ``migration_needed`` (take it out of rotation).
- ``/api/v1/health``: the original check, kept for existing monitors (same body as before).

A schema *newer* than this code counts as ready: migrations are written expand-first
(docs/deployment.md), so running ``migrate`` for the next release does not take the
instances still on this release out of rotation.
"""

from __future__ import annotations

import os
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from server.config import Settings
from server.db import classify_error
from server.deps import SessionDep
from server.migrate import alembic_config, head_revision

router = APIRouter(prefix="/api/v1", tags=["system"])


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    """Every revision this code ships; a database at another one was migrated by newer code."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return frozenset(rev.revision for rev in script.walk_revisions())


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


@router.get("/health/live")
def live() -> dict[str, str]:
    """The process is up and its event loop answers; no database access."""
    return {"status": "alive"}


@router.get("/health/ready")
def ready(request: Request) -> JSONResponse:
    """Ready to take traffic: database writable, schema compatible, disk not full."""
    settings: Settings = request.app.state.settings
    engine: Engine = request.app.state.engine
    body: dict[str, Any] = {"expected_revision": head_revision()}
    cause = _file_cause(settings, body) or _database_cause(engine, settings, body)
    body["status"] = "ready" if cause is None else "not_ready"
    if cause is not None:
        body["cause"] = cause
    return JSONResponse(
        body,
        status_code=200 if cause is None else 503,
        headers=None if cause is None else {"Retry-After": "5"},
    )


def _file_cause(settings: Settings, body: dict[str, Any]) -> str | None:
    """The SQLite file and its folder writable (SQLite writes its -wal and -shm files
    beside it) and free space there; PostgreSQL watches its own disk."""
    if not settings.is_sqlite:
        return None
    database = make_url(settings.database_url).database
    if not database or database == ":memory:":
        return None
    path = Path(database).resolve()
    folder = path.parent
    for item in (folder, path):
        if item.exists() and not os.access(item, os.W_OK):
            body["detail"] = f"{item} is not writable"
            return "read_only"
    free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
    body["disk_free_mb"] = free_mb
    if free_mb < settings.min_free_disk_mb:
        body["detail"] = f"{free_mb} MiB free, below the minimum of {settings.min_free_disk_mb}"
        return "disk_full"
    return None


def _database_cause(engine: Engine, settings: Settings, body: dict[str, Any]) -> str | None:
    """Write to the database (a no-op update of ``alembic_version``, committed) and read the
    schema revision, within the probe timeout."""
    timeout_ms = int(settings.health_probe_timeout_ms)
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as conn:
            if sqlite:  # straight to the driver: no transaction may start before it
                _sqlite_busy_timeout(conn, timeout_ms)
            try:
                with conn.begin():
                    if not sqlite:
                        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout_ms}")
                        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {timeout_ms}")
                    current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                    conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            finally:
                if sqlite and not conn.invalidated:
                    _sqlite_busy_timeout(conn, settings.sqlite_busy_timeout_ms)
    except SQLAlchemyError as exc:
        body["detail"] = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        return classify_error(exc)
    body["schema_revision"] = current
    if current == body["expected_revision"]:
        body["schema"] = "current"
        return None
    if current is not None and current not in known_revisions():
        body["schema"] = "newer"  # the next release migrated already (expand-first)
        return None
    body["schema"] = "behind"
    body["detail"] = "run `enroll-server migrate`"
    return "migration_needed"


def _sqlite_busy_timeout(conn: Connection, ms: int) -> None:
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA busy_timeout={int(ms)}")
    finally:
        cursor.close()
