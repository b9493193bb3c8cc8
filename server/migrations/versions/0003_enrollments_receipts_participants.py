"""enrollments receipts participants

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 15:49:50.904919
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.dbtypes

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.String(length=12), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("si_code", sa.String(length=10), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("household_code", sa.String(length=32), nullable=True),
        sa.Column("commune_code", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("registered_coverage_end", sa.Date(), nullable=True),
        sa.Column("coverage_end", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("last_enrollment_id", sa.String(length=36), nullable=True),
        sa.Column("updated_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["commune.code"], name=op.f("fk_participant_commune_code_commune")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant")),
        sa.UniqueConstraint("citizen_id", "scheme", name=op.f("uq_participant_citizen_id_scheme")),
    )
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.create_index(
            "ix_participant_commune_code_coverage_end",
            ["commune_code", "coverage_end"],
            unique=False,
        )
        batch_op.create_index(
            "ix_participant_household_code_scheme", ["household_code", "scheme"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_province_code"), ["province_code"], unique=False
        )

    op.create_table(
        "enrollment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("citizen_id", sa.String(length=12), nullable=False),
        sa.Column("si_code", sa.String(length=10), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=10), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("person_commune_code", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("household_code", sa.String(length=32), nullable=True),
        sa.Column("household_ordinal_claimed", sa.Integer(), nullable=True),
        sa.Column("household_ordinal", sa.Integer(), nullable=True),
        sa.Column("monthly_income_vnd", sa.BigInteger(), nullable=True),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=False),
        sa.Column("amount_collected_vnd", sa.BigInteger(), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("adjustment_vnd", sa.BigInteger(), nullable=False),
        sa.Column("coverage_start", sa.Date(), nullable=False),
        sa.Column("coverage_end", sa.Date(), nullable=False),
        sa.Column("supported_months", sa.Integer(), nullable=False),
        sa.Column("receipt_number", sa.BigInteger(), nullable=False),
        sa.Column("flags", sa.String(length=300), nullable=False),
        sa.Column("captured_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("gps_lat", sa.Float(), nullable=True),
        sa.Column("gps_lon", sa.Float(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", server.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["app_user.id"], name=op.f("fk_enrollment_agent_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["commune.code"], name=op.f("fk_enrollment_commune_code_commune")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_enrollment_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["collection_point.id"],
            name=op.f("fk_enrollment_point_id_collection_point"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["app_user.id"], name=op.f("fk_enrollment_reviewed_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment")),
    )
    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrollment_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(
            "ix_enrollment_citizen_id_scheme", ["citizen_id", "scheme"], unique=False
        )
        batch_op.create_index(
            "ix_enrollment_commune_code_status", ["commune_code", "status"], unique=False
        )
        batch_op.create_index(
            "ix_enrollment_household_code_scheme", ["household_code", "scheme"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enrollment_point_id"), ["point_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_enrollment_province_code"), ["province_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enrollment_status"), ["status"], unique=False)

    op.create_table(
        "enrollment_audit",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_enrollment_audit_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_enrollment_audit_device_id_device")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment_audit")),
    )
    with op.batch_alter_table("enrollment_audit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enrollment_audit_entity_entity_id", ["entity", "entity_id"], unique=False
        )

    op.create_table(
        "receipt_block",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("first_number", sa.BigInteger(), nullable=False),
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["app_user.id"], name=op.f("fk_receipt_block_agent_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_receipt_block_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["app_user.id"], name=op.f("fk_receipt_block_issued_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_block")),
        sa.UniqueConstraint("first_number", name=op.f("uq_receipt_block_first_number")),
        sa.UniqueConstraint("last_number", name=op.f("uq_receipt_block_last_number")),
    )
    with op.batch_alter_table("receipt_block", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipt_block_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipt_block_device_id"), ["device_id"], unique=False)

    op.create_table(
        "enrollment_revision",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("enrollment_id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("verification_code", sa.String(length=16), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("received_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["app_user.id"], name=op.f("fk_enrollment_revision_agent_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_enrollment_revision_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollment.id"],
            name=op.f("fk_enrollment_revision_enrollment_id_enrollment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment_revision")),
        sa.UniqueConstraint(
            "enrollment_id", "rev", name=op.f("uq_enrollment_revision_enrollment_id_rev")
        ),
        sa.UniqueConstraint(
            "verification_code", name=op.f("uq_enrollment_revision_verification_code")
        ),
    )
    op.create_table(
        "receipt_use",
        sa.Column("receipt_number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("enrollment_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("used_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["block_id"], ["receipt_block.id"], name=op.f("fk_receipt_use_block_id_receipt_block")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_receipt_use_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollment.id"],
            name=op.f("fk_receipt_use_enrollment_id_enrollment"),
        ),
        sa.ForeignKeyConstraint(
            ["used_by"], ["app_user.id"], name=op.f("fk_receipt_use_used_by_app_user")
        ),
        sa.PrimaryKeyConstraint("receipt_number", name=op.f("pk_receipt_use")),
    )
    with op.batch_alter_table("receipt_use", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipt_use_block_id"), ["block_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("receipt_use", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipt_use_block_id"))

    op.drop_table("receipt_use")
    op.drop_table("enrollment_revision")
    with op.batch_alter_table("receipt_block", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipt_block_device_id"))
        batch_op.drop_index(batch_op.f("ix_receipt_block_agent_id"))

    op.drop_table("receipt_block")
    with op.batch_alter_table("enrollment_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollment_audit_entity_entity_id")

    op.drop_table("enrollment_audit")
    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollment_status"))
        batch_op.drop_index(batch_op.f("ix_enrollment_province_code"))
        batch_op.drop_index(batch_op.f("ix_enrollment_point_id"))
        batch_op.drop_index("ix_enrollment_household_code_scheme")
        batch_op.drop_index("ix_enrollment_commune_code_status")
        batch_op.drop_index("ix_enrollment_citizen_id_scheme")
        batch_op.drop_index(batch_op.f("ix_enrollment_agent_id"))

    op.drop_table("enrollment")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_province_code"))
        batch_op.drop_index("ix_participant_household_code_scheme")
        batch_op.drop_index("ix_participant_commune_code_coverage_end")

    op.drop_table("participant")
