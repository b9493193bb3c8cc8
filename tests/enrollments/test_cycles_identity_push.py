"""Payment cycles, back-payment and identity checks at the push, agreeing with the
calculator and the quote API (the device's offline quote: tests/client/test_cycles_offline.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from enroll_common import QuoteRequest, Scheme, quote
from enroll_common.policy import PolicySet
from server.policy.initial import initial_policy_dicts
from tests.enrollments.helpers import ready, vsi_record
from tests.enrollments.test_participants import HEADER, _import

SHIPPED = PolicySet.from_dicts(initial_policy_dicts())
PAID = date(2026, 9, 15)


def _on(day: date) -> datetime:
    return datetime.combine(day, time(3, 0), tzinfo=UTC)


def _errors(result: dict[str, Any]) -> list[tuple[str, str | None]]:
    assert result["status"] == "rejected", result
    return [(e["field"], e.get("code")) for e in result["errors"]]


def test_payment_credited_to_the_participants_period_everywhere(client, engine, settings):
    """Paid up to 30 June; a 6-month payment on 15 September covers July-December
    (payable until 31 October) on the push, the quote API and the calculator alike."""
    ctx = ready(client, engine, settings)
    csv = HEADER + "066075000001,,Y Hoa,1975-02-03,,voluntary_si,2026-06-30\n"
    assert _import(client, ctx.coord, csv).status_code == 200
    rec = vsi_record(ctx, citizen_id="066075000001", months=6, payment_date=PAID)
    rec["person"]["date_of_birth"] = "1975-02-03"
    pushed = ctx.push_one(rec)["accepted"]
    api = client.post(
        "/api/v1/quote",
        json={
            "scheme": "voluntary_si",
            "payment_date": PAID.isoformat(),
            "months": 6,
            "monthly_income_vnd": 2_000_000,
            "previous_coverage_end": "2026-06-30",
        },
        headers=ctx.agent,
    ).json()
    calc = quote(
        QuoteRequest(
            scheme=Scheme.VOLUNTARY_SI,
            payment_date=PAID,
            months=6,
            monthly_income_vnd=2_000_000,
            previous_coverage_end=date(2026, 6, 30),
        ),
        SHIPPED,
    )
    expected = ("2026-07-01", "2026-12-31", 2_244_000)
    assert (pushed["coverage_start"], pushed["coverage_end"], pushed["amount_vnd"]) == expected
    assert (api["coverage_start"], api["coverage_end"], api["net_vnd"]) == expected
    assert (calc.coverage_start.isoformat(), calc.coverage_end.isoformat(), calc.net_vnd) == (
        expected
    )
    assert "vsi_lapsed" not in pushed["flags"]


def test_payment_after_the_deadline_restarts_the_cycle_flagged_lapsed(client, engine, settings):
    ctx = ready(client, engine, settings)
    csv = HEADER + "066075000002,,Y Lan,1975-02-03,,voluntary_si,2026-04-30\n"
    assert _import(client, ctx.coord, csv).status_code == 200
    rec = vsi_record(ctx, citizen_id="066075000002", months=6, payment_date=PAID)
    rec["person"]["date_of_birth"] = "1975-02-03"
    acc = ctx.push_one(rec)["accepted"]
    # May-October was payable until 31 August: the 15 September payment starts anew.
    assert (acc["coverage_start"], acc["coverage_end"]) == ("2026-09-01", "2027-02-28")
    assert "vsi_lapsed" in acc["flags"]


def test_back_dated_payment_for_past_months_rejected_naming_the_rule(client, engine, settings):
    """The issue's case: a payment period starting in 2024, recorded in November 2026."""
    ctx = ready(client, engine, settings)
    rec = vsi_record(
        ctx, payment_date=date(2024, 3, 10), captured_at=datetime(2026, 11, 20, 3, tzinfo=UTC)
    )
    result = ctx.push_one(rec)
    assert _errors(result) == [("payment_date", "vsi_payment_deadline")]
    assert "Luật BHXH 41/2024/QH15, Điều 36 khoản 3" in result["errors"][0]["message"]


