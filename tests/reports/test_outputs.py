"""CSV, XLSX and terminal renderings of the progress report."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from server.cli import app as cli_app
from server.config import Settings
from tests.factories import auth
from tests.reports.test_progress_levels import _setup


def test_csv_has_rows_and_totals(client: TestClient, engine: Engine, settings: Settings) -> None:
    _setup(client, engine, settings)
    r = client.get(
        "/api/v1/reports/progress.csv",
        params={"period": "2025-Q3", "level": "point", "scheme": "voluntary_si"},
        headers=auth(client, "admin"),
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    by_code = {row["unit_code"]: row for row in rows}
    assert by_code["EAKAR-01"]["achieved"] == "3" and by_code["EAKAR-01"]["percent"] == "30.0"
    assert by_code[""]["unit_name"] == "Tổng cộng" and by_code[""]["achieved"] == "8"


def test_xlsx_has_a_sheet_per_level_with_totals_and_percent_format(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    _setup(client, engine, settings)
    r = client.get(
        "/api/v1/reports/progress.xlsx",
        params={"period": "2025-Q3", "scheme": "voluntary_si"},
        headers=auth(client, "admin"),
    )
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Nhân viên thu", "Điểm thu", "Xã, phường", "Tỉnh"]
    ws = wb["Điểm thu"]
    headers = [c.value for c in ws[2]]
    assert headers[:2] == ["Mã", "Tên đơn vị"] and "Tỷ lệ đạt (%)" in headers
    pct_col = headers.index("Tỷ lệ đạt (%)") + 1
    values = {ws.cell(row=i, column=1).value: i for i in range(3, ws.max_row + 1)}
    row = values["EAKAR-01"]
    assert ws.cell(row=row, column=pct_col).value == 0.3
    assert ws.cell(row=row, column=pct_col).number_format == "0.0%"
    last = ws.max_row
    assert ws.cell(row=last, column=2).value == "Tổng cộng" and ws.cell(row=last, column=2).font.b
    coordinator = client.get(
        "/api/v1/reports/progress.xlsx",
        params={"period": "2025-Q3"},
        headers=auth(client, "coord1"),
    )
    assert load_workbook(io.BytesIO(coordinator.content)).sheetnames == [
        "Nhân viên thu",
        "Điểm thu",
        "Xã, phường",
    ]


def test_cli_report_prints_table_and_writes_files(
    client: TestClient, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    _setup(client, engine, settings)
    env = {
        "FIELD_ENROLL_DATABASE_URL": settings.database_url,
        "COLUMNS": "200",
        "HOME": str(tmp_path),
    }
    out_csv, out_xlsx = tmp_path / "r.csv", tmp_path / "r.xlsx"
    result = CliRunner().invoke(
        cli_app,
        [
            "report",
            "--period",
            "2025-Q3",
            "--level",
            "point",
            "--scheme",
            "voluntary_si",
            "--csv",
            str(out_csv),
            "--xlsx",
            str(out_xlsx),
        ],
        env=env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "EAKAR-01" in result.output and "30.0%" in result.output
    assert "Tổng cộng" in result.output
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    assert load_workbook(out_xlsx).sheetnames == ["Điểm thu"]


def test_cli_report_bad_period_exits_2(settings: Settings, tmp_path: Path) -> None:
    env = {"FIELD_ENROLL_DATABASE_URL": settings.database_url, "HOME": str(tmp_path)}
    result = CliRunner().invoke(cli_app, ["report", "--period", "2025-13"], env=env)
    assert result.exit_code == 2
    assert "2025-13" in result.output
