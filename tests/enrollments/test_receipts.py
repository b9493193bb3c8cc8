"""Receipt blocks, misuse on push, voids, and verification codes."""

from __future__ import annotations

from sqlmodel import Session, select

from server.enrollments.models import EnrollmentAudit, ReceiptUse
from tests.enrollments.helpers import hi_record, ready
from tests.factories import auth, login


def test_issue_blocks_never_overlap(client, engine, settings):
    ctx = ready(client, engine, settings)
    r = client.post(
        f"/api/v1/devices/{ctx.device_id}/receipt-blocks", json={"size": 10}, headers=ctx.coord
    )
    assert r.status_code == 201
    blocks = [ctx.block, ctx.block2, r.json()]
    ranges = sorted((b["first_number"], b["last_number"]) for b in blocks)
    assert ranges[0] == (1, 100)
    for (_, a_last), (b_first, _) in zip(ranges, ranges[1:], strict=False):
        assert a_last < b_first
    assert r.json()["last_number"] - r.json()["first_number"] == 9
    listed = client.get(f"/api/v1/devices/{ctx.device_id}/receipt-blocks", headers=ctx.agent)
    assert listed.json()["total"] == 2


def test_issue_block_out_of_scope_device_404_agent_403(client, engine, settings):
    ctx = ready(client, engine, settings)
    other = client.post(
        f"/api/v1/devices/{ctx.device2_id}/receipt-blocks", json={"size": 10}, headers=ctx.coord
    )
    assert other.status_code == 404
    own = client.post(
        f"/api/v1/devices/{ctx.device_id}/receipt-blocks", json={"size": 10}, headers=ctx.agent
    )
    assert own.status_code == 403
    too_big = client.post(
        f"/api/v1/devices/{ctx.device_id}/receipt-blocks", json={"size": 5000}, headers=ctx.coord
    )
    assert too_big.status_code == 422


def test_issue_block_to_coordinator_device_refused(client, engine, settings):
    ctx = ready(client, engine, settings)
    tokens = login(client, "coord1", device="office-pc")
    r = client.post(
        f"/api/v1/devices/{tokens['device_id']}/receipt-blocks",
        json={"size": 10},
        headers=auth(client, "admin"),
    )
    assert r.status_code == 422 and r.json()["field"] == "device_id"
    assert ctx.block["device_id"] == ctx.device_id


def test_push_receipt_outside_device_blocks_rejected(client, engine, settings):
    ctx = ready(client, engine, settings)
    # A number from agent 2's block, and one never issued.
    for number in (ctx.block2["first_number"], 10_000_000):
        res = ctx.push_one(hi_record(ctx, receipt=number))
        assert res["status"] == "rejected"
        assert res["errors"][0]["field"] == "receipt_number"
        assert "not in a receipt block issued to this device" in res["errors"][0]["message"]


def test_push_receipt_number_used_twice_second_rejected(client, engine, settings):
    ctx = ready(client, engine, settings)
    number = ctx.receipt()
    a = hi_record(ctx, receipt=number, citizen_id="066090000301", household="A")
    b = hi_record(ctx, receipt=number, citizen_id="066090000302", household="B")
    body = ctx.push(a, b)
    assert [r["status"] for r in body["results"]] == ["accepted", "rejected"]
    assert "already used" in body["results"][1]["errors"][0]["message"]


def test_void_receipt_then_push_with_it_rejected(client, engine, settings):
    ctx = ready(client, engine, settings)
    number = ctx.receipt()
    r = client.post(
        "/api/v1/receipts/void",
        json={"receipt_number": number, "reason": "torn while writing"},
        headers=ctx.agent,
    )
    assert r.status_code == 201, r.text
    assert r.json()["reason"] == "torn while writing"
    res = ctx.push_one(hi_record(ctx, receipt=number))
    assert res["status"] == "rejected" and "voided" in res["errors"][0]["message"]
    again = client.post(
        "/api/v1/receipts/void",
        json={"receipt_number": number, "reason": "torn again"},
        headers=ctx.agent,
    )
    assert again.status_code == 201 and again.json()["reason"] == "torn while writing"
    with Session(engine) as s:
        assert s.get(ReceiptUse, number).kind == "void"
        audit = s.exec(select(EnrollmentAudit).where(EnrollmentAudit.action == "voided")).one()
        assert audit.device_id == ctx.device_id and audit.detail["reason"] == "torn while writing"


def test_void_used_receipt_409_outside_block_422_coordinator_403(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx)
    ctx.push_one(rec)
    used = client.post(
        "/api/v1/receipts/void",
        json={"receipt_number": rec["receipt_number"], "reason": "mistake"},
        headers=ctx.agent,
    )
    assert used.status_code == 409
    outside = client.post(
        "/api/v1/receipts/void",
        json={"receipt_number": ctx.block2["first_number"], "reason": "mistake"},
        headers=ctx.agent,
    )
    assert outside.status_code == 422 and outside.json()["field"] == "receipt_number"
    coord = client.post(
        "/api/v1/receipts/void",
        json={"receipt_number": ctx.receipt(), "reason": "mistake"},
        headers=ctx.coord,
    )
    assert coord.status_code == 403


def test_verify_code_confirms_receipt_without_login(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx, name="Nguyễn Văn An")
    code = ctx.push_one(rec)["accepted"]["verification_code"]
    r = client.get("/api/v1/receipts/verify", params={"code": code})
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["valid"] is True and v["enrollment_id"] == rec["id"] and v["current"] is True
    assert v["participant"] == "Nguyễn V. A."
    assert v["receipt_number"] == rec["receipt_number"] and v["amount_vnd"] == 1_263_600
    assert v["point_name"] == "Điểm thu Bưu điện Ea Kar"
    lower = client.get("/api/v1/receipts/verify", params={"code": code.replace("-", "").lower()})
    assert lower.status_code == 200


def test_verify_code_superseded_by_correction_not_current(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx, months=6, amount=631_800)
    code1 = ctx.push_one(rec)["accepted"]["verification_code"]
    client.post(
        f"/api/v1/enrollments/{rec['id']}/review",
        json={"decision": "return", "reason": "12 months"},
        headers=ctx.coord,
    )
    code2 = ctx.push_one({**rec, "rev": 2, "months": 12, "amount_collected_vnd": 1_263_600})[
        "accepted"
    ]["verification_code"]
    assert code1 != code2
    assert client.get("/api/v1/receipts/verify", params={"code": code1}).json()["current"] is False
    assert client.get("/api/v1/receipts/verify", params={"code": code2}).json()["current"] is True


def test_verify_unknown_code_404(client, engine, settings):
    ready(client, engine, settings)
    r = client.get("/api/v1/receipts/verify", params={"code": "AAAAA-BBBBB"})
    assert r.status_code == 404 and r.json()["field"] == "code"
