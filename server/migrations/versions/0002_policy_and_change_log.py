"""policy versions and change log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 15:45:48.163007
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import server.dbtypes

# The initial policy rows frozen beside the migration (never the live policy file).
_INITIAL_POLICY = Path(__file__).parent / "data" / "0002_initial_policy.json"

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("op", sa.String(length=10), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=True),
        sa.Column("commune_code", sa.Integer(), nullable=True),
        sa.Column("point_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log")),
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_log_commune_code"), ["commune_code"], unique=False
        )
        batch_op.create_index(
            "ix_change_log_entity_entity_id", ["entity", "entity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_change_log_point_id"), ["point_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_log_user_id"), ["user_id"], unique=False)

    op.create_table(
        "policy_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parameter", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("created_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("first_used_at", server.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_policy_version_created_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_version")),
    )
    with op.batch_alter_table("policy_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_version_parameter"), ["parameter"], unique=False
        )

    # Initial policy data, and the same rows in the change log so clients pull them.
    rows = json.loads(_INITIAL_POLICY.read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    policy = sa.table(
        "policy_version",
        sa.column("id", sa.Integer),
        sa.column("parameter", sa.String),
        sa.column("value", sa.JSON),
        sa.column("effective_from", sa.Date),
        sa.column("effective_to", sa.Date),
        sa.column("source", sa.String),
        sa.column("created_at", server.dbtypes.UTCDateTime),
    )
    changes = sa.table(
        "change_log",
        sa.column("entity", sa.String),
        sa.column("entity_id", sa.String),
        sa.column("op", sa.String),
        sa.column("payload", sa.JSON),
        sa.column("created_at", server.dbtypes.UTCDateTime),
    )
    op.bulk_insert(
        policy,
        [
            {
                **r,
                "effective_from": date.fromisoformat(r["effective_from"]),
                "effective_to": date.fromisoformat(r["effective_to"])
                if r["effective_to"]
                else None,
                "created_at": now,
            }
            for r in rows
        ],
    )
    op.bulk_insert(
        changes,
        [
            {
                "entity": "policy_version",
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
    with op.batch_alter_table("policy_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_version_parameter"))

    op.drop_table("policy_version")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_log_user_id"))
        batch_op.drop_index(batch_op.f("ix_change_log_point_id"))
        batch_op.drop_index("ix_change_log_entity_entity_id")
        batch_op.drop_index(batch_op.f("ix_change_log_commune_code"))

    op.drop_table("change_log")
