"""Ways out of every state (issue 12, items 5 and 7): conflicts, rejections, withdrawals,
and sync results an agent can act on, through the SDK and the real CLI."""

from __future__ import annotations

import json

import httpx
import pytest
from typer.testing import CliRunner

from client_sdk import FieldClient
from client_sdk.cli import app
from tests.client.conftest import hi_record, vsi_record


def _review(field, record_id: str, decision: str, reason: str = "Hồ sơ sai") -> None:
    r = httpx.post(
        f"{field.server_url}/api/v1/enrollments/{record_id}/review",
        headers=field.coord_headers,
        json={"decision": decision, "reason": reason},
    )
    assert r.status_code == 200, r.text


def _conflicting(field, fc: FieldClient) -> str:
    """A record the server already holds at rev 1 with other content (another copy sent it)."""
    rec = fc.record(vsi_record())
    other = dict(rec.body)
    other["person"] = {**rec.body["person"], "address": "Bản sao khác"}
    token = fc.store.get_meta("access_token")
    r = httpx.post(
        f"{field.server_url}/api/v1/sync/push",
        headers={"Authorization": f"Bearer {token}"},
        json={"records": [other]},
    )
    assert r.json()["results"][0]["status"] == "accepted", r.text
    report = fc.sync()
    assert report.counts == {"conflict": 1}
    assert fc.get(rec.id).state == "conflict"
    return rec.id


def test_conflict_take_the_servers_version(field, tmp_path):
    with field.agent_device(tmp_path / "a") as fc:
        record_id = _conflicting(field, fc)
        taken = fc.take_server_version(record_id)
        assert taken.state == "pending"
        assert taken.body["person"]["address"] == "Bản sao khác"
        assert fc.status()["outbox"] == 0 and fc.status()["needs_attention"] == 0


def test_conflict_send_mine_as_a_correction(field, tmp_path):
    with field.agent_device(tmp_path / "a") as fc:
        record_id = _conflicting(field, fc)
        mine = fc.fix(record_id, {})
        assert mine.rev == 2 and mine.state == "queued"
        assert fc.sync().counts == {"accepted": 1}
        kept = fc.get(record_id)
        assert kept.state == "pending" and kept.body["person"]["address"] != "Bản sao khác"


def test_withdraw_an_unsent_record_voids_its_receipt(field, tmp_path):
    with field.agent_device(tmp_path / "a") as fc:
        rec = fc.record(hi_record())
        gone = fc.withdraw(rec.id, "khách đổi ý")
        assert gone.state == "withdrawn"
        report = fc.sync()
        assert report.pushed == 0 and report.voids_sent == 1
        assert rec.body["receipt_number"] in dict(fc.receipts().voided)
        assert fc.status()["outbox"] == 0


def test_withdraw_a_rejected_record(field, tmp_path):
    with field.agent_device(tmp_path / "a") as fc:
        rec = fc.record(hi_record())
        fc.sync()
        _review(field, rec.id, "reject")
        fc.sync()
        assert fc.get(rec.id).state == "rejected"
        assert fc.withdraw(rec.id).state == "withdrawn"
        assert fc.status()["needs_attention"] == 0


def test_rejected_record_corrected_goes_back_to_pending(field, tmp_path):
    """The server takes a correction of a rejected sign-up as a new revision (issue 14)."""
    with field.agent_device(tmp_path / "a") as fc:
        rec = fc.record(hi_record())
        fc.sync()
        _review(field, rec.id, "reject", "Sai số CCCD")
        fc.sync()
        fixed = fc.fix(rec.id, {"person": {"citizen_id": "066190000888"}})
        assert fixed.rev == 2 and fixed.state == "queued"
        report = fc.sync()
        assert report.counts == {"accepted": 1}, report.results
        assert fc.get(rec.id).state == "pending"


def test_rejected_record_correction_is_sent_as_a_new_revision(field, tmp_path):
    """The client half of the above, true on either server: rev 2 leaves the device and the
    device shows whatever the server answered (no silent loss, no stuck outbox)."""
    with field.agent_device(tmp_path / "a") as fc:
        rec = fc.record(hi_record())
        fc.sync()
        _review(field, rec.id, "reject", "Sai số CCCD")
        fc.sync()
        fc.fix(rec.id, {"person": {"citizen_id": "066190000888"}})
        report = fc.sync()
        assert report.pushed == 1 and report.results[0]["rev"] == 2
        assert fc.status()["outbox"] == 0
        after = fc.get(rec.id)
        status = report.results[0]["status"]
        assert after.state == ("pending" if status == "accepted" else "conflict")


@pytest.fixture
def cli(field, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELD_ENROLL_SERVER", field.server_url)
    monkeypatch.setenv("FIELD_ENROLL_DATA_DIR", str(tmp_path / "phone"))
    monkeypatch.setenv("COLUMNS", "200")  # rich tables unwrapped
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_sync_results_say_who_and_what_money_to_settle(cli, field, tmp_path):
    field.agent_device(tmp_path / "phone").close()
    args = ["record", "--scheme", "household_hi", "--name", "Lê Thị Hoa", "--dob", "01/02/1990"]
    args += ["--sex", "female", "--citizen-id", "066190000777", "--commune", "24373"]
    args += ["--household", "HH-MONEY", "--payment-date", "20/11/2026", "--months", "12"]
    cli(*args, "--collected", "1.500.000", "--yes", "--no-input")
    out = cli("sync")
    assert "Lê Thị Hoa" in out and "đã nhận, chờ duyệt" in out
    assert "hoàn lại 133.800 ₫" in out  # 1.500.000 collected, 1.366.200 due
    listed = cli("list")
    assert "1.366.200 ₫" in listed and "1.500.000" not in listed


def test_offline_sync_says_queued_and_unreachable_without_exception_names(
    cli, field, tmp_path, monkeypatch
):
    field.agent_device(tmp_path / "phone").close()
    cli(
        "record",
        "--scheme",
        "household_hi",
        "--name",
        "Lê Văn Tám",
        "--dob",
        "1990-02-01",
        "--citizen-id",
        "066190000778",
        "--commune",
        "24373",
        "--household",
        "HH-OFF",
        "--yes",
        "--no-input",
    )
    monkeypatch.setenv("FIELD_ENROLL_SERVER", "http://127.0.0.1:9")
    out = cli("--retries", "1", "sync", code=4)
    assert "Không kết nối được máy chủ" in out and "1 mục được giữ trên thiết bị" in out
    assert "Error" not in out and "Errno" not in out and "ConnectError" not in out
    assert json.loads(cli("--json", "status"))["outbox"] == 1
