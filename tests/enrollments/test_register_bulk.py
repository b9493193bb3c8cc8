"""The bulk register import: what the set-wise write keeps, repeats, all-or-nothing, CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from server.changelog import ChangeLog
from server.cli import app as cli_app
from server.participants.models import Participant
from server.participants.service import ROSTER_ENTITY, roster_payload
from tests.enrollments.helpers import hi_record, ready
from tests.enrollments.test_participants import HEADER, _import
from tests.factories import USERNAMES


def _roster_changes(engine: Engine) -> list[ChangeLog]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(ChangeLog)
                .where(ChangeLog.entity == ROSTER_ENTITY)
                .order_by(col(ChangeLog.seq))
            ).all()
        )


def test_import_over_a_live_signup_keeps_its_coverage_codes_and_source(client, engine, settings):
    ctx = ready(client, engine, settings)
    acc = ctx.push_one(hi_record(ctx, citizen_id="066080000001", household="HH-1"))["accepted"]
    live_end = date.fromisoformat(acc["coverage_end"])
    csv = HEADER + (
        "066080000001,,Lê Thị Mai,1975-03-02,,household_hi,2024-12-31\n"
        "066080000002,6601234567,Lê Văn Nam,02/04/2001,HH-1,household_hi,2026-12-31\n"
    )
    r = _import(client, ctx.coord, csv)
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["updated"]) == (1, 1)
    with Session(engine) as s:
        rows = {p.citizen_id: p for p in s.exec(select(Participant)).all()}
    mai = rows["066080000001"]
    assert mai.full_name == "Lê Thị Mai" and mai.date_of_birth == date(1975, 3, 2)
    assert mai.registered_coverage_end == date(2024, 12, 31)
    assert mai.coverage_end == live_end  # the live sign-up still counts
    assert mai.household_code == "HH-1" and mai.source == "enrollment"
    nam = rows["066080000002"]
    assert nam.source == "import" and nam.si_code == "6601234567"
    assert nam.coverage_end == date(2026, 12, 31) and nam.commune_code == 24373
    # The roster devices pull says exactly what the register says, in id order at the end.
    published = _roster_changes(engine)[-2:]
    assert [c.entity_id for c in published] == sorted((str(p.id) for p in rows.values()), key=int)
    for change in published:
        row = next(p for p in rows.values() if str(p.id) == change.entity_id)
        assert change.payload == roster_payload(row)
        assert change.commune_code == 24373 and change.province_code == row.province_code


def test_repeats_name_the_previous_row_of_the_same_scheme(client, engine, settings):
    ctx = ready(client, engine, settings)
    line = "066080000001,,Lê Thị Mai,1975-03-02,,{scheme},2026-12-31\n"
    csv = HEADER + "".join(
        line.format(scheme=s)
        for s in ("household_hi", "voluntary_si", "household_hi", "household_hi")
    )
    r = _import(client, ctx.coord, csv)
    assert r.status_code == 422
    assert [(e["row"], e["reason"]) for e in r.json()["errors"]] == [
        (4, "repeats row 2 for the same scheme"),
        (5, "repeats row 4 for the same scheme"),
    ]
    assert _roster_changes(engine) == []


def test_control_characters_in_a_name_are_a_row_problem(client, engine, settings):
    ctx = ready(client, engine, settings)
    csv = HEADER + (
        "066080000001,,Lê Thị\x00 Mai,1975-03-02,,household_hi,2026-12-31\n"
        "066080000002,,Lê\x07 Văn Nam,1975-03-02,,household_hi,2026-12-31\n"
        "066080000003,,Y Bình,1975-03-02,,household_hi,2026-12-31\n"
        "0660800\x0000004,,Y Bình,1975-03-02,HH\x00,household_hi,2026-12-31\n"
    )
    r = _import(client, ctx.coord, csv)
    assert r.status_code == 422
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [
        (2, "full_name"),
        (3, "full_name"),
        (5, "citizen_id"),
        (5, "household_code"),
    ]
    with Session(engine) as s:
        assert s.exec(select(Participant)).all() == []


def test_dry_run_checks_and_writes_nothing(client, engine, settings):
    ctx = ready(client, engine, settings)
    csv = HEADER + "066080000001,,Lê Thị Mai,1975-03-02,,household_hi,2026-12-31\n"
    r = _import(client, ctx.coord, csv, dry_run="true")
    assert r.status_code == 200 and r.json()["valid"] is True and r.json()["written"] is False
    with Session(engine) as s:
        assert s.exec(select(Participant)).all() == []
    assert _roster_changes(engine) == []


def _pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _fail_change_log_inserts(engine: Engine) -> None:
    """A real database failure in the last step of the write: the change log refuses rows."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'refused'; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON change_log"
                " FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        else:
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON change_log"
                " BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )


