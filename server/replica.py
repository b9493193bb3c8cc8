"""Reports read from a PostgreSQL streaming replica; everything else stays on the primary.

With ``FIELD_ENROLL_REPORT_DATABASE_URL`` set, the sessions of report requests (GET under
``/api/v1/reports/`` and the dashboard overview) are ``ReplicaReadSession``s: plain SELECTs
go to the replica, while anything that writes (the summary refresh's INSERT/DELETE, row
locks, raw SQL such as ANALYZE, and every flush) goes to the primary, and from then on the
request reads the primary too (read-your-writes): a report that had to rebuild the summary
is served by the primary; the many that find it fresh are served by the replica. Pushes,
pulls, logins and every other request never touch the replica. A report may trail the primary by the
replication lag (docs/scaling.md); its "as of" says when the summary it read was built.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import Select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from server.config import Settings
from server.db import make_engine

REPORT_PATHS = ("/api/v1/reports/", "/web/overview")


class ReplicaReadSession(Session):
    """A session whose reads go to the replica and whose writes go to the primary."""

    def __init__(self, primary: Engine, replica: Engine, **kwargs: Any) -> None:
        super().__init__(primary, **kwargs)
        self._primary = primary
        self._replica = replica
        self._wrote = False

    def get_bind(
        self, mapper: Any = None, clause: Any = None, **kwargs: Any
    ) -> Engine | Connection:
        if (
            not self._wrote
            and not self._flushing
            and isinstance(clause, Select)
            and clause._for_update_arg is None
        ):
            return self._replica
        # Writes, flushes, locking reads and raw SQL (ANALYZE…) go to the primary; after the
        # first of them the session reads the primary too, so it sees its own writes (the
        # replica has not replayed them yet, and they are not even committed).
        self._wrote = self._wrote or clause is not None
        return self._primary


def install_replica(app: FastAPI, settings: Settings) -> None:
    """Create the replica engine when configured (``app.state.report_engine``)."""
    app.state.report_engine = (
        make_engine(settings.model_copy(update={"database_url": settings.report_database_url}))
        if settings.report_database_url
        else None
    )


def session_for(request: Request) -> Session:
    """The request's session: replica reads for report GETs when a replica is configured."""
    primary: Engine = request.app.state.engine
    replica: Engine | None = getattr(request.app.state, "report_engine", None)
    if (
        replica is not None
        and request.method == "GET"
        and request.url.path.startswith(REPORT_PATHS)
    ):
        return ReplicaReadSession(primary, replica, expire_on_commit=False)
    return Session(primary, expire_on_commit=False)
