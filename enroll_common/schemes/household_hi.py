"""Household health insurance (BHYT hộ gia đình): 4.5 % of the base salary, reduced by the
member's place in the household (the ladder). Pricing lives in the calculator."""

from __future__ import annotations

from enroll_common.calculator import Scheme, _household_hi
from enroll_common.schemes.base import HouseholdUse, Insurance, SchemeRules

RULES = SchemeRules(
    scheme=Scheme.HOUSEHOLD_HI,
    label_vi="BHYT hộ gia đình",
    label_en="Household health insurance",
    insurance=Insurance.HI,
    household=HouseholdUse.RANKED,
    required_fields=("household",),
    support_groups=frozenset(),
    filing_form="D03-TS",
    price=_household_hi,
)
