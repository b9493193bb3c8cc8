"""Filing batches through the API: numbered, filed once, withdrawn, confirmed, verified."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import text
from sqlalchemy.engine import Engine

from server.config import Settings
from tests.collect.helpers import make_organisation
from tests.enrollments.helpers import Ctx, hi_record, ready, vsi_record
from tests.factories import auth


def _approved(ctx: Ctx) -> tuple[dict[str, Any], dict[str, Any]]:
    hi = hi_record(ctx, household="HH-EAKAR-009")
    hi["household"]["members"] = [
        {"full_name": "Trần Thị Bình", "citizen_id": "066190000002", "relation": "vợ"}
    ]
    vsi = vsi_record(ctx, citizen_id="066090000003", name="Lê Văn Cường")
    results = ctx.push(hi, vsi)["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted"], results
    for record in (hi, vsi):
        r = ctx.client.post(
            f"/api/v1/enrollments/{record['id']}/review",
            json={"decision": "approve"},
            headers=ctx.coord,
        )
        assert r.status_code == 200, r.text
    return (
        {**hi, "code": results[0]["accepted"]["verification_code"]},
        {**vsi, "code": results[1]["accepted"]["verification_code"]},
    )


def _rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _upload(client: TestClient, headers: dict[str, str], name: str, content: bytes) -> Any:
    return client.post(
        "/api/v1/filing/confirmations/import", files={"file": (name, content)}, headers=headers
    )


def test_filing_batch_lifecycle(client: TestClient, engine: Engine, settings: Settings) -> None:
    ctx = ready(client, engine, settings)
    org_id = make_organisation(client, ctx.world)
    hi, vsi = _approved(ctx)
    coord = ctx.coord
    body = {"organisation_id": org_id, "period": "2025-09"}
    assert client.post("/api/v1/filing/batches", json=body, headers=ctx.agent).status_code == 403
    first = client.post("/api/v1/filing/batches", json=body, headers=coord)
    assert first.status_code == 201, first.text
    b1 = first.json()
    assert (b1["number"], b1["vsi_count"], b1["hi_count"], b1["status"]) == (1, 1, 1, "open")
    again = client.post("/api/v1/filing/batches", json=body, headers=coord)
    assert again.status_code == 422  # nothing left to file: never filed twice
    other = auth(client, "admin_hn")
    assert client.get(f"/api/v1/filing/batches/{b1['id']}", headers=other).status_code == 404

    wb = load_workbook(
        io.BytesIO(client.get(f"/api/v1/filing/batches/{b1['id']}/file", headers=coord).content)
    )
    assert wb.sheetnames == ["D05-TS", "D03-TS", "TK1-TS", "Phụ lục hộ gia đình"]
    d05 = _rows(wb["D05-TS"])
    header_at = next(i for i, r in enumerate(d05) if r[0] == "(A) STT")
    assert "(16) Mã số nhân viên thu" in d05[header_at]
    line = d05[header_at + 1]
    assert line[1] == "Lê Văn Cường" and line[3] == "066090000003" and line[18] == "NVT0001"
    assert line[7] == 2_000_000 and line[8] == 3 and "P.Thức Tăng_mới" in line[19]
    # gross 22 % x 2,000,000 x 3; support 20 % ("other", Decree 159) x 22 % x 1,500,000 x 3
    assert (line[10], line[12], line[13]) == (1_320_000, 20, 198_000)
    assert line[11] == 1_320_000 - 198_000
    assert any("BHXH66" in str(r[0]) for r in d05[:header_at])
    d03 = _rows(wb["D03-TS"])
    h3 = next(i for i, r in enumerate(d03) if r[0] == "(A) STT")
    assert d03[h3 + 1][1] == "Nguyễn Văn An" and d03[h3 + 1][6] == "HH-EAKAR-009"
    assert any("Lương cơ sở: 2.340.000 đồng" in str(r[0]) for r in d03[:h3])
    appendix = _rows(wb["Phụ lục hộ gia đình"])
    assert ["Trần Thị Bình", "066190000002", "vợ"] in [r[4:7] for r in appendix]
    tk1 = _rows(wb["TK1-TS"])
    assert "NGUYỄN VĂN AN" in [r[2] for r in tk1]

    withdrawn = client.post(f"/api/v1/filing/batches/{b1['id']}/withdraw", headers=coord)
    assert withdrawn.json()["status"] == "withdrawn"
    b2 = client.post("/api/v1/filing/batches", json=body, headers=coord).json()
    assert (b2["number"], b2["vsi_count"] + b2["hi_count"]) == (2, 2)

    # one unmatched row: nothing applied, the row reported
    bad = (
        "reference,confirmation_code,date\n"
        f"{hi['id']},XN-0001,2025-10-02\n"
        "99999999,XN-0002,02/10/2025\n"
    ).encode()
    r = _upload(client, coord, "xn.csv", bad)
    assert r.status_code == 422
    assert [(p["row"], p["reference"]) for p in r.json()["problems"]] == [(3, "99999999")]
    plain = client.get("/api/v1/receipts/verify", params={"code": hi["code"]}).json()
    assert plain["agency_confirmation_code"] is None and plain["organisation_code"] == "BDDL"

    # the agency's XLSX: by sign-up id and by receipt number
    xn = Workbook()
    ws = xn.active
    assert ws is not None
    ws.append(["Tham chiếu", "Mã xác nhận", "Ngày"])
    ws.append([hi["id"], "XN-0001", "02/10/2025"])
    ws.append([vsi["receipt_number"], "XN-0002", "2025-10-03"])
    out = io.BytesIO()
    xn.save(out)
    ok = _upload(client, coord, "xn.xlsx", out.getvalue())
    assert ok.status_code == 200, ok.text
    assert ok.json()["applied"] == 2
    verified = client.get("/api/v1/receipts/verify", params={"code": hi["code"]}).json()
    assert verified["agency_confirmation_code"] == "XN-0001"
    assert verified["agency_confirmed_on"] == "2025-10-02"
    assert verified["si_office_code"] == "BHXH66"
    assert (
        client.get(f"/api/v1/filing/batches/{b2['id']}", headers=coord).json()["status"]
        == "confirmed"
    )
    assert (
        client.post(f"/api/v1/filing/batches/{b2['id']}/withdraw", headers=coord).status_code == 409
    )
    with engine.connect() as conn:
        actions = [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT entity, action FROM enrollment_audit WHERE entity IN "
                    "('filing_batch', 'enrollment') AND action <> 'review' ORDER BY id"
                )
            )
        ]
    assert ("filing_batch", "withdraw") in actions
    assert actions.count(("enrollment", "agency_confirmed")) == 2


def test_cli_filing_export_writes_the_workbook(
    client: TestClient, engine: Engine, settings: Settings, tmp_path: Any
) -> None:
    from typer.testing import CliRunner

    from server.cli import app as cli_app

    ctx = ready(client, engine, settings)
    make_organisation(client, ctx.world)
    _approved(ctx)
    out = tmp_path / "d05.xlsx"
    env = {
        "FIELD_ENROLL_DATABASE_URL": settings.database_url,
        "COLUMNS": "200",
        "HOME": str(tmp_path),
    }
    args = ["filing", "export", "--org", "BDDL", "--period", "2025-09", "--out", str(out)]
    result = CliRunner().invoke(cli_app, args, env=env)
    assert result.exit_code == 0, result.output
    assert "Đợt nộp số 1" in result.output and "1 BHXH tự nguyện" in result.output
    assert load_workbook(out).sheetnames[0] == "D05-TS"
    again = CliRunner().invoke(cli_app, args, env=env)
    assert again.exit_code == 1 and "không có hồ sơ" in again.output


def test_sign_up_list_shows_batch_and_agency_code(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    import csv

    ctx = ready(client, engine, settings)
    org_id = make_organisation(client, ctx.world)
    hi, _ = _approved(ctx)
    body = {"organisation_id": org_id, "period": "2025-09"}
    assert client.post("/api/v1/filing/batches", json=body, headers=ctx.coord).status_code == 201
    csv_text = f"reference,confirmation_code,date\n{hi['id']},XN-77,2025-10-02\n"
    assert _upload(client, ctx.coord, "xn.csv", csv_text.encode()).status_code == 200
    r = client.get(
        "/api/v1/reports/sign-ups/export",
        params={"period": "2025-09", "format": "csv"},
        headers=ctx.coord,
    )
    rows = {x["citizen_id"]: x for x in csv.DictReader(io.StringIO(r.text.lstrip("\ufeff")))}
    assert (
        rows[hi["person"]["citizen_id"]]["filing_batch"],
        rows[hi["person"]["citizen_id"]]["confirmation_code"],
    ) == ("1", "XN-77")
    assert rows["066090000003"]["confirmation_code"] == ""
