"""Issue 11 items 4, 5 and 8, reproduced by pushing real sign-ups (docs/policy-rules.md §9).

Each amount is checked four ways where a price is involved: the shared calculator, the quote
API, the push's answer and (tests/client/test_golden_household_device.py) the device's
offline quote.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from sqlmodel import Session, select

from enroll_common import QuoteRequest, Scheme, quote
from server.enrollments.models import Enrollment
from server.participants.models import Participant
from server.policy.service import load_policy_set
from server.reports.models import ProgressSummary
from server.reports.summary import rebuild
from tests.enrollments.helpers import Ctx, hi_record, ready, vsi_record
from tests.factories import EA_KNOP

HI_1ST_12M = 1_263_600  # 4.5 % x 2,340,000 x 12
HI_2ND_12M = 884_520  # 70 % of that
HI_3RD_12M = 758_160
HI_4TH_12M = 631_800
REGISTER_HEADER = (
    "citizen_id,si_code,full_name,date_of_birth,household_code,scheme,coverage_end,"
    "national_household_code,support_months_used\n"
)


def _import(ctx: Ctx, rows: str, commune: int = 24373) -> None:
    r = ctx.client.post(
        "/api/v1/participants/import",
        params={"commune_code": commune},
        files={"file": ("register.csv", (REGISTER_HEADER + rows).encode())},
        headers=ctx.coord,
    )
    assert r.status_code == 200, r.text
    assert r.json()["written"] is True


def _accepted(result: dict[str, Any]) -> dict[str, Any]:
    assert result["status"] == "accepted", result
    accepted: dict[str, Any] = result["accepted"]
    return accepted


def _four_ways(ctx: Ctx, engine: Any, request: QuoteRequest, pushed: dict[str, Any]) -> None:
    """The calculator, the quote API and the push agree to the đồng."""
    with Session(engine) as s:
        calc = quote(request, load_policy_set(s))
    body = {
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
    }
    api = ctx.client.post("/api/v1/quote", json=body, headers=ctx.agent)
    assert api.status_code == 200, api.text
    assert api.json()["net_vnd"] == calc.net_vnd == pushed["amount_vnd"]
    assert api.json()["coverage_start"] == calc.coverage_start.isoformat()
    assert pushed["coverage_start"] == calc.coverage_start.isoformat()


def _places(engine: Any, ids: list[str]) -> list[int | None]:
    with Session(engine) as s:
        rows = {e.id: e for e in s.exec(select(Enrollment).where(Enrollment.id.in_(ids))).all()}  # type: ignore[attr-defined]
    return [rows[i].household_ordinal for i in ids]


def _hi(ctx: Ctx, citizen: str, paid: date, **kw: Any) -> dict[str, Any]:
    return hi_record(ctx, citizen_id=citizen, payment_date=paid, **kw)


# --- item 4: the household ladder -------------------------------------------------------------


def test_staggered_renewals_of_pushed_cards_keep_one_first_member(client, engine, settings):
    """Issue 11: both renewals became 2nd and the household had no 1st member."""
    ctx = ready(client, engine, settings)
    hh = "HH-STAGGER"
    a1 = _hi(ctx, "066090001001", date(2025, 1, 10), household=hh)
    b1 = _hi(ctx, "066090001002", date(2025, 6, 10), household=hh, ordinal=2)
    a2 = _hi(ctx, "066090001001", date(2025, 12, 20), household=hh, kind="renewal")
    b2 = _hi(ctx, "066090001002", date(2026, 5, 20), household=hh, ordinal=2, kind="renewal")
    answers = [_accepted(ctx.push_one(r)) for r in (a1, b1, a2, b2)]
    assert [a["household_ordinal"] for a in answers] == [1, 2, 1, 2]
    assert [a["amount_vnd"] for a in answers] == [HI_1ST_12M, HI_2ND_12M, HI_1ST_12M, HI_2ND_12M]
    # Each renewal continues its own card (pending cover counts: item 5).
    assert answers[2]["coverage_start"] == "2026-02-09"
    assert answers[3]["coverage_start"] == "2026-07-10"
    _four_ways(
        ctx,
        engine,
        QuoteRequest(
            scheme=Scheme.HOUSEHOLD_HI,
            payment_date=date(2026, 5, 20),
            months=12,
            household_ordinal=2,
            previous_coverage_end=date(2026, 7, 9),
        ),
        answers[3],
    )


def test_staggered_renewals_of_register_members_never_both_second(client, engine, settings):
    """Two members known only from the agency's register renew while the other is covered."""
    ctx = ready(client, engine, settings)
    _import(
        ctx,
        "066090002001,,Lê Thị Mai,1975-03-02,HH-REG,household_hi,2025-10-31,,\n"
        "066090002002,,Lê Văn Nam,1972-04-02,HH-REG,household_hi,2026-01-31,,\n",
    )
    a = _hi(ctx, "066090002001", date(2025, 10, 1), household="HH-REG", kind="renewal")
    b = _hi(ctx, "066090002002", date(2026, 1, 5), household="HH-REG", kind="renewal")
    places = [_accepted(ctx.push_one(r))["household_ordinal"] for r in (a, b)]
    assert sorted(places) == [1, 2]


