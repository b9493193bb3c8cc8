"""Review: approve / reject / return, frozen records, corrections at a higher rev, scope."""

from __future__ import annotations

from sqlmodel import Session, select

from server.enrollments.models import EnrollmentAudit
from server.privacy.views import VIEW_ACTION
from tests.enrollments.helpers import hi_record, ready
from tests.factories import auth, login


def _review(ctx, rid, decision, reason="check the name", headers=None, **extra):
    return ctx.client.post(
        f"/api/v1/enrollments/{rid}/review",
        json={"decision": decision, "reason": reason, **extra},
        headers=headers or ctx.coord,
    )


def test_review_approve_freezes_record_against_later_revs(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx)
    ctx.push_one(rec)
    r = _review(ctx, rec["id"], "approve", reason=None)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved" and r.json()["reviewed_by"] == ctx.world["coord1"]
    res = ctx.push_one({**rec, "rev": 2, "months": 6, "amount_collected_vnd": 631_800})
    assert res["status"] == "conflict" and res["reason"] == "frozen"
    assert res["server_version"]["record_status"] == "approved"
    # Replaying the approved rev itself is still a duplicate.
    assert ctx.push_one(rec)["status"] == "duplicate"


def test_review_rejected_record_corrected_goes_back_to_pending(client, engine, settings):
    """A rejected sign-up is not a dead end: the agent corrects it at a higher rev, it is
    judged again like any correction (keeping its receipt) and waits for review again."""
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx)
    ctx.push_one(rec)
    assert _review(ctx, rec["id"], "reject", reason="not a resident").status_code == 200
    # Replaying the rejected rev is still a duplicate, not a correction.
    assert ctx.push_one(rec)["status"] == "duplicate"
    res = ctx.push_one({**rec, "rev": 2, "person": {**rec["person"], "address": "Thôn 5"}})
    assert res["status"] == "accepted", res
    assert res["accepted"]["record_status"] == "pending" and res["accepted"]["rev"] == 2
    got = ctx.client.get(f"/api/v1/enrollments/{rec['id']}", headers=ctx.coord).json()
    assert got["status"] == "pending" and got["rev"] == 2 and got["review_reason"] is None
    with Session(engine) as s:
        actions = s.exec(
            select(EnrollmentAudit.action).where(
                EnrollmentAudit.entity_id == rec["id"], EnrollmentAudit.action != VIEW_ACTION
            )
        ).all()
    assert actions == ["created", "review_reject", "corrected"]


def test_review_returned_record_corrected_at_higher_rev(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx, months=6, amount=631_800)
    ctx.push_one(rec)
    assert _review(ctx, rec["id"], "return", reason="12 months were paid").status_code == 200
    fixed = {**rec, "rev": 2, "months": 12, "amount_collected_vnd": 1_263_600}
    res = ctx.push_one(fixed)
    assert res["status"] == "accepted"
    assert res["accepted"]["rev"] == 2 and res["accepted"]["amount_vnd"] == 1_263_600
    detail = client.get(f"/api/v1/enrollments/{rec['id']}", headers=ctx.coord).json()
    assert detail["status"] == "pending" and detail["rev"] == 2 and detail["months"] == 12
    assert [v["rev"] for v in detail["revisions"]] == [1, 2]
    assert [a["action"] for a in detail["audit"]] == ["created", "review_return", "corrected"]
    # The old rev replayed: duplicate; old rev with other content: stale.
    assert ctx.push_one(rec)["status"] == "duplicate"
    stale = ctx.push_one({**rec, "months": 3, "amount_collected_vnd": 315_900})
    assert stale["status"] == "conflict" and stale["reason"] == "stale_rev"
    assert stale["server_version"]["rev"] == 2


def test_review_skipped_rev_below_current_is_stale(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx, rev=3)
    ctx.push_one(rec)
    res = ctx.push_one({**rec, "rev": 2})
    assert res["status"] == "conflict" and res["reason"] == "stale_rev"


def test_review_non_pending_conflict(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx)
    ctx.push_one(rec)
    assert _review(ctx, rec["id"], "approve").status_code == 200
    r = _review(ctx, rec["id"], "reject")
    assert r.status_code == 409 and r.json()["field"] == "decision"


def test_review_stale_rev_guard_conflict(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx)
    ctx.push_one(rec)
    r = _review(ctx, rec["id"], "approve", rev=2)
    assert r.status_code == 409 and r.json()["field"] == "rev"


