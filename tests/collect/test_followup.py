"""Lapse and follow-up: due dates from the method and the last coverage end, per agent."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from enroll_common.policy import PolicySet
from server.cli import app as cli_app
from server.config import Settings
from server.followup.service import schedule
from server.policy.initial import initial_policy_dicts
from tests.factories import EA_KAR, EA_KNOP, auth, build_world
from tests.reports.data import SignUp, insert_sign_ups

VSI = "voluntary_si"


def test_schedule_follows_the_method_deadlines() -> None:
    policy = PolicySet.from_dicts(initial_policy_dicts())
    at = date(2025, 9, 30)
    assert schedule(at, 1, policy, at) == (date(2025, 10, 1), date(2025, 10, 31))
    assert schedule(at, 3, policy, at) == (date(2025, 10, 1), date(2025, 12, 31))
    assert schedule(at, 6, policy, at) == (date(2025, 10, 1), date(2026, 1, 31))
    assert schedule(at, 12, policy, at) == (date(2025, 10, 1), date(2026, 4, 30))
    # Several years ahead: paid when the period starts (the policy's "advance": 1 month).
    assert schedule(at, 60, policy, at) == (date(2025, 10, 1), date(2025, 10, 31))


def _setup(client: TestClient, engine: Engine, settings: Settings) -> None:
    w = build_world(engine, settings)
    a1 = {"agent_id": w["agent1"], "point_id": w["p1"], "commune_code": EA_KAR}
    rows = [
        (1, 1, date(2025, 9, 30), a1),
        (2, 3, date(2025, 10, 31), a1),
        (3, 6, date(2025, 3, 31), a1),
        (4, 12, date(2026, 6, 30), a1),
        (
            5,
            12,
            date(2025, 2, 28),
            {"agent_id": w["agent2"], "point_id": w["p2"], "commune_code": EA_KNOP},
        ),
    ]
    insert_sign_ups(
        engine,
        [SignUp(c, VSI, date(2024, 1, 1 + c), months=m, **kw) for c, m, _, kw in rows]  # type: ignore[arg-type]
        + [SignUp(6, "household_hi", date(2024, 10, 1), w["agent1"], w["p1"], EA_KAR)],
    )
    with engine.begin() as conn:
        for c, _, end, _ in rows:
            conn.execute(
                text(
                    "UPDATE enrollment SET coverage_end = :e, phone = :p, address = :a"
                    " WHERE citizen_id = :c"
                ),
                {"e": end, "p": f"091000000{c}", "a": f"Thôn {c}", "c": f"{c:012d}"},
            )


def test_follow_up_list_per_agent(client: TestClient, engine: Engine, settings: Settings) -> None:
    _setup(client, engine, settings)
    mine = client.get(
        "/api/v1/follow-up", params={"at": "2025-10-15"}, headers=auth(client, "agent1")
    ).json()["rows"]
    assert [(r["citizen_id"][-1], r["status"], r["days_late"]) for r in mine] == [
        ("1", "overdue", 14),
        ("2", "due", 0),
        ("3", "lapsed", 197),
    ]
    assert mine[0]["phone"] == "0910000001" and mine[0]["address"] == "Thôn 1"
    assert mine[0]["deadline"] == "2025-10-31"
    admin = auth(client, "admin")
    everyone = client.get("/api/v1/follow-up", params={"at": "2025-10-15"}, headers=admin).json()
    assert {r["agent_code"] for r in everyone["rows"]} == {"NVT0001", "NVT0002"}
    lapsed = client.get(
        "/api/v1/follow-up",
        params={"at": "2025-10-15", "status": "lapsed", "format": "csv"},
        headers=admin,
    )
    rows = list(csv.DictReader(io.StringIO(lapsed.content.decode("utf-8-sig"))))
    assert sorted(r["citizen_id"][-1] for r in rows) == ["3", "5"]
    coord2 = client.get(
        "/api/v1/follow-up", params={"at": "2025-10-15"}, headers=auth(client, "coord2")
    ).json()
    assert [r["citizen_id"][-1] for r in coord2["rows"]] == ["5"]


def test_follow_up_cli(
    client: TestClient, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    _setup(client, engine, settings)
    env = {
        "FIELD_ENROLL_DATABASE_URL": settings.database_url,
        "COLUMNS": "200",
        "HOME": str(tmp_path),
    }
    result = CliRunner().invoke(
        cli_app, ["follow-up", "--as", "agent.eakar", "--at", "2025-10-15"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "Người 1" in result.output and "0910000001" in result.output
    assert "Người 5" not in result.output and "3 người" in result.output