def test_household_code_of_another_commune_never_joins(client, engine, settings):
    """Issue 11: a person of another commune was priced as the 4th member of an Ea Kar household."""
    ctx = ready(client, engine, settings)
    members = [
        _hi(ctx, f"06609000300{i}", date(2025, 9, 15), household="HH-001", ordinal=i)
        for i in (1, 2, 3)
    ]
    assert [_accepted(r)["household_ordinal"] for r in ctx.push(*members)["results"]] == [1, 2, 3]
    stranger = _hi(ctx, "066090003009", date(2025, 9, 15), household="HH-001", ordinal=4)
    stranger["person"] = {**stranger["person"], "commune_code": EA_KNOP}
    answer = _accepted(ctx.push_one(stranger))
    assert answer["household_ordinal"] == 1
    assert answer["amount_vnd"] == HI_1ST_12M
    assert "household_ordinal_changed" in answer["flags"]


def test_national_household_code_identifies_the_household(client, engine, settings):
    """The national code joins members whatever local code the agents typed; a different
    national code in the same commune and local code is another household."""
    ctx = ready(client, engine, settings)

    def member(citizen: str, local: str, national: str) -> dict[str, Any]:
        r = _hi(ctx, citizen, date(2025, 9, 15), household=local)
        r["household"]["national_code"] = national
        return r

    first = member("066090004001", "HH-A", "79001234567")
    second = member("066090004002", "HH-A-2", "79001234567")
    other = member("066090004003", "HH-A", "79009999999")
    results = ctx.push(first, second, other)["results"]
    assert [_accepted(r)["household_ordinal"] for r in results] == [1, 2, 1]
    with Session(engine) as s:
        stored = s.get(Enrollment, second["id"])
        assert stored is not None and stored.national_household_code == "79001234567"


def test_record_without_national_code_hashes_as_before(client, engine, settings):
    """A record pushed before ``national_code`` existed replays as a duplicate."""
    ctx = ready(client, engine, settings)
    rec = _hi(ctx, "066090004101", date(2025, 9, 15))
    assert "national_code" not in rec["household"]
    assert ctx.push_one(rec)["status"] == "accepted"
    assert ctx.push_one(rec)["status"] == "duplicate"


