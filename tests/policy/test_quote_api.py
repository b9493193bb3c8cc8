"""POST /api/v1/quote: golden figures, the same answer as the calculator, errors by field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from enroll_common import PolicyError, PolicySet, quote
from enroll_common.quote_wire import QuoteInput, QuotePublic
from server.policy.initial import initial_policy_dicts
from tests.factories import auth, build_world

SHIPPED = PolicySet.from_dicts(initial_policy_dicts())

GOLDEN: list[tuple[dict[str, Any], dict[str, int]]] = [
    (
        # 2nd household member, 12 months at base salary 2,340,000: 73,710 × 12.
        {
            "scheme": "household_hi",
            "payment_date": "2025-03-10",
            "months": 12,
            "household_ordinal": 2,
        },
        {"gross_vnd": 1_263_600, "household_discount_vnd": 379_080, "net_vnd": 884_520},
    ),
    (
        # First member at base 2,530,000: 4.5% = 113,850 a month.
        {
            "scheme": "household_hi",
            "payment_date": "2026-08-01",
            "months": 6,
            "household_ordinal": 1,
        },
        {"monthly_net_vnd": 113_850, "net_vnd": 683_100},
    ),
    (
        # Poor household from July 2025: 22% × 1,500,000 = 330,000, the State pays 50%.
        {
            "scheme": "voluntary_si",
            "payment_date": "2025-09-01",
            "months": 1,
            "monthly_income_vnd": 1_500_000,
            "support_groups": ["poor"],
        },
        {"gross_vnd": 330_000, "support_vnd": 165_000, "net_vnd": 165_000},
    ),
    (
        # Before July 2025 the old decree: 10% for everyone else, 3 months.
        {
            "scheme": "voluntary_si",
            "payment_date": "2025-03-01",
            "months": 3,
            "monthly_income_vnd": 1_500_000,
        },
        {"gross_vnd": 990_000, "support_vnd": 99_000, "net_vnd": 891_000},
    ),
    (
        # Advance payment for 5 years, discounted month by month.
        {
            "scheme": "voluntary_si",
            "payment_date": "2025-09-01",
            "months": 60,
            "monthly_income_vnd": 3_000_000,
            "support_groups": ["near_poor"],
        },
        {"gross_vnd": 60 * 660_000, "support_vnd": 60 * 132_000},
    ),
]


@pytest.mark.parametrize(("body", "expected"), GOLDEN)
def test_quote_golden_figures_equal_in_process_quote(client, engine, settings, body, expected):
    build_world(engine, settings)
    r = client.post("/api/v1/quote", json=body, headers=auth(client, "agent1"))
    assert r.status_code == 200, r.text
    answer = r.json()
    for key, value in expected.items():
        assert answer[key] == value, key
    assert answer == quote(QuoteInput.model_validate(body).to_request(), SHIPPED).to_dict()
    assert answer["lines"][-1]["code"] == "net"
    assert answer["lines"][-1]["amount_vnd"] == answer["net_vnd"]


def test_quote_answer_round_trips_through_the_shared_model(client, engine, settings):
    build_world(engine, settings)
    body = GOLDEN[4][0]
    answer = client.post("/api/v1/quote", json=body, headers=auth(client, "coord1")).json()
    assert QuotePublic.model_validate(answer).model_dump(mode="json") == answer


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "scheme": "household_hi",
                "payment_date": "2025-03-10",
                "months": 5,
                "household_ordinal": 1,
            },
            "months",
        ),
        (
            {"scheme": "household_hi", "payment_date": "2025-03-10", "months": 12},
            "household_ordinal",
        ),
        (
            {
                "scheme": "voluntary_si",
                "payment_date": "2025-09-01",
                "months": 1,
                "monthly_income_vnd": 1_000_000,
            },
            "monthly_income_vnd",
        ),
        (
            {
                "scheme": "voluntary_si",
                "payment_date": "2025-09-01",
                "months": 1,
                "monthly_income_vnd": 1_500_000,
                "support_groups": ["veteran"],
            },
            "support_groups",
        ),
        # The poverty line in the shipped data ends on 2026-12-31 (a deliberate gap).
        (
            {
                "scheme": "voluntary_si",
                "payment_date": "2027-03-01",
                "months": 1,
                "monthly_income_vnd": 1_500_000,
            },
            "payment_date",
        ),
    ],
)
def test_quote_refused_by_the_rules_is_422_policy_error(client, engine, settings, body, field):
    build_world(engine, settings)
    r = client.post("/api/v1/quote", json=body, headers=auth(client, "agent1"))
    assert r.status_code == 422
    answer = r.json()
    assert answer["type"] == "policy_error"
    assert answer["field"] == field
    with pytest.raises(PolicyError) as err:
        quote(QuoteInput.model_validate(body).to_request(), SHIPPED)
    assert answer["detail"] == str(err.value)
    assert answer["allowed"] == err.value.allowed


def test_quote_months_not_allowed_lists_allowed_months(client, engine, settings):
    build_world(engine, settings)
    body = {
        "scheme": "household_hi",
        "payment_date": "2025-03-10",
        "months": 5,
        "household_ordinal": 1,
    }
    answer = client.post("/api/v1/quote", json=body, headers=auth(client, "agent1")).json()
    assert answer["allowed"] == ["3", "6", "12"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"months": "12"}, "months"),
        ({"months": 12.0}, "months"),
        ({"scheme": "pension"}, "scheme"),
        ({"payment_date": "2025-02-30"}, "payment_date"),
        ({"amount_vnd": 1}, "amount_vnd"),
    ],
)
def test_quote_with_malformed_body_is_422_validation_error(client, engine, settings, extra, field):
    build_world(engine, settings)
    body = {
        "scheme": "household_hi",
        "payment_date": "2025-03-10",
        "months": 12,
        "household_ordinal": 1,
    }
    r = client.post("/api/v1/quote", json={**body, **extra}, headers=auth(client, "agent1"))
    assert r.status_code == 422
    assert r.json()["type"] == "validation_error"
    assert r.json()["field"] == field


def test_quote_without_token_is_401(client):
    body = {
        "scheme": "household_hi",
        "payment_date": "2025-03-10",
        "months": 12,
        "household_ordinal": 1,
    }
    assert client.post("/api/v1/quote", json=body).status_code == 401


def test_quote_uses_a_version_added_through_the_api(client, engine, settings):
    build_world(engine, settings)
    r = client.post(
        "/api/v1/policy/versions",
        json={
            "parameter": "base_salary",
            "value": 3_000_000,
            "effective_from": "2030-01-01",
            "source": "test decree",
        },
        headers=auth(client, "admin"),
    )
    assert r.status_code == 201
    new_id = r.json()["version"]["id"]
    body = {
        "scheme": "household_hi",
        "payment_date": "2030-02-01",
        "months": 3,
        "household_ordinal": 1,
    }
    answer = client.post("/api/v1/quote", json=body, headers=auth(client, "agent1")).json()
    assert answer["monthly_gross_vnd"] == 135_000  # 4.5% × 3,000,000
    assert answer["policy_versions"]["base_salary"] == new_id
    before = {**body, "payment_date": "2029-12-31"}
    answer = client.post("/api/v1/quote", json=before, headers=auth(client, "agent1")).json()
    assert answer["policy_versions"]["base_salary"] == 3
    assert date.fromisoformat(answer["coverage_start"]) > date(2029, 12, 31)
