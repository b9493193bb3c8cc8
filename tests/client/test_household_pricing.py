"""Item 1 of issue 12: the device prices household members in the place the server will."""

from __future__ import annotations

import json

import httpx

from client_sdk import FieldClient
from tests.client.conftest import hi_record


def _no_ordinal(citizen_id: str, household: str = "HH-VISIT-1") -> dict[str, object]:
    data = hi_record(citizen_id=citizen_id, household=household)
    data["household"] = {"code": household}  # the device computes the place
    return data


def test_three_members_in_one_visit_priced_as_the_server_prices_them(field, tmp_path):
    fc: FieldClient = field.agent_device(tmp_path / "a")
    recs = [fc.record(_no_ordinal(f"06619000020{i}")) for i in range(3)]
    assert [r.body["household"]["ordinal"] for r in recs] == [1, 2, 3]
    amounts = [r.body["amount_collected_vnd"] for r in recs]
    assert amounts[0] > amounts[1] > amounts[2]  # the household discount grows with the place

    report = fc.sync()
    assert report.counts == {"accepted": 3}
    for r, answer in zip(recs, report.results, strict=True):
        acc = answer["accepted"]
        assert acc["household_ordinal"] == r.body["household"]["ordinal"]
        assert acc["amount_vnd"] == r.body["amount_collected_vnd"]
        assert acc["adjustment_vnd"] == 0 and "household_ordinal_changed" not in acc["flags"]
    # After the pull the three are also in the roster: counted once each, not twice.
    view = fc.household("HH-VISIT-1")
    assert {m.citizen_id for m in view.members} == {f"06619000020{i}" for i in range(3)}
    assert view.next_ordinal == 4
    fourth = fc.record(_no_ordinal("066190000209"))
    assert fourth.body["household"]["ordinal"] == 4
    answer = fc.sync().results[0]["accepted"]
    assert answer["household_ordinal"] == 4 and answer["adjustment_vnd"] == 0
    fc.close()


def test_members_synced_by_another_device_count_from_the_roster(field, tmp_path):
    one: FieldClient = field.agent_device(tmp_path / "one")
    one.record(_no_ordinal("066190000301", "HH-ROSTER"))
    one.record(_no_ordinal("066190000302", "HH-ROSTER"))
    assert one.sync().counts == {"accepted": 2}
    other: FieldClient = field.agent_device(tmp_path / "two")  # same agent, new phone
    rec = other.record(_no_ordinal("066190000303", "HH-ROSTER"))
    assert rec.body["household"]["ordinal"] == 3
    assert other.sync().results[0]["accepted"]["adjustment_vnd"] == 0
    one.close()
    other.close()


def test_household_command_lists_members_and_the_next_amount(field, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from client_sdk.cli import app

    home = tmp_path / "home"
    fc: FieldClient = field.agent_device(home)
    fc.record(_no_ordinal("066190000401", "HH-CLI"))
    fc.close()
    monkeypatch.setenv("FIELD_ENROLL_SERVER", field.server_url)
    monkeypatch.setenv("FIELD_ENROLL_DATA_DIR", str(home))
    runner = CliRunner()
    out = runner.invoke(app, ["--json", "household", "HH-CLI"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert body["next_ordinal"] == 2 and body["members"][0]["source"] == "queued"
    args = ["record", "--scheme", "household_hi", "--name", "Lê Văn Ba", "--dob", "01/01/1990"]
    args += ["--citizen-id", "066190000402", "--commune", "24373", "--household", "HH-CLI"]
    saved = runner.invoke(app, ["--json", *args, "--yes", "--no-input"], catch_exceptions=False)
    assert json.loads(saved.output)["record"]["household"]["ordinal"] == 2  # JSON only
    body["next_ordinal"] = 3
    shown = runner.invoke(app, ["household", "HH-CLI"], catch_exceptions=False).output
    assert "Nguyễn Thị Lan" in shown and "Thành viên tiếp theo" in shown
    assert "Lê Văn Ba" in shown and "thứ 3" in shown


def test_a_correction_keeps_its_place(field, tmp_path):
    fc: FieldClient = field.agent_device(tmp_path / "a")
    first = fc.record(_no_ordinal("066190000501", "HH-FIX"))
    second = fc.record(_no_ordinal("066190000502", "HH-FIX"))
    fc.sync()
    r = httpx.post(
        f"{field.server_url}/api/v1/enrollments/{first.id}/review",
        headers=field.coord_headers,
        json={"decision": "return", "reason": "Sai địa chỉ"},
    )
    assert r.status_code == 200, r.text
    fc.sync()
    fixed = fc.fix(first.id, {"person": {"address": "Thôn 4, Xã Ea Kar"}})
    assert fixed.body["household"]["ordinal"] == 1  # not 2, though the second is now known
    answer = fc.sync().results[0]
    assert answer["accepted"]["household_ordinal"] == 1
    assert answer["accepted"]["adjustment_vnd"] == 0
    assert fc.get(second.id).body["household"]["ordinal"] == 2
    fc.close()
