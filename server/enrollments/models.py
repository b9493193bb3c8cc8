"""Sign-ups, their revisions, the audit log, and receipt blocks and uses.

Idempotency lives in constraints, not in code paths: the primary key is the client's UUID,
``(enrollment_id, rev)`` is unique in ``enrollment_revision``, and a receipt number can be
used (or voided) once because ``receipt_use.receipt_number`` is the primary key. Two
server processes racing on one record therefore store it once; the loser re-reads.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.dbtypes import UTCDateTime, utcnow


class Enrollment(SQLModel, table=True):
    """The current state of one sign-up (its latest accepted revision)."""

    __table_args__ = (
        Index("ix_enrollment_citizen_id_scheme", "citizen_id", "scheme"),
        Index("ix_enrollment_household_code_scheme", "household_code", "scheme"),
        Index("ix_enrollment_commune_code_status", "commune_code", "status"),
        Index("ix_enrollment_national_household_code", "national_household_code"),
    )

    id: str = Field(primary_key=True, max_length=36)
    rev: int
    status: str = Field(max_length=20, index=True)
    scheme: str = Field(max_length=20)
    kind: str = Field(max_length=10)  # new | renewal, as the register and history decide
    kind_claimed: str | None = Field(default=None, max_length=10)  # the agent's choice

    citizen_id: str = Field(max_length=12)
    si_code: str | None = Field(default=None, max_length=10)
    full_name: str = Field(max_length=200)
    date_of_birth: date
    sex: str = Field(max_length=10)
    phone: str | None = Field(default=None, max_length=20)
    person_commune_code: int
    address: str = Field(default="", max_length=300)
    household_code: str | None = Field(default=None, max_length=32)
    national_household_code: str | None = Field(default=None, max_length=32)
    household_ordinal_claimed: int | None = None
    household_ordinal: int | None = None
    monthly_income_vnd: int | None = Field(default=None, sa_type=BigInteger)

    months: int
    payment_date: date
    amount_collected_vnd: int = Field(sa_type=BigInteger)
    amount_vnd: int = Field(sa_type=BigInteger)
    adjustment_vnd: int = Field(sa_type=BigInteger)
    coverage_start: date
    coverage_end: date
    supported_months: int = 0
    receipt_number: int = Field(sa_type=BigInteger)
    flags: str = Field(default="", max_length=300)  # ",a,b," so a LIKE finds one on any database
    initial_facility_code: str | None = Field(default=None, max_length=10)  # server.facilities

    captured_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    gps_lat: float | None = None
    gps_lon: float | None = None

    agent_id: int = Field(foreign_key="app_user.id", index=True)
    device_id: int = Field(foreign_key="device.id")
    point_id: int = Field(foreign_key="collection_point.id", index=True)
    commune_code: int = Field(foreign_key="commune.code")
    province_code: int = Field(index=True)

    reviewed_by: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    review_reason: str | None = Field(default=None, max_length=500)

    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]


class EnrollmentRevision(SQLModel, table=True):
    """Every revision ever accepted: the body, its hash and the answer given for it.

    ``id`` is the server sequence that goes into the verification code.
    """

    __tablename__ = "enrollment_revision"
    __table_args__ = (UniqueConstraint("enrollment_id", "rev"),)

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    enrollment_id: str = Field(foreign_key="enrollment.id", max_length=36)
    rev: int
    content_hash: str = Field(max_length=64)
    body: Any = Field(sa_column=Column(JSON, nullable=False))
    answer: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    verification_code: str | None = Field(
        default=None, sa_column=Column(String(16), unique=True, nullable=True)
    )
    agent_id: int = Field(foreign_key="app_user.id")
    device_id: int = Field(foreign_key="device.id")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EnrollmentAudit(SQLModel, table=True):
    """Append-only: who did what to which sign-up or receipt, when, from which device."""

    __tablename__ = "enrollment_audit"
    __table_args__ = (Index("ix_enrollment_audit_entity_entity_id", "entity", "entity_id"),)

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    entity: str = Field(max_length=30)
    entity_id: str = Field(max_length=64)
    action: str = Field(max_length=30)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    device_id: int | None = Field(default=None, foreign_key="device.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    detail: Any = Field(sa_column=Column(JSON, nullable=False))


class ReceiptBlock(SQLModel, table=True):
    """A range of receipt numbers handed to one device; ranges never overlap."""

    __tablename__ = "receipt_block"

    id: int | None = Field(default=None, primary_key=True)
    device_id: int = Field(foreign_key="device.id", index=True)
    agent_id: int = Field(foreign_key="app_user.id", index=True)
    first_number: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    last_number: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    issued_by: int = Field(foreign_key="app_user.id")


class ReceiptUse(SQLModel, table=True):
    """A receipt number spent on a sign-up or voided; the primary key makes it once only."""

    __tablename__ = "receipt_use"

    receipt_number: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    block_id: int = Field(foreign_key="receipt_block.id", index=True)
    device_id: int = Field(foreign_key="device.id")
    kind: str = Field(max_length=10)  # "enrollment" | "void"
    enrollment_id: str | None = Field(default=None, foreign_key="enrollment.id", max_length=36)
    reason: str | None = Field(default=None, max_length=300)
    used_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    used_by: int = Field(foreign_key="app_user.id")
