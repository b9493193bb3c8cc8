"""Every CSV and XLSX export: formula text neutralised, layout for print, and LibreOffice.

``EXPORTS`` lists every download the server offers; a new export belongs in it, so the
neutralising helper is proven on all of them against names chosen to be formulas.
"""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.engine import Engine

from server.config import Settings
from server.reports.export import safe
from tests.collect.helpers import make_organisation
from tests.factories import EA_KAR, EA_KNOP, World, auth, build_world
from tests.reports.data import SignUp, insert_sign_ups
from tests.web.helpers import web_login

EVIL_POINT = '=HYPERLINK("http://x.invalid","bấm")'
EVIL_AGENT = "+cmd|' /C calc'!A0"
EVIL_PERSON = "@SUM(1+1)"
EVIL_ADDRESS = "-2+3"
EVIL_STARTS = ("=", "+", "-", "@", "\t", "\r")

# (path, params, is the dashboard) — params use {p1}/{agent1} placeholders filled from the world
EXPORTS: list[tuple[str, dict[str, str], bool]] = [
    ("/api/v1/reports/progress.csv", {"period": "2025", "level": "point"}, False),
    ("/api/v1/reports/progress.csv", {"period": "2025", "level": "agent"}, False),
    ("/api/v1/reports/progress.xlsx", {"period": "2025"}, False),
    ("/api/v1/reports/sign-ups/export", {"period": "2025", "format": "csv"}, False),
    ("/api/v1/reports/sign-ups/export", {"period": "2025", "format": "xlsx"}, False),
    ("/api/v1/reports/commission/export", {"period": "2025", "format": "csv"}, False),
    ("/api/v1/reports/commission/export", {"period": "2025", "format": "xlsx"}, False),
    ("/api/v1/targets/import/template", {"format": "csv"}, False),
    ("/api/v1/targets/import/template", {"format": "xlsx"}, False),
    ("/api/v1/reports/province", {"at": "2025-12-31", "level": "point", "format": "csv"}, False),
    ("/api/v1/reports/province", {"at": "2025-12-31", "level": "agent", "format": "xlsx"}, False),
    ("/api/v1/filing/batches/{batch}/file", {}, False),
    (
        "/api/v1/cash/reconciliation",
        {"organisation_id": "{org}", "period": "2025", "format": "xlsx"},
        False,
    ),
    ("/api/v1/follow-up", {"at": "2026-06-01", "format": "csv"}, False),
    ("/api/v1/follow-up", {"at": "2026-06-01", "format": "xlsx"}, False),
    ("/web/exports/progress.csv", {"period": "2025", "level": "agent"}, True),
    ("/web/exports/progress.xlsx", {"period": "2025"}, True),
    ("/web/exports/sign-ups", {"period": "2025", "format": "csv"}, True),
    ("/web/exports/sign-ups", {"period": "2025", "format": "xlsx"}, True),
    ("/web/exports/commission", {"period": "2025", "format": "xlsx"}, True),
    ("/web/collection/cash.xlsx", {"organisation_id": "{org}", "period": "2025"}, True),
    ("/web/collection/filing/{batch}/file", {}, True),
    ("/web/follow-up", {"format": "csv"}, True),
    ("/web/follow-up", {"format": "xlsx"}, True),
    ("/web/province", {"at": "2025-12-31", "level": "agent", "format": "csv"}, True),
    ("/web/province", {"at": "2025-12-31", "level": "agent", "format": "xlsx"}, True),
]