def test_returned_member_corrected_keeps_her_place(client, engine, settings):
    """Issue 11: member 2 of a batch of 4, returned and corrected, was re-priced as a 1st."""
    ctx = ready(client, engine, settings)
    members = [
        _hi(ctx, f"06609000500{i}", date(2025, 9, 15), household="HH-FOUR", ordinal=i)
        for i in (1, 2, 3, 4)
    ]
    first = ctx.push(*members)["results"]
    assert [_accepted(r)["household_ordinal"] for r in first] == [1, 2, 3, 4]
    assert [_accepted(r)["amount_vnd"] for r in first] == [
        HI_1ST_12M,
        HI_2ND_12M,
        HI_3RD_12M,
        HI_4TH_12M,
    ]
    r = ctx.client.post(
        f"/api/v1/enrollments/{members[1]['id']}/review",
        json={"decision": "return", "reason": "Sai địa chỉ"},
        headers=ctx.coord,
    )
    assert r.status_code == 200, r.text
    fixed = {
        **members[1],
        "rev": 2,
        "person": {**members[1]["person"], "address": "Thôn 3"},
        "amount_collected_vnd": HI_2ND_12M,
    }
    answer = _accepted(ctx.push_one(fixed))
    assert answer["household_ordinal"] == 2
    assert answer["amount_vnd"] == HI_2ND_12M and answer["adjustment_vnd"] == 0
    assert _places(engine, [m["id"] for m in members]) == [1, 2, 3, 4]


def test_a_correction_moving_to_another_household_takes_a_new_place(client, engine, settings):
    ctx = ready(client, engine, settings)
    a = _hi(ctx, "066090005101", date(2025, 9, 15), household="HH-M1")
    b = _hi(ctx, "066090005102", date(2025, 9, 15), household="HH-M2")
    c = _hi(ctx, "066090005103", date(2025, 9, 15), household="HH-M1", ordinal=2)
    ctx.push(a, b, c)
    moved = {**c, "rev": 2, "household": {**c["household"], "code": "HH-M2"}}
    assert _accepted(ctx.push_one(moved))["household_ordinal"] == 2


# --- item 5: continuity and the VSI cap -------------------------------------------------------


def test_renewal_of_a_pending_card_continues_it_and_is_flagged(client, engine, settings):
    """Issue 11: a renewal pushed while the first card was pending got a 30-day wait."""
    ctx = ready(client, engine, settings)
    first = _hi(ctx, "066090006001", date(2025, 1, 10), household="HH-CONT")
    renewal = _hi(ctx, "066090006001", date(2025, 12, 20), household="HH-CONT", kind="renewal")
    one = _accepted(ctx.push_one(first))
    two = _accepted(ctx.push_one(renewal))
    assert one["coverage_end"] == "2026-02-08"
    assert two["coverage_start"] == "2026-02-09"  # not 2026-01-19 after a 30-day wait
    assert "continuity_pending" in two["flags"]
    assert "possible_duplicate" not in two["flags"]
    # Once the first card is approved, a correction of the renewal no longer depends on it.
    r = ctx.client.post(
        f"/api/v1/enrollments/{first['id']}/review", json={"decision": "approve"}, headers=ctx.coord
    )
    assert r.status_code == 200, r.text
    fixed = {**renewal, "rev": 2, "person": {**renewal["person"], "address": "Thôn 2"}}
    again = _accepted(ctx.push_one(fixed))
    assert again["coverage_start"] == "2026-02-09"
    assert "continuity_pending" not in again["flags"]


