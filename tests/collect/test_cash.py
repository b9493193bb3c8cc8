"""Cash from agent to organisation to the agency: movements, refusals, reconciliation."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from server.config import Settings
from tests.collect.helpers import make_organisation
from tests.factories import EA_KAR, EA_KNOP, auth, build_world
from tests.reports.data import SignUp, insert_sign_ups


def _ids(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {r[0][-1]: r[1] for r in conn.execute(text("SELECT citizen_id, id FROM enrollment"))}


def test_cash_movements_and_reconciliation(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = build_world(engine, settings)
    org = make_organisation(client, w, remittance_days=10)
    a1, a2 = w["agent1"], w["agent2"]
    insert_sign_ups(
        engine,
        [
            SignUp(1, "household_hi", date(2025, 9, 1), a1, w["p1"], EA_KAR),
            SignUp(2, "household_hi", date(2025, 9, 5), a1, w["p1"], EA_KAR),
            SignUp(3, "voluntary_si", date(2025, 9, 25), a1, w["p1"], EA_KAR, status="pending"),
            SignUp(4, "household_hi", date(2025, 9, 2), a2, w["p2"], EA_KNOP),
            SignUp(5, "household_hi", date(2025, 9, 3), a2, w["p2"], EA_KNOP, status="rejected"),
        ],
    )
    ids = _ids(engine)
    with engine.begin() as conn:  # the server lowered sign-up 2 by 20,000: a refund is owed
        conn.execute(
            text("UPDATE enrollment SET amount_vnd = 80000, adjustment_vnd = -20000 WHERE id = :i"),
            {"i": ids["2"]},
        )
    agent1 = auth(client, "agent1")
    refund = {"enrollment_id": ids["2"], "amount_vnd": 20_000, "refunded_on": "2025-09-06"}
    assert client.post("/api/v1/cash/refunds", json=refund, headers=agent1).status_code == 201
    too_much = client.post("/api/v1/cash/refunds", json={**refund, "amount_vnd": 1}, headers=agent1)
    assert too_much.status_code == 422

    handover = {
        "organisation_id": org,
        "agent_id": a1,
        "amount_vnd": 200_000,
        "handed_on": "2025-09-08",
        "received_by": "Kế toán Bưu điện",
        "enrollment_ids": [ids["1"], ids["2"]],
    }
    wrong = client.post("/api/v1/cash/handovers", json=handover, headers=agent1)
    assert wrong.status_code == 422 and "180,000" in wrong.json()["detail"]
    ok = client.post(
        "/api/v1/cash/handovers", json={**handover, "amount_vnd": 180_000}, headers=agent1
    )
    assert ok.status_code == 201, ok.text
    twice = client.post(
        "/api/v1/cash/handovers",
        json={**handover, "amount_vnd": 100_000, "enrollment_ids": [ids["1"]]},
        headers=agent1,
    )
    assert twice.status_code == 409  # each sign-up's cash is handed over once
    other = client.post(
        "/api/v1/cash/handovers",
        json={**handover, "agent_id": a2, "amount_vnd": 100_000, "enrollment_ids": [ids["4"]]},
        headers=agent1,
    )
    assert other.status_code == 403

    rejected = {"enrollment_id": ids["5"], "amount_vnd": 100_000, "refunded_on": "2025-09-04"}
    admin = auth(client, "admin")
    assert client.post("/api/v1/cash/refunds", json=rejected, headers=admin).status_code == 201
    coord = auth(client, "coord1")
    pending = client.get(
        "/api/v1/cash/handovers",
        params={"organisation_id": org, "untransferred": True},
        headers=coord,
    ).json()
    assert [(h["id"], h["amount_vnd"], h["sign_ups"]) for h in pending] == [
        (ok.json()["id"], 180_000, 2)
    ]
    transfer = {
        "organisation_id": org,
        "amount_vnd": 180_000,
        "transferred_on": "2025-09-10",
        "reference": "UNC 0001",
        "handover_ids": [ok.json()["id"]],
    }
    assert client.post("/api/v1/cash/transfers", json=transfer, headers=agent1).status_code == 403
    assert client.post("/api/v1/cash/transfers", json=transfer, headers=coord).status_code == 201
    assert client.post("/api/v1/cash/transfers", json=transfer, headers=coord).status_code == 409

    done = client.get(
        "/api/v1/cash/handovers",
        params={"organisation_id": org, "untransferred": True},
        headers=coord,
    ).json()
    assert done == []
    r = client.get(
        "/api/v1/cash/reconciliation",
        params={"organisation_id": org, "period": "2025-09", "at": "2025-10-10"},
        headers=auth(client, "admin"),
    )
    assert r.status_code == 200, r.text
    rec = r.json()
    agents = {a["agent_code"]: a for a in rec["agents"]}
    one = agents["NVT0001"]
    assert (one["collected_vnd"], one["refunds_paid_vnd"], one["net_vnd"]) == (
        300_000,
        20_000,
        280_000,
    )
    assert (one["handed_over_vnd"], one["held_vnd"], one["overdue_vnd"]) == (
        180_000,
        100_000,
        100_000,
    )
    assert one["oldest_held"] == "2025-09-25" and one["refunds_owed_vnd"] == 0
    assert (agents["NVT0002"]["held_vnd"], agents["NVT0002"]["overdue_vnd"]) == (100_000, 100_000)
    assert (agents["NVT0002"]["collected_vnd"], agents["NVT0002"]["refunds_paid_vnd"]) == (
        200_000,
        100_000,
    )  # the rejected sign-up's cash went back in full
    assert rec["organisation"] == {
        "handed_over_vnd": 180_000,
        "transferred_vnd": 180_000,
        "held_by_org_vnd": 0,
        "overdue_vnd": 0,
    }
    assert rec["balanced"] is True and rec["total_net_vnd"] == 380_000
    early = client.get(
        "/api/v1/cash/reconciliation",
        params={"organisation_id": org, "period": "2025-09", "at": "2025-10-01"},
        headers=auth(client, "admin"),
    ).json()
    assert {a["agent_code"]: a["overdue_vnd"] for a in early["agents"]} == {
        "NVT0001": 0,  # sign-up 3 is due by 2025-10-05
        "NVT0002": 100_000,
    }
    mine = client.get(
        "/api/v1/cash/reconciliation",
        params={"organisation_id": org, "period": "2025-09"},
        headers=auth(client, "agent2"),
    ).json()
    assert [a["agent_code"] for a in mine["agents"]] == ["NVT0002"]
    with engine.connect() as conn:
        entities = [
            r[0]
            for r in conn.execute(
                text("SELECT entity FROM enrollment_audit WHERE entity LIKE 'cash%' ORDER BY id")
            )
        ]
    assert entities == ["cash_refund", "cash_handover", "cash_refund", "cash_transfer"]


def test_cash_is_scoped(client: TestClient, engine: Engine, settings: Settings) -> None:
    w = build_world(engine, settings)
    org = make_organisation(client, w)
    insert_sign_ups(
        engine, [SignUp(1, "household_hi", date(2025, 9, 1), w["agent1"], w["p1"], EA_KAR)]
    )
    ids = _ids(engine)
    params = {"organisation_id": org, "period": "2025-09"}
    hn = auth(client, "admin_hn")
    assert client.get("/api/v1/cash/reconciliation", params=params, headers=hn).status_code == 404
    assert client.get("/api/v1/cash/handovers", params=params, headers=hn).status_code == 404
    # Ea Knốp's coordinator cannot hand over (or refund) Ea Kar's sign-up
    body = {
        "organisation_id": org,
        "agent_id": w["agent1"],
        "amount_vnd": 100_000,
        "handed_on": "2025-09-02",
        "received_by": "x",
        "enrollment_ids": [ids["1"]],
    }
    coord2 = auth(client, "coord2")
    assert client.post("/api/v1/cash/handovers", json=body, headers=coord2).status_code == 422
    refund = {"enrollment_id": ids["1"], "amount_vnd": 1, "refunded_on": "2025-09-02"}
    assert client.post("/api/v1/cash/refunds", json=refund, headers=coord2).status_code == 404
    rec = client.get("/api/v1/cash/reconciliation", params=params, headers=coord2).json()
    assert rec["agents"] == []
