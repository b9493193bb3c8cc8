"""Request and response models of the organisation domain."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from enroll_common.text import normalize_name
from enroll_common.wire import Inbound

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"


class ProvincePublic(BaseModel):
    code: int
    name: str
    division_type: str


class CommunePublic(BaseModel):
    code: int
    name: str
    division_type: str
    province_code: int


class PointCreate(Inbound):
    code: str = Field(pattern=CODE_PATTERN, description="Short unique code, e.g. EAKAR-BD.")
    name: str = Field(min_length=1, max_length=200)
    commune_code: int = Field(ge=1)
    operator: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)

    _nfc = field_validator("name", "operator", "address")(normalize_name)


class PointUpdate(Inbound):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    operator: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    is_active: bool | None = None

    @field_validator("name", "operator", "address")
    @classmethod
    def _nfc(cls, value: str | None) -> str | None:
        return None if value is None else normalize_name(value)


class PointPublic(BaseModel):
    id: int
    code: str
    name: str
    commune_code: int
    operator: str
    address: str
    is_active: bool
    created_at: datetime
    organisation_id: int | None = None