def evil_world(client: TestClient, engine: Engine, settings: Settings) -> World:
    """Point, agent, person and address names that a spreadsheet would run as formulas."""
    w = build_world(engine, settings)
    insert_sign_ups(
        engine,
        [
            SignUp(1, "voluntary_si", date(2025, 3, 5), w["agent1"], w["p1"], EA_KAR),
            SignUp(2, "household_hi", date(2025, 4, 5), w["agent1"], w["p1"], EA_KAR),
            SignUp(3, "voluntary_si", date(2025, 5, 5), w["agent2"], w["p2"], EA_KNOP),
        ],
    )
    with engine.begin() as conn:
        conn.execute(text("UPDATE collection_point SET name = :n"), {"n": EVIL_POINT})
        conn.execute(
            text("UPDATE app_user SET full_name = :n WHERE role = 'agent'"), {"n": EVIL_AGENT}
        )
        conn.execute(
            text("UPDATE enrollment SET full_name = :n, address = :a"),
            {"n": EVIL_PERSON, "a": EVIL_ADDRESS},
        )
    admin = auth(client, "admin")
    rate = {"scheme": "voluntary_si", "kind": "new", "rate_bp": 1000}
    r = client.post(
        "/api/v1/reports/commission-rates",
        json={**rate, "effective_from": "2025-01-01"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return w


def cells_of(content: bytes, path: str, params: dict[str, str]) -> list[object]:
    """Every cell value of the file, read the way a user's program would read it."""
    if path.endswith(".csv") or params.get("format") == "csv":  # the rest are XLSX
        return [v for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for v in row]
    wb = load_workbook(io.BytesIO(content))
    values: list[object] = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                values.append(cell.value)
    return values


def test_safe_neutralises_formula_starts_and_leaves_the_rest() -> None:
    for start in EVIL_STARTS:
        assert safe(f"{start}1") == f"'{start}1"
    assert safe("Nguyễn Văn An") == "Nguyễn Văn An"
    assert safe(-5) == -5 and safe(None) is None and safe("") == ""


def test_every_export_neutralises_formula_text(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = evil_world(client, engine, settings)
    headers = auth(client, "admin")
    org = make_organisation(client, w)
    batch = client.post(
        "/api/v1/filing/batches", json={"organisation_id": org, "period": "2025"}, headers=headers
    )
    assert batch.status_code == 201, batch.text
    web_login(client, "admin")
    seen_evil = 0
    for path, params, web in EXPORTS:
        path = path.replace("{batch}", str(batch.json()["id"]))
        params = {k: v.replace("{org}", str(org)) for k, v in params.items()}
        r = client.get(path, params=params, headers=None if web else headers)
        assert r.status_code == 200, f"{path} {params}: {r.status_code} {r.text[:300]}"
        for value in cells_of(r.content, path, params):
            if isinstance(value, str):
                assert not value.startswith(EVIL_STARTS), f"{path} {params}: {value!r}"
                seen_evil += value.lstrip("'") in {EVIL_POINT, EVIL_AGENT, EVIL_PERSON}
    assert seen_evil >= 10  # the names are there, as text


def test_sign_up_list_filters_scope_and_print_layout(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = evil_world(client, engine, settings)
    admin = auth(client, "admin")
    r = client.get(
        "/api/v1/reports/sign-ups/export",
        params={"period": "2025", "format": "csv", "scheme": "voluntary_si"},
        headers=admin,
    )
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert sorted(x["citizen_id"] for x in rows) == ["000000000001", "000000000003"]
    assert rows[0]["full_name"] == "'" + EVIL_PERSON
    by_point = client.get(
        "/api/v1/reports/sign-ups/export",
        params={"period": "2025-Q2", "format": "csv", "point_id": str(w["p1"])},
        headers=admin,
    )
    assert [
        x["citizen_id"] for x in csv.DictReader(io.StringIO(by_point.text.lstrip("\ufeff")))
    ] == ["000000000002"]
    coord = client.get(
        "/api/v1/reports/sign-ups/export",
        params={"period": "2025", "format": "xlsx"},
        headers=auth(client, "coord2"),
    )
    ws = load_workbook(io.BytesIO(coord.content)).active
    assert ws is not None
    assert "giờ Việt Nam" in str(ws["A1"].value)
    header = [c.value for c in ws[2]]
    assert header[2] == "Họ và tên"
    names = [ws.cell(row=i, column=3).value for i in range(3, ws.max_row)]
    assert names == ["'" + EVIL_PERSON]  # coordinator of Ea Knốp sees only their sign-up
    assert ws.freeze_panes == "A3"
    assert ws.print_title_rows == "$2:$2"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    point_width = ws.column_dimensions["U"].width
    assert header[20] == "Điểm thu" and point_width >= len(EVIL_POINT)
    assert ws.cell(row=3, column=1).number_format == "dd/mm/yyyy"


def test_commission_export_per_agent(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    evil_world(client, engine, settings)
    r = client.get(
        "/api/v1/reports/commission/export",
        params={"period": "2025", "format": "csv"},
        headers=auth(client, "admin"),
    )
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {(x["agent_code"], x["commission_vnd"]) for x in rows} == {
        ("NVT0001", "10000"),
        ("NVT0002", "10000"),
        ("NVT0001", "0"),  # household HI: no rate loaded
    }
    mine = client.get(
        "/api/v1/reports/commission/export",
        params={"period": "2025", "format": "csv"},
        headers=auth(client, "agent2"),
    )
    assert {x["agent_code"] for x in csv.DictReader(io.StringIO(mine.text.lstrip("\ufeff")))} == {
        "NVT0002"
    }


def test_libreoffice_converts_the_sign_up_workbook(
    client: TestClient, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    evil_world(client, engine, settings)
    r = client.get(
        "/api/v1/reports/sign-ups/export",
        params={"period": "2025", "format": "xlsx"},
        headers=auth(client, "admin"),
    )
    source = tmp_path / "sign-ups.xlsx"
    source.write_bytes(r.content)
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    converted = (tmp_path / "sign-ups.csv").read_text(encoding="utf-8")
    assert EVIL_PERSON in converted and "Họ và tên" in converted
    assert "#NAME" not in converted and "Err:" not in converted  # nothing was evaluated
