"""Writing to the change log, in commit order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from server.bulk import insert_rows
from server.changelog.models import ChangeLog
from server.dbtypes import utcnow

# Any constant; all writers of the change log take this transaction-scoped lock on
# PostgreSQL so that sequence numbers are handed out in commit order and a puller never
# skips a row that commits after a higher one. SQLite writers are serial already.
_CHANGE_LOG_LOCK = 7_300_001
_SCOPE = ("province_code", "commune_code", "point_id", "user_id")
_APPENDED = {"entity", "entity_id", "op", "payload", *_SCOPE}


def record_change(
    session: Session,
    *,
    entity: str,
    entity_id: str | int,
    payload: dict[str, Any],
    op: str = "upsert",
    province_code: int | None = None,
    commune_code: int | None = None,
    point_id: int | None = None,
    user_id: int | None = None,
) -> ChangeLog:
    """Append a change visible to whoever the scope columns admit."""
    return record_changes(
        session,
        [
            ChangeLog(
                entity=entity,
                entity_id=str(entity_id),
                op=op,
                payload=payload,
                province_code=province_code,
                commune_code=commune_code,
                point_id=point_id,
                user_id=user_id,
            )
        ],
    )[0]


def lock_change_log(session: Session) -> None:
    """Take the change log's writer lock (PostgreSQL); every writer takes it before its
    insert, so sequence numbers are handed out in commit order. Hold it briefly: it is
    released only at commit, and every other writer of the log waits for it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHANGE_LOG_LOCK})


def record_changes(session: Session, rows: Sequence[ChangeLog]) -> Sequence[ChangeLog]:
    """Append several changes in this order: one lock and one flush for a whole batch."""
    if not rows:
        return rows
    lock_change_log(session)
    session.add_all(rows)
    session.flush()
    return rows


def append_changes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """``record_changes`` for a batch that needs no objects back: one bulk insert (COPY on
    PostgreSQL, one precompiled executemany on SQLite; ``server.bulk``), so a batch holds the
    change log's lock for as short a time as it can.

    Each row has ``entity``, ``entity_id``, ``payload`` and whichever scope columns apply.
    """
    if not rows:
        return
    unknown = set().union(*rows) - _APPENDED
    if unknown:
        raise ValueError(f"not change-log columns: {sorted(unknown)}")
    lock_change_log(session)
    now = utcnow()
    insert_rows(
        session,
        ChangeLog.__table__,  # type: ignore[attr-defined]
        [
            {
                "entity": row["entity"],
                "entity_id": str(row["entity_id"]),
                "op": row.get("op", "upsert"),
                "province_code": row.get("province_code"),
                "commune_code": row.get("commune_code"),
                "point_id": row.get("point_id"),
                "user_id": row.get("user_id"),
                "payload": row["payload"],
                "created_at": now,
            }
            for row in rows
        ],
    )
