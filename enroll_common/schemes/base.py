"""What every scheme declares, so that code outside its module asks instead of branching.

A scheme's module fills one ``SchemeRules``; the registry (``enroll_common.schemes``) maps
each ``Scheme`` member to it. Pages, exports, the server's push pipeline and the device ask
these attributes ("does it use a household?", "which coverage does it count toward?")
rather than comparing scheme names, so a new scheme is one module plus a registry line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from enroll_common.calculator import Quote, QuoteRequest, Scheme
from enroll_common.policy import PolicySet


class Insurance(StrEnum):
    """Which insurance a scheme sells: decides the coverage denominator, the filing list,
    the contract rates and the renewal rules (HI cards continue, VSI months are capped)."""

    HI = "hi"
    VSI = "vsi"


class HouseholdUse(StrEnum):
    """How a scheme uses the household (hộ) block of a sign-up."""

    NONE = "none"
    """Refused: the scheme has nothing to do with households."""
    RANKED = "ranked"
    """Required: the member's place in the household prices the sign-up (the ladder)."""
    DECLARED = "declared"
    """Optional: declared for the filing; ranked only when the policy flag
    ``supported_hi_household_ladder`` in force says the ladder applies."""


@dataclass(frozen=True)
class SchemeRules:
    """One scheme: its words, its shape, and its pricing."""

    scheme: Scheme
    label_vi: str
    label_en: str
    insurance: Insurance
    household: HouseholdUse
    required_fields: tuple[str, ...]
    """Sign-up (wire record) fields that must be present for this scheme."""
    support_groups: frozenset[str]
    """Group names a sign-up of this scheme may carry in ``support_groups``."""
    filing_form: str
    """The list the collection organisation files it on (D05-TS VSI, D03-TS HI only)."""
    price: Callable[[QuoteRequest, PolicySet], Quote]
    ladder_flag: str | None = None
    """For ``HouseholdUse.DECLARED``: the policy parameter saying whether the ladder applies."""

    @property
    def counts_support_months(self) -> bool:
        """VSI support has a lifetime cap in months (Decree 159/2025): count them."""
        return self.insurance is Insurance.VSI

    @property
    def continues_card(self) -> bool:
        """HI cards continue from the previous card's end (Law on HI Art 16)."""
        return self.insurance is Insurance.HI


__all__ = ["HouseholdUse", "Insurance", "SchemeRules"]
