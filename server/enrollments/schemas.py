"""Request and response models of the sign-ups domain (push/pull shapes are in sync_wire)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from enroll_common.wire import Inbound


class EnrollmentPublic(BaseModel):
    id: str
    rev: int
    status: str
    scheme: str
    kind: str = Field(description="new or renewal, derived from the register and history.")
    kind_claimed: str | None = Field(default=None, description="The agent's choice.")
    citizen_id: str
    si_code: str | None
    full_name: str
    date_of_birth: date
    sex: str
    phone: str | None
    person_commune_code: int
    address: str
    household_code: str | None
    national_household_code: str | None = None
    household_ordinal_claimed: int | None
    household_ordinal: int | None
    monthly_income_vnd: int | None
    months: int
    payment_date: date
    amount_collected_vnd: int
    amount_vnd: int
    adjustment_vnd: int
    coverage_start: date
    coverage_end: date
    receipt_number: int
    flags: list[str]
    initial_facility_code: str | None = None  # HI schemes: docs/facilities.md
    captured_at: datetime
    received_at: datetime
    updated_at: datetime
    gps_lat: float | None
    gps_lon: float | None
    agent_id: int
    device_id: int
    point_id: int
    commune_code: int
    reviewed_by: int | None
    reviewed_at: datetime | None
    review_reason: str | None


class RevisionPublic(BaseModel):
    rev: int
    content_hash: str
    received_at: datetime
    device_id: int
    verification_code: str | None


class AuditPublic(BaseModel):
    action: str
    actor_id: int | None
    device_id: int | None
    at: datetime
    detail: dict[str, Any]


class EnrollmentDetail(EnrollmentPublic):
    revisions: list[RevisionPublic]
    audit: list[AuditPublic]


class ReviewRequest(Inbound):
    decision: Literal["approve", "reject", "return"]
    reason: str | None = Field(default=None, max_length=500)
    rev: int | None = Field(
        default=None, ge=1, description="The rev the reviewer looked at; refused if it moved on."
    )

    @model_validator(mode="after")
    def _reason_needed(self) -> ReviewRequest:
        if self.decision != "approve" and not (self.reason and self.reason.strip()):
            raise ValueError(f"a reason is required to {self.decision} a sign-up")
        return self