def test_vsi_cap_counts_the_register_months(client, engine, settings):
    """Issue 11: the cap counted only this system's sign-ups."""
    ctx = ready(client, engine, settings)
    _import(ctx, "066090007001,,Y Bình,1990-01-01,,voluntary_si,2025-06-30,,119\n")
    rec = vsi_record(ctx, citizen_id="066090007001", kind="renewal")
    answer = _accepted(ctx.push_one(rec))
    # 440,000 x 3 gross; only one month of the 20 % support (66,000) is left.
    assert answer["amount_vnd"] == 1_320_000 - 66_000
    _four_ways(
        ctx,
        engine,
        QuoteRequest(
            scheme=Scheme.VOLUNTARY_SI,
            payment_date=date(2025, 9, 15),
            months=3,
            monthly_income_vnd=2_000_000,
            support_months_used=119,
            previous_coverage_end=date(2025, 6, 30),  # the register's: the cycle continues
        ),
        answer,
    )
    later = vsi_record(
        ctx, citizen_id="066090007001", payment_date=date(2025, 12, 15), kind="renewal"
    )
    assert _accepted(ctx.push_one(later))["amount_vnd"] == 1_320_000  # cap reached
    with Session(engine) as s:
        entry = s.exec(select(Participant).where(Participant.citizen_id == "066090007001")).one()
        assert entry.support_months_used == 119  # the agency's figure is not overwritten


def test_register_import_checks_support_months(client, engine, settings):
    ctx = ready(client, engine, settings)
    r = ctx.client.post(
        "/api/v1/participants/import",
        params={"commune_code": 24373},
        files={
            "file": (
                "register.csv",
                (
                    REGISTER_HEADER
                    + "066090007101,,Y Bình,1990-01-01,,voluntary_si,2025-06-30,,121\n"
                    + "066090007102,,Y Hoa,1990-01-01,HH-9,household_hi,2025-06-30,,3\n"
                ).encode(),
            )
        },
        headers=ctx.coord,
    )
    assert r.status_code == 422, r.text
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [
        (2, "support_months_used"),
        (3, "support_months_used"),
    ]


def test_register_xlsx_carries_support_months_and_national_code_to_the_roster(
    client, engine, settings
):
    ctx = ready(client, engine, settings)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(REGISTER_HEADER.strip().split(","))
    ws.append(
        ["066090007201", None, "Y Hoa", date(1990, 1, 1), None, "voluntary_si", date(2025, 6, 30)]
        + [None, 37]
    )
    ws.append(
        ["066090007202", None, "Y Lan", date(1991, 1, 1), "HH-X", "household_hi", date(2025, 6, 30)]
        + ["79001234567", None]
    )
    buf = io.BytesIO()
    wb.save(buf)
    r = ctx.client.post(
        "/api/v1/participants/import",
        params={"commune_code": 24373},
        files={"file": ("register.xlsx", buf.getvalue())},
        headers=ctx.coord,
    )
    assert r.status_code == 200, r.text
    pulled = ctx.client.get("/api/v1/sync/pull", params={"cursor": "0"}, headers=ctx.agent)
    roster = {
        c["payload"]["citizen_id"]: c["payload"]
        for c in pulled.json()["changes"]
        if c["entity"] == "participant"
    }
    assert roster["066090007201"]["support_months_used"] == 37
    assert roster["066090007201"]["registered_coverage_end"] == "2025-06-30"
    assert roster["066090007202"]["national_household_code"] == "79001234567"
    assert roster["066090007202"]["support_months_used"] == 0


def test_vsi_months_are_paid_once(client, engine, settings):
    """Issue 11: a payment for months already paid was accepted with support again and only
    flagged. With payment cycles a second payment continues the cycle (the next period); a
    back-payment of months already paid is refused on the payment period."""
    ctx = ready(client, engine, settings)
    paid = _accepted(ctx.push_one(vsi_record(ctx, citizen_id="066090008001")))
    assert (paid["coverage_start"], paid["coverage_end"]) == ("2025-09-01", "2025-11-30")
    again = vsi_record(ctx, citizen_id="066090008001", payment_date=date(2025, 10, 1))
    following = _accepted(ctx.push_one(again))
    assert (following["coverage_start"], following["coverage_end"]) == (
        "2025-12-01",
        "2026-02-28",
    )
    back = vsi_record(
        ctx,
        citizen_id="066090008001",
        payment_date=date(2026, 3, 5),
        back_payment={"contribution_months": 170},
    )
    result = ctx.push_one(back)  # the back-paid months would be 12/2025–02/2026, paid above
    assert result["status"] == "rejected"
    assert [e["field"] for e in result["errors"]] == ["payment_date"]
    assert "12/2025–02/2026 trùng với các tháng đã đóng" in result["errors"][0]["message"]


