"""Policy table and version history over HTTP: reading, appending, correcting, refusing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server.changelog import ChangeLog
from server.policy import service
from server.policy.initial import initial_policy_dicts
from server.policy.models import PolicyVersion
from tests.factories import auth, build_world
from tests.policy.helpers import all_versions

SHIPPED = len(initial_policy_dicts())
NEXT_ID = SHIPPED + 1  # the id the next created version gets

NEW_BASE = {
    "parameter": "base_salary",
    "value": 2_800_000,
    "effective_from": "2028-07-01",
    "source": "Nghị định 99/2028/NĐ-CP",
}


def _changes(engine: Engine, entity_id: int) -> list[ChangeLog]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(ChangeLog)
                .where(ChangeLog.entity == "policy_version", ChangeLog.entity_id == str(entity_id))
                .order_by(col(ChangeLog.seq))
            ).all()
        )


def _mark_used(engine: Engine, *ids: int) -> None:
    with Session(engine) as s:
        service.mark_used(s, ids)
        s.commit()


def _post(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post("/api/v1/policy/versions", json=body, headers=headers)


def test_get_policy_on_date_returns_rows_in_force_and_future(client, engine, settings):
    build_world(engine, settings)
    r = client.get("/api/v1/policy", params={"on": "2025-09-01"}, headers=auth(client, "agent1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["on"] == "2025-09-01"
    in_force = {row["parameter"]: row["id"] for row in body["in_force"]}
    assert in_force == {
        "base_salary": 2,
        "hi_household_rate": 4,
        "hi_household_ladder": 5,
        "hi_household_months": 6,
        "hi_card_start": 7,
        "vsi_rate": 8,
        "vsi_income_floor": 9,
        "vsi_income_ceiling_multiplier": 10,
        "vsi_support": 17,
        "vsi_payment_months": 13,
        "vsi_discount_rate": 15,
        "supported_hi_groups": 18,
        "supported_hi_household_ladder": 19,
        "vsi_min_age": 21,
        "vsi_payment_deadlines": 23,
        "vsi_back_payment": 24,
    }
    # Hà Nội's own supported_hi_groups row (20) starts on 2026-01-01.
    assert [row["id"] for row in body["future"]] == [3, 20, 16]
    assert body["missing"] == []
    base = next(row for row in body["in_force"] if row["id"] == 2)
    assert base["value"] == 2_340_000
    assert base["source"] == "Nghị định 73/2024/NĐ-CP"
    assert base["first_used_at"] is None


def test_get_policy_without_date_uses_today_in_vietnam(client, engine, settings):
    build_world(engine, settings)
    headers = auth(client, "coord1")
    today = service.today_local().isoformat()
    default = client.get("/api/v1/policy", headers=headers).json()
    explicit = client.get("/api/v1/policy", params={"on": today}, headers=headers).json()
    assert default["on"] == today
    assert default == explicit


def test_get_policy_after_a_deliberate_gap_names_missing_parameters(client, engine, settings):
    build_world(engine, settings)
    r = client.get("/api/v1/policy", params={"on": "2027-03-01"}, headers=auth(client, "agent1"))
    assert r.status_code == 200
    assert r.json()["missing"] == ["vsi_income_floor", "vsi_discount_rate"]


def test_get_policy_without_token_is_401(client):
    assert client.get("/api/v1/policy").status_code == 401
    assert client.post("/api/v1/policy/versions", json=NEW_BASE).status_code == 401


def test_list_versions_paginates_full_history_in_id_order(client, engine, settings):
    build_world(engine, settings)
    headers = auth(client, "agent1")
    r = client.get("/api/v1/policy/versions", params={"limit": 5, "offset": 5}, headers=headers)
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == SHIPPED
    assert [v["id"] for v in page["items"]] == [6, 7, 8, 9, 10]
    rows = all_versions(client, headers)
    shipped = initial_policy_dicts()
    assert [{k: v[k] for k in s} for v, s in zip(rows, shipped, strict=True)] == shipped
    only = client.get(
        "/api/v1/policy/versions", params={"parameter": "vsi_support"}, headers=headers
    ).json()
    assert [v["id"] for v in only["items"]] == [11, 12, 17]


def test_create_version_as_admin_is_stored_and_published(client, engine, settings):
    w = build_world(engine, settings)
    r = _post(client, auth(client, "admin"), NEW_BASE)
    assert r.status_code == 201, r.text
    created = r.json()["version"]
    assert created["id"] == NEXT_ID
    assert created["value"] == 2_800_000
    assert created["effective_to"] is None
    assert created["created_by"] == w["admin"]
    changes = _changes(engine, NEXT_ID)
    assert len(changes) == 1
    assert changes[0].province_code is None
    assert changes[0].payload == {
        "id": NEXT_ID,
        "parameter": "base_salary",
        "value": 2_800_000,
        "effective_from": "2028-07-01",
        "effective_to": None,
        "source": "Nghị định 99/2028/NĐ-CP",
    }
    table = client.get(
        "/api/v1/policy", params={"on": "2028-07-01"}, headers=auth(client, "agent1")
    ).json()
    assert {v["parameter"]: v["id"] for v in table["in_force"]}["base_salary"] == NEXT_ID


def test_create_version_closes_the_unused_open_ended_row_it_replaces(client, engine, settings):
    build_world(engine, settings)
    r = _post(client, auth(client, "admin"), NEW_BASE)
    assert r.status_code == 201
    body = r.json()
    assert [(v["id"], v["effective_to"]) for v in body["closed"]] == [(3, "2028-06-30")]
    assert body["superseded"] == []
    with Session(engine) as s:
        row3 = s.get(PolicyVersion, 3)
        assert row3 is not None
        assert row3.effective_to is not None and row3.effective_to.isoformat() == "2028-06-30"
        assert row3.value == 2_530_000
    assert _changes(engine, 3)[-1].payload["effective_to"] == "2028-06-30"


def test_create_version_leaves_a_used_row_untouched(client, engine, settings):
    build_world(engine, settings)
    _mark_used(engine, 3)
    r = _post(client, auth(client, "admin"), NEW_BASE)
    assert r.status_code == 201
    assert r.json()["closed"] == []
    assert r.json()["superseded"] == [3]
    with Session(engine) as s:
        row3 = s.get(PolicyVersion, 3)
        assert row3 is not None and row3.effective_to is None
    assert len(_changes(engine, 3)) <= 1  # only the migration's entry, if any


def test_create_window_inside_open_row_does_not_close_it(client, engine, settings):
    """Closing row 8 at the window's start would leave vsi_rate undefined after the window."""
    build_world(engine, settings)
    body = {
        "parameter": "vsi_rate",
        "value": "0.25",
        "effective_from": "2030-01-01",
        "effective_to": "2030-12-31",
        "source": "test decree",
    }
    r = _post(client, auth(client, "admin"), body)
    assert r.status_code == 201, r.text
    assert r.json()["closed"] == [] and r.json()["superseded"] == [8]
    headers = auth(client, "agent1")
    during = client.get("/api/v1/policy", params={"on": "2030-06-01"}, headers=headers).json()
    after = client.get("/api/v1/policy", params={"on": "2031-01-01"}, headers=headers).json()
    assert {v["parameter"]: v["id"] for v in during["in_force"]}["vsi_rate"] == NEXT_ID
    assert {v["parameter"]: v["id"] for v in after["in_force"]}["vsi_rate"] == 8


