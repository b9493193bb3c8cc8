"""Reports read from a streaming replica; pushes and pulls stay on the primary.

Proof that the report really reads the replica: with the replica's replay paused, sign-ups
pushed to the primary are missing from the report, yet the push and the pull work; once
replay resumes and the summary is rebuilt, the report shows them.
"""

from __future__ import annotations

import secrets

import psycopg
import pytest
from fastapi.testclient import TestClient

from server.config import Settings
from server.main import create_app
from server.migrate import upgrade
from tests.enrollments.helpers import hi_record, ready

pytestmark = pytest.mark.postgres


def _achieved(client: TestClient, headers: dict[str, str], refresh: bool = False) -> int:
    r = client.get(
        "/api/v1/reports/progress",
        params={
            "period": "2025-09",
            "level": "commune",
            "scheme": "household_hi",
            "refresh": refresh,
        },
        headers=headers,
    )
    assert r.status_code == 200, r.text
    return sum(row["achieved"] for row in r.json()["rows"])


def test_reports_read_the_replica_while_pushes_and_pulls_use_the_primary(clusters, tmp_path):
    primary = clusters.url(clusters.primary_port)
    replica = clusters.url(clusters.replica_port)
    upgrade(primary)
    settings = Settings(
        database_url=primary,
        report_database_url=replica,
        secret_key=secrets.token_urlsafe(32),
        secret_file=tmp_path / "secret",
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
    )
    app = create_app(settings)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            ctx = ready(client, app.state.engine, settings)
            for i in range(3):
                rec = hi_record(ctx, citizen_id=f"06609000030{i}", household=f"HH-R{i}")
                assert ctx.push_one(rec)["status"] == "accepted"
            clusters.wait_replayed()
            assert _achieved(client, ctx.coord) == 3
            clusters.wait_replayed()  # the summary that report built is on the replica

            with clusters.conn(clusters.replica_port, "postgres") as r:
                r.execute("SELECT pg_wal_replay_pause()")
            try:
                for i in range(2):
                    rec = hi_record(ctx, citizen_id=f"06609000031{i}", household=f"HH-S{i}")
                    assert ctx.push_one(rec)["status"] == "accepted"  # primary
                pulled = client.get("/api/v1/sync/pull", headers=ctx.agent)
                assert pulled.status_code == 200, pulled.text  # primary
                assert _achieved(client, ctx.coord) == 3  # the paused replica's view
            finally:
                with clusters.conn(clusters.replica_port, "postgres") as r:
                    r.execute("SELECT pg_wal_replay_resume()")
            clusters.wait_replayed()
            # A forced refresh rebuilds on the primary and reads its own writes there; once
            # the replica has replayed the rebuild, a plain report reads it from the replica.
            assert _achieved(client, ctx.coord, refresh=True) == 5
            clusters.wait_replayed()
            assert _achieved(client, ctx.coord) == 5

            with clusters.conn(clusters.replica_port) as r:  # it is a read-only standby
                assert r.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
                with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                    r.execute("CREATE TABLE nope (x int)")
    finally:
        app.state.engine.dispose()
        if app.state.report_engine is not None:
            app.state.report_engine.dispose()
