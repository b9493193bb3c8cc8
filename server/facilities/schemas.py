"""What the facility API answers."""

from __future__ import annotations

from pydantic import BaseModel


class FacilityPublic(BaseModel):
    id: int
    province_code: int
    code: str
    name: str
    kind: str
    level: str
    address: str
    active: bool


class FacilityProblem(BaseModel):
    row: int
    column: str
    reason: str


class FacilityImportReport(BaseModel):
    """An import's outcome: with any problem, nothing was applied (``written`` false)."""

    province_code: int
    dry_run: bool
    rows: int
    valid: bool
    written: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    errors: list[FacilityProblem]
