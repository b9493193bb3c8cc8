"""GET /sync/pull: scoped changes since a cursor, paged, and a clear error for bad cursors."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from server.main import create_app
from tests.enrollments.helpers import hi_record, ready
from tests.factories import auth, sqlite_writer


def _pull_all(client, headers, cursor="0", limit=1000):
    changes = []
    while True:
        r = client.get(
            "/api/v1/sync/pull", params={"cursor": cursor, "limit": limit}, headers=headers
        )
        assert r.status_code == 200, r.text
        page = r.json()
        changes += page["changes"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return changes, cursor


def test_pull_from_zero_includes_policy_versions(client, engine, settings):
    ctx = ready(client, engine, settings)
    changes, cursor = _pull_all(client, ctx.agent)
    policy = [c for c in changes if c["entity"] == "policy_version"]
    assert len(policy) >= 16
    assert int(cursor) >= max(c["seq"] for c in changes)
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(seqs)


def test_pull_receipt_block_only_for_its_agent(client, engine, settings):
    ctx = ready(client, engine, settings)
    mine, _ = _pull_all(client, ctx.agent)
    blocks = [c for c in mine if c["entity"] == "receipt_block"]
    assert [b["payload"]["device_id"] for b in blocks] == [ctx.device_id]
    theirs, _ = _pull_all(client, ctx.agent2)
    assert [b["payload"]["device_id"] for b in theirs if b["entity"] == "receipt_block"] == [
        ctx.device2_id
    ]


def test_pull_review_decision_reaches_own_agent_only(client, engine, settings):
    ctx = ready(client, engine, settings)
    _, c1 = _pull_all(client, ctx.agent)
    _, c2 = _pull_all(client, ctx.agent2)
    rec = hi_record(ctx)
    ctx.push_one(rec)
    client.post(
        f"/api/v1/enrollments/{rec['id']}/review",
        json={"decision": "return", "reason": "wrong date of birth"},
        headers=ctx.coord,
    )
    mine, _ = _pull_all(client, ctx.agent, cursor=c1)
    decisions = [c for c in mine if c["entity"] == "review_decision"]
    assert len(decisions) == 1
    assert decisions[0]["payload"]["status"] == "returned"
    assert decisions[0]["payload"]["reason"] == "wrong date of birth"
    assert decisions[0]["payload"]["rev"] == 1
    theirs, _ = _pull_all(client, ctx.agent2, cursor=c2)
    assert [c for c in theirs if c["entity"] == "review_decision"] == []


def test_pull_roster_entries_for_agents_communes(client, engine, settings):
    ctx = ready(client, engine, settings)
    _, c1 = _pull_all(client, ctx.agent)
    _, c2 = _pull_all(client, ctx.agent2)
    ctx.push_one(hi_record(ctx, citizen_id="066090000201"))
    mine, _ = _pull_all(client, ctx.agent, cursor=c1)
    roster = [c for c in mine if c["entity"] == "participant"]
    assert len(roster) == 1
    assert roster[0]["payload"]["citizen_id"] == "066090000201"
    assert roster[0]["payload"]["coverage_end"] == "2026-10-14"
    theirs, _ = _pull_all(client, ctx.agent2, cursor=c2)
    assert [c for c in theirs if c["entity"] == "participant"] == []
    coord2, _ = _pull_all(client, auth(client, "coord2"))
    assert [c for c in coord2 if c["entity"] == "participant"] == []
    admin, _ = _pull_all(client, auth(client, "admin"))
    assert len([c for c in admin if c["entity"] == "participant"]) == 1
    admin_hn, _ = _pull_all(client, auth(client, "admin_hn"))
    assert [c for c in admin_hn if c["entity"] == "participant"] == []


def test_pull_pages_with_next_cursor_and_has_more(client, engine, settings):
    ctx = ready(client, engine, settings)
    everything, _ = _pull_all(client, ctx.agent)
    seen = []
    cursor = "0"
    pages = 0
    while True:
        r = client.get(
            "/api/v1/sync/pull", params={"cursor": cursor, "limit": 5}, headers=ctx.agent
        )
        page = r.json()
        assert len(page["changes"]) <= 5
        seen += page["changes"]
        cursor = page["next_cursor"]
        pages += 1
        if not page["has_more"]:
            break
    assert seen == everything
    assert pages == -(-len(everything) // 5)  # ceil: a full last page says has_more false
    r = client.get("/api/v1/sync/pull", params={"cursor": cursor}, headers=ctx.agent)
    body = r.json()
    assert re.fullmatch(r"[0-9a-f]{16}", body.pop("scope"))  # the area's digest, stable
    assert body == {"changes": [], "next_cursor": cursor, "has_more": False}


def test_pull_cursor_ahead_of_server_410_start_from_zero(client, engine, settings):
    ctx = ready(client, engine, settings)
    r = client.get("/api/v1/sync/pull", params={"cursor": "999999999"}, headers=ctx.agent)
    assert r.status_code == 410
    assert r.json()["type"] == "cursor_invalid" and "cursor 0" in r.json()["detail"]


def test_pull_garbage_cursor_410(client, engine, settings):
    ctx = ready(client, engine, settings)
    r = client.get("/api/v1/sync/pull", params={"cursor": "abc"}, headers=ctx.agent)
    assert r.status_code == 410 and r.json()["field"] == "cursor"


def test_pull_limit_capped_at_1000(client, engine, settings):
    ctx = ready(client, engine, settings)
    r = client.get("/api/v1/sync/pull", params={"cursor": "0", "limit": 5000}, headers=ctx.agent)
    assert r.status_code == 200 and len(r.json()["changes"]) <= 1000


def test_pull_needs_login(client):
    assert client.get("/api/v1/sync/pull").status_code == 401


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL readers never wait
def test_pull_neither_waits_for_nor_sees_a_sqlite_writer(client, engine, settings):
    ctx = ready(client, engine, settings)
    before, cursor = _pull_all(client, ctx.agent)
    assert before
    # A short busy timeout: a pull asking for the write lock would fail in 0.2 s ("database
    # is locked", 503) instead of waiting the default 15 s behind the push of the moment.
    app = create_app(settings.model_copy(update={"sqlite_busy_timeout_ms": 200}))
    try:
        with sqlite_writer(settings.database_url) as writer:  # not committed
            writer.execute(
                "INSERT INTO change_log (entity, entity_id, op, payload, created_at) "
                "VALUES ('receipt_block', '999', 'upsert', '{}', '2026-11-30 00:00:00')"
            )
            with TestClient(app, raise_server_exceptions=False) as locked:
                r = locked.get(
                    "/api/v1/sync/pull",
                    params={"cursor": cursor, "limit": 1000},
                    headers=ctx.agent,
                )
        assert r.status_code == 200, r.text
        assert r.json()["changes"] == []  # the uncommitted change is not in its snapshot
        assert r.json()["next_cursor"] == cursor
    finally:
        app.state.engine.dispose()
