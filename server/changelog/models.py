"""The change log: one row per change a client may pull, in one monotonic sequence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from server.dbtypes import UTCDateTime, utcnow


class ChangeLog(SQLModel, table=True):
    """A pullable change. ``seq`` is the pull cursor; the scope columns say who may see it.

    A NULL scope column means "not restricted by that column": a policy row has all NULL
    but the province, a review decision names the agent's ``user_id``.
    """

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_entity_entity_id", "entity", "entity_id"),)

    seq: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=64)
    op: str = Field(default="upsert", max_length=10)
    province_code: int | None = Field(default=None)
    commune_code: int | None = Field(default=None, index=True)
    point_id: int | None = Field(default=None, index=True)
    user_id: int | None = Field(default=None, index=True)
    payload: Any = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
