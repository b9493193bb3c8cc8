"""Versioned policy parameters: every number the calculator uses, with its date and source."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from server.dbtypes import UTCDateTime, utcnow


class PolicyVersion(SQLModel, table=True):
    """One dated value of one parameter. Append-only once a sign-up has used it."""

    __tablename__ = "policy_version"

    id: int | None = Field(default=None, primary_key=True)
    parameter: str = Field(max_length=64, index=True)
    value: Any = Field(sa_column=Column(JSON, nullable=False))
    effective_from: date
    effective_to: date | None = None
    source: str = Field(max_length=300)
    province_code: int | None = Field(default=None, foreign_key="province.code", index=True)
    """None: national; a province's row overrides the national one there (and only its
    devices pull it)."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    first_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
