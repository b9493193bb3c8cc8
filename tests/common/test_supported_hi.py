"""Budget-supported HI and commune support in the shared calculator (issue 11 items 2–3)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from enroll_common import PolicyError, PolicySet, QuoteRequest, Scheme, quote

PAY = date(2026, 11, 20)


def _rows(policy_dicts: list[dict[str, Any]], *extra: dict[str, Any]) -> PolicySet:
    return PolicySet.from_dicts([*policy_dicts, *extra])


def _shi(group: str, **kw: Any) -> QuoteRequest:
    base: dict[str, Any] = {
        "evidence_kind": "commune_list",
        "evidence_reference": "123/QĐ-UBND",
    }
    base.update(kw)
    return QuoteRequest(Scheme.SUPPORTED_HI, PAY, 12, support_groups=frozenset({group}), **base)


def test_a_province_row_overrides_the_national_row_only_there(policy: PolicySet) -> None:
    national = quote(_shi("farm_household"), policy)
    ha_noi = quote(_shi("farm_household", province_code=1), policy)
    dak_lak = quote(_shi("farm_household", province_code=66), policy)
    assert national.policy_versions["supported_hi_groups"] == 18
    assert ha_noi.policy_versions["supported_hi_groups"] == 20
    assert dak_lak == national
    assert (national.net_vnd, ha_noi.net_vnd) == (956_340, 546_480)
    # Before Hà Nội's resolution takes effect, the national row applies there too.
    early = QuoteRequest(
        Scheme.SUPPORTED_HI,
        date(2025, 12, 31),
        12,
        support_groups=frozenset({"farm_household"}),
        province_code=1,
        evidence_kind="commune_list",
        evidence_reference="1",
    )
    assert quote(early, policy).policy_versions["supported_hi_groups"] == 18


def test_ladder_flag_applies_to_the_participants_own_share(
    policy_dicts: list[dict[str, Any]],
) -> None:
    flag = {
        "id": 99,
        "parameter": "supported_hi_household_ladder",
        "value": True,
        "effective_from": "2026-01-01",
        "effective_to": None,
        "source": "test",
    }
    policy = _rows(policy_dicts, flag)
    first = quote(_shi("near_poor", evidence_kind="near_poor_certificate"), policy)
    second = quote(
        _shi("near_poor", evidence_kind="near_poor_certificate", household_ordinal=2), policy
    )
    assert first.net_vnd == 409_860 and first.household_discount_vnd == 0
    # 34,155 a month of own share × 0.7 = 23,908.5 → 23,909
    assert second.net_vnd == 23_909 * 12
    assert second.gross_vnd == second.net_vnd + second.support_vnd + second.household_discount_vnd
    assert second.policy_versions["hi_household_ladder"] == 5


def test_vsi_commune_group_can_be_raised_only_with_evidence(
    policy_dicts: list[dict[str, Any]],
) -> None:
    top_up = {
        "id": 98,
        "parameter": "vsi_support",
        "value": {
            "rates": {"poor": "0.6", "island_special_zone": "0.5", "other": "0.2"},
            "max_months": 120,
        },
        "effective_from": "2026-01-01",
        "effective_to": None,
        "source": "test province resolution",
        "province_code": 79,
    }
    policy = _rows(policy_dicts, top_up)
    zone: dict[str, Any] = {
        "monthly_income_vnd": 1_500_000,
        "residence_area": "special_zone",
        "province_code": 79,
    }
    plain = quote(QuoteRequest(Scheme.VOLUNTARY_SI, PAY, 1, **zone), policy)
    assert plain.support_vnd == 165_000
    with pytest.raises(PolicyError) as exc:
        quote(
            QuoteRequest(Scheme.VOLUNTARY_SI, PAY, 1, support_groups=frozenset({"poor"}), **zone),
            policy,
        )
    assert exc.value.field == "support_evidence" and "giấy tờ" in exc.value.message
    raised = quote(
        QuoteRequest(
            Scheme.VOLUNTARY_SI,
            PAY,
            1,
            support_groups=frozenset({"poor"}),
            evidence_kind="poor_certificate",
            evidence_reference="GCN-1",
            **zone,
        ),
        policy,
    )
    assert raised.support_vnd == 198_000  # 60 % of 22 % × 1,500,000


def test_unknown_residence_area_and_agent_cannot_claim_the_island_group(
    policy: PolicySet,
) -> None:
    with pytest.raises(PolicyError) as exc:
        quote(
            QuoteRequest(
                Scheme.VOLUNTARY_SI, PAY, 1, monthly_income_vnd=1_500_000, residence_area="moon"
            ),
            policy,
        )
    assert exc.value.field == "residence_area"
    with pytest.raises(PolicyError) as exc:
        quote(
            QuoteRequest(
                Scheme.VOLUNTARY_SI,
                PAY,
                1,
                monthly_income_vnd=1_500_000,
                support_groups=frozenset({"island_special_zone"}),
            ),
            policy,
        )
    assert exc.value.field == "support_groups"


def test_a_malformed_supported_row_fails_when_loaded(policy_dicts: list[dict[str, Any]]) -> None:
    bad = {
        "id": 97,
        "parameter": "supported_hi_groups",
        "value": {"near_poor": {"rate": "1.2", "evidence": [], "validity_months": None}},
        "effective_from": "2026-01-01",
        "effective_to": None,
        "source": "test",
    }
    with pytest.raises(PolicyError) as exc:
        _rows(policy_dicts, bad)
    assert exc.value.field == "value" and "rate" in exc.value.message
    with pytest.raises(PolicyError) as exc:
        _rows(policy_dicts, {**bad, "value": {"pensioner": bad["value"]["near_poor"]}})
    assert exc.value.field == "value"
