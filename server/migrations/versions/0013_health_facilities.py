"""initial registered health facilities: the province lists, and the facility of a sign-up
and of a register entry

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 08:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.dbtypes

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "health_facility",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["province.code"],
            name=op.f("fk_health_facility_province_code_province"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_facility")),
        sa.UniqueConstraint(
            "province_code", "code", name=op.f("uq_health_facility_province_code_code")
        ),
    )
    with op.batch_alter_table("health_facility", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_health_facility_province_code"), ["province_code"], unique=False
        )
    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("initial_facility_code", sa.String(length=10), nullable=True))
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("initial_facility_code", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("initial_facility_code")
    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.drop_column("initial_facility_code")
    with op.batch_alter_table("health_facility", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_health_facility_province_code"))
    op.drop_table("health_facility")
