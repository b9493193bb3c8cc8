"""Reference figures the reports need besides sign-ups: population and commission rates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, text
from sqlmodel import Field, SQLModel

from server.dbtypes import UTCDateTime, utcnow


class CommunePopulation(SQLModel, table=True):
    """A commune's population for a year, the denominator of coverage rates."""

    __tablename__ = "commune_population"

    commune_code: int = Field(
        foreign_key="commune.code", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    population: int = Field(sa_column=Column(BigInteger, nullable=False))
    working_age: int = Field(sa_column=Column(BigInteger, nullable=False))
    source: str = Field(default="", max_length=200)
    loaded_by: int | None = Field(default=None, foreign_key="app_user.id")
    loaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CommissionRate(SQLModel, table=True):
    """An agent commission rate from the collection contract, by scheme and sign-up kind.

    Commission = amount collected x ``rate_bp`` / 10,000 + ``per_participant_vnd`` per
    participant, for sign-ups paid while the rate was in effect.
    """

    __tablename__ = "commission_rate"

    id: int | None = Field(default=None, primary_key=True)
    province_code: int = Field(foreign_key="province.code", index=True)
    scheme: str = Field(max_length=20)
    kind: str = Field(max_length=10)  # new or renewal
    rate_bp: int = Field(ge=0, le=10_000)
    per_participant_vnd: int = Field(default=0, ge=0)
    effective_from: date
    effective_to: date | None = None
    contract_ref: str = Field(default="", max_length=200)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


SUMMARY_KEY = (
    "province_code",
    "year",
    "period",
    "commune_code",
    "point_id",
    "agent_id",
    "scheme",
    "kind",
    "status",
)
"""One summary row per key: the conflict target of the summary's upserts."""


class ProgressSummary(SQLModel, table=True):
    """Sign-ups pre-aggregated per period, agent, point, scheme, kind and status.

    Maintained by every write of sign-ups (see ``server.reports.summary``) with one set of
    rows per month, quarter and year, so a report for any period reads only that
    period's rows (a few thousand) instead of scanning millions of sign-ups.
    ``participants_*`` count each participant once per scheme and period, for the unit and
    status of their first accepted sign-up in the period, so the counts of any level are
    plain sums; ``_all`` ignores the kind (for "all" targets), ``_kind`` counts once per kind.
    Rows with status ``due`` count participants whose coverage ends in the period.
    """

    __tablename__ = "progress_summary"
    __table_args__ = (
        Index("ix_progress_summary_province_code_period", "province_code", "period"),
        Index("uq_progress_summary_key", *SUMMARY_KEY, unique=True),
        # Rows a change emptied, found without a scan (see server.reports.summary).
        Index(
            "ix_progress_summary_empty",
            "province_code",
            postgresql_where=text("sign_ups = 0 AND due_renewal = 0"),
            sqlite_where=text("sign_ups = 0 AND due_renewal = 0"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    province_code: int
    year: int
    period: str = Field(max_length=8)
    commune_code: int
    point_id: int
    agent_id: int
    scheme: str = Field(max_length=20)
    kind: str = Field(max_length=10)
    status: str = Field(max_length=20)
    sign_ups: int = 0
    amount_vnd: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    participants_all: int = 0
    participants_kind: int = 0
    due_renewal: int = 0


class ProgressRefresh(SQLModel, table=True):
    """When a province-year of ``progress_summary`` was last rebuilt, and from what state."""

    __tablename__ = "progress_refresh"

    province_code: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    watermark: str = Field(max_length=100)
    refreshed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    duration_ms: int = 0
    rows: int = 0
