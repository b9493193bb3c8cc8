"""household identity (national code), household place on the register, VSI support months
used from the register, and the agent's new/renewal kept as a claim

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 08:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enrollment") as batch:
        batch.add_column(sa.Column("kind_claimed", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("national_household_code", sa.String(length=32), nullable=True))
        batch.create_index("ix_enrollment_national_household_code", ["national_household_code"])
    # Until now ``kind`` was the agent's choice: it becomes the claim of those sign-ups.
    op.execute("UPDATE enrollment SET kind_claimed = kind")
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("national_household_code", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("household_place", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("support_months_used", sa.Integer(), server_default="0", nullable=False)
        )
        batch.create_index("ix_participant_national_household_code", ["national_household_code"])


def downgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.drop_index("ix_participant_national_household_code")
        batch.drop_column("support_months_used")
        batch.drop_column("household_place")
        batch.drop_column("national_household_code")
    with op.batch_alter_table("enrollment") as batch:
        batch.drop_index("ix_enrollment_national_household_code")
        batch.drop_column("national_household_code")
        batch.drop_column("kind_claimed")
