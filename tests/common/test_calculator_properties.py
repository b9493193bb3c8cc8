"""Property-based checks of invariants the receipt and the insurer rely on."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from enroll_common import SUPPORT_GROUPS, PolicySet, Quote, QuoteRequest, Scheme, quote
from enroll_common.policy import int_value, months_value, payment_months_value

# Loaded at import time (not via the fixture) because the strategies below need it.
_POLICY_FILE = Path(__file__).resolve().parents[2] / "server/policy/data/initial_policy.json"
POLICY = PolicySet.from_dicts(json.loads(_POLICY_FILE.read_text(encoding="utf-8")))
ROW_PARAMETER = {row.id: row.parameter for row in POLICY.rows()}

HI_MONTHS = months_value(POLICY.in_force("hi_household_months", date(2025, 1, 1)))
VSI_MONTHS = payment_months_value(POLICY.in_force("vsi_payment_months", date(2025, 1, 1))).allowed

# Per-test settings (not a global profile) so other suites' hypothesis settings are untouched.
props = settings(deadline=None, max_examples=150)


@st.composite
def hi_requests(draw: st.DrawFn) -> QuoteRequest:
    return QuoteRequest(
        Scheme.HOUSEHOLD_HI,
        draw(st.dates(date(2023, 7, 1), date(2035, 12, 31))),
        draw(st.sampled_from(HI_MONTHS)),
        household_ordinal=draw(st.integers(1, 12)),
        previous_coverage_end=draw(st.none() | st.dates(date(2020, 1, 1), date(2036, 12, 31))),
    )


@st.composite
def vsi_requests(draw: st.DrawFn) -> QuoteRequest:
    # Every VSI row, including the advance discount rate, is in force over this range.
    payment = draw(st.dates(date(2024, 1, 1), date(2026, 12, 31)))
    floor = int_value(POLICY.in_force("vsi_income_floor", payment))
    ceiling = int_value(POLICY.in_force("vsi_income_ceiling_multiplier", payment)) * int_value(
        POLICY.in_force("base_salary", payment)
    )
    income = draw(st.integers(floor, ceiling) | st.sampled_from([floor, ceiling]))
    return QuoteRequest(
        Scheme.VOLUNTARY_SI,
        payment,
        draw(st.sampled_from(VSI_MONTHS)),
        monthly_income_vnd=income,
        support_groups=draw(st.frozensets(st.sampled_from(sorted(SUPPORT_GROUPS)))),
        support_months_used=draw(st.integers(0, 200)),
    )


any_request = hi_requests() | vsi_requests()


def with_months(req: QuoteRequest, months: int) -> QuoteRequest:
    return QuoteRequest(
        req.scheme,
        req.payment_date,
        months,
        monthly_income_vnd=req.monthly_income_vnd,
        support_groups=req.support_groups,
        support_months_used=req.support_months_used,
        household_ordinal=req.household_ordinal,
        previous_coverage_end=req.previous_coverage_end,
    )


def amounts(q: Quote) -> list[int]:
    return [
        q.monthly_gross_vnd,
        q.monthly_net_vnd,
        q.gross_vnd,
        q.support_vnd,
        q.household_discount_vnd,
        q.advance_discount_vnd,
        q.net_vnd,
        *(line.amount_vnd for line in q.lines),
    ]


@props
@given(any_request)
def test_amounts_are_never_negative(req: QuoteRequest) -> None:
    q = quote(req, POLICY)
    assert q.net_vnd >= 0
    assert all(amount >= 0 for amount in amounts(q))
    assert q.monthly_net_vnd <= q.monthly_gross_vnd


@props
@given(any_request)
def test_parts_add_up_to_gross(req: QuoteRequest) -> None:
    q = quote(req, POLICY)
    assert (
        q.net_vnd + q.support_vnd + q.household_discount_vnd + q.advance_discount_vnd == q.gross_vnd
    )
    assert q.gross_vnd == q.monthly_gross_vnd * q.months


@props
@given(hi_requests())
def test_ladder_never_raises_an_amount(req: QuoteRequest) -> None:
    assert req.household_ordinal is not None
    this = quote(req, POLICY)
    nxt = quote(
        QuoteRequest(
            req.scheme,
            req.payment_date,
            req.months,
            household_ordinal=req.household_ordinal + 1,
            previous_coverage_end=req.previous_coverage_end,
        ),
        POLICY,
    )
    assert nxt.monthly_net_vnd <= this.monthly_net_vnd
    assert nxt.net_vnd <= this.net_vnd
    assert nxt.gross_vnd == this.gross_vnd


@props
@given(any_request)
def test_more_months_never_cost_less(req: QuoteRequest) -> None:
    allowed = HI_MONTHS if req.scheme is Scheme.HOUSEHOLD_HI else VSI_MONTHS
    nets = [quote(with_months(req, months), POLICY).net_vnd for months in allowed]
    assert nets == sorted(nets)


@props
@given(any_request)
def test_quote_is_deterministic_and_names_real_rows(req: QuoteRequest) -> None:
    first = quote(req, POLICY)
    assert quote(req, POLICY) == first
    assert first.to_dict() == quote(req, POLICY).to_dict()
    for parameter, row_id in first.policy_versions.items():
        assert ROW_PARAMETER.get(row_id) == parameter


@props
@given(any_request)
def test_coverage_is_a_non_empty_period(req: QuoteRequest) -> None:
    q = quote(req, POLICY)
    assert q.coverage_start <= q.coverage_end
    if req.scheme is Scheme.HOUSEHOLD_HI:
        assert q.coverage_start >= req.payment_date
    else:
        assert q.coverage_start == req.payment_date.replace(day=1)
