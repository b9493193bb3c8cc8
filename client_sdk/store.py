"""The device's local store: one SQLite file per agent account, WAL with synchronous=FULL.

It holds what the agent needs offline (policy rows, targets, roster, renewals, receipt
blocks: everything pulled, by entity), the agent's records with their sync state, the
outbox, drafts and the pull cursor. A record and its outbox entry are written in one
transaction, so a crash at any instant either keeps both or neither. Every SQL statement
of the client lives in this module, and its schema in ``store_schema`` (versioned with
``PRAGMA user_version``, migrated on open).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client_sdk.models import Cover, OutboxEntry
from client_sdk.store_schema import SCHEMA_VERSION, statements

# States whose record does not count (for a household's places or coverage).
_DEAD_STATES = ("rejected", "withdrawn", "invalid")


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


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
                for statement in statements(number):
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
            (entity, entity_id, seq, _dumps(payload)),
        )

    def pulled(self, entity: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT payload FROM pulled WHERE entity = ? ORDER BY seq", (entity,)
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def drop_pulled(self, conn: sqlite3.Connection, entities: Iterable[str]) -> None:
        """Forget reference data of these entities (the area changed); records stay."""
        for entity in entities:
            conn.execute("DELETE FROM pulled WHERE entity = ?", (entity,))

    def roster_by_household(self, entity: str, household_code: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT payload FROM pulled WHERE entity = ? "
            "AND json_extract(payload, '$.household_code') = ?",
            (entity, household_code),
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def roster_by_citizen(self, entity: str, citizen_id: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT payload FROM pulled WHERE entity = ? "
            "AND json_extract(payload, '$.citizen_id') = ?",
            (entity, citizen_id),
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def pulled_version(self) -> int:
        """Changes whenever pulled data changes: lets callers cache what they derive."""
        return int(self.get_meta("pulled_version", "0") or 0)

    def bump_pulled_version(self, conn: sqlite3.Connection) -> None:
        self.set_meta("pulled_version", str(self.pulled_version() + 1), conn)

    # --- records ----------------------------------------------------------------------------

    def insert_record(
        self,
        conn: sqlite3.Connection,
        *,
        body: dict[str, Any],
        quote: dict[str, Any],
        state: str,
    ) -> str:
        """Insert a new record; returns its creation time."""
        now = now_iso()
        conn.execute(
            "INSERT INTO record (id, rev, body, quote, state, result, created_at, updated_at, "
            "household_code, citizen_id, scheme, coverage_start, coverage_end) "
            "VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)",
            (str(body["id"]), int(body["rev"]), _dumps(body), _dumps(quote), state, now, now)
            + _indexed(body, quote),
        )
        return now

    def update_record(
        self,
        conn: sqlite3.Connection,
        *,
        body: dict[str, Any],
        quote: dict[str, Any],
        state: str,
    ) -> None:
        conn.execute(
            "UPDATE record SET rev = ?, body = ?, quote = ?, state = ?, updated_at = ?, "
            "household_code = ?, citizen_id = ?, scheme = ?, coverage_start = ?, "
            "coverage_end = ? WHERE id = ?",
            (int(body["rev"]), _dumps(body), _dumps(quote), state, now_iso())
            + _indexed(body, quote)
            + (str(body["id"]),),
        )

    def set_record_state(
        self,
        conn: sqlite3.Connection,
        record_id: str,
        state: str,
        result: dict[str, Any] | None,
        *,
        rev: int | None = None,
    ) -> None:
        """Store the server's answer (only for ``rev`` when given: a newer one may be queued)."""
        sql = "UPDATE record SET state = ?, result = ?, updated_at = ? WHERE id = ?"
        args: tuple[Any, ...] = (
            state,
            _dumps(result) if result is not None else None,
            now_iso(),
            record_id,
        )
        if rev is not None:
            sql += " AND rev = ?"
            args += (rev,)
        conn.execute(sql, args)

    def record_row(self, record_id: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(
            "SELECT * FROM record WHERE id = ?", (record_id,)
        ).fetchone()
        return row

    def record_rows_by_prefix(self, prefix: str) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT * FROM record WHERE id LIKE ? ORDER BY created_at LIMIT 2",
            (prefix.replace("%", "").replace("_", "\\_") + "%",),
        ).fetchall()

    def record_rows(self, state: str | None = None) -> list[sqlite3.Row]:
        if state:
            return self.conn.execute(
                "SELECT * FROM record WHERE state = ? ORDER BY created_at", (state,)
            ).fetchall()
        return self.conn.execute("SELECT * FROM record ORDER BY created_at").fetchall()

    def state_counts(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT state, count(*) FROM record GROUP BY state")
        return {str(r[0]): int(r[1]) for r in rows}

    def person_quotes(self, citizen_id: str, scheme: str) -> list[tuple[str, dict[str, Any]]]:
        """(record id, quote) of this device's live records of one person in one scheme."""
        marks = ",".join("?" for _ in _DEAD_STATES)
        rows = self.conn.execute(
            f"SELECT id, quote FROM record WHERE citizen_id = ? AND scheme = ? "
            f"AND state NOT IN ({marks}) ORDER BY created_at",
            (citizen_id, scheme, *_DEAD_STATES),
        ).fetchall()
        return [(str(r[0]), json.loads(r[1])) for r in rows]

    def household_covers(self, household_code: str, scheme: str) -> list[Cover]:
        """This device's live records of a household (any sync state but refused ones)."""
        marks = ",".join("?" for _ in _DEAD_STATES)
        rows = self.conn.execute(
            "SELECT id, citizen_id, json_extract(body, '$.person.full_name'), coverage_start, "
            "coverage_end, state, created_at, json_extract(body, '$.household.ordinal'), "
            "json_extract(body, '$.person.commune_code'), "
            "json_extract(body, '$.household.national_code') FROM record WHERE household_code = ? "
            f"AND scheme = ? AND state NOT IN ({marks}) ORDER BY created_at",
            (household_code, scheme, *_DEAD_STATES),
        ).fetchall()
        return [
            Cover(
                citizen_id=str(r[1]),
                full_name=str(r[2]),
                coverage_start=r[3],
                coverage_end=r[4],
                source=str(r[5]),
                created_at=str(r[6]),
                record_id=str(r[0]),
                place=int(r[7]) if r[7] is not None else None,
                commune_code=int(r[8]) if r[8] is not None else None,
                national_code=r[9],
            )
            for r in rows
        ]

    def latest_local_facility(self, citizen_id: str, schemes: Iterable[str]) -> str | None:
        """The facility of this person's latest live record here in one of ``schemes``."""
        wanted = sorted(schemes)
        marks = ",".join("?" for _ in _DEAD_STATES)
        kinds = ",".join("?" for _ in wanted)
        row = self.conn.execute(
            "SELECT json_extract(body, '$.initial_facility_code') FROM record "
            f"WHERE citizen_id = ? AND scheme IN ({kinds}) AND state NOT IN ({marks}) "
            "AND json_extract(body, '$.initial_facility_code') IS NOT NULL "
            "ORDER BY created_at DESC LIMIT 1",
            (citizen_id, *wanted, *_DEAD_STATES),
        ).fetchone()
        return str(row[0]) if row else None

    def latest_local_coverage_end(self, citizen_id: str, scheme: str, exclude: str) -> str | None:
        marks = ",".join("?" for _ in _DEAD_STATES)
        row = self.conn.execute(
            "SELECT max(coverage_end) FROM record WHERE citizen_id = ? AND scheme = ? "
            f"AND id != ? AND state NOT IN ({marks})",
            (citizen_id, scheme, exclude, *_DEAD_STATES),
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    # --- outbox -----------------------------------------------------------------------------

    def enqueue(
        self, conn: sqlite3.Connection, kind: str, record_id: str, rev: int, body: dict[str, Any]
    ) -> None:
        conn.execute(
            "INSERT INTO outbox (kind, record_id, rev, body, created_at) VALUES (?, ?, ?, ?, ?)",
            (kind, record_id, rev, _dumps(body), now_iso()),
        )

    def dequeue(self, conn: sqlite3.Connection, seq: int) -> None:
        conn.execute("DELETE FROM outbox WHERE seq = ?", (seq,))

    def drop_queued(self, conn: sqlite3.Connection, kind: str, record_id: str) -> int:
        """Take unsent entries of a record out of the outbox (a withdrawn record)."""
        cur = conn.execute("DELETE FROM outbox WHERE kind = ? AND record_id = ?", (kind, record_id))
        return int(cur.rowcount)

    def outbox(self, limit: int | None = None, kind: str | None = None) -> list[OutboxEntry]:
        sql = "SELECT seq, kind, record_id, rev, body, attempts FROM outbox"
        args: tuple[Any, ...] = ()
        if kind:
            sql += " WHERE kind = ?"
            args = (kind,)
        sql += " ORDER BY seq" + (f" LIMIT {int(limit)}" if limit else "")
        rows = self.conn.execute(sql, args).fetchall()
        return [OutboxEntry(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def outbox_size(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM outbox").fetchone()[0])

    # --- receipts ---------------------------------------------------------------------------

    def receipt_used(self, number: int) -> bool:
        row = self.conn.execute("SELECT 1 FROM receipt_use WHERE number = ?", (number,))
        return row.fetchone() is not None

    def use_receipt(
        self,
        conn: sqlite3.Connection,
        number: int,
        *,
        record_id: str | None = None,
        void_reason: str | None = None,
    ) -> None:
        conn.execute(
            "INSERT INTO receipt_use (number, record_id, void_reason, used_at) VALUES (?, ?, ?, ?)",
            (number, record_id, void_reason, now_iso()),
        )

    def mark_receipt_void(self, conn: sqlite3.Connection, number: int, reason: str) -> None:
        """A number spent on a sign-up that was withdrawn unsent becomes a void."""
        conn.execute(
            "UPDATE receipt_use SET record_id = NULL, void_reason = ? WHERE number = ?",
            (reason, number),
        )

    def receipt_uses(self) -> list[tuple[int, str | None, str | None]]:
        rows = self.conn.execute(
            "SELECT number, record_id, void_reason FROM receipt_use ORDER BY number"
        ).fetchall()
        return [(int(r[0]), r[1], r[2]) for r in rows]

    def receipt_uses_between(self, first: int, last: int) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM receipt_use WHERE number BETWEEN ? AND ?", (first, last)
        ).fetchone()
        return int(row[0])

    # --- drafts -----------------------------------------------------------------------------

    def save_draft(self, name: str, body: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO draft (name, body, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET body = excluded.body, "
            "updated_at = excluded.updated_at",
            (name, _dumps(body), now_iso()),
        )

    def load_draft(self, name: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT body FROM draft WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        loaded: dict[str, Any] = json.loads(row[0])
        return loaded

    def delete_draft(self, name: str, conn: sqlite3.Connection | None = None) -> None:
        (conn or self.conn).execute("DELETE FROM draft WHERE name = ?", (name,))


def _indexed(body: dict[str, Any], quote: dict[str, Any]) -> tuple[Any, ...]:
    household = body.get("household") or {}
    return (
        household.get("code"),
        body["person"]["citizen_id"],
        body["scheme"],
        quote.get("coverage_start"),
        quote.get("coverage_end"),
    )
