"""POST /sync/push: the four answers, recomputation, flags, and one bad record alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from server.enrollments.models import Enrollment, EnrollmentAudit, EnrollmentRevision
from server.sync.settings import SyncSettings
from tests.enrollments.helpers import (
    HI_FIRST_12M,
    HI_SECOND_12M,
    hi_record,
    ready,
    vsi_record,
)
from tests.factories import auth


def test_push_new_record_accepted_with_server_amount_and_coverage(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx)
    body = ctx.push(rec)
    assert (body["accepted"], body["duplicate"], body["conflict"], body["rejected"]) == (1, 0, 0, 0)
    res = body["results"][0]
    assert res["status"] == "accepted" and res["id"] == rec["id"] and res["index"] == 0
    acc = res["accepted"]
    assert acc["amount_vnd"] == HI_FIRST_12M
    assert acc["adjustment_vnd"] == 0
    assert acc["household_ordinal"] == 1
    # First card: 30-day waiting period from the payment date, then 12 months.
    assert acc["coverage_start"] == "2025-10-15"
    assert acc["coverage_end"] == "2026-10-14"
    assert acc["flags"] == []
    assert acc["record_status"] == "pending"
    assert len(acc["verification_code"]) == 11 and acc["verification_code"][5] == "-"
    with Session(engine) as s:
        row = s.get(Enrollment, rec["id"])
        assert row is not None and row.status == "pending" and row.device_id == ctx.device_id
        assert row.full_name == "Nguyễn Văn An"
        audits = s.exec(select(EnrollmentAudit).where(EnrollmentAudit.entity_id == rec["id"])).all()
        assert [a.action for a in audits] == ["created"]
        assert audits[0].device_id == ctx.device_id and audits[0].actor_id == ctx.world["agent1"]


def test_push_name_in_decomposed_form_stored_nfc(client, engine, settings):
    ctx = ready(client, engine, settings)
    import unicodedata

    rec = hi_record(ctx, name=unicodedata.normalize("NFD", "  Trần   Thị Hương "))
    assert ctx.push_one(rec)["status"] == "accepted"
    with Session(engine) as s:
        assert s.get(Enrollment, rec["id"]).full_name == unicodedata.normalize(
            "NFC", "Trần Thị Hương"
        )


def test_push_replayed_batch_answers_duplicate_with_first_answer(client, engine, settings):
    ctx = ready(client, engine, settings)
    records = [
        hi_record(ctx, citizen_id=f"06609000000{i}", household=f"HH-{i}") for i in range(1, 6)
    ]
    first = ctx.push(*records)
    assert first["accepted"] == 5
    again = ctx.push(*records)
    assert again["duplicate"] == 5 and again["accepted"] == 0
    for a, b in zip(first["results"], again["results"], strict=True):
        assert b["status"] == "duplicate"
        assert b["accepted"] == a["accepted"]  # the very same answer, code and received_at
    with Session(engine) as s:
        assert len(s.exec(select(Enrollment)).all()) == 5
        assert len(s.exec(select(EnrollmentRevision)).all()) == 5


def test_push_same_rev_other_content_conflicts_with_server_version(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx)
    ctx.push_one(rec)
    changed = {**rec, "months": 6, "amount_collected_vnd": 631_800}
    res = ctx.push_one(changed)
    assert res["status"] == "conflict"
    assert res["reason"] == "same_rev_other_content"
    assert res["server_version"]["rev"] == 1
    assert res["server_version"]["record"]["months"] == 12
    assert res["server_version"]["accepted"]["amount_vnd"] == HI_FIRST_12M
    with Session(engine) as s:
        assert s.get(Enrollment, rec["id"]).months == 12


def test_push_bad_records_rejected_alone_with_field_errors(client, engine, settings):
    ctx = ready(client, engine, settings)
    good = hi_record(ctx)
    bad_id = hi_record(ctx)
    bad_id["person"]["citizen_id"] = "12345"
    mass_assign = hi_record(ctx, agent_id=ctx.world["agent2"], status="approved")
    bad_months = hi_record(ctx, months=5)
    not_a_dict = "nonsense"
    body = ctx.push(bad_id, good, mass_assign, bad_months, not_a_dict)
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["rejected", "accepted", "rejected", "rejected", "rejected"]
    assert body["results"][0]["errors"][0]["field"] == "person.citizen_id"
    fields = {e["field"] for e in body["results"][2]["errors"]}
    assert fields == {"agent_id", "status"}
    months = body["results"][3]["errors"][0]
    assert months["field"] == "months" and months["allowed"] == ["3", "6", "12"]
    assert body["results"][4]["id"] is None
    with Session(engine) as s:
        assert [e.id for e in s.exec(select(Enrollment)).all()] == [good["id"]]


def test_push_batch_over_limit_413_names_limit(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx)
    r = client.post("/api/v1/sync/push", json={"records": [rec] * 501}, headers=ctx.agent)
    assert r.status_code == 413
    assert "500" in r.json()["detail"] and r.json()["limit"] == 500


def test_push_body_over_byte_limit_413(client, engine, settings):
    ctx = ready(client, engine, settings)
    blob = "x" * (settings.max_body_bytes + 10)
    r = client.post(
        "/api/v1/sync/push",
        content=b'{"records": ["' + blob.encode() + b'"]}',
        headers={**ctx.agent, "content-type": "application/json"},
    )
    assert r.status_code == 413
    assert str(settings.max_body_bytes) in r.json()["detail"]


def test_push_unknown_top_level_field_422(client, engine, settings):
    ctx = ready(client, engine, settings)
    r = client.post("/api/v1/sync/push", json={"records": [], "agent_id": 1}, headers=ctx.agent)
    assert r.status_code == 422 and r.json()["field"] == "agent_id"


def test_push_underpaid_amount_accepted_with_adjustment_flag(client, engine, settings):
    ctx = ready(client, engine, settings)
    res = ctx.push_one(hi_record(ctx, amount=1_000_000))
    acc = res["accepted"]
    assert acc["amount_vnd"] == HI_FIRST_12M
    assert acc["amount_collected_vnd"] == 1_000_000
    assert acc["adjustment_vnd"] == HI_FIRST_12M - 1_000_000
    assert acc["flags"] == ["amount_adjusted"]


def test_push_voluntary_si_recomputed_with_support(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = vsi_record(ctx, support_groups=["poor"], amount=1)
    acc = ctx.push_one(rec)["accepted"]
    # 22% x 2,000,000 = 440,000 a month; poor: 50% of 22% x 1,500,000 = 165,000 support.
    assert acc["amount_vnd"] == (440_000 - 165_000) * 3
    assert {line["code"] for line in acc["lines"]} == {"gross", "support", "net"}
    assert acc["coverage_start"] == "2025-09-01" and acc["coverage_end"] == "2025-11-30"


def test_push_voluntary_si_income_out_of_range_rejected_naming_field(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = vsi_record(ctx)
    rec["monthly_income_vnd"] = 100
    res = ctx.push_one(rec)
    assert res["status"] == "rejected"
    assert res["errors"][0]["field"] == "monthly_income_vnd"


def test_push_household_second_first_member_gets_ordinal_two_and_adjustment(
    client, engine, settings
):
    ctx = ready(client, engine, settings)
    a = hi_record(ctx, citizen_id="066090000011", household="HH-CLASH")
    assert ctx.push_one(a)["accepted"]["household_ordinal"] == 1
    # Agent 2, offline, also recorded a member of the same household as its 1st member.
    b = hi_record(
        ctx,
        receipt=ctx.receipt2(),
        citizen_id="066090000012",
        household="HH-CLASH",
        point="p2",
    )
    res = ctx.push_one(b, headers=ctx.agent2)
    assert res["status"] == "accepted"
    acc = res["accepted"]
    assert acc["household_ordinal"] == 2
    assert acc["amount_vnd"] == HI_SECOND_12M
    assert acc["adjustment_vnd"] == HI_SECOND_12M - HI_FIRST_12M  # a refund
    assert set(acc["flags"]) == {"household_ordinal_changed", "amount_adjusted"}
    flagged = client.get(
        "/api/v1/enrollments",
        params={"flag": "household_ordinal_changed"},
        headers=auth(client, "admin"),
    ).json()
    assert [e["id"] for e in flagged["items"]] == [b["id"]]
    assert flagged["items"][0]["household_ordinal_claimed"] == 1


def test_push_same_citizen_overlapping_flagged_possible_duplicate(client, engine, settings):
    ctx = ready(client, engine, settings)
    a = hi_record(ctx, citizen_id="066090000021")
    b = hi_record(ctx, citizen_id="066090000021")
    ctx.push_one(a)
    res = ctx.push_one(b)
    assert res["status"] == "accepted"
    assert "possible_duplicate" in res["accepted"]["flags"]
    queue = client.get(
        "/api/v1/enrollments", params={"flag": "possible_duplicate"}, headers=ctx.coord
    ).json()
    assert [e["id"] for e in queue["items"]] == [b["id"]]
    with Session(engine) as s:
        audit = s.exec(select(EnrollmentAudit).where(EnrollmentAudit.entity_id == b["id"])).one()
        assert audit.detail["possible_duplicate_of"] == [a["id"]]


def test_push_same_citizen_other_scheme_not_duplicate(client, engine, settings):
    ctx = ready(client, engine, settings)
    ctx.push_one(hi_record(ctx, citizen_id="066090000031"))
    res = ctx.push_one(vsi_record(ctx, citizen_id="066090000031"))
    assert "possible_duplicate" not in res["accepted"]["flags"]


def test_push_future_and_late_captures_flagged(client, engine, settings, app):
    app.state.sync_settings = SyncSettings(max_record_age_days=5)
    ctx = ready(client, engine, settings)
    future = hi_record(
        ctx, citizen_id="066090000041", captured_at=datetime.now(UTC) + timedelta(days=2)
    )
    late = hi_record(
        ctx,
        citizen_id="066090000042",
        household="HH-2",
        captured_at=datetime.now(UTC) - timedelta(days=6),
    )
    fresh = hi_record(ctx, citizen_id="066090000043", household="HH-3")
    body = ctx.push(future, late, fresh)
    flags = [r["accepted"]["flags"] for r in body["results"]]
    assert flags == [["future_dated"], ["late_upload"], []]
    with Session(engine) as s:
        row = s.get(Enrollment, future["id"])
        assert row.captured_at > row.received_at  # device time kept, server time stamped


def test_push_naive_capture_time_rejected(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx, captured_at=None)
    rec["captured_at"] = "2025-09-15T10:00:00"
    res = ctx.push_one(rec)
    assert res["status"] == "rejected" and res["errors"][0]["field"] == "captured_at"


def test_push_other_agents_point_rejected(client, engine, settings):
    ctx = ready(client, engine, settings)
    res = ctx.push_one(hi_record(ctx, point="p2"))
    assert res["status"] == "rejected"
    assert res["errors"][0]["field"] == "point_id"


def test_push_other_agents_id_conflicts_without_revealing_it(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx)
    ctx.push_one(rec)
    stolen = hi_record(ctx, record_id=rec["id"], receipt=ctx.receipt2(), point="p2", rev=2)
    res = ctx.push_one(stolen, headers=ctx.agent2)
    assert res["status"] == "conflict" and res["reason"] == "not_yours"
    assert res["server_version"] is None


def test_push_by_coordinator_forbidden(client, engine, settings):
    ctx = ready(client, engine, settings)
    r = client.post("/api/v1/sync/push", json={"records": [hi_record(ctx)]}, headers=ctx.coord)
    assert r.status_code == 403


def test_push_without_token_401(client):
    r = client.post("/api/v1/sync/push", json={"records": []})
    assert r.status_code == 401


def test_push_empty_batch_answers_nothing(client, engine, settings):
    ctx = ready(client, engine, settings)
    assert ctx.push()["results"] == []


def test_push_uppercase_uuid_same_record(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx, record_id=str(uuid.uuid4()).upper())
    first = ctx.push_one(rec)
    assert first["id"] == rec["id"].lower()
    assert ctx.push_one(rec)["status"] == "duplicate"


def test_push_huge_numbers_rejected_per_record_not_500(client, engine, settings):
    ctx = ready(client, engine, settings)
    huge = 2**70
    a = hi_record(ctx, receipt=huge)
    b = hi_record(ctx, citizen_id="066090000501")
    b["person"]["commune_code"] = huge
    c = hi_record(ctx, citizen_id="066090000502", point_id=huge)
    good = hi_record(ctx, citizen_id="066090000503", household="HH-OK")
    body = ctx.push(a, b, c, good)
    assert [r["status"] for r in body["results"]] == ["rejected"] * 3 + ["accepted"]
    assert [r["errors"][0]["field"] for r in body["results"][:3]] == [
        "receipt_number",
        "person.commune_code",
        "point_id",
    ]
    r = client.get("/api/v1/enrollments", params={"point_id": huge}, headers=ctx.coord)
    assert r.status_code == 422