def test_create_identical_version_twice_is_409(client, engine, settings):
    build_world(engine, settings)
    headers = auth(client, "admin")
    assert _post(client, headers, NEW_BASE).status_code == 201
    r = _post(client, headers, NEW_BASE)
    assert r.status_code == 409
    assert r.json()["existing_id"] == NEXT_ID


def test_create_or_edit_version_as_non_admin_is_403(client, engine, settings):
    build_world(engine, settings)
    for who in ("coord1", "agent1"):
        headers = auth(client, who)
        assert _post(client, headers, NEW_BASE).status_code == 403
        r = client.patch("/api/v1/policy/versions/3", json={"source": "x"}, headers=headers)
        assert r.status_code == 403
    with Session(engine) as s:
        assert len(s.exec(select(PolicyVersion)).all()) == SHIPPED


def test_create_version_with_unknown_field_is_422(client, engine, settings):
    build_world(engine, settings)
    r = _post(client, auth(client, "admin"), {**NEW_BASE, "approved": True})
    assert r.status_code == 422
    assert r.json()["type"] == "validation_error"
    assert r.json()["field"] == "approved"


def test_create_version_with_bad_value_is_422_naming_the_field(client, engine, settings):
    build_world(engine, settings)
    headers = auth(client, "admin")
    cases = [
        ({"parameter": "hi_household_rate", "value": 0.05}, "value"),
        ({"parameter": "hi_household_ladder", "value": ["1", "0.7", "0.8"]}, "value"),
        (
            {"parameter": "vsi_support", "value": {"rates": {"poor": "0.5"}, "max_months": 120}},
            "value",
        ),
        ({"parameter": "base_salary", "value": -1}, "value"),
        ({"parameter": "pension_age", "value": 62}, "parameter"),
        ({"effective_to": "2028-06-30"}, "effective_to"),
        ({"source": "   "}, "source"),
    ]
    for patch, field in cases:
        r = _post(client, headers, {**NEW_BASE, **patch})
        assert r.status_code == 422, (patch, r.text)
        assert r.json()["field"] == field, (patch, r.json())
    bad_parameter = _post(client, headers, {**NEW_BASE, "parameter": "pension_age"}).json()
    assert bad_parameter["type"] == "policy_error"
    assert "base_salary" in bad_parameter["allowed"]
    with Session(engine) as s:
        assert len(s.exec(select(PolicyVersion)).all()) == SHIPPED


