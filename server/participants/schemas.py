"""Response models of the participants register."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class ParticipantPublic(BaseModel):
    id: int
    citizen_id: str
    scheme: str
    si_code: str | None
    full_name: str
    date_of_birth: date
    household_code: str | None
    national_household_code: str | None = None
    household_place: int | None = None
    support_months_used: int = 0
    commune_code: int
    registered_coverage_end: date | None
    coverage_end: date | None
    source: str
    last_enrollment_id: str | None
    updated_at: datetime


class RenewalDue(ParticipantPublic):
    days_left: int
