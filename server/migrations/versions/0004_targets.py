"""targets, population and commission rates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 15:50:02.619678
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.dbtypes

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commission_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("per_participant_vnd", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("contract_ref", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_commission_rate_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["province.code"],
            name=op.f("fk_commission_rate_province_code_province"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_rate")),
    )
    with op.batch_alter_table("commission_rate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commission_rate_province_code"), ["province_code"], unique=False
        )

    op.create_table(
        "commune_population",
        sa.Column("commune_code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("population", sa.BigInteger(), nullable=False),
        sa.Column("working_age", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("loaded_by", sa.Integer(), nullable=True),
        sa.Column("loaded_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"],
            ["commune.code"],
            name=op.f("fk_commune_population_commune_code_commune"),
        ),
        sa.ForeignKeyConstraint(
            ["loaded_by"], ["app_user.id"], name=op.f("fk_commune_population_loaded_by_app_user")
        ),
        sa.PrimaryKeyConstraint("commune_code", "year", name=op.f("pk_commune_population")),
    )
    op.create_table(
        "target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("scope_key", sa.String(length=40), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("commune_code", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("set_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["app_user.id"], name=op.f("fk_target_agent_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["commune.code"], name=op.f("fk_target_commune_code_commune")
        ),
        sa.ForeignKeyConstraint(
            ["point_id"], ["collection_point.id"], name=op.f("fk_target_point_id_collection_point")
        ),
        sa.ForeignKeyConstraint(
            ["set_by"], ["app_user.id"], name=op.f("fk_target_set_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target")),
        sa.UniqueConstraint(
            "scope_key",
            "period",
            "scheme",
            "kind",
            "metric",
            name=op.f("uq_target_scope_key_period_scheme_kind_metric"),
        ),
    )
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_target_commune_code"), ["commune_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_target_period"), ["period"], unique=False)
        batch_op.create_index(batch_op.f("ix_target_point_id"), ["point_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_target_province_code"), ["province_code"], unique=False
        )

    op.create_table(
        "target_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("previous_value", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("set_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_by"], ["app_user.id"], name=op.f("fk_target_revision_set_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["target.id"],
            name=op.f("fk_target_revision_target_id_target"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_revision")),
        sa.UniqueConstraint(
            "target_id", "revision", name=op.f("uq_target_revision_target_id_revision")
        ),
    )
    with op.batch_alter_table("target_revision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_target_revision_target_id"), ["target_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("target_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_revision_target_id"))

    op.drop_table("target_revision")
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_province_code"))
        batch_op.drop_index(batch_op.f("ix_target_point_id"))
        batch_op.drop_index(batch_op.f("ix_target_period"))
        batch_op.drop_index(batch_op.f("ix_target_commune_code"))
        batch_op.drop_index(batch_op.f("ix_target_agent_id"))

    op.drop_table("target")
    op.drop_table("commune_population")
    with op.batch_alter_table("commission_rate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commission_rate_province_code"))

    op.drop_table("commission_rate")
