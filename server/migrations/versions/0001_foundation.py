"""foundation: organisation, users, devices, sessions

Revision ID: 0001
Revises:
Create Date: 2026-11-22 15:42:46.817766
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import server.dbtypes

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Reference data frozen beside the migration (never read from an installed package).
_DIVISIONS = Path(__file__).parent / "data" / "0001_divisions.json"


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", server.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "province",
        sa.Column("code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("division_type", sa.String(length=40), nullable=False),
        sa.Column("codename", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_province")),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("agent_code", sa.String(length=32), nullable=True),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("password_changed_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_app_user_province_code_province")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("agent_code", name=op.f("uq_app_user_agent_code")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_app_user_province_code"), ["province_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_app_user_role"), ["role"], unique=False)

    op.create_table(
        "commune",
        sa.Column("code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("division_type", sa.String(length=40), nullable=False),
        sa.Column("codename", sa.String(length=100), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_commune_province_code_province")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_commune")),
    )
    with op.batch_alter_table("commune", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commune_province_code"), ["province_code"], unique=False
        )

    op.create_table(
        "collection_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("commune_code", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"],
            ["commune.code"],
            name=op.f("fk_collection_point_commune_code_commune"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_point")),
        sa.UniqueConstraint("code", name=op.f("uq_collection_point_code")),
    )
    with op.batch_alter_table("collection_point", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_collection_point_commune_code"), ["commune_code"], unique=False
        )

    op.create_table(
        "coordinator_commune",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"],
            ["commune.code"],
            name=op.f("fk_coordinator_commune_commune_code_commune"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_coordinator_commune_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "commune_code", name=op.f("pk_coordinator_commune")),
    )
    with op.batch_alter_table("coordinator_commune", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coordinator_commune_commune_code"), ["commune_code"], unique=False
        )

    op.create_table(
        "device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", server.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["app_user.id"], name=op.f("fk_device_revoked_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_device_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
        sa.UniqueConstraint("user_id", "device_key", name=op.f("uq_device_user_id_device_key")),
    )
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_user_id"), ["user_id"], unique=False)

    op.create_table(
        "agent_point",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["collection_point.id"],
            name=op.f("fk_agent_point_point_id_collection_point"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_agent_point_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "point_id", name=op.f("pk_agent_point")),
    )
    with op.batch_alter_table("agent_point", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_point_point_id"), ["point_id"], unique=False)

    op.create_table(
        "auth_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("created_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", server.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_auth_session_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_auth_session_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
    )
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_session_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "refresh_token",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("issued_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", server.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", server.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth_session.id"],
            name=op.f("fk_refresh_token_session_id_auth_session"),
        ),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_refresh_token")),
    )
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refresh_token_session_id"), ["session_id"], unique=False
        )

    # Reference data: the official division list as it was when this revision was written.
    divisions = json.loads(_DIVISIONS.read_text(encoding="utf-8"))
    province = sa.table(
        "province",
        sa.column("code", sa.Integer),
        sa.column("name", sa.String),
        sa.column("division_type", sa.String),
        sa.column("codename", sa.String),
    )
    commune = sa.table(
        "commune",
        sa.column("code", sa.Integer),
        sa.column("name", sa.String),
        sa.column("division_type", sa.String),
        sa.column("codename", sa.String),
        sa.column("province_code", sa.Integer),
    )
    op.bulk_insert(province, divisions["provinces"])
    op.bulk_insert(commune, divisions["communes"])


def downgrade() -> None:
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_token_session_id"))

    op.drop_table("refresh_token")
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_auth_session_device_id"))

    op.drop_table("auth_session")
    with op.batch_alter_table("agent_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_point_point_id"))

    op.drop_table("agent_point")
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_user_id"))

    op.drop_table("device")
    with op.batch_alter_table("coordinator_commune", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coordinator_commune_commune_code"))

    op.drop_table("coordinator_commune")
    with op.batch_alter_table("collection_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_point_commune_code"))

    op.drop_table("collection_point")
    with op.batch_alter_table("commune", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commune_province_code"))

    op.drop_table("commune")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_role"))
        batch_op.drop_index(batch_op.f("ix_app_user_province_code"))

    op.drop_table("app_user")
    op.drop_table("province")
    op.drop_table("login_throttle")
