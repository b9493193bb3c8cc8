"""Collection points, users and reference data within scope."""

from __future__ import annotations

import unicodedata

from tests.factories import EA_KAR, EA_KNOP, PASSWORD, auth, build_world


def test_reference_data_has_34_provinces_and_3321_communes(client, engine, settings):
    build_world(engine, settings)
    h = auth(client, "admin")
    assert len(client.get("/api/v1/provinces", headers=h).json()) == 34
    communes = client.get("/api/v1/communes", headers=h).json()
    assert len(communes) == 102  # Đắk Lắk after July 2025
    assert {
        "code": 24373,
        "name": "Xã Ea Kar",
        "division_type": "xã",
        "province_code": 66,
    } in communes
    assert all("  " not in c["name"] for c in communes)


def test_coordinator_creates_point_in_own_commune_with_nfc_name(client, engine, settings):
    build_world(engine, settings)
    h = auth(client, "coord1")
    name = unicodedata.normalize("NFD", "Điểm thu  Hội Phụ nữ thôn 3")
    r = client.post(
        "/api/v1/points",
        headers=h,
        json={"code": "EAKAR-02", "name": name, "commune_code": EA_KAR, "operator": "Hội LHPN"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Điểm thu Hội Phụ nữ thôn 3"
    assert unicodedata.is_normalized("NFC", r.json()["name"])


def test_coordinator_cannot_create_point_in_another_commune(client, engine, settings):
    build_world(engine, settings)
    r = client.post(
        "/api/v1/points",
        headers=auth(client, "coord1"),
        json={"code": "X-1", "name": "x", "commune_code": EA_KNOP},
    )
    assert r.status_code == 403
    assert r.json()["field"] == "commune_code"


def test_duplicate_point_code_is_409_naming_the_field(client, engine, settings):
    build_world(engine, settings)
    r = client.post(
        "/api/v1/points",
        headers=auth(client, "admin"),
        json={"code": "EAKAR-01", "name": "again", "commune_code": EA_KAR},
    )
    assert r.status_code == 409
    assert r.json()["field"] == "code"


def test_agent_cannot_create_points(client, engine, settings):
    build_world(engine, settings)
    r = client.post(
        "/api/v1/points",
        headers=auth(client, "agent1"),
        json={"code": "Z-1", "name": "z", "commune_code": EA_KAR},
    )
    assert r.status_code == 403


def test_point_list_is_paginated(client, engine, settings):
    build_world(engine, settings)
    h = auth(client, "admin")
    for i in range(5):
        client.post(
            "/api/v1/points",
            headers=h,
            json={"code": f"EAKAR-1{i}", "name": f"P{i}", "commune_code": EA_KAR},
        )
    page = client.get("/api/v1/points?limit=3&offset=0", headers=h).json()
    assert page["total"] == 7 and len(page["items"]) == 3
    rest = client.get("/api/v1/points?limit=3&offset=6", headers=h).json()
    assert len(rest["items"]) == 1
    too_big = client.get("/api/v1/points?limit=100000", headers=h)
    assert too_big.status_code == 422 and too_big.json()["field"] == "limit"


def test_coordinator_creates_agent_at_own_point_who_can_log_in(client, engine, settings):
    w = build_world(engine, settings)
    h = auth(client, "coord1")
    r = client.post(
        "/api/v1/users",
        headers=h,
        json={
            "username": "agent.new",
            "password": "long enough pw",
            "full_name": "Y Niê",
            "role": "agent",
            "agent_code": "NVT0099",
            "point_ids": [w["p1"]],
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["point_ids"] == [w["p1"]]
    login = client.post(
        "/api/v1/auth/login",
        json={"username": "agent.new", "password": "long enough pw", "device_id": "x"},
    )
    assert login.status_code == 200


def test_coordinator_cannot_create_agent_at_foreign_point_or_a_coordinator(
    client, engine, settings
):
    w = build_world(engine, settings)
    h = auth(client, "coord1")
    base = {"password": "long enough pw", "full_name": "X"}
    r = client.post(
        "/api/v1/users",
        headers=h,
        json={**base, "username": "agent.bad", "role": "agent", "point_ids": [w["p2"]]},
    )
    assert r.status_code == 422 and r.json()["field"] == "point_ids"
    r = client.post(
        "/api/v1/users",
        headers=h,
        json={**base, "username": "coord.bad", "role": "coordinator", "commune_codes": [EA_KAR]},
    )
    assert r.status_code == 403


def test_admin_resets_password_and_deactivates_user(client, engine, settings):
    w = build_world(engine, settings)
    h = auth(client, "admin")
    agent_headers = auth(client, "agent1")
    r = client.patch(f"/api/v1/users/{w['agent1']}", headers=h, json={"password": "reset pw 123"})
    assert r.status_code == 200
    assert client.get("/api/v1/me", headers=agent_headers).status_code == 401
    r = client.patch(f"/api/v1/users/{w['agent1']}", headers=h, json={"is_active": False})
    assert r.json()["is_active"] is False
    login = client.post(
        "/api/v1/auth/login",
        json={"username": "agent.eakar", "password": "reset pw 123", "device_id": "x"},
    )
    assert login.status_code == 401


def test_user_cannot_change_own_scope(client, engine, settings):
    w = build_world(engine, settings)
    r = client.patch(
        f"/api/v1/users/{w['agent1']}",
        headers=auth(client, "agent1"),
        json={"point_ids": [w["p1"], w["p2"]]},
    )
    assert r.status_code == 403
    r = client.patch(
        f"/api/v1/users/{w['agent1']}", headers=auth(client, "agent1"), json={"phone": "0912345678"}
    )
    assert r.status_code == 200 and r.json()["phone"] == "0912345678"
    assert PASSWORD


def test_errors_are_json_with_type_and_detail_never_a_trace(client, engine, settings):
    build_world(engine, settings)
    r = client.get("/api/v1/points/999999", headers=auth(client, "admin"))
    assert r.status_code == 404
    body = r.json()
    assert body["type"] == "not_found" and body["detail"] and body["request_id"]
    r = client.get("/api/v1/no-such-route")
    assert r.status_code == 404 and r.json()["type"] == "not_found"
