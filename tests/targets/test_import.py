"""Bulk import: dry run, row-by-row errors, all-or-nothing, CSV and XLSX, template."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from server.config import Settings
from server.targets.models import Target
from tests.factories import auth, build_world

HEADER = "period,scheme,kind,metric,point_code,agent_code,value,reason\n"


def _upload(
    client: TestClient, who: str, name: str, content: bytes, dry_run: bool = False
) -> tuple[int, dict[str, object]]:
    r = client.post(
        "/api/v1/targets/import",
        params={"dry_run": str(dry_run).lower()},
        files={"file": (name, content)},
        headers=auth(client, who),
    )
    body: dict[str, object] = r.json()
    return r.status_code, body


def _count(engine: Engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Target)).one()


def test_import_csv_valid_rows_are_written(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    build_world(engine, settings)
    csv = HEADER + (
        "2025,voluntary_si,all,participants,EAKAR-01,,3200,kế hoạch năm\n"
        "2025,voluntary_si,all,participants,EAKAR-01,NVT0001,3200,\n"
        '2025-Q3,household_hi,new,amount_vnd,eakar-01,,"1.500.000",\n'
    )
    status, body = _upload(client, "coord1", "targets.csv", csv.encode())
    assert status == 200, body
    assert (body["written"], body["created"], body["errors"]) == (True, 3, [])
    assert _count(engine) == 3
    status, body = _upload(
        client, "coord1", "targets.csv", csv.replace("3200,\n", "3300,\n").encode()
    )
    assert (body["created"], body["revised"], body["unchanged"]) == (0, 1, 2)


def test_import_dry_run_writes_nothing(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    build_world(engine, settings)
    csv = HEADER + "2025,voluntary_si,all,participants,EAKAR-01,,3200,\n"
    status, body = _upload(client, "admin", "t.csv", csv.encode(), dry_run=True)
    assert status == 200
    assert (body["valid"], body["written"], body["created"]) == (True, False, 1)
    assert _count(engine) == 0


def test_import_one_bad_row_reports_each_problem_and_writes_nothing(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    build_world(engine, settings)
    csv = HEADER + (
        "2025,voluntary_si,all,participants,EAKAR-01,,3200,\n"  # row 2 fine
        "2025-13,voluntary_si,all,participants,EAKAR-01,,10,\n"  # row 3 period
        "2025,life,all,participants,EAKAR-01,,10,\n"  # row 4 scheme
        "2025,voluntary_si,all,participants,EAKNOP-01,,10,\n"  # row 5 out of scope
        "2025,voluntary_si,all,participants,EAKAR-01,NVT0002,10,\n"  # row 6 agent elsewhere
        "2025,voluntary_si,all,participants,EAKAR-01,,-5,\n"  # row 7 value
        "2025,voluntary_si,all,participants,EAKAR-01,,3300,\n"  # row 8 duplicate of row 2
        ",voluntary_si,all,participants,EAKAR-01,,1,\n"  # row 9 missing period
    )
    status, body = _upload(client, "coord1", "t.csv", csv.encode())
    assert status == 422
    assert body["type"] == "import_invalid" and body["written"] is False
    got = {(e["row"], e["column"]) for e in body["errors"]}  # type: ignore[union-attr]
    assert got == {
        (3, "period"),
        (4, "scheme"),
        (5, "point_code"),
        (6, "agent_code"),
        (7, "value"),
        (8, "point_code"),
        (9, "period"),
    }
    assert _count(engine) == 0


def test_import_xlsx_reads_first_sheet_with_numbers(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    build_world(engine, settings)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["period", "scheme", "kind", "metric", "point_code", "agent_code", "value"])
    ws.append(["2025", "household_hi", "all", "participants", "EAKAR-01", None, 136744])
    ws.append([None] * 7)  # blank rows are skipped
    ws.append(["2025-09", "household_hi", "all", "participants", "EAKAR-01", None, 12.0])
    out = io.BytesIO()
    wb.save(out)
    status, body = _upload(client, "coord1", "plan.xlsx", out.getvalue())
    assert status == 200, body
    assert body["created"] == 2
    with Session(engine) as s:
        values = sorted(t.value for t in s.exec(select(Target)).all())
    assert values == [12, 136744]


def test_import_xlsx_bad_value_names_spreadsheet_row(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    build_world(engine, settings)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["period", "scheme", "point_code", "value"])
    ws.append(["2025", "household_hi", "EAKAR-01", "nhiều"])
    out = io.BytesIO()
    wb.save(out)
    status, body = _upload(client, "coord1", "plan.xlsx", out.getvalue())
    assert status == 422
    assert body["errors"] == [
        {"row": 2, "column": "value", "reason": "must be a whole number of at least 0"}
    ]


def test_import_by_agent_is_forbidden(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    build_world(engine, settings)
    status, _ = _upload(
        client, "agent1", "t.csv", (HEADER + "2025,voluntary_si,,,EAKAR-01,,1,\n").encode()
    )
    assert status == 403


def test_template_csv_and_xlsx_have_the_columns(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    build_world(engine, settings)
    h = auth(client, "coord1")
    csv = client.get("/api/v1/targets/import/template", params={"format": "csv"}, headers=h)
    assert csv.status_code == 200
    assert csv.content.decode("utf-8-sig").strip() == HEADER.strip()
    xlsx = client.get("/api/v1/targets/import/template", params={"format": "xlsx"}, headers=h)
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert [c.value for c in wb["targets"][1]] == HEADER.strip().split(",")
    assert "Hướng dẫn" in wb.sheetnames
