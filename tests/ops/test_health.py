"""Health that tells the truth: live, ready and its causes, and recovery without a restart."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from server.config import Settings
from server.db import make_engine
from server.main import create_app
from tests.factories import PASSWORD, build_world
from tests.servers import ServerProcess


def test_live_and_ready_answer_on_a_healthy_server(client):
    assert client.get("/api/v1/health/live").json() == {"status": "alive"}
    r = client.get("/api/v1/health/ready")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ready" and body["schema"] == "current"
    assert body["schema_revision"] == body["expected_revision"]
    assert client.get("/api/v1/health").status_code == 200  # the old check still answers


def test_behind_schema_is_not_ready_and_says_run_migrate(app, client, engine, restore_revision):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    r = client.get("/api/v1/health/ready")
    assert r.status_code == 503
    assert r.json()["cause"] == "migration_needed" and "migrate" in r.json()["detail"]


def test_a_newer_schema_keeps_this_release_ready(client, engine, restore_revision):
    """Running the next release's (expand-first) migration must not take this one out."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_next'"))
    r = client.get("/api/v1/health/ready")
    assert r.status_code == 200, r.text
    assert r.json()["schema"] == "newer"


def _sqlite_settings(sqlite_template: Path, folder: Path, **extra: object) -> Settings:
    db = folder / "enroll.db"
    shutil.copy(sqlite_template, db)
    return Settings(
        database_url=f"sqlite:///{db}",
        secret_key="k" * 40,
        secret_file=folder / "secret",
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        argon2_parallelism=1,
        **extra,  # type: ignore[arg-type]
    )


def test_low_disk_under_a_sqlite_file_is_not_ready(sqlite_template, tmp_path):
    settings = _sqlite_settings(sqlite_template, tmp_path, min_free_disk_mb=10**9)
    app = create_app(settings)
    with TestClient(app) as client:
        r = client.get("/api/v1/health/ready")
    app.state.engine.dispose()
    assert r.status_code == 503
    assert r.json()["cause"] == "disk_full" and r.headers["retry-after"]


def test_a_held_write_lock_is_reported_busy_within_the_probe_timeout(app, client, settings):
    app.state.settings = settings.model_copy(update={"health_probe_timeout_ms": 300})
    url = make_url(settings.database_url)
    if settings.is_sqlite:
        blocker = sqlite3.connect(url.database, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        blocker.execute("UPDATE alembic_version SET version_num = version_num")
    else:
        blocker = psycopg.connect(  # type: ignore[assignment]
            host=url.host, port=url.port or 5432, user=url.username, dbname=url.database
        )
        blocker.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
    try:
        started = time.monotonic()
        r = client.get("/api/v1/health/ready")
        took = time.monotonic() - started
    finally:
        blocker.rollback()
        blocker.close()
    assert r.status_code == 503, r.text
    assert r.json()["cause"] == "busy"
    assert took < 5
    assert client.get("/api/v1/health/ready").status_code == 200


def _login(url: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/auth/login",
        json={"username": "agent.eakar", "password": PASSWORD, "device_id": "ro-test"},
        timeout=30,
    )


def _wait_ready(url: str, timeout: float = 20) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        r = httpx.get(f"{url}/api/v1/health/ready", timeout=10)
        if r.status_code == 200 or time.monotonic() > deadline:
            return r
        time.sleep(0.2)


def test_sqlite_on_a_read_only_file_system_is_not_ready_then_recovers(sqlite_template, tmp_path):
    """The issue's case: started on a read-only mount, 503 read_only (not "ok"); once the
    mount is writable again the same process is ready and takes logins, without a restart."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], check=True)
    server = None
    try:
        settings = _sqlite_settings(sqlite_template, mount, min_free_disk_mb=1)
        seed = make_engine(settings)
        build_world(seed, settings)
        seed.dispose()
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        server = ServerProcess(settings, log_path=tmp_path / "server.log").launch()
        deadline = time.monotonic() + 30
        while True:  # live answers even though ready cannot
            try:
                if httpx.get(f"{server.url}/api/v1/health/live").status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        r = httpx.get(f"{server.url}/api/v1/health/ready")
        assert r.status_code == 503 and r.json()["cause"] == "read_only", r.text
        refused = _login(server.url)  # SQLite cannot even open it: "unavailable, retry"
        assert refused.status_code == 503 and refused.headers["retry-after"], refused.text
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
        r = _wait_ready(server.url)
        assert r.status_code == 200, r.text
        assert _login(server.url).status_code == 200
    finally:
        if server is not None:
            server.stop()
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.postgres
def test_postgres_read_only_then_writable_recovers_without_restart(pg_database, tmp_path):
    """A database switched to read-only (as during a failover) makes ready 503 read_only;
    switched back, the server drops its read-only connections and is ready again."""
    url = make_url(pg_database)
    settings = Settings(database_url=pg_database, secret_key="k" * 40, secret_file=tmp_path / "s")
    seed = make_engine(settings)
    build_world(
        seed, settings.model_copy(update={"argon2_memory_kib": 1024, "argon2_time_cost": 1})
    )
    seed.dispose()
    admin = psycopg.connect(
        host=url.host, port=url.port or 5432, user=url.username, dbname="postgres", autocommit=True
    )
    server = ServerProcess(settings, log_path=tmp_path / "server.log").start()
    try:
        assert _login(server.url).status_code == 200  # the pool now holds writable sessions
        admin.execute(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (url.database,),
        )
        r = httpx.get(f"{server.url}/api/v1/health/ready")
        assert r.status_code == 503 and r.json()["cause"] == "read_only", r.text
        refused = _login(server.url)
        assert refused.status_code == 503 and refused.json()["type"] == "database_read_only"
        admin.execute(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = off')
        r = _wait_ready(server.url)
        assert r.status_code == 200, r.text
        assert _login(server.url).status_code == 200
    finally:
        admin.execute(f'ALTER DATABASE "{url.database}" RESET default_transaction_read_only')
        admin.close()
        server.stop()
