"""Bodies of the cash API and the reconciliation report."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, field_validator

from enroll_common.text import normalize_name
from enroll_common.wire import Inbound

MAX_VND = 10**12


class RefundCreate(Inbound):
    enrollment_id: str = Field(min_length=36, max_length=36)
    amount_vnd: int = Field(gt=0, le=MAX_VND)
    refunded_on: date


class HandoverCreate(Inbound):
    organisation_id: int = Field(ge=1)
    agent_id: int = Field(ge=1)
    amount_vnd: int = Field(gt=0, le=MAX_VND)
    handed_on: date
    received_by: str = Field(min_length=1, max_length=200)
    enrollment_ids: list[str] = Field(min_length=1, max_length=5000)

    _nfc = field_validator("received_by")(normalize_name)


class TransferCreate(Inbound):
    organisation_id: int = Field(ge=1)
    amount_vnd: int = Field(gt=0, le=MAX_VND)
    transferred_on: date
    reference: str = Field(min_length=1, max_length=100)
    handover_ids: list[int] = Field(min_length=1, max_length=5000)


class MovementPublic(BaseModel):
    id: int
    amount_vnd: int


class AgentCash(BaseModel):
    """One agent's cash for the period's sign-ups. collected = handed_over + held."""

    agent_id: int
    agent_code: str
    agent_name: str
    sign_ups: int
    collected_vnd: int = Field(description="Cash taken at the door (amount_collected_vnd).")
    refunds_owed_vnd: int = Field(description="Still to hand back after server adjustments.")
    refunds_paid_vnd: int
    net_vnd: int = Field(description="collected − refunds paid: what the agent must account for.")
    handed_over_vnd: int
    held_vnd: int
    overdue_vnd: int = Field(description="Held past the contract's remittance deadline.")
    oldest_held: date | None


class OrganisationCash(BaseModel):
    """handed_over = transferred + held_by_org."""

    handed_over_vnd: int
    transferred_vnd: int
    held_by_org_vnd: int
    overdue_vnd: int


class Reconciliation(BaseModel):
    organisation_id: int
    period: str
    at: date
    remittance_days: int | None
    agents: list[AgentCash]
    organisation: OrganisationCash
    total_net_vnd: int
    balanced: bool = Field(description="Both identities hold and each sign-up counts once.")


class HandoverPublic(BaseModel):
    id: int
    agent_id: int
    organisation_id: int
    amount_vnd: int
    handed_on: date
    received_by: str
    sign_ups: int
    transfer_id: int | None
