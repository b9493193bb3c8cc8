"""The scheme registry: every ``Scheme`` member maps to its module's ``SchemeRules``.

Adding a scheme: a member in ``Scheme`` (calculator), a module here, one line below (and
its policy rows). Everything else asks the registry; tests/common/test_schemes.py fails if
a member has no rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import assert_never

from enroll_common.calculator import Scheme
from enroll_common.errors import PolicyError
from enroll_common.policy import PolicySet, flag_value
from enroll_common.schemes import household_hi, supported_hi, voluntary_si
from enroll_common.schemes.base import HouseholdUse, Insurance, SchemeRules

REGISTRY: Mapping[Scheme, SchemeRules] = MappingProxyType(
    {r.scheme: r for r in (voluntary_si.RULES, household_hi.RULES, supported_hi.RULES)}
)


def rules(scheme: Scheme | str) -> SchemeRules:
    """The rules of ``scheme`` (a member or its value); PolicyError for an unknown name."""
    try:
        return REGISTRY[Scheme(scheme)]
    except (ValueError, KeyError):
        raise PolicyError(
            "scheme", f"unknown scheme {scheme!r}", [s.value for s in Scheme]
        ) from None


def ranks_household(
    scheme: Scheme | str, policy: PolicySet, on: date, province: int | None = None
) -> bool:
    """Whether a sign-up's place in its household prices it (server and device alike)."""
    r = rules(scheme)
    match r.household:
        case HouseholdUse.NONE:
            return False
        case HouseholdUse.RANKED:
            return True
        case HouseholdUse.DECLARED:
            if r.ladder_flag is None:
                return False
            return flag_value(policy.in_force(r.ladder_flag, on, province))
        case _:
            assert_never(r.household)


def scheme_values(insurance: Insurance | None = None) -> tuple[str, ...]:
    """Scheme codes in registry order, optionally only those selling ``insurance``."""
    return tuple(
        r.scheme.value for r in REGISTRY.values() if insurance is None or r.insurance is insurance
    )


def scheme_label(scheme: str, lang: str = "vi") -> str:
    """The scheme's name for people; the code itself when it is not a scheme."""
    found = REGISTRY.get(Scheme(scheme)) if scheme in Scheme._value2member_map_ else None
    if found is None:
        return scheme
    return found.label_en if lang == "en" else found.label_vi


SCHEME_PATTERN = "^(" + "|".join(s.value for s in Scheme) + ")$"
"""Regex for query parameters that name a scheme."""

__all__ = [
    "REGISTRY",
    "SCHEME_PATTERN",
    "HouseholdUse",
    "Insurance",
    "SchemeRules",
    "ranks_household",
    "rules",
    "scheme_label",
    "scheme_values",
]
