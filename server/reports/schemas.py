"""Progress report bodies (JSON; CSV, XLSX and the terminal table are drawn from them)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from enroll_common.schemes import SCHEME_PATTERN
from enroll_common.wire import Inbound


class Level(StrEnum):
    AGENT = "agent"
    POINT = "point"
    COMMUNE = "commune"
    PROVINCE = "province"


class ProgressRow(BaseModel):
    """One unit's progress for one scheme. Percentages are exact ratios rounded half-up to
    one decimal; ``None`` where there is no target (or no population figure)."""

    level: Level
    unit_id: int
    unit_code: str
    unit_name: str
    parent: str = ""
    scheme: str
    kind: str
    target: int | None
    achieved: int
    approved: int
    pending: int
    percent: float | None
    shortfall: int | None
    surplus: int | None
    rank: int | None
    target_amount_vnd: int | None
    amount_vnd: int
    amount_percent: float | None
    sign_ups: int
    last_year: int
    change: int
    change_percent: float | None
    due_renewal: int
    population: int | None = None
    working_age: int | None = None
    coverage_percent: float | None = Field(
        default=None, description="HI schemes' participants / population"
    )
    labour_force_percent: float | None = Field(
        default=None, description="VSI participants / working-age population"
    )


class ProgressReport(BaseModel):
    period: str
    previous_period: str
    level: Level
    scheme: str | None
    kind: str
    as_of: datetime
    rows: list[ProgressRow]
    totals: list[ProgressRow]


class CommissionRateCreate(Inbound):
    scheme: str = Field(pattern=SCHEME_PATTERN)
    kind: str = Field(pattern="^(new|renewal)$")
    rate_bp: int = Field(ge=0, le=10_000, description="Basis points of the amount collected.")
    per_participant_vnd: int = Field(default=0, ge=0, le=10_000_000)
    effective_from: date
    effective_to: date | None = None
    contract_ref: str = Field(default="", max_length=200)


class CommissionRatePublic(BaseModel):
    id: int
    province_code: int
    scheme: str
    kind: str
    rate_bp: int
    per_participant_vnd: int
    effective_from: date
    effective_to: date | None
    contract_ref: str


class CommissionRow(BaseModel):
    agent_id: int
    agent_code: str
    agent_name: str
    scheme: str
    kind: str
    sign_ups: int
    amount_vnd: int
    commission_vnd: int


class CommissionReport(BaseModel):
    period: str
    as_of: datetime
    rows: list[CommissionRow]
    total_commission_vnd: int


class PopulationPublic(BaseModel):
    commune_code: int
    year: int
    population: int
    working_age: int
    source: str


class PopulationImportReport(BaseModel):
    rows: int
    written: int
    errors: list[dict[str, object]]
