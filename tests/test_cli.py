"""enroll-server commands against a real SQLite file."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from server.cli import app


@pytest.fixture
def env(tmp_path, monkeypatch):
    db = tmp_path / "cli.db"
    monkeypatch.setenv("FIELD_ENROLL_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("FIELD_ENROLL_SECRET_FILE", str(tmp_path / "secret"))
    monkeypatch.setenv("FIELD_ENROLL_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("FIELD_ENROLL_ARGON2_TIME_COST", "1")
    return db


def test_migrate_creates_schema_and_is_idempotent(env):
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(app, ["migrate"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    with sqlite3.connect(env) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM commune").fetchone()[0] == 3321


def test_demo_no_serve_seeds_once_and_prints_logins(env):
    runner = CliRunner()
    result = runner.invoke(app, ["demo", "--no-serve"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "coord.eakar" in result.output and "demo-password" in result.output
    with sqlite3.connect(env) as conn:
        counts = dict(conn.execute("SELECT role, count(*) FROM app_user GROUP BY role").fetchall())
    assert counts["admin"] == 1 and counts["coordinator"] == 10
    assert counts["agent"] >= 60
    again = runner.invoke(app, ["demo", "--no-serve"], catch_exceptions=False)
    assert "already present" in again.output


def test_create_user_adds_coordinator_with_commune(env):
    runner = CliRunner()
    runner.invoke(app, ["migrate"], catch_exceptions=False)
    result = runner.invoke(
        app,
        [
            "create-user",
            "--username",
            "coord.x",
            "--role",
            "coordinator",
            "--full-name",
            "Lê Thị Hà",
            "--commune",
            "24373",
        ],
        input="s3cret-pass\ns3cret-pass\n",
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    with sqlite3.connect(env) as conn:
        row = conn.execute(
            "SELECT u.role, c.commune_code FROM app_user u JOIN coordinator_commune c "
            "ON c.user_id = u.id WHERE u.username = 'coord.x'"
        ).fetchone()
    assert row == ("coordinator", 24373)


def test_create_user_unknown_commune_fails_cleanly(env):
    runner = CliRunner()
    runner.invoke(app, ["migrate"], catch_exceptions=False)
    result = runner.invoke(
        app,
        [
            "create-user",
            "--username",
            "coord.y",
            "--role",
            "coordinator",
            "--full-name",
            "Y",
            "--commune",
            "99999",
        ],
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert result.exit_code == 1
    assert "unknown commune" in result.output
