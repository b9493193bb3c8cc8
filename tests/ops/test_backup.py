"""A backup taken while agents push through the real API on a live server restores every
sign-up the server acknowledged before the backup began."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from server.cli import app as cli
from tests.enrollments.helpers import hi_record, ready
from tests.pgdb import empty_pg_database


class Pusher(threading.Thread):
    """One agent pushing one sign-up per request until stopped; records what was acked."""

    def __init__(self, url: str, headers: dict[str, str], records: list[dict]) -> None:
        super().__init__(daemon=True)
        self.url, self.headers, self.records = url, headers, records
        self.acked: list[tuple[float, str]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=30) as http:
            for record in self.records:
                if self.stop.is_set():
                    return
                r = http.post("/api/v1/sync/push", json={"records": [record]})
                if r.status_code != 200:
                    self.errors.append(r.text)
                    continue
                result = r.json()["results"][0]
                if result["status"] == "accepted":
                    self.acked.append((time.monotonic(), result["id"]))
                else:
                    self.errors.append(str(result))


@contextmanager
def _restore_target(db_url: str, tmp_path: Path) -> Iterator[str]:
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        with empty_pg_database("fe_restore") as url:
            yield url


def _ids(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {r[0] for r in conn.execute(text("SELECT id FROM enrollment"))}
    finally:
        engine.dispose()


def test_backup_under_load_restores_every_acknowledged_sign_up(
    client, engine, settings, live_server, db_url, tmp_path, monkeypatch
):
    ctx = ready(client, engine, settings)
    pushers = []
    for n, (headers, receipt) in enumerate(
        [(ctx.agent, ctx.receipt), (ctx.agent2, ctx.receipt2)], start=1
    ):
        records = [
            hi_record(
                ctx,
                receipt=receipt(),
                citizen_id=f"06609{n}{i:06d}",
                household=f"HH-LOAD-{n}-{i}",
                point="p1" if n == 1 else "p2",
            )
            for i in range(45)
        ]
        pushers.append(Pusher(live_server.url, headers, records))
    for p in pushers:
        p.start()
    deadline = time.monotonic() + 60
    while sum(len(p.acked) for p in pushers) < 15:
        assert time.monotonic() < deadline, [p.errors for p in pushers]
        time.sleep(0.02)

    monkeypatch.setenv("FIELD_ENROLL_DATABASE_URL", db_url)
    backup_file = tmp_path / "backups" / "field-enroll.backup"
    started = time.monotonic()
    acked_before = {i for p in pushers for t, i in p.acked if t < started}
    result = CliRunner().invoke(cli, ["backup", str(backup_file)], catch_exceptions=False)
    finished = time.monotonic()
    assert result.exit_code == 0, result.output
    for p in pushers:
        p.join(timeout=120)
    acked_all = {i for p in pushers for _, i in p.acked}
    acked_during = {i for p in pushers for t, i in p.acked if started <= t <= finished}
    assert [p.errors for p in pushers] == [[], []]
    assert len(acked_all) == 90
    assert len(acked_before) >= 15
    assert len(acked_all - acked_before) > 0  # pushes went on after the backup began

    with _restore_target(db_url, tmp_path) as target:
        monkeypatch.setenv("FIELD_ENROLL_DATABASE_URL", target)
        result = CliRunner().invoke(cli, ["restore", "--yes", str(backup_file)])
        assert result.exit_code == 0, result.output
        restored = _ids(target)
        assert acked_before <= restored
        # Nothing the server never acknowledged appears from nowhere.
        assert restored <= acked_all
        # The restored database is at the head revision and usable by `migrate`.
        result = CliRunner().invoke(cli, ["migrate"])
        assert result.exit_code == 0, result.output
        # Restoring over a database that has moved on puts it back to the backup exactly.
        engine_t = create_engine(target)
        with engine_t.begin() as conn:
            conn.execute(text("DELETE FROM enrollment_audit"))
        engine_t.dispose()
        result = CliRunner().invoke(cli, ["restore", "--yes", str(backup_file)])
        assert result.exit_code == 0, result.output
        assert _ids(target) == restored
        engine_t = create_engine(target)
        with engine_t.connect() as conn:
            audits = conn.execute(text("SELECT count(*) FROM enrollment_audit")).scalar()
        engine_t.dispose()
        assert audits and audits >= len(restored)
        print(  # noqa: T201
            f"backup {backup_file.stat().st_size} bytes; acked before {len(acked_before)}, "
            f"during {len(acked_during)}, restored {len(restored)}"
        )


def test_restore_refuses_a_backup_of_the_other_kind(tmp_path, monkeypatch):
    bogus = tmp_path / "x.backup"
    bogus.write_bytes(b"PGDMP\x01\x0e\x00")
    monkeypatch.setenv("FIELD_ENROLL_DATABASE_URL", f"sqlite:///{tmp_path / 'db.db'}")
    result = CliRunner().invoke(cli, ["restore", "--yes", str(bogus)])
    assert result.exit_code == 1
    assert "không khôi phục" in " ".join(result.output.split())
    assert not (tmp_path / "db.db").exists()


@pytest.mark.parametrize("content", [b"", b"not a backup at all"])
def test_restore_refuses_a_file_that_is_no_backup(tmp_path, monkeypatch, content):
    bogus = tmp_path / "x.backup"
    bogus.write_bytes(content)
    monkeypatch.setenv("FIELD_ENROLL_DATABASE_URL", f"sqlite:///{tmp_path / 'db.db'}")
    result = CliRunner().invoke(cli, ["restore", "--yes", str(bogus)])
    assert result.exit_code == 1
    assert "không phải bản sao lưu" in " ".join(result.output.split())
