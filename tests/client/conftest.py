"""A live server, a logged-in agent device with a receipt block, and the fault proxy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from client_sdk import FieldClient, RetryPolicy
from tests.client.proxy import FaultProxy
from tests.factories import PASSWORD, USERNAMES, build_world, consistent_person

FAST_RETRY = RetryPolicy(max_attempts=4, base_seconds=0.01, cap_seconds=0.05)


@dataclass
class Field:
    server_url: str
    world: object
    coord_headers: dict[str, str]

    def client(self, data_dir: Path, *, url: str | None = None, **kw: object) -> FieldClient:
        kw.setdefault("retry", FAST_RETRY)
        return FieldClient(url or self.server_url, data_dir, **kw)  # type: ignore[arg-type]

    def issue_block(self, device_id: int, size: int = 50) -> dict[str, int]:
        r = httpx.post(
            f"{self.server_url}/api/v1/devices/{device_id}/receipt-blocks",
            headers=self.coord_headers,
            json={"size": size},
        )
        assert r.status_code == 201, r.text
        body: dict[str, int] = r.json()
        return body

    def agent_device(
        self, data_dir: Path, who: str = "agent1", block: int = 50, **kw: object
    ) -> FieldClient:
        """A client logged in as ``who`` with a block of receipts and the policy pulled."""
        fc = self.client(data_dir, **kw)
        me = fc.login(USERNAMES[who], PASSWORD)
        if block:
            self.issue_block(int(me["device_id"]), block)
        fc.sync()
        return fc


@pytest.fixture
def field(live_server, engine, settings) -> Field:
    world = build_world(engine, settings)
    r = httpx.post(
        f"{live_server.url}/api/v1/auth/login",
        json={"username": USERNAMES["coord1"], "password": PASSWORD, "device_id": "office"},
    )
    assert r.status_code == 200, r.text
    return Field(live_server.url, world, {"Authorization": f"Bearer {r.json()['access_token']}"})


@pytest.fixture
def proxy(live_server) -> Iterator[FaultProxy]:
    port = int(live_server.url.rsplit(":", 1)[1])
    p = FaultProxy("127.0.0.1", port)
    yield p
    p.close()


def hi_record(
    citizen_id: str = "066190000001",
    household: str = "HH-EAKAR-1",
    ordinal: int = 1,
    **extra: object,
) -> dict[str, object]:
    """A valid household-HI sign-up as an agent would type it."""
    data: dict[str, object] = {
        "scheme": "household_hi",
        "person": {
            "full_name": "Nguyễn Thị Lan",
            **consistent_person(citizen_id, 4, 12),
            "citizen_id": citizen_id,
            "commune_code": 24373,
            "address": "Thôn 3, Xã Ea Kar",
        },
        "household": {"code": household, "ordinal": ordinal},
        "months": 12,
        "payment_date": "2026-11-20",
    }
    data.update(extra)
    return data


def vsi_record(
    citizen_id: str = "066190000101", income: int = 1_500_000, **extra: object
) -> dict[str, object]:
    data: dict[str, object] = {
        "scheme": "voluntary_si",
        "person": {
            "full_name": "Trần Văn Nam",
            **consistent_person(citizen_id, 1, 2),
            "citizen_id": citizen_id,
            "commune_code": 24373,
        },
        "monthly_income_vnd": income,
        "support_groups": ["near_poor"],
        "months": 3,
        "payment_date": "2026-11-20",
    }
    data.update(extra)
    # Captured on the payment day, as in the field: a VSI payment recorded after its
    # period's deadline is refused, and the suite must not depend on the day it runs.
    data.setdefault("captured_at", f"{data['payment_date']}T09:00:00+07:00")
    return data
