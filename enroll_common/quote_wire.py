"""The wire form of a quote: the request body of ``POST /api/v1/quote`` and its answer.

Shared so that the offline client turns the same JSON into the same ``QuoteRequest`` as the
server does; types are checked here, the rules (allowed months, income range, groups) only
by the calculator, so both sides refuse the same inputs with the same ``PolicyError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pydantic import BaseModel, Field, StrictInt

from .calculator import QuoteRequest, Scheme
from .sync_wire import EnrollmentRecord, SupportEvidence
from .wire import Inbound

__all__ = ["QuoteInput", "QuoteLinePublic", "QuotePublic", "record_request"]


def record_request(
    record: EnrollmentRecord,
    *,
    household_ordinal: int | None,
    previous_coverage_end: date | None,
    support_months_used: int = 0,
    province_code: int | None = None,
    residence_area: str | None = None,
) -> QuoteRequest:
    """A pushed record's calculator input; the server and the device both build it here,
    each supplying what it knows of the person's history, province and commune."""
    evidence = record.support_evidence
    return QuoteRequest(
        scheme=Scheme(record.scheme.value),
        payment_date=record.payment_date,
        months=record.months,
        monthly_income_vnd=record.monthly_income_vnd,
        support_groups=frozenset(record.support_groups),
        support_months_used=support_months_used,
        household_ordinal=household_ordinal,
        previous_coverage_end=previous_coverage_end,
        province_code=province_code,
        residence_area=residence_area,
        evidence_kind=evidence.kind if evidence else None,
        evidence_reference=evidence.reference if evidence else None,
        evidence_valid_until=evidence.valid_until if evidence else None,
        back_payment=record.back_payment is not None,
    )


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
        description="HI schemes: last day of the previous card; voluntary_si: last day "
        "of the last paid period (the next payment continues the cycle from there).",
    )
    province_code: StrictInt | None = Field(
        default=None,
        description="Province whose policy rows apply (its own rows override national "
        "ones); null: national rows only. A push uses its collection point's province.",
    )
    commune_code: StrictInt | None = Field(
        default=None,
        description="Commune of residence: an island commune or special zone brings the "
        "VSI support group of 50 % (from official commune data).",
    )
    support_evidence: SupportEvidence | None = Field(
        default=None, description="Proof of the support group (kind, reference, validity)."
    )
    back_payment: bool = Field(
        default=False,
        description="voluntary_si: paying missing past months (Decree 159/2025 Art 7).",
    )

    def to_request(self, support_areas: Mapping[int, str] | None = None) -> QuoteRequest:
        """The calculator's input (groups as a frozenset); ``support_areas`` maps commune
        codes to their mark (special_zone, island_commune), as the server's commune table
        and the device's pulled ``commune_support`` rows hold it."""
        evidence = self.support_evidence
        area = None
        if self.commune_code is not None and support_areas:
            area = support_areas.get(self.commune_code)
        return QuoteRequest(
            scheme=self.scheme,
            payment_date=self.payment_date,
            months=self.months,
            monthly_income_vnd=self.monthly_income_vnd,
            support_groups=frozenset(self.support_groups),
            support_months_used=self.support_months_used,
            household_ordinal=self.household_ordinal,
            previous_coverage_end=self.previous_coverage_end,
            province_code=self.province_code,
            residence_area=area,
            evidence_kind=evidence.kind if evidence else None,
            evidence_reference=evidence.reference if evidence else None,
            evidence_valid_until=evidence.valid_until if evidence else None,
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
