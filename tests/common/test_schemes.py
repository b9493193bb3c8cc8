"""The scheme registry covers every scheme, and what it declares holds together."""

from __future__ import annotations

from datetime import date

import pytest

from enroll_common import PolicySet, Scheme
from enroll_common.errors import PolicyError
from enroll_common.glossary import TERMS, term
from enroll_common.policy import PARAMETERS
from enroll_common.schemes import (
    REGISTRY,
    SCHEME_PATTERN,
    HouseholdUse,
    Insurance,
    ranks_household,
    rules,
    scheme_label,
    scheme_values,
)
from enroll_common.sync_wire import EnrollmentRecord


def test_every_scheme_has_rules() -> None:
    assert set(REGISTRY) == set(Scheme)
    for scheme, r in REGISTRY.items():
        assert r.scheme is scheme
        assert r.label_vi and r.label_en and r.label_vi != r.label_en
        assert r.filing_form in ("D05-TS", "D03-TS")
        assert set(r.required_fields) <= set(EnrollmentRecord.model_fields)
        assert callable(r.price)
        assert (r.household is HouseholdUse.RANKED) == ("household" in r.required_fields)
        assert r.ladder_flag is None or r.ladder_flag in PARAMETERS
        assert (r.household is HouseholdUse.DECLARED) == (r.ladder_flag is not None)


def test_one_label_map_for_every_surface() -> None:
    assert set(TERMS["scheme"]) == {s.value for s in Scheme}
    for s in Scheme:
        assert term("scheme", s.value) == scheme_label(s.value) == rules(s).label_vi
        assert term("scheme", s.value, "en") == rules(s).label_en
    assert scheme_label("pension") == "pension"
    for group in (
        rules(Scheme.SUPPORTED_HI).support_groups | rules(Scheme.VOLUNTARY_SI).support_groups
    ):
        assert group in TERMS["support_group"]


def test_lists_and_patterns_follow_the_registry() -> None:
    assert scheme_values() == tuple(s.value for s in Scheme)
    assert scheme_values(Insurance.HI) == ("household_hi", "supported_hi")
    assert scheme_values(Insurance.VSI) == ("voluntary_si",)
    import re

    assert all(re.fullmatch(SCHEME_PATTERN, s.value) for s in Scheme)
    assert re.fullmatch(SCHEME_PATTERN, "pension") is None
    with pytest.raises(PolicyError) as exc:
        rules("pension")
    assert exc.value.field == "scheme"


def test_household_place_prices_only_where_the_rules_say(policy: PolicySet) -> None:
    on = date(2026, 11, 20)
    assert ranks_household(Scheme.HOUSEHOLD_HI, policy, on)
    assert not ranks_household(Scheme.VOLUNTARY_SI, policy, on)
    # Budget-supported members: the shipped flag says the ladder does not apply.
    assert not ranks_household(Scheme.SUPPORTED_HI, policy, on)
