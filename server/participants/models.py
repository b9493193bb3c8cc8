"""The participants register: who is covered, by which scheme, until when.

Seeded from the agency's list per commune and extended by accepted sign-ups. It drives
the household ordinal, duplicate detection, the roster devices pull, and renewals.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.dbtypes import UTCDateTime, utcnow


class Participant(SQLModel, table=True):
    """One person in one scheme. ``registered_coverage_end`` is what the agency's list said;
    ``coverage_end`` also counts accepted sign-ups."""

    __table_args__ = (
        UniqueConstraint("citizen_id", "scheme"),
        Index("ix_participant_household_code_scheme", "household_code", "scheme"),
        Index("ix_participant_commune_code_coverage_end", "commune_code", "coverage_end"),
        Index("ix_participant_national_household_code", "national_household_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: str = Field(max_length=12)
    scheme: str = Field(max_length=20)
    si_code: str | None = Field(default=None, max_length=10)
    full_name: str = Field(max_length=200)
    date_of_birth: date
    household_code: str | None = Field(default=None, max_length=32)
    national_household_code: str | None = Field(default=None, max_length=32)
    household_place: int | None = None  # the place of the last card of this system
    support_months_used: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """VSI months of State support already used, per the agency (the import)."""
    commune_code: int = Field(foreign_key="commune.code")
    province_code: int = Field(index=True)
    registered_coverage_end: date | None = None
    coverage_end: date | None = None
    source: str = Field(max_length=20)  # "import" | "enrollment"
    last_enrollment_id: str | None = Field(default=None, max_length=36)
    # Initial health facility on file: the agency's list, then the latest HI sign-up's choice.
    initial_facility_code: str | None = Field(default=None, max_length=10)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
