"""policy rows for voluntary-SI payment cycles, deadlines, back-payment and minimum age

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 08:30:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import server.dbtypes

# The rows frozen beside the migration (never the live policy file).
_ROWS = Path(__file__).parent / "data" / "0012_payment_cycles_policy.json"

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_policy = sa.table(
    "policy_version",
    sa.column("id", sa.Integer),
    sa.column("parameter", sa.String),
    sa.column("value", sa.JSON),
    sa.column("effective_from", sa.Date),
    sa.column("effective_to", sa.Date),
    sa.column("source", sa.String),
    sa.column("created_at", server.dbtypes.UTCDateTime),
)
_changes = sa.table(
    "change_log",
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("op", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("created_at", server.dbtypes.UTCDateTime),
)


def _rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(_ROWS.read_text(encoding="utf-8"))
    return rows


def upgrade() -> None:
    rows = _rows()
    now = datetime.now(UTC)
    op.bulk_insert(
        _policy,
        [
            {
                **r,
                "effective_from": date.fromisoformat(str(r["effective_from"])),
                "effective_to": date.fromisoformat(str(r["effective_to"]))
                if r["effective_to"]
                else None,
                "created_at": now,
            }
            for r in rows
        ],
    )
    # The same rows in the change log, so devices pull them with the rest of the policy: as
    # ``policy_row``, the entity of parameters older apps cannot parse (0010).
    op.bulk_insert(
        _changes,
        [
            {
                "entity": "policy_row",
                "entity_id": str(r["id"]),
                "op": "upsert",
                "payload": r,
                "created_at": now,
            }
            for r in rows
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('policy_version', 'id'), "
            "(SELECT max(id) FROM policy_version))"
        )


def downgrade() -> None:
    ids = [int(str(r["id"])) for r in _rows()]
    op.execute(
        _changes.delete().where(
            _changes.c.entity == "policy_row",
            _changes.c.entity_id.in_([str(i) for i in ids]),
        )
    )
    op.execute(_policy.delete().where(_policy.c.id.in_(ids)))