def test_two_vsi_payments_of_one_person_on_one_day_are_flagged(client, engine, settings):
    """The cycle credits a second payment to the next period; made the same day, it may be
    the same payment keyed on two devices, so review sees it. Another day: no flag."""
    ctx = ready(client, engine, settings)
    first = _accepted(ctx.push_one(vsi_record(ctx, citizen_id="066090008101")))
    assert "possible_duplicate" not in first["flags"]
    flagged = _accepted(ctx.push_one(vsi_record(ctx, citizen_id="066090008101")))
    assert "possible_duplicate" in flagged["flags"]
    assert flagged["coverage_start"] == "2025-12-01"  # still the next period
    later = vsi_record(ctx, citizen_id="066090008101", payment_date=date(2026, 1, 5))
    assert "possible_duplicate" not in _accepted(ctx.push_one(later))["flags"]


# --- item 8: new vs renewal -------------------------------------------------------------------


def test_kind_is_derived_from_history_and_the_claim_kept(client, engine, settings):
    ctx = ready(client, engine, settings)
    _import(ctx, "066090009003,,Lê Thị Mai,1975-03-02,HH-K,household_hi,2025-10-31,,\n")
    first = _hi(ctx, "066090009001", date(2025, 1, 10), household="HH-K1", kind="renewal")
    second = _hi(ctx, "066090009001", date(2025, 12, 20), household="HH-K1", kind="new")
    registered = _hi(ctx, "066090009003", date(2025, 10, 1), household="HH-K", kind="new")
    honest = _hi(ctx, "066090009004", date(2025, 10, 1), household="HH-K4", kind="new")
    answers = [_accepted(ctx.push_one(r)) for r in (first, second, registered, honest)]
    assert [a["kind"] for a in answers] == ["new", "renewal", "renewal", "new"]
    assert ["kind_changed" in a["flags"] for a in answers] == [True, True, True, False]
    with Session(engine) as s:
        rows = [s.get(Enrollment, r["id"]) for r in (first, second, registered, honest)]
        assert [(e.kind, e.kind_claimed) for e in rows if e is not None] == [
            ("new", "renewal"),
            ("renewal", "new"),
            ("renewal", "new"),
            ("new", "new"),
        ]
    # The correction of the first sign-up stays new: the later one does not make it a renewal.
    fixed = {**first, "rev": 2, "person": {**first["person"], "address": "Thôn 5"}}
    assert _accepted(ctx.push_one(fixed))["kind"] == "new"


def test_summary_counts_the_derived_kind(client, engine, settings):
    """Reports read the summary maintained per push: it must count what history says."""
    ctx = ready(client, engine, settings)
    claimed_renewal = _hi(ctx, "066090009101", date(2025, 9, 15), household="HH-S1", kind="renewal")
    ctx.push_one(claimed_renewal)
    with Session(engine) as s:
        rows = s.exec(
            select(ProgressSummary).where(
                ProgressSummary.period == "2025-09", ProgressSummary.sign_ups > 0
            )
        ).all()
        assert {(r.kind, r.sign_ups) for r in rows} == {("new", 1)}
        assert rebuilt_equals_maintained(s)


def rebuilt_equals_maintained(s: Session) -> bool:
    def snapshot() -> set[tuple[Any, ...]]:
        return {
            (r.period, r.agent_id, r.scheme, r.kind, r.status, r.sign_ups, r.participants_kind)
            for r in s.exec(select(ProgressSummary)).all()
            if r.sign_ups or r.due_renewal
        }

    before = snapshot()
    rebuild(s, province_code=66, year=2025)
    s.flush()
    return snapshot() == before
