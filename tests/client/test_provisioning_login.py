"""``enroll-agent login --code``: a device registered by a provisioning code, no password."""

from __future__ import annotations

import json

import httpx
from typer.testing import CliRunner

from client_sdk.cli import app


def test_agent_logs_in_with_a_code_then_syncs(field, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELD_ENROLL_SERVER", field.server_url)
    monkeypatch.setenv("FIELD_ENROLL_DATA_DIR", str(tmp_path / "home" / ".field-enroll"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    r = httpx.post(
        f"{field.server_url}/api/v1/users/{field.world['agent1']}/provisioning-codes",
        headers=field.coord_headers,
    )
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    runner = CliRunner()
    result = runner.invoke(app, ["--json", "login", "--code", code], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    me = json.loads(result.output)
    assert me["id"] == field.world["agent1"] and me["device_id"]
    field.issue_block(int(me["device_id"]), 5)
    synced = runner.invoke(app, ["sync"], catch_exceptions=False)
    assert synced.exit_code == 0, synced.output
    # The code is spent: a second device cannot use it.
    monkeypatch.setenv("FIELD_ENROLL_DATA_DIR", str(tmp_path / "other" / ".field-enroll"))
    again = runner.invoke(app, ["login", "--code", code])
    assert again.exit_code != 0
