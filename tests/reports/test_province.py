"""The province's figures: stock at a date, increase, new vs renewed, revenue vs plan,
coverage, per level and in JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.config import Settings
from server.participants.models import Participant
from tests.factories import EA_KAR, EA_KNOP, auth, build_world
from tests.reports.data import SignUp, insert_sign_ups

HI, VSI, SHI = "household_hi", "voluntary_si", "supported_hi"


def _setup(client: TestClient, engine: Engine, settings: Settings) -> dict[str, int]:
    w = build_world(engine, settings)
    admin = auth(client, "admin")
    r = client.post(
        "/api/v1/reports/population/import",
        files={
            "file": ("p.csv", f"commune_code,year,population,working_age\n{EA_KAR},2025,100,60\n")
        },
        headers=admin,
    )
    assert r.status_code == 200, r.text
    body = {
        "period": "2025",
        "scheme": HI,
        "point_id": w["p1"],
        "value": 400_000,
        "metric": "amount_vnd",
    }
    assert client.post("/api/v1/targets", json=body, headers=admin).status_code == 201

    def p1(citizen: int, scheme: str, paid: date, **kw: object) -> SignUp:
        return SignUp(citizen, scheme, paid, w["agent1"], w["p1"], EA_KAR, **kw)  # type: ignore[arg-type]

    insert_sign_ups(
        engine,
        [
            p1(1, HI, date(2024, 6, 1)),  # covers 2024-12-31, ends 2025-05-27
            p1(1, HI, date(2025, 5, 20), kind="new"),  # agent said new: history says renewed
            p1(2, HI, date(2025, 3, 1), kind="renewal"),  # agent said renewal: history says new
            p1(3, VSI, date(2025, 2, 1), months=3),  # new, lapsed by September
            p1(4, HI, date(2025, 4, 1), status="rejected"),
            p1(5, HI, date(2025, 4, 1), status="pending"),
            SignUp(6, HI, date(2025, 1, 10), w["agent2"], w["p2"], EA_KNOP),
        ],
    )
    with Session(engine) as s:
        s.add(
            Participant(
                citizen_id="000000000009",
                scheme=HI,
                full_name="Người 9",
                date_of_birth=date(1970, 1, 1),
                commune_code=EA_KAR,
                province_code=66,
                registered_coverage_end=date(2025, 12, 31),
                coverage_end=date(2025, 12, 31),
                source="import",
            )
        )
        s.commit()
    return w.ids


def test_commune_level_figures(client: TestClient, engine: Engine, settings: Settings) -> None:
    _setup(client, engine, settings)
    r = client.get(
        "/api/v1/reports/province",
        params={"at": "2025-09-30", "level": "commune"},
        headers=auth(client, "admin"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["year_start"] == "2024-12-31" and "hộ gia đình" in body["coverage_label"]
    rows = {(x["unit_id"], x["scheme"]): x for x in body["rows"]}
    hi = rows[(EA_KAR, HI)]
    assert (hi["in_force"], hi["in_force_year_start"], hi["increase"]) == (3, 2, 1)
    assert (hi["new"], hi["renewed"]) == (1, 1)
    assert (hi["revenue_vnd"], hi["revenue_plan_vnd"], hi["revenue_percent"]) == (
        200_000,
        400_000,
        50.0,
    )
    assert (hi["population"], hi["coverage_percent"]) == (100, 3.0)
    vsi = rows[(EA_KAR, VSI)]
    assert (vsi["in_force"], vsi["new"], vsi["revenue_vnd"], vsi["coverage_percent"]) == (
        0,
        1,
        100_000,
        None,
    )
    totals = {t["scheme"]: t for t in body["totals"]}
    assert totals[HI]["in_force"] == 4 and totals[HI]["new"] == 2  # + Ea Knốp's citizen 6


def test_levels_scope_and_files(client: TestClient, engine: Engine, settings: Settings) -> None:
    ids = _setup(client, engine, settings)
    coord = auth(client, "coord1")
    points = client.get(
        "/api/v1/reports/province", params={"at": "2025-09-30", "level": "point"}, headers=coord
    ).json()
    assert {(x["unit_id"], x["scheme"], x["in_force"]) for x in points["rows"]} == {
        (ids["p1"], HI, 2),  # no register at point level
        (ids["p1"], VSI, 0),
        (ids["p1"], SHI, 0),  # every scheme of the registry has its row
    }
    assert (
        client.get(
            "/api/v1/reports/province",
            params={"at": "2025-09-30", "level": "province"},
            headers=coord,
        ).status_code
        == 403
    )
    agent = client.get(
        "/api/v1/reports/province",
        params={"at": "2025-09-30", "level": "agent", "format": "csv"},
        headers=auth(client, "agent2"),
    )
    rows = list(csv.DictReader(io.StringIO(agent.content.decode("utf-8-sig"))))
    assert {(x["unit_code"], x["scheme"], x["in_force"]) for x in rows if x["unit_code"]} == {
        ("NVT0002", HI, "1"),
        ("NVT0002", VSI, "0"),
        ("NVT0002", SHI, "0"),
    }
    xlsx = client.get(
        "/api/v1/reports/province",
        params={"at": "2025-09-30", "level": "province", "format": "xlsx"},
        headers=auth(client, "admin"),
    )
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws is not None
    assert "30/09/2025" in str(ws["A1"].value) and "giờ Việt Nam" in str(ws["A1"].value)
    header = [c.value for c in ws[3]]
    assert header[3] == "Đang tham gia tại ngày"
    cov = header.index("Tỷ lệ bao phủ BHYT (%)") + 1
    hi_row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 3).value == "BHYT hộ gia đình")
    assert ws.cell(hi_row, cov).value == 0.04 and ws.cell(hi_row, cov).number_format == "0.0%"
