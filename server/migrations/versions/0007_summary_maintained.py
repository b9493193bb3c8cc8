"""progress summary maintained by every write: one row per key, emptied rows indexed

The summary was rebuilt on read until now; from this revision push and review keep it
current in their own transactions (server/reports/summary.py), which needs one row per key
(the upsert's conflict target). The old rows are dropped with their refresh state, so each
province-year is rebuilt once, in full, by its first report (or by
``enroll-server report --refresh``) and maintained from then on.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 06:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = [
    "province_code",
    "year",
    "period",
    "commune_code",
    "point_id",
    "agent_id",
    "scheme",
    "kind",
    "status",
]
EMPTY = "sign_ups = 0 AND due_renewal = 0"


def upgrade() -> None:
    op.execute("DELETE FROM progress_summary")
    op.execute("DELETE FROM progress_refresh")
    with op.batch_alter_table("progress_summary", schema=None) as batch_op:
        batch_op.create_index("uq_progress_summary_key", KEY, unique=True)
        batch_op.create_index(
            "ix_progress_summary_empty",
            ["province_code"],
            unique=False,
            postgresql_where=sa.text(EMPTY),
            sqlite_where=sa.text(EMPTY),
        )


def downgrade() -> None:
    with op.batch_alter_table("progress_summary", schema=None) as batch_op:
        batch_op.drop_index("ix_progress_summary_empty")
        batch_op.drop_index("uq_progress_summary_key")
    op.execute("DELETE FROM progress_refresh")  # rebuilt on read again
