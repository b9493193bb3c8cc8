"""progress summary and its refresh state

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 16:27:23.599059
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.dbtypes

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "progress_refresh",
        sa.Column("province_code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("watermark", sa.String(length=100), nullable=False),
        sa.Column("refreshed_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("province_code", "year", name=op.f("pk_progress_refresh")),
    )
    op.create_table(
        "progress_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("commune_code", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sign_ups", sa.Integer(), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("participants_all", sa.Integer(), nullable=False),
        sa.Column("participants_kind", sa.Integer(), nullable=False),
        sa.Column("due_renewal", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_summary")),
    )
    with op.batch_alter_table("progress_summary", schema=None) as batch_op:
        batch_op.create_index(
            "ix_progress_summary_province_code_period", ["province_code", "period"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("progress_summary", schema=None) as batch_op:
        batch_op.drop_index("ix_progress_summary_province_code_period")

    op.drop_table("progress_summary")
    op.drop_table("progress_refresh")
