"""A busy SQLite database must answer "try again", never a 500.

With several agents pushing at once on SQLite, a writer can wait longer than the busy
timeout for the write lock (found by benchmarks/bench_push.py: 500 "database is locked").
The client retries either way, so nothing is lost, but a 500 says "bug" where a 503 with
``Retry-After`` says "busy, come back".
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine

from server.db import make_engine
from tests.enrollments.helpers import hi_record, ready


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's single writer lock
def test_push_while_sqlite_write_lock_is_held_answers_503_and_writes_nothing(
    client, engine, settings, db_url
):
    ctx = ready(client, engine, settings)
    # The server waits 0.2 s for the lock instead of 15 s, so the test is quick.
    client.app.state.engine.dispose()
    client.app.state.engine = make_engine(
        settings.model_copy(update={"sqlite_busy_timeout_ms": 200})
    )
    # Another process holds the write lock for longer than the server will wait.
    blocker = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=1)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        r = client.post("/api/v1/sync/push", json={"records": [hi_record(ctx)]}, headers=ctx.agent)
    finally:
        blocker.rollback()
        blocker.close()
    count = (
        client.app.state.engine.connect()
        .exec_driver_sql("SELECT count(*) FROM enrollment")
        .scalar_one()
    )
    assert count == 0
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) > 0


def test_request_when_the_connection_pool_is_exhausted_answers_503(client, engine, settings):
    ctx = ready(client, engine, settings)
    # A pool of one connection that gives up waiting after 0.2 s, and that connection taken.
    client.app.state.engine.dispose()
    client.app.state.engine = create_engine(
        settings.database_url, pool_size=1, max_overflow=0, pool_timeout=0.2
    )
    held = client.app.state.engine.connect()
    try:
        r = client.get("/api/v1/me", headers=ctx.agent)
    finally:
        held.close()
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) > 0
