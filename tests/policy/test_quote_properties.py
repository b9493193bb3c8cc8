"""Server and client price identically: HTTP /quote against the pure calculator.

The client's PolicySet is built only from the rows the server serves (as a device caches
them), and the request only through the shared ``QuoteInput``, so any drift between the
two paths (serialisation, row loading, validation) shows up as a difference.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enroll_common import SUPPORT_GROUPS, PolicyError, PolicySet, quote
from enroll_common.policy import int_value
from enroll_common.quote_wire import QuoteInput
from server.policy.initial import initial_policy_dicts
from tests.factories import auth, build_world
from tests.policy.helpers import all_versions

SHIPPED = PolicySet.from_dicts(initial_policy_dicts())

# Each example is an HTTP request against a real database: keep the count modest.
http_props = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@st.composite
def valid_bodies(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {
            "scheme": "household_hi",
            "payment_date": draw(st.dates(date(2023, 7, 1), date(2035, 12, 31))).isoformat(),
            "months": draw(st.sampled_from([3, 6, 12])),
            "household_ordinal": draw(st.integers(1, 9)),
            "previous_coverage_end": draw(
                st.none() | st.dates(date(2020, 1, 1), date(2036, 12, 31)).map(date.isoformat)
            ),
        }
    payment = draw(st.dates(date(2024, 1, 1), date(2026, 12, 31)))
    floor = int_value(SHIPPED.in_force("vsi_income_floor", payment))
    ceiling = int_value(SHIPPED.in_force("vsi_income_ceiling_multiplier", payment)) * int_value(
        SHIPPED.in_force("base_salary", payment)
    )
    return {
        "scheme": "voluntary_si",
        "payment_date": payment.isoformat(),
        "months": draw(st.sampled_from([1, 3, 6, 12, 24, 36, 48, 60])),
        "monthly_income_vnd": draw(st.integers(floor, ceiling) | st.sampled_from([floor, ceiling])),
        "support_groups": draw(st.lists(st.sampled_from(sorted(SUPPORT_GROUPS)), max_size=3)),
        "support_months_used": draw(st.integers(0, 150)),
    }


@st.composite
def any_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """Anything type-correct, including what the rules refuse (gaps, months, ranges)."""
    return {
        "scheme": draw(st.sampled_from(["household_hi", "voluntary_si"])),
        "payment_date": draw(st.dates(date(2023, 1, 1), date(2027, 6, 30))).isoformat(),
        # Mostly periods some scheme allows; repeats weight the draw.
        "months": draw(st.sampled_from([-1, 0, 1, 3, 3, 5, 6, 6, 12, 12, 24, 60])),
        "monthly_income_vnd": draw(
            st.none() | st.integers(0, 60_000_000) | st.integers(1_500_000, 5_000_000)
        ),
        "support_groups": draw(
            st.lists(st.sampled_from([*sorted(SUPPORT_GROUPS), "veteran"]), max_size=2)
        ),
        "support_months_used": draw(st.integers(-1, 130)),
        "household_ordinal": draw(st.none() | st.integers(0, 9) | st.just(1)),
        "previous_coverage_end": draw(
            st.none() | st.dates(date(2015, 1, 1), date(2036, 12, 31)).map(date.isoformat)
        ),
    }


@pytest.fixture
def agent(client, engine, settings) -> dict[str, str]:
    build_world(engine, settings)
    return auth(client, "agent1")


@pytest.fixture
def device_policy(client, agent) -> PolicySet:
    rows = all_versions(client, agent)
    # The server serves exactly the shipped rows it migrated in.
    shipped = initial_policy_dicts()
    assert [{k: r[k] for k in s} for r, s in zip(rows, shipped, strict=True)] == shipped
    return PolicySet.from_dicts(rows)


def _client_side(body: dict[str, Any], policy: PolicySet) -> dict[str, Any]:
    return quote(QuoteInput.model_validate(body).to_request(), policy).to_dict()


@http_props
@given(body=valid_bodies())
def test_http_quote_equals_client_calculator_for_valid_inputs(client, agent, device_policy, body):
    r = client.post("/api/v1/quote", json=body, headers=agent)
    assert r.status_code == 200, r.text
    assert r.json() == _client_side(body, device_policy)


@http_props
@given(body=any_bodies())
def test_http_quote_refuses_exactly_what_the_client_refuses(client, agent, device_policy, body):
    r = client.post("/api/v1/quote", json=body, headers=agent)
    try:
        expected = _client_side(body, device_policy)
    except PolicyError as err:
        assert r.status_code == 422, r.text
        answer = r.json()
        assert answer["type"] == "policy_error"
        assert (answer["field"], answer["detail"], answer["allowed"]) == (
            err.field,
            str(err),
            err.allowed,
        )
    else:
        assert r.status_code == 200, r.text
        assert r.json() == expected
