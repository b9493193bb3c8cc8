"""Request and response models of the policy domain.

Inbound bodies only check JSON types; the meaning of a row (known parameter, value format,
dates in order, non-empty source) is checked by ``enroll_common.PolicyRow``, the same code
that reads the rows when pricing, so the API can never accept a row the calculator refuses.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, JsonValue, field_validator

from enroll_common.text import normalize_name
from enroll_common.wire import Inbound


class PolicyVersionCreate(Inbound):
    parameter: str = Field(min_length=1, max_length=64, description="e.g. base_salary.")
    value: JsonValue = Field(description='Decimals as strings ("0.045"), VND as integers.')
    effective_from: date
    effective_to: date | None = Field(default=None, description="Inclusive; null: open-ended.")
    source: str = Field(min_length=1, max_length=300, description="The legal source.")
    province_code: int | None = Field(
        default=None,
        ge=1,
        le=999,
        description="A province's own row (e.g. a People's Council top-up), overriding the "
        "national row there; null: national.",
    )

    _nfc = field_validator("source")(normalize_name)


class PolicyVersionUpdate(Inbound):
    """Only for versions no sign-up has used yet; absent fields are left unchanged."""

    value: JsonValue = None
    effective_from: date | None = None
    effective_to: date | None = None
    source: str | None = Field(default=None, min_length=1, max_length=300)

    @field_validator("source")
    @classmethod
    def _nfc(cls, value: str | None) -> str | None:
        return None if value is None else normalize_name(value)


class PolicyVersionPublic(BaseModel):
    id: int
    parameter: str
    value: JsonValue
    effective_from: date
    effective_to: date | None
    source: str
    province_code: int | None = Field(
        default=None, description="Null: national; else the province whose row this is."
    )
    created_at: datetime
    created_by: int | None
    first_used_at: datetime | None = Field(
        description="When a sign-up first used this version; from then on it is read-only."
    )


class PolicyTable(BaseModel):
    """The rules in force on one day, the versions already entered for later, and gaps."""

    on: date
    in_force: list[PolicyVersionPublic]
    future: list[PolicyVersionPublic]
    missing: list[str] = Field(description="Parameters with no version in force on that day.")


class PolicyVersionCreated(BaseModel):
    """The new version, plus the older versions whose ``effective_to`` was closed for it."""

    version: PolicyVersionPublic
    closed: list[PolicyVersionPublic]
    superseded: list[int] = Field(
        description="Ids of other versions also in force on the new start, left unchanged "
        "(used ones are never edited); the new version wins over them from its start."
    )
