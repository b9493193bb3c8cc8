"""The participants register: import, household ordinal and duplicates from it, renewals."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import Workbook
from sqlmodel import Session, select

from server.participants.models import Participant
from server.policy.service import today_local
from tests.enrollments.helpers import HI_FIRST_12M, hi_record, ready
from tests.factories import auth

HEADER = "citizen_id,si_code,full_name,date_of_birth,household_code,scheme,coverage_end\n"


def _import(client, headers, text, commune=24373, name="register.csv", **params):
    return client.post(
        "/api/v1/participants/import",
        params={"commune_code": commune, **params},
        files={"file": (name, text.encode("utf-8") if isinstance(text, str) else text)},
        headers=headers,
    )


def test_import_register_csv_creates_participants_and_roster(client, engine, settings):
    ctx = ready(client, engine, settings)
    csv = HEADER + (
        "066080000001,6601234567,Lê Thị Mai,1975-03-02,HH-77,household_hi,2026-12-31\n"
        "066080000002,,Lê Văn Nam,02/04/2001,HH-77,household_hi,2026-12-31\n"
        "066080000003,,Y Bình,1990-01-01,,voluntary_si,2026-12-31\n"
    )
    r = _import(client, ctx.coord, csv)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 3 and r.json()["written"] is True
    listed = client.get(
        "/api/v1/participants", params={"household_code": "HH-77"}, headers=ctx.agent
    ).json()
    assert listed["total"] == 2
    assert {p["registered_coverage_end"] for p in listed["items"]} == {"2026-12-31"}
    pulled = client.get("/api/v1/sync/pull", params={"cursor": "0"}, headers=ctx.agent).json()
    roster = [c for c in pulled["changes"] if c["entity"] == "participant"]
    assert len(roster) == 3
    again = _import(client, ctx.coord, csv)
    assert again.json()["updated"] == 3 and again.json()["created"] == 0


def test_import_register_row_errors_write_nothing(client, engine, settings):
    ctx = ready(client, engine, settings)
    csv = HEADER + (
        "066080000001,,Lê Thị Mai,1975-03-02,HH-77,household_hi,2026-12-31\n"
        "12345,,Lê Văn Nam,1975-03-02,HH-77,household_hi,2026-12-31\n"
        "066080000003,,,1990-13-01,,pension,soon\n"
        "066080000001,,Lê Thị Mai,1975-03-02,HH-77,household_hi,2026-12-31\n"
    )
    r = _import(client, ctx.coord, csv)
    assert r.status_code == 422
    body = r.json()
    assert body["type"] == "import_invalid" and body["written"] is False
    problems = {(e["row"], e["column"]) for e in body["errors"]}
    assert problems == {
        (3, "citizen_id"),
        (4, "full_name"),
        (4, "date_of_birth"),
        (4, "scheme"),
        (4, "coverage_end"),
        (5, "citizen_id"),
    }
    with Session(engine) as s:
        assert s.exec(select(Participant)).all() == []


def test_import_register_missing_column_422(client, engine, settings):
    ctx = ready(client, engine, settings)
    r = _import(client, ctx.coord, "citizen_id,full_name\n066080000001,A\n")
    assert r.status_code == 422 and "coverage_end" in r.json()["detail"]


def test_import_register_xlsx(client, engine, settings):
    ctx = ready(client, engine, settings)
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    ws.append(
        [
            "066080000009",
            None,
            "Phạm Ngọc Lan",
            date(1988, 8, 8),
            "HH-9",
            "household_hi",
            date(2026, 6, 30),
        ]
    )
    buf = io.BytesIO()
    wb.save(buf)
    r = _import(client, ctx.coord, buf.getvalue(), name="register.xlsx")
    assert r.status_code == 200, r.text
    with Session(engine) as s:
        p = s.exec(select(Participant)).one()
        assert p.full_name == "Phạm Ngọc Lan" and p.coverage_end == date(2026, 6, 30)


def test_import_register_out_of_scope_403_agent_403(client, engine, settings):
    ctx = ready(client, engine, settings)
    assert _import(client, auth(client, "coord2"), HEADER).status_code == 403
    assert _import(client, ctx.agent, HEADER).status_code == 403
    assert _import(client, auth(client, "admin_hn"), HEADER).status_code == 403


def test_register_members_raise_household_ordinal(client, engine, settings):
    ctx = ready(client, engine, settings)
    csv = HEADER + (
        "066080000001,,Lê Thị Mai,1975-03-02,HH-77,household_hi,2026-12-31\n"
        "066080000002,,Lê Văn Nam,2001-04-02,HH-77,household_hi,2026-12-31\n"
        "066080000004,,Lê Văn Cũ,1950-04-02,HH-77,household_hi,2024-12-31\n"
    )
    assert _import(client, ctx.coord, csv).status_code == 200
    # The third person of the household; the expired member does not count.
    res = ctx.push_one(hi_record(ctx, citizen_id="066080000003", household="HH-77"))
    acc = res["accepted"]
    assert acc["household_ordinal"] == 3
    assert acc["amount_vnd"] == 63_180 * 12  # 60% of 105,300
    assert "household_ordinal_changed" in acc["flags"]


def test_register_renewal_continues_coverage_without_duplicate_flag(client, engine, settings):
    ctx = ready(client, engine, settings)
    csv = HEADER + "066080000001,,Lê Thị Mai,1975-03-02,HH-77,household_hi,2025-10-31\n"
    _import(client, ctx.coord, csv)
    res = ctx.push_one(hi_record(ctx, citizen_id="066080000001", household="HH-77", kind="renewal"))
    acc = res["accepted"]
    assert acc["coverage_start"] == "2025-11-01" and acc["coverage_end"] == "2026-10-31"
    assert acc["amount_vnd"] == HI_FIRST_12M and acc["flags"] == []
    with Session(engine) as s:
        p = s.exec(select(Participant)).one()
        assert p.registered_coverage_end == date(2025, 10, 31)
        assert p.coverage_end == date(2026, 10, 31)


def test_register_covered_vsi_participant_paying_again_credited_to_next_period(
    client, engine, settings
):
    ctx = ready(client, engine, settings)
    csv = HEADER + "066080000003,,Y Bình,1990-01-01,,voluntary_si,2026-12-31\n"
    _import(client, ctx.coord, csv)
    rec = hi_record(ctx, citizen_id="066080000003", amount=1_320_000)
    rec.update(scheme="voluntary_si", months=3, monthly_income_vnd=2_000_000)
    rec.pop("household")
    res = ctx.push_one(rec)
    # Paid up to 2026-12-31: a payment continues the cycle (Law 41/2024 Art 36), it does not
    # pay the same months twice.
    acc = res["accepted"]
    assert res["status"] == "accepted" and "possible_duplicate" not in acc["flags"]
    assert (acc["coverage_start"], acc["coverage_end"]) == ("2027-01-01", "2027-03-31")


def test_rejected_sign_up_stops_extending_register(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx, citizen_id="066080000005")
    ctx.push_one(rec)
    with Session(engine) as s:
        assert s.exec(select(Participant)).one().coverage_end == date(2026, 10, 14)
    client.post(
        f"/api/v1/enrollments/{rec['id']}/review",
        json={"decision": "reject", "reason": "not resident"},
        headers=ctx.coord,
    )
    with Session(engine) as s:
        assert s.exec(select(Participant)).one().coverage_end is None


def test_renewals_within_days_scoped(client, engine, settings):
    ctx = ready(client, engine, settings)
    today = today_local()
    soon = (today + timedelta(days=10)).isoformat()
    later = (today + timedelta(days=90)).isoformat()
    past = (today - timedelta(days=1)).isoformat()
    csv = HEADER + (
        f"066080000001,,Soon,1975-03-02,HH-1,household_hi,{soon}\n"
        f"066080000002,,Later,1975-03-02,HH-2,household_hi,{later}\n"
        f"066080000003,,Past,1975-03-02,HH-3,household_hi,{past}\n"
    )
    assert _import(client, ctx.coord, csv).status_code == 200

    def names(headers, **params):
        r = client.get("/api/v1/renewals", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return [(p["full_name"], p["days_left"]) for p in r.json()["items"]]

    assert names(ctx.agent) == [("Soon", 10)]
    assert names(ctx.coord, within_days=120) == [("Soon", 10), ("Later", 90)]
    assert names(ctx.agent2) == []
    assert names(auth(client, "coord2")) == []
    assert names(auth(client, "admin")) == [("Soon", 10)]
    assert names(auth(client, "admin_hn")) == []
    assert (
        client.get("/api/v1/renewals", params={"within_days": -1}, headers=ctx.agent).status_code
        == 422
    )