def test_a_database_error_while_writing_applies_nothing(client, engine, settings):
    ctx = ready(client, engine, settings)
    first = HEADER + "066080000001,,Lê Thị Mai,1975-03-02,,household_hi,2026-12-31\n"
    assert _import(client, ctx.coord, first).status_code == 200
    before = _roster_changes(engine)
    _fail_change_log_inserts(engine)
    second = HEADER + (
        "066080000001,,Lê Thị Mai Anh,1975-03-02,HH-9,household_hi,2027-12-31\n"
        "066080000002,,Lê Văn Nam,2001-04-02,HH-9,household_hi,2027-12-31\n"
    )
    try:
        r = _import(client, ctx.coord, second)
    finally:
        with engine.begin() as conn:  # the PostgreSQL test database is reused
            conn.exec_driver_sql("DROP TRIGGER refuse" + (" ON change_log" if _pg(conn) else ""))
            if _pg(conn):
                conn.exec_driver_sql("DROP FUNCTION refuse()")
    assert r.status_code == 500
    with Session(engine) as s:
        rows = s.exec(select(Participant)).all()
        assert [(p.citizen_id, p.full_name, p.household_code) for p in rows] == [
            ("066080000001", "Lê Thị Mai", None)
        ]
        assert rows[0].registered_coverage_end == date(2026, 12, 31)
    assert len(_roster_changes(engine)) == len(before)


@pytest.fixture
def cli_env(settings, tmp_path: Path) -> dict[str, str]:
    return {
        "FIELD_ENROLL_DATABASE_URL": settings.database_url,
        "COLUMNS": "200",
        "HOME": str(tmp_path),
    }


def test_cli_imports_in_bulk_with_progress_and_reports_problems(
    client, engine, settings, tmp_path, cli_env
):
    ready(client, engine, settings)
    good = tmp_path / "register.csv"
    good.write_text(
        HEADER
        + "".join(
            f"0660800{n:05d},,Người Số {n},1980-01-01,HH-{n // 4},household_hi,2026-12-31\n"
            for n in range(1, 501)
        ),
        encoding="utf-8",
    )
    args = ["import-register", str(good), "--commune", "24373", "--as", USERNAMES["coord1"]]
    dry = CliRunner().invoke(cli_app, [*args, "--dry-run"], env=cli_env, catch_exceptions=False)
    assert dry.exit_code == 0, dry.output
    assert "500 row(s) checked" in dry.output and "Checking rows" in dry.output
    done = CliRunner().invoke(cli_app, args, env=cli_env, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "500 row(s) imported: 500 new, 0 updated." in done.output
    assert "Writing the register" in done.output
    with Session(engine) as s:
        assert len(s.exec(select(Participant)).all()) == 500
    assert len(_roster_changes(engine)) == 500

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "12345,,A,1980-01-01,,household_hi,2026-12-31\n", encoding="utf-8")
    args[1] = str(bad)
    failed = CliRunner().invoke(cli_app, args, env=cli_env, catch_exceptions=False)
    assert failed.exit_code == 1
    assert "Nothing written" in failed.output and "must be 12 digits" in failed.output
    outside = CliRunner().invoke(
        cli_app,
        ["import-register", str(good), "--commune", "24373", "--as", USERNAMES["coord2"]],
        env=cli_env,
        catch_exceptions=False,
    )
    assert outside.exit_code == 1 and "outside your scope" in outside.output
    with Session(engine) as s:
        count = s.execute(text("SELECT COUNT(*) FROM participant")).scalar_one()
    assert count == 500