def test_allowed_back_payment_accepted_flagged_and_priced_like_the_calculator(
    client, engine, settings
):
    ctx = ready(client, engine, settings)
    paid = date(2026, 11, 20)
    rec = vsi_record(
        ctx,
        citizen_id="066064000001",
        months=12,
        payment_date=paid,
        captured_at=_on(paid),
        back_payment={"contribution_months": 130},
        amount=5_405_198,
    )
    rec["person"].update(date_of_birth="1964-03-10", sex="male")
    acc = ctx.push_one(rec)["accepted"]
    # 12 months before November 2026 at 440,000 grown at 0.36% a month; no support.
    assert (acc["coverage_start"], acc["coverage_end"]) == ("2025-11-01", "2026-10-31")
    assert acc["amount_vnd"] == 5_405_198 and acc["adjustment_vnd"] == 0
    assert "back_payment_unverified" in acc["flags"]
    assert "back_payment_interest" in {line["code"] for line in acc["lines"]}


def test_back_payment_before_retirement_age_rejected(client, engine, settings):
    ctx = ready(client, engine, settings)
    paid = date(2026, 11, 20)
    rec = vsi_record(
        ctx,
        citizen_id="066090000005",
        months=12,
        payment_date=paid,
        captured_at=_on(paid),
        back_payment={"contribution_months": 130},
    )
    assert _errors(ctx.push_one(rec)) == [("back_payment", "vsi_back_payment")]


def test_vsi_for_an_eight_year_old_rejected_on_date_of_birth(client, engine, settings):
    ctx = ready(client, engine, settings)
    paid = date(2026, 11, 20)
    rec = vsi_record(ctx, citizen_id="066218000001", payment_date=paid, captured_at=_on(paid))
    rec["person"]["date_of_birth"] = "2018-06-01"
    result = ctx.push_one(rec)
    assert _errors(result) == [("person.date_of_birth", "vsi_min_age")]
    assert "đủ 15 tuổi" in result["errors"][0]["message"]


def test_citizen_id_contradicting_the_person_rejected(client, engine, settings):
    ctx = ready(client, engine, settings)
    no_province = vsi_record(ctx, citizen_id="000090000001", payment_date=PAID)
    wrong_sex = vsi_record(ctx, citizen_id="066090000002", payment_date=PAID)
    wrong_sex["person"]["sex"] = "female"
    wrong_year = vsi_record(ctx, citizen_id="066090000003", payment_date=PAID)
    wrong_year["person"]["date_of_birth"] = "1980-05-17"
    results = ctx.push(no_province, wrong_sex, wrong_year)["results"]
    assert [_errors(r) for r in results] == [
        [("person.citizen_id", "citizen_id_province")],
        [("person.citizen_id", "citizen_id_sex")],
        [("person.date_of_birth", "citizen_id_birth_year")],
    ]


def test_corrected_payment_keeps_its_period(client, engine, settings):
    ctx = ready(client, engine, settings)
    first = vsi_record(ctx, citizen_id="066090000007", payment_date=PAID, captured_at=_on(PAID))
    second = vsi_record(ctx, citizen_id="066090000007", payment_date=PAID, captured_at=_on(PAID))
    results = ctx.push(first, second)["results"]
    periods = [(r["accepted"]["coverage_start"], r["accepted"]["coverage_end"]) for r in results]
    assert periods == [("2026-09-01", "2026-11-30"), ("2026-12-01", "2027-02-28")]
    fixed = {**first, "rev": 2, "person": {**first["person"], "address": "Thôn 5"}}
    again = ctx.push_one(fixed)["accepted"]
    assert (again["coverage_start"], again["coverage_end"]) == periods[0]
