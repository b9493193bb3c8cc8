"""The province's facility list reaches the device, and the form sends the chosen facility
(default: the one on file in the pulled roster)."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest
from typer.testing import CliRunner

from client_sdk.cli import app
from tests.factories import PASSWORD, USERNAMES

FACILITIES = (
    "code,name,kind,level\n"
    "66015,Trung tâm Y tế khu vực Ea Kar,Trung tâm y tế,huyện\n"
    "66101,Trạm Y tế xã Ea Kar,Trạm y tế,xã\n"
).encode()
REGISTER = (
    "citizen_id,full_name,date_of_birth,scheme,coverage_end,household_code,initial_facility_code\n"
    "066190000009,Đỗ Thị Hoa,1975-03-03,household_hi,2026-12-31,HH-9,66015\n"
).encode()


def _admin_upload(field, path: str, params: dict[str, int], content: bytes) -> None:
    r = httpx.post(
        f"{field.server_url}/api/v1/auth/login",
        json={"username": USERNAMES["admin"], "password": PASSWORD, "device_id": "office-a"},
    )
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = httpx.post(
        f"{field.server_url}{path}",
        params=params,
        files={"file": ("f.csv", content)},
        headers=headers,
    )
    assert r.status_code == 200, r.text


@pytest.fixture
def listed(field):
    _admin_upload(field, "/api/v1/facilities/import", {"province_code": 66}, FACILITIES)
    _admin_upload(field, "/api/v1/participants/import", {"commune_code": 24373}, REGISTER)
    return field


def test_pull_reaches_the_store_and_default_from_roster(listed, tmp_path):
    with listed.agent_device(tmp_path / "a") as fc:
        _check_device(fc)


def _check_device(fc) -> None:
    assert [f["code"] for f in fc.facilities()] == ["66015", "66101"]
    assert fc.facilities()[1]["name"] == "Trạm Y tế xã Ea Kar"
    with sqlite3.connect(fc.store.path) as conn:  # kept in the device's store, by entity
        (count,) = conn.execute(
            "SELECT count(*) FROM pulled WHERE entity = 'health_facility'"
        ).fetchone()
    assert count == 2
    assert fc.previous_facility("066190000009", "household_hi") == "66015"
    assert fc.previous_facility("066190000001", "household_hi") is None


def test_form_offers_the_facility(listed, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELD_ENROLL_SERVER", listed.server_url)
    monkeypatch.setenv("FIELD_ENROLL_DATA_DIR", str(tmp_path / "home" / ".field-enroll"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> str:
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    me = json.loads(
        run("--json", "login", "--username", USERNAMES["agent1"], "--password", PASSWORD)
    )
    listed.issue_block(int(me["device_id"]), 5)
    run("--json", "sync")
    base = [
        "--json", "record", "--scheme", "household_hi", "--name", "Đỗ Thị Hoa", "--dob",
        "1990-03-03", "--sex", "female", "--commune", "24373", "--months", "12",
        "--payment-date", "2026-11-20", "--yes", "--no-input",
    ]  # fmt: skip
    # on file in the roster: sent without being asked
    renewal = json.loads(run(*base, "--citizen-id", "066190000009", "--household", "HH-9"))
    assert renewal["record"]["initial_facility_code"] == "66015"
    # chosen explicitly
    chosen = json.loads(
        run(*base, "--citizen-id", "066190000002", "--household", "HH-2", "--facility", "66101")
    )
    assert chosen["record"]["initial_facility_code"] == "66101"
    # nothing on file, nothing chosen, unattended: not sent (the server flags it)
    none = json.loads(run(*base, "--citizen-id", "066190000003", "--household", "HH-3"))
    assert "initial_facility_code" not in none["record"]
    # interactive: the list is offered, the agent picks number 2
    answers = "y\n2\n"  # a new household: yes; the facility: number 2
    shown = runner.invoke(
        app,
        [
            "record",
            "--scheme",
            "household_hi",
            "--name",
            "Lò Văn Sáu",
            "--dob",
            "1990-01-01",
            "--sex",
            "male",
            "--citizen-id",
            "066090000004",
            "--commune",
            "24373",
            "--household",
            "HH-4",
            "--ordinal",
            "1",
            "--months",
            "12",
            "--kind",
            "new",
            "--address",
            "Thôn 4",
            "--payment-date",
            "2026-11-20",
            "--yes",
        ],  # fmt: skip
        input=answers,
        catch_exceptions=False,
    )
    assert "66101 Trạm Y tế xã Ea Kar" in shown.output, shown.output
    result = json.loads(run("--json", "sync"))
    assert result["counts"].get("accepted") == 4, result
    listed_records = json.loads(run("--json", "list"))
    codes = sorted(str(r["record"].get("initial_facility_code")) for r in listed_records)
    assert codes == ["66015", "66101", "66101", "None"]
