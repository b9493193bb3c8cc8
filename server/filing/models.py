"""Filing batches and the sign-ups filed in them.

``filing_entry.enrollment_id`` is the primary key, so a sign-up is in at most one live
batch: filing it twice fails in the database, not only in code. Withdrawing a batch deletes
its entries (the audit log keeps which they were) so the sign-ups can be filed again.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.dbtypes import UTCDateTime, utcnow


class FilingBatch(SQLModel, table=True):
    """One numbered submission of an organisation for a period: open, withdrawn, confirmed."""

    __tablename__ = "filing_batch"
    __table_args__ = (UniqueConstraint("organisation_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="collection_organisation.id", index=True)
    number: int
    period: str = Field(max_length=8)
    status: str = Field(default="open", max_length=12)  # open | withdrawn | confirmed
    vsi_count: int = 0
    hi_count: int = 0
    total_vnd: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_by: int | None = Field(default=None, foreign_key="app_user.id")
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FilingEntry(SQLModel, table=True):
    """A sign-up filed in a batch, on a form, at a line; later the agency's confirmation."""

    __tablename__ = "filing_entry"

    enrollment_id: str = Field(foreign_key="enrollment.id", primary_key=True, max_length=36)
    batch_id: int = Field(foreign_key="filing_batch.id", index=True)
    form: str = Field(max_length=10)  # D05-TS | D03-TS
    line: int
    confirmation_code: str | None = Field(default=None, max_length=40)
    confirmed_on: date | None = None
