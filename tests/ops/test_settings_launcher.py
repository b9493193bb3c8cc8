"""One validated Settings, one launcher: bad values stop start-up in one line; what the
launcher exports rebuilds the same settings in a worker; the pool follows the settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from server import launcher
from server.config import Settings
from server.db import make_engine
from server.sync.settings import SyncSettings
from server.web.settings import WebSettings
from tests.ops.logs import entries
from tests.servers import ServerProcess


def _serve(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FIELD_ENROLL_")}
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--port", "1", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FIELD_ENROLL_MAX_RECORD_AGE_DAYS", "abc"),  # sync group: used to fail at first push
        ("FIELD_ENROLL_WEB_SAME_SITE", "none"),  # web group: used to fail at first page
        ("FIELD_ENROLL_TRUSTED_PROXIES", "*"),
        ("FIELD_ENROLL_DB_POOL_SIZE", "0"),
        ("FIELD_ENROLL_SECRET_KEY", "changeme"),
    ],
)
def test_a_bad_value_stops_start_up_with_one_line_naming_it(variable, value):
    done = _serve({variable: value})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("invalid setting ") and variable in lines[0]
    assert "Traceback" not in done.stderr


def test_workers_beyond_the_connection_budget_are_refused():
    done = _serve(
        {
            "FIELD_ENROLL_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "FIELD_ENROLL_DB_POOL_SIZE": "10",
            "FIELD_ENROLL_DB_MAX_OVERFLOW": "5",
            "FIELD_ENROLL_DB_CONNECTION_BUDGET": "40",
        },
        "--workers",
        "3",
    )
    assert done.returncode == 2
    assert "3 workers x" in done.stderr and "= 45 connections" in done.stderr


def test_grouped_settings_come_from_their_variables_and_round_trip(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELD_ENROLL_MAX_RECORD_AGE_DAYS", "7")
    monkeypatch.setenv("FIELD_ENROLL_WEB_SESSION_HOURS", "3")
    monkeypatch.setenv("FIELD_ENROLL_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    settings = launcher.load_settings(secret_file=tmp_path / "s")
    assert isinstance(settings.sync, SyncSettings) and settings.sync.max_record_age_days == 7
    assert isinstance(settings.web, WebSettings) and settings.web.session_hours == 3
    assert settings.proxy_list == ["127.0.0.1", "10.0.0.0/8"]
    for name in list(os.environ):
        if name.startswith("FIELD_ENROLL_"):
            monkeypatch.delenv(name)
    for name, value in launcher.settings_env(settings).items():
        monkeypatch.setenv(name, value)
    assert Settings() == settings


def test_the_app_uses_the_settings_it_was_given_not_the_environment(app, settings, monkeypatch):
    monkeypatch.setenv("FIELD_ENROLL_MAX_RECORD_AGE_DAYS", "not a number")
    assert app.state.sync_settings is settings.sync
    assert app.state.web_settings is settings.web


def test_pool_size_and_overflow_follow_the_settings(db_url, tmp_path):
    settings = Settings(
        database_url=db_url,
        secret_file=tmp_path / "s",
        db_pool_size=3,
        db_max_overflow=2,
    )
    engine = make_engine(settings)
    try:
        assert engine.pool.size() == 3  # type: ignore[attr-defined]
        assert engine.pool._max_overflow == 2  # type: ignore[attr-defined]
        assert settings.connections_per_worker() == 5
    finally:
        engine.dispose()


def _worker_starts(path):
    return [e for e in entries(path) if "Started server process" in e["event"]]


@pytest.mark.postgres
def test_two_workers_serve_and_their_metrics_are_summed(pg_database, tmp_path):
    settings = Settings(database_url=pg_database, secret_key="k" * 40, secret_file=tmp_path / "s")
    server = ServerProcess(settings, workers=2, log_path=tmp_path / "serve.log").start(60)
    try:
        deadline = time.monotonic() + 60
        while len(_worker_starts(tmp_path / "serve.log")) < 2:
            assert time.monotonic() < deadline, "the second worker did not start"
            time.sleep(0.2)
        for _ in range(30):
            # A new connection each time, so the kernel spreads them over both workers.
            r = httpx.get(f"{server.url}/api/v1/health/live", headers={"Connection": "close"})
            assert r.status_code == 200
        text = httpx.get(f"{server.url}/metrics").text
        line = next(
            ln
            for ln in text.splitlines()
            if ln.startswith("field_enroll_http_requests_total{")
            and 'route="/api/v1/health/live"' in ln
            and 'status="200"' in ln
        )
        assert float(line.rsplit(" ", 1)[1]) == 30
    finally:
        server.stop()
