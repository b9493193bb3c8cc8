"""Cash movements: refunds paid back, hand-overs agent → organisation, transfers to the agency.

Each sign-up's cash is handed over once (``cash_handover_item.enrollment_id`` is the primary
key) and each hand-over is transferred once (``cash_transfer_item.handover_id``), so the
reconciliation counts every sign-up once by construction.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from server.dbtypes import UTCDateTime, utcnow


class CashRefund(SQLModel, table=True):
    """Money handed back to a participant after the server lowered the amount due."""

    __tablename__ = "cash_refund"

    id: int | None = Field(default=None, primary_key=True)
    enrollment_id: str = Field(foreign_key="enrollment.id", index=True, max_length=36)
    agent_id: int = Field(foreign_key="app_user.id", index=True)
    amount_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    refunded_on: date
    recorded_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CashHandover(SQLModel, table=True):
    """An agent hands cash to the organisation: amount, date, who received it."""

    __tablename__ = "cash_handover"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="app_user.id", index=True)
    organisation_id: int = Field(foreign_key="collection_organisation.id", index=True)
    amount_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    handed_on: date
    received_by: str = Field(max_length=200)
    recorded_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CashHandoverItem(SQLModel, table=True):
    """A sign-up whose cash a hand-over covers (once only)."""

    __tablename__ = "cash_handover_item"

    enrollment_id: str = Field(foreign_key="enrollment.id", primary_key=True, max_length=36)
    handover_id: int = Field(foreign_key="cash_handover.id", index=True)
    amount_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))


class CashTransfer(SQLModel, table=True):
    """The organisation transfers hand-overs to the agency's account."""

    __tablename__ = "cash_transfer"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="collection_organisation.id", index=True)
    amount_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    transferred_on: date
    reference: str = Field(max_length=100)
    recorded_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CashTransferItem(SQLModel, table=True):
    """A hand-over a transfer covers (once only)."""

    __tablename__ = "cash_transfer_item"

    handover_id: int = Field(
        foreign_key="cash_handover.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    transfer_id: int = Field(foreign_key="cash_transfer.id", index=True)
