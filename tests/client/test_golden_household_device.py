"""Issue 11 items 4 and 5 on the device: the offline quote equals the calculator, the quote
API and the server's answer to the push (docs/policy-rules.md §9)."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from client_sdk import FieldClient
from enroll_common import QuoteRequest, Scheme, quote
from tests.client.conftest import Field, hi_record, vsi_record
from tests.factories import EA_KNOP

REGISTER_HEADER = (
    "citizen_id,si_code,full_name,date_of_birth,household_code,scheme,coverage_end,"
    "national_household_code,support_months_used\n"
)


def _member(citizen: str, household: str, paid: str, **extra: Any) -> dict[str, Any]:
    data = hi_record(citizen_id=citizen, household=household, payment_date=paid, **extra)
    data["household"] = {"code": household}  # the device computes the place
    return data


def _api_quote(field: Field, fc: FieldClient, request: QuoteRequest) -> int:
    r = httpx.post(
        f"{field.server_url}/api/v1/quote",
        headers=field.coord_headers,
        json={
            "scheme": request.scheme.value,
            "payment_date": request.payment_date.isoformat(),
            "months": request.months,
            "monthly_income_vnd": request.monthly_income_vnd,
            "support_groups": sorted(request.support_groups),
            "support_months_used": request.support_months_used,
            "household_ordinal": request.household_ordinal,
            "previous_coverage_end": request.previous_coverage_end.isoformat()
            if request.previous_coverage_end
            else None,
        },
    )
    assert r.status_code == 200, r.text
    net: int = r.json()["net_vnd"]
    assert net == quote(request, fc.policy()).net_vnd
    return net


def test_staggered_renewals_priced_alike_offline_and_on_the_server(field, tmp_path):
    fc: FieldClient = field.agent_device(tmp_path / "a")
    hh = "HH-STAGGER-DEV"
    recs = [
        fc.record(_member("066190001001", hh, "2025-01-10")),
        fc.record(_member("066190001002", hh, "2025-06-10")),
        fc.record(_member("066190001001", hh, "2025-12-20", kind="renewal")),
        fc.record(_member("066190001002", hh, "2026-05-20", kind="renewal")),
    ]
    assert [r.body["household"]["ordinal"] for r in recs] == [1, 2, 1, 2]
    report = fc.sync()
    assert report.counts == {"accepted": 4}
    for r, answer in zip(recs, report.results, strict=True):
        acc = answer["accepted"]
        assert acc["household_ordinal"] == r.body["household"]["ordinal"]
        assert acc["amount_vnd"] == r.body["amount_collected_vnd"] and acc["adjustment_vnd"] == 0
        assert acc["coverage_start"] == r.quote["coverage_start"]
    expected = _api_quote(
        field,
        fc,
        QuoteRequest(
            scheme=Scheme.HOUSEHOLD_HI,
            payment_date=date(2026, 5, 20),
            months=12,
            household_ordinal=2,
            previous_coverage_end=date(2026, 7, 9),
        ),
    )
    assert recs[3].body["amount_collected_vnd"] == expected == 884_520
    fc.close()


def test_same_code_in_another_commune_is_another_household_offline(field, tmp_path):
    fc: FieldClient = field.agent_device(tmp_path / "a")
    fc.record(_member("066190002001", "HH-SHARED", "2026-11-20"))
    fc.record(_member("066190002002", "HH-SHARED", "2026-11-20"))
    stranger = _member("066190002003", "HH-SHARED", "2026-11-20")
    stranger["person"] = {**stranger["person"], "commune_code": EA_KNOP}
    rec = fc.record(stranger)
    assert rec.body["household"]["ordinal"] == 1
    answers = fc.sync().results
    assert [a["accepted"]["household_ordinal"] for a in answers] == [1, 2, 1]
    assert all(a["accepted"]["adjustment_vnd"] == 0 for a in answers)
    fc.close()


def test_vsi_offline_quote_uses_the_register_support_months(field, tmp_path):
    """Issue 11: the device showed the full support, the server recomputed without it."""
    r = httpx.post(
        f"{field.server_url}/api/v1/participants/import",
        params={"commune_code": 24373},
        files={
            "file": (
                "register.csv",
                (
                    REGISTER_HEADER
                    + "066190003001,,Trần Thị Nam,1990-05-17,,voluntary_si,2026-09-30,,118\n"
                ).encode(),
            )
        },
        headers=field.coord_headers,
    )
    assert r.status_code == 200, r.text
    fc: FieldClient = field.agent_device(tmp_path / "a")  # pulls the roster
    first = fc.record(vsi_record("066190003001", kind="renewal", payment_date="2026-11-20"))
    # 330,000 a month; near-poor support 132,000 for the 2 months left of the 120.
    expected = _api_quote(
        field,
        fc,
        QuoteRequest(
            scheme=Scheme.VOLUNTARY_SI,
            payment_date=date(2026, 11, 20),
            months=3,
            monthly_income_vnd=1_500_000,
            support_groups=frozenset({"near_poor"}),
            support_months_used=118,
            previous_coverage_end=date(2026, 9, 30),
        ),
    )
    assert first.body["amount_collected_vnd"] == expected == 3 * 330_000 - 2 * 132_000
    # The device's own record counts too: the next quarter (paid ahead) has no support left.
    second = fc.record(vsi_record("066190003001", kind="renewal", payment_date="2026-11-25"))
    assert second.body["amount_collected_vnd"] == 3 * 330_000
    answers = fc.sync().results
    assert [a["status"] for a in answers] == ["accepted", "accepted"], answers
    assert [a["accepted"]["adjustment_vnd"] for a in answers] == [0, 0]
    fc.close()
