"""per-commune setting: automatic first receipt block for a new agent device

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.dbtypes

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commune_receipt_setting",
        sa.Column("commune_code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_block_size", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"],
            ["commune.code"],
            name=op.f("fk_commune_receipt_setting_commune_code_commune"),
        ),
        sa.ForeignKeyConstraint(
            ["set_by"], ["app_user.id"], name=op.f("fk_commune_receipt_setting_set_by_app_user")
        ),
        sa.PrimaryKeyConstraint("commune_code", name=op.f("pk_commune_receipt_setting")),
    )


def downgrade() -> None:
    op.drop_table("commune_receipt_setting")
