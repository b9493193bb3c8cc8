"""A world with sign-ups and targets, built through the real API (push, review, targets)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from server.config import Settings
from tests.factories import World, auth, build_world, consistent_person, login

PERIOD = "2025-09"
PAYMENT_DATE = date(2025, 9, 15)
HI_FIRST_12M = 1_263_600  # 4.5% x 2,340,000 x 12


@dataclass
class Scene:
    world: World
    coord: dict[str, str]
    coord2: dict[str, str]
    signups: list[str] = field(default_factory=list)  # agent1's, at point p1 (Ea Kar)
    other: str = ""  # agent2's, at point p2 (Ea Knốp): coord1 must never see it
    agent: dict[str, str] = field(default_factory=dict)
    next_receipt: int = 0


def record(
    *, receipt: int, point_id: int, citizen_id: str, name: str, household: str, amount: int
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "rev": 1,
        "scheme": "household_hi",
        "kind": "new",
        "person": {
            "full_name": name,
            **consistent_person(citizen_id),
            "citizen_id": citizen_id,
            "commune_code": 24373,
            "address": "Thôn 1, Xã Ea Kar",
        },
        "household": {"code": household, "ordinal": 1, "members": []},
        "months": 12,
        "payment_date": PAYMENT_DATE.isoformat(),
        "amount_collected_vnd": amount,
        "receipt_number": receipt,
        "captured_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "point_id": point_id,
    }


def _device_with_block(client: TestClient, who: str, coord: dict[str, str]) -> tuple[dict, int]:
    tokens = login(client, who, device=f"phone-{who}")
    r = client.post(
        f"/api/v1/devices/{tokens['device_id']}/receipt-blocks", json={"size": 50}, headers=coord
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {tokens['access_token']}"}, int(r.json()["first_number"])


def build_scene(client: TestClient, engine: Engine, settings: Settings, n: int = 4) -> Scene:
    """agent1 pushes ``n`` household sign-ups at p1 (the first one under-collected, so it is
    adjusted), agent2 one at p2; p1 gets a 2025-09 target of 10 participants."""
    w = build_world(engine, settings)
    scene = Scene(world=w, coord=auth(client, "coord1"), coord2=auth(client, "coord2"))
    agent, first = _device_with_block(client, "agent1", scene.coord)
    records = [
        record(
            receipt=first + i,
            point_id=w["p1"],
            citizen_id=f"0660900000{i + 10}",
            name=f"Nguyễn Thị Người {i + 1}",
            household=f"HH-EAKAR-{i + 1:03d}",
            amount=HI_FIRST_12M - (100_000 if i == 0 else 0),
        )
        for i in range(n)
    ]
    r = client.post("/api/v1/sync/push", json={"records": records}, headers=agent)
    assert r.status_code == 200, r.text
    assert all(x["status"] == "accepted" for x in r.json()["results"]), r.text
    scene.signups = [rec["id"] for rec in records]
    scene.agent, scene.next_receipt = agent, first + n
    agent2, first2 = _device_with_block(client, "agent2", scene.coord2)
    other = record(
        receipt=first2,
        point_id=w["p2"],
        citizen_id="066090000099",
        name="Trần Văn Khác",
        household="HH-EAKNOP-001",
        amount=HI_FIRST_12M,
    )
    other["person"]["commune_code"] = 24376
    r = client.post("/api/v1/sync/push", json={"records": [other]}, headers=agent2)
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "accepted", r.text
    scene.other = other["id"]
    r = client.post(
        "/api/v1/targets",
        json={"period": PERIOD, "scheme": "household_hi", "point_id": w["p1"], "value": 10},
        headers=scene.coord,
    )
    assert r.status_code == 201, r.text
    return scene


def enrich(client: TestClient, scene: Scene) -> None:
    """More of 2025 for screenshots: sign-ups of both schemes spread over the months, a
    possible duplicate, and monthly targets, so the chart and tables have something to show."""
    w = scene.world
    records = []
    for i in range(24):
        month = 1 + i % 9
        rec = record(
            receipt=scene.next_receipt + i,
            point_id=w["p1"],
            citizen_id=f"0660910000{i + 10}",
            name=f"Lê Văn Khách {i + 1}",
            household=f"HH-EAKAR-1{i:02d}",
            amount=HI_FIRST_12M,
        )
        rec["payment_date"] = date(2025, month, 10).isoformat()
        if i % 3 == 0:
            rec.update(scheme="voluntary_si", months=3, monthly_income_vnd=2_000_000)
            rec["amount_collected_vnd"] = 1_320_000
            rec.pop("household")
        records.append(rec)
    dup = record(
        receipt=scene.next_receipt + 25,  # one number skipped: the devices page shows the gap
        point_id=w["p1"],
        citizen_id="066090000010",  # the first sign-up's person again
        name="Nguyễn Thị Người 1",
        household="HH-EAKAR-001",
        amount=HI_FIRST_12M,
    )
    records.append(dup)
    r = client.post("/api/v1/sync/push", json={"records": records}, headers=scene.agent)
    assert r.status_code == 200, r.text
    for month in range(1, 13):
        for scheme, value in (("household_hi", 4), ("voluntary_si", 2)):
            r = client.post(
                "/api/v1/targets",
                json={
                    "period": f"2025-{month:02d}",
                    "scheme": scheme,
                    "point_id": w["p1"],
                    "value": value if f"2025-{month:02d}" != PERIOD else 10,
                },
                headers=scene.coord,
            )
            assert r.status_code in (200, 201), r.text
    for enrollment_id in scene.signups[2:]:
        r = client.post(
            f"/api/v1/enrollments/{enrollment_id}/review",
            json={"decision": "approve"},
            headers=scene.coord,
        )
        assert r.status_code == 200, r.text
