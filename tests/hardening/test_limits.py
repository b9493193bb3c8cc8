"""Every limit holds: an over-limit request is answered 413 or 422 and writes nothing.

Each test counts the rows the request could have written, before and after.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from enroll_common.sync_wire import MAX_PULL_LIMIT, MAX_PUSH_RECORDS
from tests.enrollments.helpers import Ctx, hi_record, ready
from tests.factories import EA_KAR, auth

WRITTEN_BY_PUSH = (
    "enrollment",
    "enrollment_revision",
    "enrollment_audit",
    "receipt_use",
    "participant",
    "change_log",
)


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _counts(engine, tables=WRITTEN_BY_PUSH) -> dict[str, int]:
    return {t: _count(engine, t) for t in tables}


@pytest.fixture
def ctx(client, engine, settings) -> Ctx:
    c = ready(client, engine, settings)
    # enough receipt numbers for a batch one over the limit
    r = client.post(
        f"/api/v1/devices/{c.device_id}/receipt-blocks", json={"size": 1000}, headers=c.coord
    )
    assert r.status_code == 201, r.text
    c.block = r.json()
    return c


def test_push_one_record_over_the_batch_limit_is_413_and_writes_nothing(ctx, client, engine):
    before = _counts(engine)
    records = [hi_record(ctx, citizen_id=f"0660{i:08d}") for i in range(MAX_PUSH_RECORDS + 1)]
    r = client.post("/api/v1/sync/push", json={"records": records}, headers=ctx.agent)
    assert r.status_code == 413, r.text
    assert r.json()["type"] == "payload_too_large"
    assert r.json()["limit"] == MAX_PUSH_RECORDS
    assert _counts(engine) == before


def test_push_at_the_batch_limit_is_accepted(ctx, client, engine):
    """The other side of the edge: exactly the limit is stored whole."""
    records = [hi_record(ctx, citizen_id=f"0661{i:08d}") for i in range(MAX_PUSH_RECORDS)]
    body = ctx.push(*records)
    assert body["accepted"] == MAX_PUSH_RECORDS
    assert _count(engine, "enrollment") == MAX_PUSH_RECORDS


def test_push_body_over_the_byte_limit_is_413_and_writes_nothing(ctx, client, engine, settings):
    before = _counts(engine)
    per_record = settings.max_body_bytes // 100 + 1
    records = [hi_record(ctx, citizen_id=f"0662{i:08d}") for i in range(100)]
    for record in records:
        record["person"]["address"] = "x" * per_record
    r = client.post("/api/v1/sync/push", json={"records": records}, headers=ctx.agent)
    assert r.status_code == 413, r.text
    assert r.json()["limit_bytes"] == settings.max_body_bytes
    assert _counts(engine) == before


def test_push_chunked_body_over_the_byte_limit_is_413_and_writes_nothing(
    ctx, client, engine, settings
):
    """No Content-Length to trust: the limit is counted while the body streams in."""
    before = _counts(engine)
    record = hi_record(ctx)
    head = b'{"records": [' + json.dumps(record).encode() + b', "'
    chunk = b"y" * 65536

    def stream() -> Iterator[bytes]:
        yield head
        for _ in range(settings.max_body_bytes // len(chunk) + 2):
            yield chunk
        yield b'"]}'

    r = client.post(
        "/api/v1/sync/push",
        content=stream(),
        headers={**ctx.agent, "Content-Type": "application/json"},
    )
    assert _counts(engine) == before
    assert r.status_code == 413, r.text


def test_push_chunked_body_over_the_byte_limit_is_refused_and_writes_nothing(
    ctx, client, engine, settings
):
    """Whatever the status, a streamed over-limit body is refused with a 4xx, never stored."""
    before = _counts(engine)
    chunk = b"y" * 65536

    def stream() -> Iterator[bytes]:
        yield b'{"records": ["'
        for _ in range(settings.max_body_bytes // len(chunk) + 2):
            yield chunk
        yield b'"]}'

    r = client.post(
        "/api/v1/sync/push",
        content=stream(),
        headers={**ctx.agent, "Content-Type": "application/json"},
    )
    assert 400 <= r.status_code < 500, r.text
    assert _counts(engine) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("person.full_name", "N" * 201),
        ("person.address", "a" * 301),
        ("person.phone", "0" * 16),
        ("household.code", "H" * 33),
        ("household.members", [{"full_name": f"M {i}", "relation": "con"} for i in range(31)]),
        ("support_groups", ["poor"] * 6),
        ("rev", 1_000_001),
        ("amount_collected_vnd", 10_000_000_001),
    ],
)
def test_push_record_over_a_field_limit_is_rejected_and_writes_nothing(
    ctx, client, engine, field, value
):
    """Inside a batch a bad record is answered on its own (200, status rejected, the field
    named), and nothing of it is stored."""
    before = _counts(engine)
    record = hi_record(ctx)
    target = record
    *parents, leaf = field.split(".")
    for key in parents:
        target = target[key]
    target[leaf] = value
    result = ctx.push_one(record)
    assert result["status"] == "rejected", result
    assert any(e["field"].startswith(field) for e in result["errors"]), result["errors"]
    assert _counts(engine) == before


def test_receipt_block_over_the_size_limit_is_422_and_writes_nothing(ctx, client, engine):
    before = _count(engine, "receipt_block"), _count(engine, "change_log")
    r = client.post(
        f"/api/v1/devices/{ctx.device_id}/receipt-blocks", json={"size": 1001}, headers=ctx.coord
    )
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "size"
    assert (_count(engine, "receipt_block"), _count(engine, "change_log")) == before


def test_void_reason_over_the_length_limit_is_422_and_writes_nothing(ctx, client, engine):
    before = _count(engine, "receipt_use")
    r = client.post(
        "/api/v1/receipts/void",
        json={"receipt_number": ctx.receipt(), "reason": "r" * 301},
        headers=ctx.agent,
    )
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "reason"
    assert _count(engine, "receipt_use") == before


def test_review_reason_over_the_length_limit_is_422_and_changes_nothing(ctx, client, engine):
    record = hi_record(ctx)
    assert ctx.push_one(record)["status"] == "accepted"
    before = _count(engine, "enrollment_audit"), _count(engine, "change_log")
    r = client.post(
        f"/api/v1/enrollments/{record['id']}/review",
        json={"decision": "reject", "reason": "r" * 501},
        headers=ctx.coord,
    )
    assert r.status_code == 422, r.text
    # Counted before reading the sign-up back: a coordinator's view is itself audited.
    assert (_count(engine, "enrollment_audit"), _count(engine, "change_log")) == before
    got = client.get(f"/api/v1/enrollments/{record['id']}", headers=ctx.coord).json()
    assert got["status"] == "pending"


@pytest.mark.parametrize(
    ("path", "body", "table"),
    [
        (
            "/api/v1/points",
            {"code": "EAKAR-99", "name": "P" * 201, "commune_code": EA_KAR},
            "collection_point",
        ),
        (
            "/api/v1/points",
            {"code": "EAKAR-98", "name": "P", "commune_code": EA_KAR, "address": "a" * 301},
            "collection_point",
        ),
        (
            "/api/v1/users",
            {
                "username": "new.agent",
                "password": "long enough pass",
                "full_name": "F" * 201,
                "role": "agent",
            },
            "app_user",
        ),
        (
            "/api/v1/users",
            {
                "username": "new.agent2",
                "password": "p" * 257,
                "full_name": "Agent",
                "role": "agent",
            },
            "app_user",
        ),
    ],
)
def test_create_with_a_string_over_its_limit_is_422_and_writes_nothing(
    ctx, client, engine, path, body, table
):
    admin = auth(client, "admin", device="web")
    before = _count(engine, table)
    r = client.post(path, json=body, headers=admin)
    assert r.status_code == 422, r.text
    assert _count(engine, table) == before


def test_login_with_overlong_credentials_is_422_and_writes_nothing(ctx, client, engine):
    before = _counts(engine, ("device", "auth_session", "login_throttle"))
    for body in (
        {"username": "u" * 65, "password": "x", "device_id": "d"},
        {"username": "agent.eakar", "password": "x" * 257, "device_id": "d"},
        {"username": "agent.eakar", "password": "x", "device_id": "d" * 101},
    ):
        r = client.post("/api/v1/auth/login", json=body)
        assert r.status_code == 422, (body, r.text)
    assert _counts(engine, ("device", "auth_session", "login_throttle")) == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/enrollments",
        "/api/v1/participants",
        "/api/v1/renewals",
        "/api/v1/points",
        "/api/v1/users",
        "/api/v1/devices",
        "/api/v1/targets",
        "/api/v1/policy/versions",
    ],
)
def test_list_page_over_the_size_limit_is_422(ctx, client, settings, path):
    r = client.get(path, params={"limit": settings.max_page_size + 1}, headers=ctx.coord)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "limit"
    ok = client.get(path, params={"limit": settings.max_page_size}, headers=ctx.coord)
    assert ok.status_code == 200, ok.text


def test_pull_page_over_the_limit_is_capped_not_refused(ctx, client):
    """The pull contract caps ``limit`` (docs/sync-protocol.md §4) rather than refusing it."""
    r = client.get("/api/v1/sync/pull", params={"limit": 10**6}, headers=ctx.agent)
    assert r.status_code == 200, r.text
    assert len(r.json()["changes"]) <= MAX_PULL_LIMIT
    long_cursor = client.get("/api/v1/sync/pull", params={"cursor": "1" * 41}, headers=ctx.agent)
    assert long_cursor.status_code == 422


def test_register_import_over_the_body_limit_is_413_and_writes_nothing(
    ctx, client, engine, settings
):
    before = _count(engine, "participant")
    row = "066090000001,,Nguyễn Văn An,1980-05-17,HH-1,household_hi,2026-12-31\n"
    content = ("x" * 100 + "\n" + row * (settings.max_body_bytes // len(row) + 10)).encode()
    r = client.post(
        "/api/v1/participants/import",
        params={"commune_code": EA_KAR},
        files={"file": ("register.csv", content, "text/csv")},
        headers=ctx.coord,
    )
    assert r.status_code == 413, r.text
    assert _count(engine, "participant") == before
