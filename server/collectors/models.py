"""Collection organisations and their contracts with a social insurance office.

A collection point belongs to one organisation (``collection_point.organisation_id``); an
agent's collector code is ``app_user.agent_code`` (Mã số nhân viên thu on D05-TS).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from server.dbtypes import UTCDateTime, utcnow


class CollectionOrganisation(SQLModel, table=True):
    """Vietnam Post, a commune People's Committee, the Women's Union… in one province."""

    __tablename__ = "collection_organisation"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    name: str = Field(max_length=200)
    province_code: int = Field(foreign_key="province.code", index=True)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=20)
    email: str = Field(default="", max_length=200)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CollectionContract(SQLModel, table=True):
    """The organisation's contract with a social insurance office: who it files to, what it
    earns (basis points of the amount, per scheme and new/renewal) and how many days it has
    to transfer collected cash to the agency's account. No public rule fixes these numbers
    (research notes §4), so each contract carries its own."""

    __tablename__ = "collection_contract"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="collection_organisation.id", index=True)
    contract_no: str = Field(max_length=64)
    si_office_code: str = Field(max_length=20)
    si_office_name: str = Field(max_length=200)
    starts_on: date
    ends_on: date | None = None
    vsi_new_bp: int = 0
    vsi_renewal_bp: int = 0
    hi_new_bp: int = 0
    hi_renewal_bp: int = 0
    remittance_days: int = Field(default=0, description="Days from collection to transfer.")
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
