"""Operator commands a person can read: 80 columns, piped, JSON, CSV, and one clear line when
the database is missing or not migrated."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from server.cli import app
from tests.reports.test_progress_levels import _setup


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db_env(sqlite_template: Path, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "cli.db"
    shutil.copy(sqlite_template, path)
    return {"FIELD_ENROLL_DATABASE_URL": f"sqlite:///{path}", "COLUMNS": "80"}


def test_policy_show_fits_80_columns_when_piped(db_env):
    # A real pipe: the command's output goes to another process, not a terminal.
    env = {**db_env, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "policy", "show", "--on", "2025-09-01"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Policy in force on 2025-09-01"
    assert max(len(line) for line in lines) <= 80
    assert " parameter: base_salary" in lines and "     value: 2340000" in lines
    assert any(line.strip() == "source: Nghị định 73/2024/NĐ-CP" for line in lines)


def test_policy_show_json_and_csv(db_env):
    code, out, _ = _run(db_env, "policy", "show", "--on", "2025-09-01", "--json")
    assert code == 0
    body = json.loads(out)
    base = next(v for v in body["in_force"] if v["parameter"] == "base_salary")
    assert base["value"] == 2340000 and base["effective_to"] == "2026-06-30"
    assert any(v["value"] == 2530000 for v in body["future"]) and body["missing"] == []
    code, out, _ = _run(db_env, "policy", "show", "--on", "2025-09-01", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"section", "parameter", "value", "effective_from", "source", "id"} <= set(rows[0])
    assert ("in_force", "base_salary", "2340000") in {
        (r["section"], r["parameter"], r["value"]) for r in rows
    }
    code, _, err = _run(db_env, "policy", "show", "--json", "--csv")
    assert code == 2 and "one of --json and --csv" in err


def test_report_fits_80_columns_and_prints_json_and_csv(client, engine, settings):
    _setup(client, engine, settings)
    env = {"FIELD_ENROLL_DATABASE_URL": settings.database_url, "COLUMNS": "80"}
    args = ["report", "--period", "2025-Q3", "--level", "point", "--scheme", "voluntary_si"]
    code, out, err = _run(env, *args)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "EAKAR-01" in out and "30.0%" in out and "Tổng cộng" in out
    code, out, _ = _run(env, *args, "--json")
    assert code == 0
    body = json.loads(out)
    assert body["period"] == "2025-Q3" and any(r["unit_code"] == "EAKAR-01" for r in body["rows"])
    code, out, _ = _run(env, *args, "--csv", "-")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert any(r["unit_code"] == "EAKAR-01" for r in rows)


@pytest.mark.parametrize(
    "command",
    [
        ["policy", "show"],
        ["report", "--period", "2025-09"],
        ["create-user", "--username", "a", "--role", "admin", "--full-name", "A"],
    ],
)
def test_missing_or_unmigrated_database_says_run_migrate_in_one_line(tmp_path, command):
    missing = tmp_path / "nowhere.db"
    env = {
        "FIELD_ENROLL_DATABASE_URL": f"sqlite:///{missing}",
        "FIELD_ENROLL_NEW_PASSWORD": "x" * 9,
    }
    code, out, err = _run(env, *command)
    assert code == 1 and "Traceback" not in out + err
    assert err.strip().count("\n") == 0 and "enroll-server migrate" in err
    assert not missing.exists()  # not created as a side effect
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    env["FIELD_ENROLL_DATABASE_URL"] = f"sqlite:///{empty}"
    code, _, err = _run(env, *command)
    assert code == 1 and "not migrated" in err and "enroll-server migrate" in err


def test_a_database_behind_the_code_says_which_revisions(settings, engine, restore_revision):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    env = {"FIELD_ENROLL_DATABASE_URL": settings.database_url, "COLUMNS": "80"}
    code, _, err = _run(env, "policy", "show")
    assert code == 1 and "at revision 0004" in err and "enroll-server migrate" in err


@pytest.mark.postgres
def test_a_postgres_database_that_does_not_exist_says_create_and_migrate(pg_database):
    from sqlalchemy.engine import make_url

    url = make_url(pg_database).set(database="fe_no_such_db").render_as_string(False)
    code, out, err = _run({"FIELD_ENROLL_DATABASE_URL": url}, "policy", "show")
    assert code == 1 and "Traceback" not in out + err
    assert "does not exist" in err and "enroll-server migrate" in err


def test_serve_refuses_a_missing_sqlite_file(tmp_path):
    missing = tmp_path / "typo.db"
    code, _, err = _run({"FIELD_ENROLL_DATABASE_URL": f"sqlite:///{missing}"}, "serve")
    assert code == 1 and "no database file" in err and not missing.exists()
