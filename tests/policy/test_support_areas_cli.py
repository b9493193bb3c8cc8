"""``enroll-server org support-areas``: island communes imported by an admin reach devices."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from server.cli import app
from server.config import Settings
from server.db import make_engine

CON_DAO, EA_KAR = 26732, 24373


@pytest.fixture
def db_env(sqlite_template: Path, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "cli.db"
    shutil.copy(sqlite_template, path)
    return {
        "FIELD_ENROLL_DATABASE_URL": f"sqlite:///{path}",
        "COLUMNS": "240",
        "HOME": str(tmp_path),
    }


def _run(env: dict[str, str], *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["org", "support-areas", *args], env=env)
    assert result.exit_code == code, result.output
    return result.output


def _published(env: dict[str, str]) -> list[tuple[str, dict[str, object]]]:
    engine = make_engine(
        Settings(database_url=env["FIELD_ENROLL_DATABASE_URL"], secret_key="x" * 40)
    )
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT entity_id, payload FROM change_log WHERE entity = 'commune_support' "
                "ORDER BY seq"
            )
        ).all()
    engine.dispose()
    return [(r[0], r[1] if isinstance(r[1], dict) else json.loads(r[1])) for r in rows]


def test_lists_the_special_zones_and_imports_island_communes(db_env, tmp_path):
    listed = json.loads(_run(db_env, "--json"))
    assert len(listed) == 13 and {r["area"] for r in listed} == {"special_zone"}
    assert any(r["code"] == CON_DAO for r in listed)
    before = len(_published(db_env))
    csv_file = tmp_path / "islands.csv"
    csv_file.write_text(f"code,support_area\n{EA_KAR},island_commune\n{CON_DAO},\n", "utf-8")
    out = _run(db_env, "--import", str(csv_file))
    assert "Đã cập nhật 2 xã" in out
    published = _published(db_env)[before:]
    assert [(p[0], p[1]["support_area"]) for p in published] == [
        (str(EA_KAR), "island_commune"),
        (str(CON_DAO), None),
    ]
    listed = json.loads(_run(db_env, "--json"))
    assert {r["code"]: r["area"] for r in listed}[EA_KAR] == "island_commune"
    assert CON_DAO not in {r["code"] for r in listed}


def test_an_unknown_area_or_commune_is_refused_whole(db_env, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(f"code,support_area\n{EA_KAR},volcano\n", "utf-8")
    assert "volcano" in _run(db_env, "--import", str(bad), code=1)
    missing = tmp_path / "missing.csv"
    missing.write_text("code,support_area\n999999,island_commune\n", "utf-8")
    assert "999999" in _run(db_env, "--import", str(missing), code=1)
    assert len(json.loads(_run(db_env, "--json"))) == 13
