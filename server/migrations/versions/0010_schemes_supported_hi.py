"""scheme supported_hi: province-scoped policy rows, commune support areas, new policy rows

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 08:30:00

Adds ``policy_version.province_code`` (a province's row overrides the national row there),
``commune.support_area`` (special zones and island communes: VSI support of 50 %), the
policy rows of budget-supported HI and the VSI island/special-zone group, and the change-log
entries devices pull them from. Data frozen in data/0010_schemes_supported_hi.json.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import server.dbtypes

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DATA = Path(__file__).parent / "data" / "0010_schemes_supported_hi.json"


def upgrade() -> None:
    with op.batch_alter_table("policy_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province_code", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_policy_version_province_code"), ["province_code"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_policy_version_province_code_province"),
            "province",
            ["province_code"],
            ["code"],
        )
    with op.batch_alter_table("commune", schema=None) as batch_op:
        batch_op.add_column(sa.Column("support_area", sa.String(length=20), nullable=True))

    data = json.loads(_DATA.read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    policy = sa.table(
        "policy_version",
        sa.column("id", sa.Integer),
        sa.column("parameter", sa.String),
        sa.column("value", sa.JSON),
        sa.column("effective_from", sa.Date),
        sa.column("effective_to", sa.Date),
        sa.column("source", sa.String),
        sa.column("province_code", sa.Integer),
        sa.column("created_at", server.dbtypes.UTCDateTime),
    )
    changes = sa.table(
        "change_log",
        sa.column("entity", sa.String),
        sa.column("entity_id", sa.String),
        sa.column("op", sa.String),
        sa.column("payload", sa.JSON),
        sa.column("province_code", sa.Integer),
        sa.column("created_at", server.dbtypes.UTCDateTime),
    )
    rows = data["policy"]
    op.bulk_insert(
        policy,
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
    communes = data["support_areas"]["communes"]
    commune = sa.table("commune", sa.column("code", sa.Integer), sa.column("support_area"))
    for c in communes:
        op.execute(
            commune.update()
            .where(commune.c.code == c["code"])
            .values(support_area=c["support_area"])
        )
    op.bulk_insert(
        changes,
        [
            {
                # Apps before 2026-11 refuse a table holding these rows (new parameters, the
                # island group, a province's row): they travel as the new entity.
                "entity": "policy_row",
                "entity_id": str(r["id"]),
                "op": "upsert",
                "payload": r,
                "province_code": r.get("province_code"),
                "created_at": now,
            }
            for r in rows
        ]
        + [
            {
                "entity": "commune_support",
                "entity_id": str(c["code"]),
                "op": "upsert",
                "payload": c,
                "province_code": None,
                "created_at": now,
            }
            for c in communes
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('policy_version', 'id'), "
            "(SELECT max(id) FROM policy_version))"
        )


def downgrade() -> None:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    ids = [r["id"] for r in data["policy"]]
    changes = sa.table("change_log", sa.column("entity", sa.String), sa.column("entity_id"))
    op.execute(
        changes.delete().where(
            sa.or_(
                sa.and_(
                    changes.c.entity.in_(["policy_version", "policy_row"]),
                    changes.c.entity_id.in_([str(i) for i in ids]),
                ),
                changes.c.entity == "commune_support",
            )
        )
    )
    policy = sa.table("policy_version", sa.column("id", sa.Integer))
    op.execute(policy.delete().where(policy.c.id.in_(ids)))
    with op.batch_alter_table("commune", schema=None) as batch_op:
        batch_op.drop_column("support_area")
    with op.batch_alter_table("policy_version", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_policy_version_province_code_province"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_policy_version_province_code"))
        batch_op.drop_column("province_code")
