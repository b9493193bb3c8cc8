"""Sign-up records and a ready world (agent device with a receipt block) for push tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from enroll_common.sync_wire import PROTOCOL_HEADER, PROTOCOL_VERSION
from server.config import Settings
from tests.factories import World, auth, build_world, consistent_person, login

PAYMENT_DATE = date(2025, 9, 15)
HI_FIRST_12M = 1_263_600  # 4.5% x 2,340,000 = 105,300 a month
HI_SECOND_12M = 884_520  # 70%: 73,710 a month


@dataclass
class Ctx:
    world: World
    client: TestClient
    agent: dict[str, str]
    coord: dict[str, str]
    device_id: int
    block: dict[str, Any]
    agent2: dict[str, str] = field(default_factory=dict)
    device2_id: int = 0
    block2: dict[str, Any] = field(default_factory=dict)
    _next: int = 0

    def receipt(self) -> int:
        self._next += 1
        return int(self.block["first_number"]) + self._next - 1

    def receipt2(self) -> int:
        self._next += 1
        return int(self.block2["first_number"]) + self._next - 1

    def push(self, *records: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        r = self.client.post(
            "/api/v1/sync/push", json={"records": list(records)}, headers=headers or self.agent
        )
        assert r.status_code == 200, r.text
        return r.json()

    def push_one(self, record: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        return self.push(record, headers=headers)["results"][0]


def _token_headers(tokens: dict[str, Any]) -> dict[str, str]:
    # Speaking the current sync protocol, as the SDK does (answers carry every flag).
    return {
        "Authorization": f"Bearer {tokens['access_token']}",
        PROTOCOL_HEADER: str(PROTOCOL_VERSION),
    }


def ready(client: TestClient, engine: Engine, settings: Settings) -> Ctx:
    """The factories' world; agent1 and agent2 logged in on phones holding 100 receipts each."""
    w = build_world(engine, settings)
    coord = auth(client, "coord1")
    t1 = login(client, "agent1", device="phone-1")
    r = client.post(
        f"/api/v1/devices/{t1['device_id']}/receipt-blocks", json={"size": 100}, headers=coord
    )
    assert r.status_code == 201, r.text
    t2 = login(client, "agent2", device="phone-2")
    r2 = client.post(
        f"/api/v1/devices/{t2['device_id']}/receipt-blocks",
        json={"size": 100},
        headers=auth(client, "coord2"),
    )
    assert r2.status_code == 201, r2.text
    return Ctx(
        world=w,
        client=client,
        agent=_token_headers(t1),
        coord=coord,
        device_id=int(t1["device_id"]),
        block=r.json(),
        agent2=_token_headers(t2),
        device2_id=int(t2["device_id"]),
        block2=r2.json(),
    )


def hi_record(
    ctx: Ctx,
    *,
    receipt: int | None = None,
    citizen_id: str = "066090000001",
    name: str = "Nguyễn Văn An",
    household: str = "HH-EAKAR-001",
    ordinal: int = 1,
    months: int = 12,
    amount: int = HI_FIRST_12M,
    point: str = "p1",
    rev: int = 1,
    record_id: str | None = None,
    captured_at: datetime | None = None,
    payment_date: date = PAYMENT_DATE,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": record_id or str(uuid.uuid4()),
        "rev": rev,
        "scheme": "household_hi",
        "kind": "new",
        "person": {
            "full_name": name,
            **consistent_person(citizen_id),
            "citizen_id": citizen_id,
            "phone": "0912345678",
            "commune_code": 24373,
            "address": "Thôn 1, Xã Ea Kar",
        },
        "household": {"code": household, "ordinal": ordinal, "members": []},
        "months": months,
        "payment_date": payment_date.isoformat(),
        "amount_collected_vnd": amount,
        "receipt_number": receipt if receipt is not None else ctx.receipt(),
        "captured_at": (captured_at or datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "gps": {"lat": 12.81, "lon": 108.45},
        "point_id": ctx.world[point],
    }
    body.update(extra)
    return body


def vsi_record(ctx: Ctx, **kw: Any) -> dict[str, Any]:
    """Voluntary SI at 2,000,000 a month for 3 months: 22% = 440,000 x 3. Captured on the
    payment day unless told otherwise: a VSI payment recorded after its period's deadline
    pays for past months and is refused."""
    paid: date = kw.get("payment_date", PAYMENT_DATE)
    kw.setdefault("captured_at", datetime.combine(paid, time(2, 0), tzinfo=UTC))
    body = hi_record(ctx, **{"amount": 1_320_000, **kw})
    body.update(scheme="voluntary_si", months=kw.get("months", 3), monthly_income_vnd=2_000_000)
    body.pop("household")
    return body
