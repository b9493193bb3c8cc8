"""The wire form of a quote: the request body of ``POST /api/v1/quote`` and its answer.

Shared so that the offline client turns the same JSON into the same ``QuoteRequest`` as the
server does; types are checked here, the rules (allowed months, income range, groups) only
by the calculator, so both sides refuse the same inputs with the same ``PolicyError``.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, StrictInt

from .calculator import QuoteRequest, Scheme
from .wire import Inbound

__all__ = ["QuoteInput", "QuoteLinePublic", "QuotePublic"]


class QuoteInput(Inbound):
    """Inputs of one quote; fields of the other scheme are ignored by the calculator."""

    scheme: Scheme
    payment_date: date
    months: StrictInt
    monthly_income_vnd: StrictInt | None = Field(
        default=None, description="voluntary_si: the chosen monthly income."
    )
    support_groups: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="voluntary_si: state-support groups (empty means general support).",
    )
    support_months_used: StrictInt = Field(
        default=0, description="voluntary_si: supported months already used in the past."
    )
    household_ordinal: StrictInt | None = Field(
        default=None, description="household_hi: 1 for the household's first covered member."
    )
    previous_coverage_end: date | None = Field(
        default=None,
        description="household_hi: last day of the previous card; voluntary_si: last day "
        "of the last paid period (the next payment continues the cycle from there).",
    )
    back_payment: bool = Field(
        default=False,
        description="voluntary_si: paying missing past months (Decree 159/2025 Art 7).",
    )

    def to_request(self) -> QuoteRequest:
        """The calculator's input (groups as a frozenset)."""
        return QuoteRequest(
            scheme=self.scheme,
            payment_date=self.payment_date,
            months=self.months,
            monthly_income_vnd=self.monthly_income_vnd,
            support_groups=frozenset(self.support_groups),
            support_months_used=self.support_months_used,
            household_ordinal=self.household_ordinal,
            previous_coverage_end=self.previous_coverage_end,
            back_payment=self.back_payment,
        )


class QuoteLinePublic(BaseModel):
    code: str
    label: str
    amount_vnd: int


class QuotePublic(BaseModel):
    """``Quote.to_dict()`` as a model: the amount and the "why this amount" breakdown."""

    scheme: Scheme
    months: int
    monthly_gross_vnd: int
    monthly_net_vnd: int
    gross_vnd: int
    support_vnd: int
    household_discount_vnd: int
    advance_discount_vnd: int
    net_vnd: int
    lines: list[QuoteLinePublic]
    policy_versions: dict[str, int] = Field(
        description="Parameter → id of the policy version that priced it."
    )
    coverage_start: date
    coverage_end: date
    back_payment_interest_vnd: int = 0
