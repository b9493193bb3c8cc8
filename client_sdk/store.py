"""The device's local store: one SQLite file per agent account, WAL with synchronous=FULL.

It holds what the agent needs offline (policy rows, targets, roster, renewals, receipt
blocks: everything pulled, by entity), the agent's records with their sync state, the
outbox, and the pull cursor. A record and its outbox entry are written in one transaction,
so a crash at any instant either keeps both or neither. The schema is versioned with
``PRAGMA user_version`` and migrated on open.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_MIGRATIONS: list[str] = [
    # 1: first schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE pulled (
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (entity, entity_id)
    );
    CREATE TABLE record (
        id TEXT PRIMARY KEY,
        rev INTEGER NOT NULL,
        body TEXT NOT NULL,
        quote TEXT NOT NULL,
        state TEXT NOT NULL,
        result TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX ix_record_state ON record (state);
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        record_id TEXT NOT NULL,
        rev INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        UNIQUE (kind, record_id, rev)
    );
    CREATE TABLE receipt_use (
        number INTEGER PRIMARY KEY,
        record_id TEXT,
        void_reason TEXT,
        used_at TEXT NOT NULL
    );
    """,
]
SCHEMA_VERSION = len(_MIGRATIONS)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    kind: str
    record_id: str
    rev: int
    body: dict[str, Any]
    attempts: int


class Store:
    """The local SQLite store of one account. Not thread-safe: one per process."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _migrate(self) -> None:
        version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} was written by a newer client (schema {version}); upgrade the client"
            )
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                for statement in _split(_MIGRATIONS[number]):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version={number + 1}")

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT; rolls back on any error."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # --- meta -------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def set_meta(self, key: str, value: str | None, conn: sqlite3.Connection | None = None) -> None:
        c = conn or self.conn
        if value is None:
            c.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            c.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # --- pulled reference data --------------------------------------------------------------

    def apply_change(
        self,
        conn: sqlite3.Connection,
        *,
        entity: str,
        entity_id: str,
        seq: int,
        op: str,
        payload: dict[str, Any],
    ) -> None:
        if op == "delete":
            conn.execute(
                "DELETE FROM pulled WHERE entity = ? AND entity_id = ?", (entity, entity_id)
            )
            return
        conn.execute(
            "INSERT INTO pulled (entity, entity_id, seq, payload) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (entity, entity_id) DO UPDATE SET seq = excluded.seq, "
            "payload = excluded.payload",
            (entity, entity_id, seq, json.dumps(payload, ensure_ascii=False)),
        )

    def pulled(self, entity: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT payload FROM pulled WHERE entity = ? ORDER BY seq", (entity,)
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    # --- records and outbox -----------------------------------------------------------------

    def outbox(self, limit: int | None = None) -> list[OutboxEntry]:
        sql = "SELECT seq, kind, record_id, rev, body, attempts FROM outbox ORDER BY seq"
        rows = self.conn.execute(sql + (f" LIMIT {int(limit)}" if limit else "")).fetchall()
        return [OutboxEntry(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def outbox_size(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def record_row(self, record_id: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(
            "SELECT * FROM record WHERE id = ?", (record_id,)
        ).fetchone()
        return row

    def record_rows(self, state: str | None = None) -> list[sqlite3.Row]:
        if state:
            return self.conn.execute(
                "SELECT * FROM record WHERE state = ? ORDER BY created_at", (state,)
            ).fetchall()
        return self.conn.execute("SELECT * FROM record ORDER BY created_at").fetchall()

    def used_receipts(self) -> set[int]:
        return {int(r[0]) for r in self.conn.execute("SELECT number FROM receipt_use")}


def _split(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
