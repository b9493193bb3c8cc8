"""Collection organisations and contracts: created by admins, read in scope, audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from server.config import Settings
from tests.collect.helpers import make_organisation
from tests.factories import auth, build_world


def test_organisation_contracts_points_and_scope(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = build_world(engine, settings)
    org_id = make_organisation(client, w)
    admin = auth(client, "admin")
    contracts = client.get(f"/api/v1/organisations/{org_id}/contracts", headers=admin).json()
    assert [(c["si_office_code"], c["remittance_days"], c["vsi_new_bp"]) for c in contracts] == [
        ("BHXH66", 10, 1500)
    ]
    overlap = client.post(
        f"/api/v1/organisations/{org_id}/contracts",
        json={
            "contract_no": "02",
            "si_office_code": "BHXH66",
            "si_office_name": "x",
            "starts_on": "2025-06-01",
            "remittance_days": 5,
        },
        headers=admin,
    )
    assert overlap.status_code == 422 and overlap.json()["field"] == "starts_on"
    dup = client.post(
        "/api/v1/organisations", json={"code": "BDDL", "name": "again"}, headers=admin
    )
    assert dup.status_code == 409
    # a coordinator sees it through their point, cannot create; another province cannot see it
    coord = auth(client, "coord1")
    assert [
        o["code"] for o in client.get("/api/v1/organisations", headers=coord).json()["items"]
    ] == ["BDDL"]
    assert (
        client.post(
            "/api/v1/organisations", json={"code": "X", "name": "x"}, headers=coord
        ).status_code
        == 403
    )
    hn = auth(client, "admin_hn")
    assert client.get("/api/v1/organisations", headers=hn).json()["items"] == []
    assert client.get(f"/api/v1/organisations/{org_id}", headers=hn).status_code == 404
    assert (
        client.put(f"/api/v1/organisations/{org_id}/points/{w['p_hn']}", headers=admin).status_code
        == 404
    )
    with engine.connect() as conn:
        actions = conn.execute(
            text("SELECT entity, action FROM enrollment_audit ORDER BY id")
        ).all()
    assert [tuple(a) for a in actions] == [
        ("organisation", "create"),
        ("contract", "create"),
        ("point", "organisation"),
        ("point", "organisation"),
    ]


def test_commission_uses_the_contract_in_force(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    from datetime import date

    from tests.factories import EA_KAR
    from tests.reports.data import SignUp, insert_sign_ups

    w = build_world(engine, settings)
    admin = auth(client, "admin")
    rate = {
        "scheme": "voluntary_si",
        "kind": "new",
        "rate_bp": 1000,
        "effective_from": "2024-01-01",
    }
    assert (
        client.post("/api/v1/reports/commission-rates", json=rate, headers=admin).status_code == 201
    )
    insert_sign_ups(
        engine,
        [
            SignUp(
                1,
                "voluntary_si",
                date(2024, 12, 5),
                w["agent1"],
                w["p1"],
                EA_KAR,
                amount_vnd=1_000_000,
            ),
            SignUp(
                2,
                "voluntary_si",
                date(2025, 3, 5),
                w["agent1"],
                w["p1"],
                EA_KAR,
                amount_vnd=1_000_000,
            ),
        ],
    )
    make_organisation(client, w)  # contract from 2025-01-01: 15 % for new VSI
    for period, expected in (("2024", 100_000), ("2025", 150_000)):
        r = client.get("/api/v1/reports/commission", params={"period": period}, headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["total_commission_vnd"] == expected, period
