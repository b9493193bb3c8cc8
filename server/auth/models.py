"""Users, their scope links, devices, refresh tokens and login throttling state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.dbtypes import UTCDateTime, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    AGENT = "agent"


class User(SQLModel, table=True):
    """Anyone who logs in. ``province_code`` bounds an admin; links bound the others."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    full_name: str = Field(max_length=200)
    role: str = Field(max_length=20, index=True)
    phone: str = Field(default="", max_length=20)
    agent_code: str | None = Field(
        default=None, sa_column=Column(String(32), unique=True, nullable=True)
    )
    province_code: int = Field(foreign_key="province.code", index=True)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    password_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CoordinatorCommune(SQLModel, table=True):
    """A coordinator's communes: the whole of their scope."""

    __tablename__ = "coordinator_commune"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    commune_code: int = Field(foreign_key="commune.code", primary_key=True, index=True)


class AgentPoint(SQLModel, table=True):
    """The collection points an agent works at."""

    __tablename__ = "agent_point"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    point_id: int = Field(foreign_key="collection_point.id", primary_key=True, index=True)


class Device(SQLModel, table=True):
    """A phone or laptop an agent logs in from; revoking it cuts its tokens at once."""

    __table_args__ = (UniqueConstraint("user_id", "device_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    device_key: str = Field(max_length=100)
    name: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: int | None = Field(default=None, foreign_key="app_user.id")


class AuthSession(SQLModel, table=True):
    """One login on one device: the family of its rotated refresh tokens.

    Access tokens name their session, so revoking it (logout, refresh-token reuse,
    password change) cuts the access token at once, not only at expiry.
    """

    __tablename__ = "auth_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    device_id: int = Field(foreign_key="device.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str | None = Field(default=None, max_length=100)


class RefreshToken(SQLModel, table=True):
    """One issued refresh token; each rotation adds a row to its session's chain."""

    __tablename__ = "refresh_token"

    jti: str = Field(primary_key=True, max_length=64)
    session_id: str = Field(foreign_key="auth_session.id", index=True, max_length=64)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    rotated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginThrottle(SQLModel, table=True):
    """Failed-login counters per account and per address, shared by all server processes."""

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=200)
    failures: int = Field(default=0)
    window_started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
