"""The policy rows shipped with the code (loaded by migration 0002).

Also used to put a truncated test database back into the migrated state: on PostgreSQL,
``TRUNCATE app_user CASCADE`` empties ``policy_version`` too (its ``created_by`` refers to
``app_user``), so the test fixtures restore these rows and their change-log entries.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, text

from enroll_common.policy import PolicyRow, pull_entity
from server.changelog import ChangeLog
from server.policy.models import PolicyVersion

INITIAL_POLICY_FILE = Path(__file__).parent / "data" / "initial_policy.json"


def initial_policy_dicts() -> list[dict[str, Any]]:
    """The shipped rows, in ``PolicyRow.to_dict()`` form."""
    rows: list[dict[str, Any]] = json.loads(INITIAL_POLICY_FILE.read_text(encoding="utf-8"))
    return rows


def restore_initial_policy(conn: Connection) -> None:
    """Insert the shipped rows and their change-log entries into empty tables, as 0002 and
    0010 do (0010's commune marks live in ``commune``, a reference table kept by the tests)."""
    rows = initial_policy_dicts()
    now = datetime.now(UTC)
    conn.execute(
        insert(PolicyVersion),
        [
            {
                **r,
                "province_code": r.get("province_code"),
                "effective_from": date.fromisoformat(r["effective_from"]),
                "effective_to": date.fromisoformat(r["effective_to"])
                if r["effective_to"]
                else None,
                "created_at": now,
            }
            for r in rows
        ],
    )
    conn.execute(
        insert(ChangeLog),
        [
            {
                "entity": pull_entity(PolicyRow.from_dict(r)),
                "entity_id": str(r["id"]),
                "op": "upsert",
                "payload": r,
                "province_code": r.get("province_code"),
                "created_at": now,
            }
            for r in rows
        ],
    )
    # The commune marks (0010) survive in ``commune``; their change-log entries do not.
    marked = conn.execute(
        text(
            "SELECT code, name, province_code, support_area FROM commune "
            "WHERE support_area IS NOT NULL ORDER BY code"
        )
    ).all()
    if marked:
        conn.execute(
            insert(ChangeLog),
            [
                {
                    "entity": "commune_support",
                    "entity_id": str(code),
                    "op": "upsert",
                    "payload": {
                        "code": code,
                        "name": name,
                        "province_code": province,
                        "support_area": area,
                    },
                    "created_at": now,
                }
                for code, name, province, area in marked
            ],
        )
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('policy_version', 'id'), "
                "(SELECT max(id) FROM policy_version))"
            )
        )
