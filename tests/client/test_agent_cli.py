"""enroll-agent end to end with CliRunner against a live server, in an isolated home."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from client_sdk.cli import app
from tests.factories import PASSWORD, USERNAMES


@pytest.fixture
def cli(field, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELD_ENROLL_SERVER", field.server_url)
    monkeypatch.setenv("FIELD_ENROLL_DATA_DIR", str(tmp_path / "home" / ".field-enroll"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    runner = CliRunner()

    def run(*args: str, input: str | None = None, code: int = 0):
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return run


RECORD_ARGS = [
    "record",
    "--scheme",
    "household_hi",
    "--name",
    "Nguyễn Thị Lan",
    "--dob",
    "1990-04-12",
    "--sex",
    "female",
    "--citizen-id",
    "066190000001",
    "--commune",
    "24373",
    "--household",
    "HH-1",
    "--ordinal",
    "1",
    "--months",
    "12",
    "--payment-date",
    "2026-11-20",
]


def _with_citizen(citizen_id: str) -> list[str]:
    args = list(RECORD_ARGS)
    args[args.index("--citizen-id") + 1] = citizen_id
    return args


def test_cli_day_in_the_field(cli, field):
    cli("login", "--username", USERNAMES["agent1"], "--password", PASSWORD)
    me = json.loads(cli("--json", "status").output)
    assert me["logged_in"] is True and me["outbox"] == 0
    device_id = json.loads(
        cli("--json", "login", "--username", USERNAMES["agent1"], "--password", PASSWORD).output
    )["device_id"]
    field.issue_block(device_id, 5)
    sync = json.loads(cli("--json", "sync").output)
    assert sync["pulled"] > 0 and sync["stopped_reason"] is None

    shown = cli(*RECORD_ARGS, "--yes", "--no-input")
    assert "1.366.200 ₫" in shown.output  # 113.850 ₫ × 12, shown before saving
    rec = json.loads(cli("--json", *_with_citizen("066190000002"), "--yes", "--no-input").output)
    assert rec["state"] == "queued" and rec["record"]["receipt_number"] > 0

    listed = json.loads(cli("--json", "list").output)
    assert len(listed) == 2
    assert json.loads(cli("--json", "status").output)["outbox"] == 2

    result = json.loads(cli("--json", "sync").output)
    assert result["counts"] == {"accepted": 2}
    assert json.loads(cli("--json", "list", "--status", "pending").output)[0]["server"]

    detail = cli("show", rec["id"][:8]).output
    assert "Nguyễn Thị Lan" in detail and "mã xác minh" in detail

    cli("receipts", "void", "5", "--reason", "rách / torn")
    receipts = json.loads(cli("--json", "receipts").output)
    assert receipts["voided"] == [[5, "rách / torn"]] and receipts["remaining"] == 2
    assert json.loads(cli("--json", "sync").output)["voids_sent"] == 1

    cli("logout")
    assert json.loads(cli("--json", "status").output)["logged_in"] is False


def test_cli_invalid_input_exits_2_naming_the_field(cli, field):
    login = json.loads(
        cli("--json", "login", "--username", USERNAMES["agent1"], "--password", PASSWORD).output
    )
    field.issue_block(login["device_id"], 3)
    cli("sync")
    out = cli("--json", *_with_citizen("12345"), "--yes", "--no-input", code=2).output
    assert json.loads(out)["field"] == "person.citizen_id"


def test_cli_without_login_exits_3(cli):
    out = cli("--json", "sync", code=3).output
    assert json.loads(out)["error"] == "LoginRequired"


def test_cli_server_unreachable_exits_4_and_keeps_records(cli, field, monkeypatch):
    login = json.loads(
        cli("--json", "login", "--username", USERNAMES["agent1"], "--password", PASSWORD).output
    )
    field.issue_block(login["device_id"], 3)
    cli("sync")
    cli(*RECORD_ARGS, "--yes", "--no-input")
    monkeypatch.setenv("FIELD_ENROLL_SERVER", "http://127.0.0.1:9")  # nothing listens there
    out = json.loads(cli("--json", "--retries", "2", "sync", code=4).output)
    assert out["stopped_reason"] and out["left_in_outbox"] == 1
    assert json.loads(cli("--json", "status").output)["outbox"] == 1
