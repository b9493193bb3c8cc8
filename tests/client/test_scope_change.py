"""An agent moved to another commune (issue 12, item 8): the pull says so, the device drops
the old area's roster and targets and pulls the new area from zero; its records stay."""

from __future__ import annotations

import httpx
from sqlalchemy import update
from sqlmodel import Session

from client_sdk import FieldClient
from server.auth.models import AgentPoint
from tests.client.conftest import hi_record
from tests.factories import PASSWORD, USERNAMES


def test_reassigned_agent_gets_the_new_area_and_forgets_the_old(field, tmp_path, engine):
    ids = field.world.ids  # type: ignore[attr-defined]
    coord2 = httpx.post(
        f"{field.server_url}/api/v1/auth/login",
        json={"username": USERNAMES["coord2"], "password": PASSWORD, "device_id": "office2"},
    ).json()["access_token"]
    with field.client(tmp_path / "other") as other:
        device = other.login(USERNAMES["agent2"], PASSWORD)["device_id"]
        r = httpx.post(
            f"{field.server_url}/api/v1/devices/{device}/receipt-blocks",
            headers={"Authorization": f"Bearer {coord2}"},
            json={"size": 5},
        )
        assert r.status_code == 201, r.text
        other.sync()
        data = hi_record(citizen_id="066190000601", household="HH-KNOP")
        data["person"]["commune_code"] = other.me["commune_codes"][0]
        other.record(data)
        assert other.sync().counts == {"accepted": 1}

    fc: FieldClient = field.agent_device(tmp_path / "a")
    fc.record(hi_record(citizen_id="066190000602", household="HH-KAR"))
    assert fc.sync().counts == {"accepted": 1}
    assert {p["household_code"] for p in fc.participants()} == {"HH-KAR"}
    unsent = fc.record(hi_record(citizen_id="066190000603", household="HH-KAR"))
    assert fc.sync().scope_changed is False  # nothing moved yet

    unsent2 = fc.record(hi_record(citizen_id="066190000604", household="HH-KAR"))
    with Session(engine) as s:
        s.execute(
            update(AgentPoint)
            .where(AgentPoint.user_id == ids["agent1"])  # type: ignore[arg-type]
            .values(point_id=ids["p2"])
        )
        s.commit()
    before = {r.id for r in fc.records()}
    report = fc.sync()
    assert report.scope_changed is True and report.stopped_reason is None
    assert {p["household_code"] for p in fc.participants()} == {"HH-KNOP"}
    assert {r.id for r in fc.records()} == before  # the agent's own records are all kept
    assert fc.get(unsent.id).id == unsent.id and fc.get(unsent2.id).rev == 1
    assert fc.me["point_ids"] == [ids["p2"]]
    assert fc.sync().scope_changed is False  # settled
    fc.close()
