"""Targets API: setting, revising, scoping, splitting, warnings and the change log."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server.auth.models import AgentPoint, Role, User
from server.changelog import ChangeLog
from server.config import Settings
from tests.factories import World, auth, build_world

VSI_YEAR = {"period": "2025", "scheme": "voluntary_si", "kind": "all", "metric": "participants"}


def _world(engine: Engine, settings: Settings, extra_agents: int = 0) -> World:
    world = build_world(engine, settings)
    with Session(engine) as s:
        for n in range(extra_agents):
            u = User(
                username=f"agent.extra.{n}",
                full_name=f"Extra {n}",
                role=Role.AGENT,
                province_code=66,
                password_hash="x",
                agent_code=f"NVTX{n:03d}",
            )
            s.add(u)
            s.flush()
            assert u.id is not None
            s.add(AgentPoint(user_id=u.id, point_id=world["p1"]))
            world.ids[f"extra{n}"] = u.id
        s.commit()
    return world


def _set(client: TestClient, headers: dict[str, str], **body: object) -> dict[str, object]:
    r = client.post("/api/v1/targets", json={**VSI_YEAR, **body}, headers=headers)
    assert r.status_code in (200, 201), r.text
    out: dict[str, object] = r.json()
    return out


def test_set_point_target_by_admin_creates_revision_one(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _world(engine, settings)
    r = client.post(
        "/api/v1/targets",
        json={**VSI_YEAR, "point_id": w["p1"], "value": 3200},
        headers=auth(client, "admin"),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["value"], body["revision"], body["scope"]) == (3200, 1, "point")
    assert body["commune_code"] == 24373 and body["set_by"] == w["admin"]


def test_revise_target_keeps_history_with_reason(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _world(engine, settings)
    h = auth(client, "coord1")
    t = _set(client, h, point_id=w["p1"], value=3000)
    r = client.patch(
        f"/api/v1/targets/{t['id']}",
        json={"value": 3200, "reason": "supplemented target"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["revision"] == 2
    again = client.post(
        "/api/v1/targets", json={**VSI_YEAR, "point_id": w["p1"], "value": 3300}, headers=h
    )
    assert again.status_code == 200 and again.json()["revision"] == 3
    detail = client.get(f"/api/v1/targets/{t['id']}", headers=h).json()
    assert [(x["revision"], x["value"], x["previous_value"]) for x in detail["revisions"]] == [
        (1, 3000, None),
        (2, 3200, 3000),
        (3, 3300, 3200),
    ]
    assert detail["revisions"][1]["reason"] == "supplemented target"


def test_set_same_value_again_adds_no_revision(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _world(engine, settings)
    h = auth(client, "coord1")
    _set(client, h, point_id=w["p1"], value=100)
    t = _set(client, h, point_id=w["p1"], value=100)
    assert t["revision"] == 1


def test_revise_without_reason_is_rejected_naming_field(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _world(engine, settings)
    h = auth(client, "coord1")
    t = _set(client, h, point_id=w["p1"], value=100)
    r = client.patch(f"/api/v1/targets/{t['id']}", json={"value": 5}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "reason"


def test_set_target_bad_period_is_rejected_naming_field(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _world(engine, settings)
    r = client.post(
        "/api/v1/targets",
        json={**VSI_YEAR, "period": "2025-13", "point_id": w["p1"], "value": 1},
        headers=auth(client, "admin"),
    )
    assert r.status_code == 422 and r.json()["field"] == "period"


def test_coordinator_other_commune_point_is_not_found(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _world(engine, settings)
    r = client.post(
        "/api/v1/targets",
        json={**VSI_YEAR, "point_id": w["p2"], "value": 10},
        headers=auth(client, "coord1"),
    )
    assert r.status_code == 404


def test_admin_other_province_point_is_not_found(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _world(engine, settings)
    r = client.post(
        "/api/v1/targets",
        json={**VSI_YEAR, "point_id": w["p_hn"], "value": 10},
        headers=auth(client, "admin"),
    )
    assert r.status_code == 404


def test_agent_cannot_set_targets(client: TestClient, engine: Engine, settings: Settings) -> None:
    w = _world(engine, settings)
    r = client.post(
        "/api/v1/targets",
        json={**VSI_YEAR, "point_id": w["p1"], "value": 10},
        headers=auth(client, "agent1"),
    )
    assert r.status_code == 403


def test_agent_target_for_agent_not_at_point_is_not_found(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _world(engine, settings)
    r = client.post(
        "/api/v1/targets",
        json={**VSI_YEAR, "point_id": w["p1"], "agent_id": w["agent2"], "value": 10},
        headers=auth(client, "coord1"),
    )
    assert r.status_code == 404 and r.json()["field"] == "agent_id"


def test_list_scoped_per_role(client: TestClient, engine: Engine, settings: Settings) -> None:
    w = _world(engine, settings, extra_agents=1)
    admin = auth(client, "admin")
    p1 = _set(client, admin, point_id=w["p1"], value=100)
    p2 = _set(client, admin, point_id=w["p2"], value=50)
    mine = _set(client, admin, point_id=w["p1"], agent_id=w["agent1"], value=60)
    colleague = _set(client, admin, point_id=w["p1"], agent_id=w["extra0"], value=40)

    def ids(who: str) -> set[object]:
        r = client.get("/api/v1/targets", params={"period": "2025"}, headers=auth(client, who))
        assert r.status_code == 200, r.text
        return {t["id"] for t in r.json()["items"]}

    assert len(ids("admin")) == 4
    assert ids("coord1") == {p1["id"], mine["id"], colleague["id"]}
    assert ids("agent1") == {p1["id"], mine["id"]}
    assert ids("coord2") == {p2["id"]}
    assert ids("admin_hn") == set()
    # another agent's target, asked for by id, is not found
    r = client.get(f"/api/v1/targets/{colleague['id']}", headers=auth(client, "agent1"))
    assert r.status_code == 404


def test_split_evenly_parts_add_up_and_reach_change_log(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _world(engine, settings, extra_agents=2)
    h = auth(client, "coord1")
    point_target = _set(client, h, point_id=w["p1"], value=3200)
    r = client.post("/api/v1/targets/split", json={**VSI_YEAR, "point_id": w["p1"]}, headers=h)
    assert r.status_code == 200, r.text
    parts = r.json()["parts"]
    assert [p["value"] for p in parts] == [1067, 1067, 1066]
    assert sum(p["value"] for p in parts) == 3200
    assert client.get("/api/v1/targets/warnings", params={"period": "2025"}, headers=h).json() == []
    with Session(engine) as s:
        logs = s.exec(
            select(ChangeLog).where(ChangeLog.entity == "target").order_by(col(ChangeLog.seq))
        ).all()
    assert [log.entity_id for log in logs][0] == str(point_target["id"])
    agent_logs = [log for log in logs if log.user_id is not None]
    assert {log.user_id for log in agent_logs} == {w["agent1"], w["extra0"], w["extra1"]}
    assert all(log.point_id == w["p1"] and log.commune_code == 24373 for log in logs)
    assert logs[0].user_id is None and logs[0].payload["value"] == 3200


def test_split_by_weights_uses_largest_remainder(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _world(engine, settings, extra_agents=2)
    h = auth(client, "coord1")
    weights = {str(w["agent1"]): 2, str(w["extra0"]): 3, str(w["extra1"]): 3}
    r = client.post(
        "/api/v1/targets/split",
        json={
            **VSI_YEAR,
            "point_id": w["p1"],
            "method": "weights",
            "weights": weights,
            "total": 10,
        },
        headers=h,
    )
    assert r.status_code == 200, r.text
    by_agent = {p["agent_id"]: p["value"] for p in r.json()["parts"]}
    assert by_agent == {w["agent1"]: 2, w["extra0"]: 4, w["extra1"]: 4}


def test_split_without_point_target_or_total_is_rule_violation(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _world(engine, settings)
    r = client.post(
        "/api/v1/targets/split",
        json={**VSI_YEAR, "point_id": w["p1"]},
        headers=auth(client, "coord1"),
    )
    assert r.status_code == 422 and r.json()["field"] == "total"


def test_warnings_when_agents_or_months_do_not_add_up(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _world(engine, settings, extra_agents=1)
    h = auth(client, "coord1")
    _set(client, h, point_id=w["p1"], value=100)
    _set(client, h, point_id=w["p1"], agent_id=w["agent1"], value=60)
    _set(client, h, point_id=w["p1"], agent_id=w["extra0"], value=30)
    _set(client, h, period="2025-Q3", point_id=w["p1"], value=30)
    for month, value in (("2025-07", 10), ("2025-08", 10), ("2025-09", 9)):
        _set(client, h, period=month, point_id=w["p1"], value=value)
    r = client.get("/api/v1/targets/warnings", params={"period": "2025"}, headers=h)
    assert r.status_code == 200, r.text
    found = {(x["type"], x["period"], x["expected"], x["actual"]) for x in r.json()}
    assert ("agents_not_adding_up", "2025", 100, 90) in found
    assert ("periods_not_adding_up", "2025-Q3", 30, 29) in found
    assert ("periods_not_adding_up", "2025", 100, 30) in found
    # another commune's coordinator sees none of it
    other = client.get(
        "/api/v1/targets/warnings", params={"period": "2025"}, headers=auth(client, "coord2")
    )
    assert other.json() == []
