"""Bad input found by probing push: each a rejection of that record alone, on both databases."""

from __future__ import annotations

from sqlmodel import Session

from server.enrollments.models import Enrollment
from tests.enrollments.helpers import hi_record, ready


def test_unrepresentable_times_and_unsafe_text_reject_only_their_record(client, engine, settings):
    ctx = ready(client, engine, settings)
    good = hi_record(ctx, citizen_id="066090000101")
    far_future = hi_record(ctx, citizen_id="066090000102", captured_at=None, household="HH-2") | {
        "captured_at": "9999-12-31T23:59:59-12:00"
    }
    far_past = hi_record(ctx, citizen_id="066090000103", household="HH-3") | {
        "captured_at": "0001-01-01T00:00:00+14:00"
    }
    nul = hi_record(ctx, citizen_id="066090000104", household="HH-4", name="Nguyễn\x00An")
    control = hi_record(ctx, citizen_id="066090000105", household="HH-5")
    control["person"] = {**control["person"], "address": "Thôn 1\x1b[31m"}
    bidi = hi_record(ctx, citizen_id="066090000106", household="HH-6", name="An\u202eôđ")
    zero_width = hi_record(
        ctx, citizen_id="066090000107", household="HH-7", name="Nguyễn\u200b Văn\u200d Bình"
    )
    body = ctx.push(good, far_future, far_past, nul, control, bidi, zero_width)
    statuses = [r["status"] for r in body["results"]]
    assert statuses == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
    ]
    fields = [[e["field"] for e in r.get("errors") or []] for r in body["results"]]
    assert fields[1] == ["captured_at"] and fields[2] == ["captured_at"]
    assert "out of range" in body["results"][1]["errors"][0]["message"]
    assert fields[3] == ["person.full_name"]
    assert fields[4] == ["person.address"]
    assert fields[5] == ["person.full_name"]
    with Session(engine) as s:
        assert s.get(Enrollment, good["id"]) is not None
        stored = s.get(Enrollment, zero_width["id"])
        assert stored is not None and stored.full_name == "Nguyễn Văn Bình"
        for rejected in (far_future, far_past, nul, control, bidi):
            assert s.get(Enrollment, rejected["id"]) is None


def test_push_body_that_is_not_a_batch_is_422_and_too_many_records_413(client, engine, settings):
    ctx = ready(client, engine, settings)
    r = ctx.client.post(
        "/api/v1/sync/push",
        content=b'{"records": 7}',
        headers={**ctx.agent, "content-type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["type"] == "validation_error"
    assert r.json()["field"] == "records"
    r = ctx.client.post("/api/v1/sync/push", content=b"not json", headers=ctx.agent)
    assert r.status_code == 422
    many = [{"id": "x"}] * 501
    r = ctx.client.post("/api/v1/sync/push", json={"records": many}, headers=ctx.agent)
    assert r.status_code == 413 and r.json()["limit"] == 500