def test_review_reject_without_reason_422(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx)
    ctx.push_one(rec)
    r = _review(ctx, rec["id"], "reject", reason="  ")
    assert r.status_code == 422


def test_review_out_of_scope_coordinator_404_and_agent_403(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx)
    ctx.push_one(rec)
    assert _review(ctx, rec["id"], "approve", headers=auth(client, "coord2")).status_code == 404
    assert _review(ctx, rec["id"], "approve", headers=auth(client, "admin_hn")).status_code == 404
    assert _review(ctx, rec["id"], "approve", headers=ctx.agent).status_code == 403
    assert _review(ctx, rec["id"], "approve", headers=auth(client, "admin")).status_code == 200


def test_review_audit_names_reviewer(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx)
    ctx.push_one(rec)
    _review(ctx, rec["id"], "return", reason="photo unreadable")
    with Session(engine) as s:
        rows = s.exec(
            select(EnrollmentAudit).where(EnrollmentAudit.action == "review_return")
        ).all()
        assert len(rows) == 1 and rows[0].actor_id == ctx.world["coord1"]
        assert rows[0].detail == {"rev": 1, "status": "returned", "reason": "photo unreadable"}


def test_list_enrollments_scoped_and_filtered(client, engine, settings):
    ctx = ready(client, engine, settings)
    a = hi_record(ctx, citizen_id="066090000101", household="H1")
    b = hi_record(ctx, citizen_id="066090000102", household="H2", months=6, amount=631_800)
    c = hi_record(
        ctx, receipt=ctx.receipt2(), citizen_id="066090000103", household="H3", point="p2"
    )
    ctx.push(a, b)
    ctx.push_one(c, headers=ctx.agent2)
    _review(ctx, a["id"], "approve")

    def ids(headers, **params):
        r = client.get("/api/v1/enrollments", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return sorted(e["id"] for e in r.json()["items"])

    assert ids(ctx.agent) == sorted([a["id"], b["id"]])
    assert ids(ctx.agent2) == [c["id"]]
    assert ids(ctx.coord) == sorted([a["id"], b["id"]])
    assert ids(auth(client, "coord2")) == [c["id"]]
    assert ids(auth(client, "admin")) == sorted([a["id"], b["id"], c["id"]])
    assert ids(auth(client, "admin_hn")) == []
    admin = auth(client, "admin")
    assert ids(admin, status="approved") == [a["id"]]
    assert ids(admin, point_id=ctx.world["p2"]) == [c["id"]]
    assert ids(admin, agent_id=ctx.world["agent1"]) == sorted([a["id"], b["id"]])
    assert ids(admin, commune_code=24376) == [c["id"]]
    assert ids(admin, period="2025-09") == sorted([a["id"], b["id"], c["id"]])
    assert ids(admin, period="2025-Q4") == []
    assert ids(admin, scheme="voluntary_si") == []
    page = client.get("/api/v1/enrollments", params={"limit": 2, "offset": 2}, headers=admin).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    bad = client.get("/api/v1/enrollments", params={"period": "2025-13"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["field"] == "period"


def test_get_enrollment_out_of_scope_404(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx)
    ctx.push_one(rec)
    assert client.get(f"/api/v1/enrollments/{rec['id']}", headers=ctx.agent2).status_code == 404
    assert (
        client.get(f"/api/v1/enrollments/{rec['id']}", headers=auth(client, "coord2")).status_code
        == 404
    )
    assert client.get(f"/api/v1/enrollments/{rec['id']}", headers=ctx.agent).status_code == 200


def test_returned_record_corrected_from_agents_new_phone_keeps_receipt(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx, months=6, amount=631_800)
    ctx.push_one(rec)
    _review(ctx, rec["id"], "return", reason="12 months were paid")
    new_phone = {
        "Authorization": f"Bearer {login(client, 'agent1', device='phone-new')['access_token']}"
    }
    fixed = {**rec, "rev": 2, "months": 12, "amount_collected_vnd": 1_263_600}
    res = ctx.push_one(fixed, headers=new_phone)
    assert res["status"] == "accepted", res
    # A new sign-up from the new phone cannot borrow the old phone's numbers.
    other = hi_record(ctx, citizen_id="066090000999", household="HH-X")
    res2 = ctx.push_one(other, headers=new_phone)
    assert res2["status"] == "rejected" and res2["errors"][0]["field"] == "receipt_number"
