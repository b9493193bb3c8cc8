"""Renewals due with phone and address, by point and agent, as CSV and XLSX files."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from server.policy.service import today_local
from tests.web.data import build_scene, record
from tests.web.helpers import web_login


def _due_soon(client: TestClient, scene, name: str, phone: str) -> str:
    rec = record(
        receipt=scene.next_receipt,
        point_id=scene.world["p1"],
        citizen_id="066090000077",
        name=name,
        household="HH-EAKAR-077",
        amount=315_900,
    )
    rec["person"]["phone"] = phone
    rec["person"]["address"] = '=HYPERLINK("x") Thôn 3'  # formula text must stay text
    rec.update(months=3, payment_date=(today_local() - timedelta(days=1)).isoformat())
    r = client.post("/api/v1/sync/push", json={"records": [rec]}, headers=scene.agent)
    assert r.json()["results"][0]["status"] == "accepted", r.text
    return str(rec["id"])


def test_renewals_show_phone_and_filter_by_point_and_agent(
    client: TestClient, engine: Engine, settings
) -> None:
    scene = build_scene(client, engine, settings, n=1)
    _due_soon(client, scene, "Phạm Thị Sắp Hết", "0912345678")
    web_login(client, "coord1")
    w = scene.world
    page = client.get("/web/renewals", params={"within_days": 366, "point_id": w["p1"]}).text
    assert "Phạm Thị Sắp Hết" in page and 'href="tel:0912345678"' in page
    other = client.get("/web/renewals", params={"within_days": 366, "agent_id": w["agent2"]}).text
    assert "Phạm Thị Sắp Hết" not in other


def test_renewals_export_csv_and_xlsx_open_and_neutralise_formulas(
    client: TestClient, engine: Engine, settings
) -> None:
    scene = build_scene(client, engine, settings, n=1)
    _due_soon(client, scene, "Phạm Thị Sắp Hết", "0912345678")
    web_login(client, "coord1")
    params = {"within_days": 366, "point_id": scene.world["p1"]}
    r = client.get("/web/exports/renewals.csv", params=params)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Họ tên", "CCCD"]
    hit = next(row for row in rows if row[0] == "Phạm Thị Sắp Hết")
    assert hit[6] == "0912345678" and hit[7].startswith("'=")
    x = client.get("/web/exports/renewals.xlsx", params=params)
    assert x.status_code == 200
    ws = load_workbook(io.BytesIO(x.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    found = next(v for v in values if v and v[0] == "Phạm Thị Sắp Hết")
    assert found[6] == "0912345678" and str(found[7]).startswith("'=")
