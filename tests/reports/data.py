"""Sign-ups written straight through the enrollment model's table, in bulk."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.auth.models import Device
from server.enrollments.models import Enrollment


@dataclass
class SignUp:
    citizen: int
    scheme: str
    paid: date
    agent_id: int
    point_id: int
    commune_code: int
    status: str = "approved"
    kind: str = "new"
    amount_vnd: int = 100_000
    months: int = 12


def device_for(engine: Engine, agent_id: int) -> int:
    with Session(engine) as s:
        device = Device(user_id=agent_id, device_key=f"bulk-{agent_id}-{uuid.uuid4().hex[:6]}")
        s.add(device)
        s.commit()
        assert device.id is not None
        return device.id


def _row(n: int, sign_up: SignUp, device_id: int) -> dict[str, Any]:
    at = datetime(sign_up.paid.year, sign_up.paid.month, sign_up.paid.day, 3, tzinfo=UTC)
    end = sign_up.paid + timedelta(days=30 * sign_up.months)
    return {
        "id": str(uuid.uuid4()),
        "rev": 1,
        "status": sign_up.status,
        "scheme": sign_up.scheme,
        "kind": sign_up.kind,
        "citizen_id": f"{sign_up.citizen:012d}",
        "si_code": None,
        "full_name": f"Người {sign_up.citizen}",
        "date_of_birth": date(1980, 1, 1),
        "sex": "female",
        "phone": None,
        "person_commune_code": sign_up.commune_code,
        "address": "",
        "household_code": None,
        "household_ordinal_claimed": None,
        "household_ordinal": None,
        "monthly_income_vnd": None,
        "months": sign_up.months,
        "payment_date": sign_up.paid,
        "amount_collected_vnd": sign_up.amount_vnd,
        "amount_vnd": sign_up.amount_vnd,
        "adjustment_vnd": 0,
        "coverage_start": sign_up.paid,
        "coverage_end": end,
        "supported_months": 0,
        "receipt_number": 10_000_000 + n,
        "flags": "",
        "captured_at": at,
        "received_at": at,
        "updated_at": at,
        "gps_lat": None,
        "gps_lon": None,
        "agent_id": sign_up.agent_id,
        "device_id": device_id,
        "point_id": sign_up.point_id,
        "commune_code": sign_up.commune_code,
        "province_code": 66,
        "reviewed_by": None,
        "reviewed_at": None,
        "review_reason": None,
    }


_counter = [0]


def insert_sign_ups(engine: Engine, sign_ups: list[SignUp]) -> None:
    """Insert rows as the sync push would leave them (one current row per sign-up)."""
    devices: dict[int, int] = {}
    rows = []
    for s in sign_ups:
        if s.agent_id not in devices:
            devices[s.agent_id] = device_for(engine, s.agent_id)
        _counter[0] += 1
        rows.append(_row(_counter[0], s, devices[s.agent_id]))
    table = Enrollment.__table__  # type: ignore[attr-defined]
    with Session(engine) as session:
        for i in range(0, len(rows), 5000):
            session.execute(insert(table), rows[i : i + 5000])
        session.commit()
