"""``enroll-server policy show`` against a migrated SQLite file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from server.cli import app
from server.config import Settings
from server.db import make_engine
from server.policy import service


@pytest.fixture
def db_env(sqlite_template: Path, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "cli.db"
    shutil.copy(sqlite_template, path)
    return {
        "FIELD_ENROLL_DATABASE_URL": f"sqlite:///{path}",
        "COLUMNS": "240",
        "HOME": str(tmp_path),
    }


def _show(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(app, ["policy", "show", *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_policy_show_on_date_prints_rows_in_force_and_later_ones(db_env):
    out = _show(db_env, "--on", "2025-09-01")
    assert "Policy in force on 2025-09-01" in out
    in_force, _, later = out.partition("Entered for later dates")
    assert "2340000" in in_force and "Nghị định 73/2024/NĐ-CP" in in_force
    assert "1800000" not in out  # expired on 2024-06-30
    assert "2530000" in later and "2026-07-01" in later
    assert '"poor":"0.5"' in in_force
    assert "No version in force" not in out


def test_policy_show_marks_used_versions_and_names_gaps(db_env):
    engine = make_engine(Settings(database_url=db_env["FIELD_ENROLL_DATABASE_URL"]))
    with Session(engine) as s:
        service.mark_used(s, [3])
        s.commit()
    engine.dispose()
    out = _show(db_env, "--on", "2027-03-01")
    assert "3 (used)" in out
    assert "No version in force on 2027-03-01 for: vsi_income_floor, vsi_discount_rate" in out


def test_policy_show_without_date_uses_today(db_env):
    assert f"Policy in force on {service.today_local().isoformat()}" in _show(db_env)


def test_policy_show_with_bad_date_exits_2(db_env):
    result = CliRunner().invoke(app, ["policy", "show", "--on", "2025-13-01"], env=db_env)
    assert result.exit_code == 2
