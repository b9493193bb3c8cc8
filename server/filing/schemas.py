"""Bodies of the filing API, and the verification answer with the agency's code."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from enroll_common.sync_wire import Verification
from enroll_common.wire import Inbound


class BatchCreate(Inbound):
    organisation_id: int = Field(ge=1)
    period: str = Field(min_length=4, max_length=8, description="2025-09, 2025-Q3 or 2025.")


class BatchPublic(BaseModel):
    id: int
    organisation_id: int
    number: int
    period: str
    status: str
    vsi_count: int
    hi_count: int
    total_vnd: int
    created_at: datetime
    closed_at: datetime | None


class AgencyVerification(Verification):
    """Our receipt check plus what the agency returned for the filed sign-up, if anything."""

    agency_confirmation_code: str | None = Field(
        default=None, description="Mã xác nhận from the social insurance agency, once imported."
    )
    agency_confirmed_on: date | None = None
    organisation_code: str | None = None
    si_office_code: str | None = None
