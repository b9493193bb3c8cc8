"""The seed article's Ea Kar figures, reproduced from raw sign-ups."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from server.config import Settings
from tests.factories import EA_KAR, auth, build_world
from tests.reports.data import SignUp, insert_sign_ups


def test_ea_kar_progress_matches_the_article(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = build_world(engine, settings)
    admin = auth(client, "admin")
    for scheme, value in (("voluntary_si", 3200), ("household_hi", 136_744)):
        r = client.post(
            "/api/v1/targets",
            json={"period": "2025", "scheme": scheme, "point_id": w["p1"], "value": value},
            headers=admin,
        )
        assert r.status_code == 201, r.text

    def at(citizen: int, scheme: str, paid: date, **kw: object) -> SignUp:
        return SignUp(citizen, scheme, paid, w["agent1"], w["p1"], EA_KAR, **kw)  # type: ignore[arg-type]

    rows = [
        at(
            n,
            "voluntary_si",
            date(2025, 1 + n % 9, 1 + n % 28),
            status="pending" if n % 5 == 0 else "approved",
        )
        for n in range(2005)
    ]
    rows += [
        at(n, "voluntary_si", date(2025, 9, 29), kind="renewal") for n in range(300)
    ]  # repeats
    rows += [at(90_000 + n, "voluntary_si", date(2025, 3, 3), status="rejected") for n in range(50)]
    rows += [at(n, "household_hi", date(2025, 1 + n % 9, 1 + n % 28)) for n in range(130_629)]
    rows += [at(n, "household_hi", date(2024, 6, 1)) for n in range(1000)]  # last year
    insert_sign_ups(engine, rows)

    r = client.get(
        "/api/v1/reports/progress", params={"period": "2025", "level": "point"}, headers=admin
    )
    assert r.status_code == 200, r.text
    by_scheme = {(x["unit_code"], x["scheme"]): x for x in r.json()["rows"]}
    vsi = by_scheme[("EAKAR-01", "voluntary_si")]
    assert (vsi["target"], vsi["achieved"], vsi["percent"], vsi["shortfall"]) == (
        3200,
        2005,
        62.7,
        1195,
    )
    assert vsi["pending"] == 401 and vsi["approved"] == 1604
    hi = by_scheme[("EAKAR-01", "household_hi")]
    assert (hi["target"], hi["achieved"], hi["percent"], hi["shortfall"]) == (
        136_744,
        130_629,
        95.5,
        6115,
    )
    assert (hi["last_year"], hi["change"]) == (1000, 129_629)