def test_patch_unused_version_changes_it_and_publishes(client, engine, settings):
    build_world(engine, settings)
    headers = auth(client, "admin")
    assert _post(client, headers, NEW_BASE).status_code == 201
    r = client.patch(
        f"/api/v1/policy/versions/{NEXT_ID}",
        json={"value": 2_850_000, "source": "Nghị định 100/2028/NĐ-CP"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["value"] == 2_850_000
    assert r.json()["effective_from"] == "2028-07-01"
    payloads = [c.payload for c in _changes(engine, NEXT_ID)]
    assert [p["value"] for p in payloads] == [2_800_000, 2_850_000]
    assert payloads[-1]["source"] == "Nghị định 100/2028/NĐ-CP"
    # An explicit null reopens the end date; an absent field is left alone.
    r = client.patch("/api/v1/policy/versions/3", json={"effective_to": None}, headers=headers)
    assert r.status_code == 200 and r.json()["effective_to"] is None
    assert r.json()["value"] == 2_530_000


def test_patch_used_version_is_409_and_changes_nothing(client, engine, settings):
    build_world(engine, settings)
    _mark_used(engine, 2)
    r = client.patch(
        "/api/v1/policy/versions/2", json={"value": 2_000_000}, headers=auth(client, "admin")
    )
    assert r.status_code == 409
    body = r.json()
    assert body["type"] == "conflict"
    assert "used by a sign-up" in body["detail"] and "add a new version" in body["detail"]
    assert body["first_used_at"]
    with Session(engine) as s:
        row = s.get(PolicyVersion, 2)
        assert row is not None and row.value == 2_340_000


def test_patch_with_bad_value_or_unknown_field_is_422(client, engine, settings):
    build_world(engine, settings)
    headers = auth(client, "admin")
    r = client.patch("/api/v1/policy/versions/4", json={"value": "4.5%"}, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "value"
    r = client.patch(
        "/api/v1/policy/versions/4", json={"effective_to": "2020-01-01"}, headers=headers
    )
    assert r.status_code == 422 and r.json()["field"] == "effective_to"
    r = client.patch("/api/v1/policy/versions/4", json={"parameter": "vsi_rate"}, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "parameter"
    with Session(engine) as s:
        row = s.get(PolicyVersion, 4)
        assert row is not None and row.value == "0.045" and row.effective_to is None


def test_patch_missing_version_is_404(client, engine, settings):
    build_world(engine, settings)
    r = client.patch(
        "/api/v1/policy/versions/999", json={"source": "x"}, headers=auth(client, "admin")
    )
    assert r.status_code == 404
