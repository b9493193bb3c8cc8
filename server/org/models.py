"""Provinces, communes and collection points."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from server.dbtypes import UTCDateTime, utcnow


class Province(SQLModel, table=True):
    """A province by its official code (34 since the July 2025 reorganisation)."""

    code: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    name: str = Field(max_length=100)
    division_type: str = Field(max_length=40)
    codename: str = Field(max_length=100)


class Commune(SQLModel, table=True):
    """A commune-level unit (xã, phường, đặc khu) by its official code."""

    code: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    name: str = Field(max_length=100)
    division_type: str = Field(max_length=40)
    codename: str = Field(max_length=100)
    province_code: int = Field(foreign_key="province.code", index=True)
    support_area: str | None = Field(default=None, max_length=20)
    """special_zone / island_commune: residents get the VSI support group of island
    communes and special zones (Decree 159/2025 Art 5 cl 1). Set by migration 0010 and
    ``enroll-server org support-areas``; devices pull it as ``commune_support`` changes."""


class CollectionPoint(SQLModel, table=True):
    """Where agents collect contributions: a post office, a mass organisation's office..."""

    __tablename__ = "collection_point"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    name: str = Field(max_length=200)
    commune_code: int = Field(foreign_key="commune.code", index=True)
    operator: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    organisation_id: int | None = Field(
        default=None, foreign_key="collection_organisation.id", index=True
    )
