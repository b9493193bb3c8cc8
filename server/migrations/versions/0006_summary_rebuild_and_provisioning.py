"""rebuild the progress summary tables; device provisioning codes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 05:20:00.000000

Migration 0005 was edited in place after it had run (commit c26b42f): a database migrated
before that edit has ``progress_summary`` with ``month`` and ``first_*`` columns, which the
code no longer reads. The summary is derived data (rebuilt from sign-ups on the next report),
so this revision, when it finds that old shape (a ``month`` column, no ``period``), drops
both summary tables and creates them in 0005's current shape: every database, whichever
0005 it ran, ends identical. A database already in the current shape is left alone, so
this revision is safe on either side of 0007 (which adds the summary's key index); it must
run before 0007 to repair an old-shape database, since 0007 indexes ``period``.

It also adds ``provisioning_code`` (one-time codes that register an agent's device).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.dbtypes

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _create_summary_tables() -> None:
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


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("progress_summary")}
    if "period" not in columns:
        # Dropping a table drops its indexes (0005's old index name included).
        op.drop_table("progress_summary")
        op.drop_table("progress_refresh")
        _create_summary_tables()

    op.create_table(
        "provisioning_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", server.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", server.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_provisioning_code_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_provisioning_code_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["app_user.id"], name=op.f("fk_provisioning_code_revoked_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_provisioning_code_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisioning_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_provisioning_code_code_hash")),
    )
    with op.batch_alter_table("provisioning_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provisioning_code_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("provisioning_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provisioning_code_user_id"))
    op.drop_table("provisioning_code")
    # The summary tables keep the shape 0005 (as it stands) creates: nothing to undo.
