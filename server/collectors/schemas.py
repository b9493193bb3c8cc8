"""Request and response bodies of the collection organisation domain."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator, model_validator

from enroll_common.text import normalize_name
from enroll_common.wire import Inbound
from server.org.schemas import CODE_PATTERN

BP = Field(default=0, ge=0, le=10_000, description="Basis points of the amount collected.")


class OrganisationCreate(Inbound):
    code: str = Field(pattern=CODE_PATTERN, description="The organisation's code (Mã đơn vị).")
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=20)
    email: str = Field(default="", max_length=200)

    _nfc = field_validator("name", "address")(normalize_name)


class OrganisationPublic(BaseModel):
    id: int
    code: str
    name: str
    province_code: int
    address: str
    phone: str
    email: str
    is_active: bool
    created_at: datetime


class ContractCreate(Inbound):
    contract_no: str = Field(min_length=1, max_length=64)
    si_office_code: str = Field(pattern=r"^[A-Za-z0-9]{1,20}$")
    si_office_name: str = Field(min_length=1, max_length=200)
    starts_on: date
    ends_on: date | None = None
    vsi_new_bp: int = BP
    vsi_renewal_bp: int = BP
    hi_new_bp: int = BP
    hi_renewal_bp: int = BP
    remittance_days: int = Field(ge=0, le=366)

    _nfc = field_validator("si_office_name")(normalize_name)

    @model_validator(mode="after")
    def _dates(self) -> ContractCreate:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class ContractPublic(BaseModel):
    id: int
    organisation_id: int
    contract_no: str
    si_office_code: str
    si_office_name: str
    starts_on: date
    ends_on: date | None
    vsi_new_bp: int
    vsi_renewal_bp: int
    hi_new_bp: int
    hi_renewal_bp: int
    remittance_days: int
