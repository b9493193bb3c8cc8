"""Coverage from loaded population figures, and agent commission from contract rates."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from server.config import Settings
from tests.factories import EA_KAR, EA_KNOP, auth, build_world
from tests.reports.data import SignUp, insert_sign_ups

POPULATION_CSV = (
    "commune_code,year,population,working_age,source\n"
    f"{EA_KAR},2025,21,10,Cục Thống kê\n"
    f'{EA_KNOP},2024,1000,"600",Cục Thống kê\n'
)


def _load_population(client: TestClient, csv_text: str, **params: str) -> tuple[int, dict]:
    r = client.post(
        "/api/v1/reports/population/import",
        params=params,
        files={"file": ("pop.csv", csv_text.encode())},
        headers=auth(client, "admin"),
    )
    return r.status_code, r.json()


def test_coverage_share_of_population_and_labour_force(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = build_world(engine, settings)
    assert _load_population(client, POPULATION_CSV) == (
        200,
        {"rows": 2, "written": 2, "errors": []},
    )
    rows = [
        SignUp(n, "household_hi", date(2025, 5, 1), w["agent1"], w["p1"], EA_KAR) for n in range(19)
    ]
    rows += [
        SignUp(100 + n, "voluntary_si", date(2025, 5, 1), w["agent1"], w["p1"], EA_KAR)
        for n in range(5)
    ]
    insert_sign_ups(engine, rows)
    r = client.get(
        "/api/v1/reports/progress",
        params={"period": "2025", "level": "commune"},
        headers=auth(client, "admin"),
    )
    assert r.status_code == 200, r.text
    rows_by = {(x["unit_id"], x["scheme"]): x for x in r.json()["rows"]}
    hi = rows_by[(EA_KAR, "household_hi")]
    assert (hi["population"], hi["coverage_percent"]) == (21, 90.5)  # 19/21 = 90.476…%
    vsi = rows_by[(EA_KAR, "voluntary_si")]
    assert (vsi["working_age"], vsi["labour_force_percent"]) == (10, 50.0)
    # the latest figure up to the report's year is used (Ea Knốp only has 2024)
    assert rows_by[(EA_KNOP, "household_hi")]["population"] == 1000
    province = client.get(
        "/api/v1/reports/progress",
        params={"period": "2025", "level": "province", "scheme": "household_hi"},
        headers=auth(client, "admin"),
    ).json()["rows"][0]
    assert province["population"] == 1021 and province["coverage_percent"] == 1.9


def test_population_import_errors_write_nothing(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    build_world(engine, settings)
    bad = POPULATION_CSV + "4,2025,10,5,\n" + f"{EA_KAR},2025,10,50,\n" + f"{EA_KAR},x,1,1,\n"
    status, body = _load_population(client, bad)
    assert status == 422 and body["written"] == 0
    assert {(e["row"], e["column"]) for e in body["errors"]} == {
        (4, "commune_code"),
        (5, "working_age"),
        (6, "year"),
    }
    listed = client.get("/api/v1/reports/population", headers=auth(client, "admin")).json()
    assert listed["total"] == 0
    r = client.post(
        "/api/v1/reports/population/import",
        files={"file": ("pop.csv", POPULATION_CSV.encode())},
        headers=auth(client, "coord1"),
    )
    assert r.status_code == 403


def test_commission_uses_rate_in_force_each_month(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = build_world(engine, settings)
    admin = auth(client, "admin")
    for body in (
        {"scheme": "voluntary_si", "kind": "new", "rate_bp": 450, "effective_from": "2025-01-01"},
        {"scheme": "voluntary_si", "kind": "new", "rate_bp": 500, "effective_from": "2025-08-01"},
        {
            "scheme": "voluntary_si",
            "kind": "renewal",
            "rate_bp": 200,
            "per_participant_vnd": 5000,
            "effective_from": "2025-01-01",
        },
    ):
        r = client.post("/api/v1/reports/commission-rates", json=body, headers=admin)
        assert r.status_code == 201, r.text
    rates = client.get("/api/v1/reports/commission-rates", headers=admin).json()["items"]
    assert [x["effective_to"] for x in rates] == ["2025-07-31", None, None]

    def s(n: int, paid: date, kind: str, amount: int, status: str = "approved") -> SignUp:
        return SignUp(
            n,
            "voluntary_si",
            paid,
            w["agent1"],
            w["p1"],
            EA_KAR,
            status=status,
            kind=kind,
            amount_vnd=amount,
        )

    insert_sign_ups(
        engine,
        [
            s(1, date(2025, 7, 10), "new", 1_000_001),  # 4.5%: 45,000.045 -> 45,000
            s(2, date(2025, 8, 10), "new", 1_000_010),  # 5%: 50,000.5 -> 50,001
            s(3, date(2025, 9, 1), "renewal", 300_000),  # 2% + 5,000 = 11,000
            s(4, date(2025, 9, 2), "new", 999_999, status="pending"),  # not yet approved
        ],
    )
    r = client.get("/api/v1/reports/commission", params={"period": "2025-Q3"}, headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    by_kind = {row["kind"]: row for row in body["rows"]}
    assert by_kind["new"]["commission_vnd"] == 95_001
    assert by_kind["renewal"]["commission_vnd"] == 11_000
    assert body["total_commission_vnd"] == 106_001
    mine = client.get(
        "/api/v1/reports/commission", params={"period": "2025-Q3"}, headers=auth(client, "agent2")
    ).json()
    assert mine["rows"] == []


def test_commission_rate_by_coordinator_is_forbidden(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    build_world(engine, settings)
    r = client.post(
        "/api/v1/reports/commission-rates",
        json={
            "scheme": "voluntary_si",
            "kind": "new",
            "rate_bp": 1,
            "effective_from": "2025-01-01",
        },
        headers=auth(client, "coord1"),
    )
    assert r.status_code == 403
