"""Targets and their revision history."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.dbtypes import UTCDateTime, utcnow


class TargetKind(StrEnum):
    """Which sign-ups count: first-time participants, renewals, or both."""

    NEW = "new"
    RENEWAL = "renewal"
    ALL = "all"


class Metric(StrEnum):
    PARTICIPANTS = "participants"
    AMOUNT_VND = "amount_vnd"


class TargetScope(StrEnum):
    POINT = "point"
    AGENT = "agent"


def scope_key(point_id: int, agent_id: int | None) -> str:
    """One string per scope, so a unique constraint can hold without NULL pitfalls."""
    return f"p{point_id}" if agent_id is None else f"p{point_id}a{agent_id}"


class Target(SQLModel, table=True):
    """The current value of one target; ``target_revision`` holds every value it has had.

    An agent's target belongs to one of the agent's points (it is a part of that point's
    target); ``commune_code`` and ``province_code`` are copied from the point for scoping.
    """

    __table_args__ = (UniqueConstraint("scope_key", "period", "scheme", "kind", "metric"),)

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=8, index=True)
    period_kind: str = Field(max_length=8)
    period_start: date
    period_end: date
    scheme: str = Field(max_length=20)
    kind: str = Field(max_length=10)
    metric: str = Field(max_length=20)
    scope: str = Field(max_length=10)
    scope_key: str = Field(max_length=40)
    point_id: int = Field(foreign_key="collection_point.id", index=True)
    agent_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    commune_code: int = Field(foreign_key="commune.code", index=True)
    province_code: int = Field(index=True)
    value: int = Field(sa_column=Column(BigInteger, nullable=False))
    revision: int = Field(default=1)
    set_by: int = Field(foreign_key="app_user.id")
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TargetRevision(SQLModel, table=True):
    """One value a target was given: the first, and each supplement or correction."""

    __tablename__ = "target_revision"
    __table_args__ = (UniqueConstraint("target_id", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="target.id", index=True, ondelete="CASCADE")
    revision: int
    value: int = Field(sa_column=Column(BigInteger, nullable=False))
    previous_value: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    reason: str = Field(default="", max_length=300)
    source: str = Field(default="api", max_length=20)  # api, split, import
    set_by: int = Field(foreign_key="app_user.id")
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
