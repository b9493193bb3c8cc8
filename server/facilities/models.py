"""The facility list of each province (reference data, imported by an admin)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from server.dbtypes import UTCDateTime, utcnow


class HealthFacility(SQLModel, table=True):
    """One facility of a province's list, by the code the agency uses (``MaBenhVien``).

    A facility left out of a later import is kept with ``active = False`` (sign-ups store
    the code as text, and devices are told to drop it), so history never dangles.
    """

    __tablename__ = "health_facility"
    __table_args__ = (UniqueConstraint("province_code", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    province_code: int = Field(foreign_key="province.code", index=True)
    code: str = Field(max_length=10)
    name: str = Field(max_length=200)
    kind: str = Field(default="", max_length=60)  # e.g. "Bệnh viện", "Trạm y tế"
    level: str = Field(default="", max_length=40)  # e.g. "tỉnh", "xã" (tuyến), when known
    address: str = Field(default="", max_length=300)
    active: bool = Field(default=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
