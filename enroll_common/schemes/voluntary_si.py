"""Voluntary social insurance (BHXH tự nguyện): 22 % of a chosen income, State support by
group (Decree 159/2025), advance payment discounted. Pricing lives in the calculator."""

from __future__ import annotations

from enroll_common.calculator import Scheme, _voluntary_si
from enroll_common.policy import SUPPORT_GROUPS
from enroll_common.schemes.base import HouseholdUse, Insurance, SchemeRules

RULES = SchemeRules(
    scheme=Scheme.VOLUNTARY_SI,
    label_vi="BHXH tự nguyện",
    label_en="Voluntary social insurance",
    insurance=Insurance.VSI,
    household=HouseholdUse.NONE,
    required_fields=("monthly_income_vnd",),
    support_groups=SUPPORT_GROUPS,
    filing_form="D05-TS",
    price=_voluntary_si,
)
