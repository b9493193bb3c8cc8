"""``enroll-agent targets`` matches the server (issue 12, item 6): labelled rows (my point's
target, mine), achieved as the server counts it (all my devices), and the period's pace."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from typer.testing import CliRunner

from client_sdk.cli import app
from tests.client.conftest import hi_record

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _today() -> date:
    """Read when the test runs, not at import: a suite collected before midnight in Vietnam
    and run after it would set last month's target and ask for this month's."""
    return datetime.now(VN).date()


def _rec(citizen_id: str, household: str) -> dict[str, object]:
    return hi_record(citizen_id=citizen_id, household=household, payment_date=_today().isoformat())


def _target(field, month: str, agent_id: int | None, value: int) -> None:
    ids = field.world.ids  # type: ignore[attr-defined]
    body = {"period": month, "scheme": "household_hi", "kind": "all", "metric": "participants"}
    body.update(point_id=ids["p1"], value=value)
    if agent_id is not None:
        body["agent_id"] = agent_id
    r = httpx.post(f"{field.server_url}/api/v1/targets", headers=field.coord_headers, json=body)
    assert r.status_code in (200, 201), r.text


def test_targets_count_every_device_as_the_server_does(field, tmp_path, monkeypatch):
    ids = field.world.ids  # type: ignore[attr-defined]
    today = _today()
    month = today.strftime("%Y-%m")
    _target(field, month, None, 60)
    _target(field, month, ids["agent1"], 30)
    with field.agent_device(tmp_path / "other") as other:  # the same agent's second phone
        other.record(_rec("066190000701", "HH-T1"))
        other.sync()
    phone = tmp_path / "phone"
    with field.agent_device(phone) as fc:
        fc.record(_rec("066190000702", "HH-T2"))
        fc.record(_rec("066190000703", "HH-T3"))
        fc.sync()
        # The server's summary may lag by design (server/reports/summary.py); settle it.
        r = httpx.get(
            f"{field.server_url}/api/v1/reports/progress",
            headers=field.coord_headers,
            params={"period": month, "level": "agent", "refresh": "true"},
        )
        assert r.status_code == 200, r.text
        fc.sync()
        fc.record(_rec("066190000704", "HH-T4"))  # not sent yet

    monkeypatch.setenv("FIELD_ENROLL_SERVER", field.server_url)
    monkeypatch.setenv("FIELD_ENROLL_DATA_DIR", str(phone))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    rows = json.loads(runner.invoke(app, ["--json", "targets"]).output)
    by_whose = {r["whose"]: r for r in rows}
    assert set(by_whose) == {"mine", "point"}
    assert by_whose["mine"]["achieved"] == 3  # both phones, as the server counts
    assert by_whose["point"]["achieved"] == 3
    assert by_whose["mine"]["waiting_on_device"] == 1
    days = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - today.replace(day=1)
    expected = 30 * today.day // days.days
    assert by_whose["mine"]["expected_by_today"] == expected
    assert by_whose["mine"]["ahead_of_pace"] == 3 - expected
    shown = runner.invoke(app, ["targets"]).output
    assert "Của tôi" in shown and "Điểm thu của tôi" in shown
    # The fetch time in Vietnam time, as the agent reads a clock (stored in UTC).
    fetched = datetime.fromisoformat(by_whose["mine"]["as_of"]).astimezone(VN)
    assert f"Số liệu máy chủ lúc {fetched:%H:%M %d/%m/%Y}." in shown
