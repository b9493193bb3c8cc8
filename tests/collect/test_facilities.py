"""Initial health facilities: the province list imported (all or nothing), pulled by devices,
captured at push (sent, defaulted from the register, or flagged), printed on D03-TS."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from server.cli import app as server_cli
from server.config import Settings
from tests.collect.helpers import make_organisation
from tests.enrollments.helpers import Ctx, hi_record, ready, vsi_record
from tests.factories import auth
from tests.web.helpers import web_login

GOOD = (
    "code,name,kind,level\n"
    "66001,Bệnh viện Đa khoa vùng Tây Nguyên,Bệnh viện,tỉnh\n"
    "66015,Trung tâm Y tế khu vực Ea Kar,Trung tâm y tế,huyện\n"
    "66101,Trạm Y tế xã Ea Kar,Trạm y tế,xã\n"
).encode()


def _import(client: TestClient, headers: dict[str, str], name: str, content: bytes) -> Any:
    return client.post(
        "/api/v1/facilities/import",
        params={"province_code": 66},
        files={"file": (name, content)},
        headers=headers,
    )


def _pull(client: TestClient, headers: dict[str, str], cursor: str = "0") -> tuple[list, str]:
    changes: list[dict[str, Any]] = []
    while True:
        page = client.get(
            "/api/v1/sync/pull", params={"cursor": cursor, "limit": 1000}, headers=headers
        ).json()
        changes += page["changes"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return [c for c in changes if c["entity"] == "health_facility"], cursor


def _stored(engine: Engine, record_id: str) -> tuple[str | None, str]:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT initial_facility_code, flags FROM enrollment WHERE id = :id"),
            {"id": record_id},
        ).one()
    return row[0], row[1]


def test_import_all_or_nothing_and_pulled(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    ctx = ready(client, engine, settings)
    admin = auth(client, "admin")
    assert _import(client, ctx.coord, "f.csv", GOOD).status_code == 403
    assert _import(client, auth(client, "admin_hn"), "f.csv", GOOD).status_code == 403
    ok = _import(client, admin, "f.csv", GOOD)
    assert ok.status_code == 200, ok.text
    assert (ok.json()["created"], ok.json()["written"]) == (3, True)
    pulled, cursor = _pull(client, ctx.agent)
    assert sorted(c["payload"]["code"] for c in pulled) == ["66001", "66015", "66101"]
    assert _pull(client, auth(client, "admin_hn"))[0] == []  # another province's agents: none

    bad = (
        "Mã CSKCB;Tên cơ sở\n"
        "66001;Bệnh viện Đa khoa vùng Tây Nguyên (đổi tên)\n"
        "6601A;Sai mã\n"
        "66001;Trùng mã\n"
        "66200;\n"
    ).encode()
    refused = _import(client, admin, "f.csv", bad)
    assert refused.status_code == 422
    errors = [(e["row"], e["column"]) for e in refused.json()["errors"]]
    assert errors == [(3, "code"), (4, "code"), (5, "name")]
    assert "5 chữ số" in refused.json()["errors"][0]["reason"]
    assert "trùng với dòng 2" in refused.json()["errors"][1]["reason"]
    listed = client.get("/api/v1/facilities", headers=ctx.agent).json()
    assert [f["name"] for f in listed if f["code"] == "66001"] == [
        "Bệnh viện Đa khoa vùng Tây Nguyên"
    ]  # nothing of the bad file was applied
    assert _pull(client, ctx.agent, cursor)[0] == []

    # XLSX, Vietnamese headers, a numeric code cell; 66015 left out is deactivated
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Mã", "Tên", "Tuyến"])
    ws.append([66001, "Bệnh viện Đa khoa vùng Tây Nguyên", "tỉnh"])
    ws.append([66101, "Trạm Y tế xã Ea Kar", "xã"])
    ws.append([66102, "Trạm Y tế xã Ea Knốp", "xã"])
    out = io.BytesIO()
    wb.save(out)
    again = _import(client, admin, "f.xlsx", out.getvalue()).json()
    assert (again["created"], again["updated"], again["deactivated"]) == (1, 2, 1)
    changes, _ = _pull(client, ctx.agent, cursor)
    ops = {c["payload"]["code"]: c["op"] for c in changes}
    assert ops == {"66001": "upsert", "66101": "upsert", "66102": "upsert", "66015": "delete"}
    codes = [f["code"] for f in client.get("/api/v1/facilities", headers=ctx.agent).json()]
    assert codes == ["66001", "66101", "66102"]


def test_push_captures_the_facility(client: TestClient, engine: Engine, settings: Settings) -> None:
    ctx = ready(client, engine, settings)
    assert _import(client, auth(client, "admin"), "f.csv", GOOD).status_code == 200
    register = (
        "citizen_id,full_name,date_of_birth,scheme,coverage_end,household_code,"
        "initial_facility_code\n"
        "066090000007,Phạm Văn Giang,1970-01-01,household_hi,2025-09-30,HH-EAKAR-007,66015\n"
    ).encode()
    r = client.post(
        "/api/v1/participants/import",
        params={"commune_code": 24373},
        files={"file": ("register.csv", register)},
        headers=ctx.coord,
    )
    assert r.status_code == 200, r.text

    sent = hi_record(ctx, initial_facility_code="66101")
    unknown = hi_record(ctx, citizen_id="066090000002", initial_facility_code="66999")
    malformed = hi_record(ctx, citizen_id="066090000003", initial_facility_code="ABC")
    on_vsi = vsi_record(ctx, citizen_id="066090000004", initial_facility_code="66101")
    renewal = hi_record(
        ctx, citizen_id="066090000007", name="Phạm Văn Giang", household="HH-EAKAR-007"
    )
    nothing = hi_record(ctx, citizen_id="066090000005", household="HH-EAKAR-005")
    results = ctx.push(sent, unknown, malformed, on_vsi, renewal, nothing)["results"]
    assert [r["status"] for r in results] == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
        "accepted",
    ], results
    for rejected in results[1:4]:
        assert [e["field"] for e in rejected["errors"]] == ["initial_facility_code"]
    assert "không có trong danh mục" in results[1]["errors"][0]["message"]
    assert "5 chữ số" in results[2]["errors"][0]["message"]
    assert "BHYT" in results[3]["errors"][0]["message"]

    assert _stored(engine, sent["id"]) == ("66101", "")
    detail = client.get(f"/api/v1/enrollments/{sent['id']}", headers=ctx.coord).json()
    assert detail["initial_facility_code"] == "66101"
    assert _stored(engine, renewal["id"])[0] == "66015"  # from the register
    code, flags = _stored(engine, nothing["id"])
    assert code is None and ",facility_missing," in flags
    assert "facility_missing" not in results[5]["accepted"]["flags"]  # the wire enum is unchanged
    web_login(client, "coord1")  # the coordinator's queue filters on it, labelled in Vietnamese
    queue = client.get("/web/review", params={"flag": "facility_missing"})
    assert queue.status_code == 200
    assert "chưa có nơi KCB ban đầu" in queue.text
    assert "066090000005" in queue.text and "066090000001" not in queue.text

    # the register keeps the latest choice, and a correction without a code keeps it
    roster, _ = (
        [
            c
            for c in client.get(
                "/api/v1/sync/pull", params={"cursor": "0", "limit": 1000}, headers=ctx.agent
            ).json()["changes"]
            if c["entity"] == "participant" and c["payload"]["citizen_id"] == "066090000001"
        ],
        None,
    )
    assert roster[-1]["payload"]["initial_facility_code"] == "66101"
    fixed = {**sent, "rev": 2, "receipt_number": sent["receipt_number"]}
    fixed.pop("initial_facility_code")
    assert ctx.push_one(fixed)["status"] == "accepted"
    assert _stored(engine, sent["id"])[0] == "66101"
    # an old record with no facility re-pushed is the same content (its hash did not change)
    assert ctx.push_one(nothing)["status"] == "duplicate"


def _approve(ctx: Ctx, *records: dict[str, Any]) -> None:
    results = ctx.push(*records)["results"]
    assert all(r["status"] == "accepted" for r in results), results
    for record in records:
        r = ctx.client.post(
            f"/api/v1/enrollments/{record['id']}/review",
            json={"decision": "approve"},
            headers=ctx.coord,
        )
        assert r.status_code == 200, r.text


def test_filing_prints_the_facility(client: TestClient, engine: Engine, settings: Settings) -> None:
    ctx = ready(client, engine, settings)
    assert _import(client, auth(client, "admin"), "f.csv", GOOD).status_code == 200
    org_id = make_organisation(client, ctx.world)
    _approve(
        ctx,
        hi_record(ctx, initial_facility_code="66101"),
        vsi_record(ctx, citizen_id="066090000003", name="Lê Văn Cường"),
    )
    batch = client.post(
        "/api/v1/filing/batches",
        json={"organisation_id": org_id, "period": "2025-09"},
        headers=ctx.coord,
    ).json()
    wb = load_workbook(
        io.BytesIO(
            client.get(f"/api/v1/filing/batches/{batch['id']}/file", headers=ctx.coord).content
        )
    )
    d03 = [list(r) for r in wb["D03-TS"].iter_rows(values_only=True)]
    h = next(i for i, r in enumerate(d03) if r[0] == "(A) STT")
    assert d03[h][8:10] == ["(7) Mã tỉnh nơi KCB ban đầu", "(8) Mã nơi KCB ban đầu"]
    assert d03[h + 1][8:10] == ["66", "66101"]
    tk1 = [list(r) for r in wb["TK1-TS"].iter_rows(values_only=True)]
    assert "66101 — Trạm Y tế xã Ea Kar" in [r[-1] for r in tk1]
    d05 = [list(r) for r in wb["D05-TS"].iter_rows(values_only=True)]
    h5 = next(i for i, r in enumerate(d05) if r[0] == "(A) STT")
    assert d05[h5 + 1][14:18] == [0, 0, 0, 0]  # no local or other support in the price


def test_cli_import(
    client: TestClient, engine: Engine, settings: Settings, tmp_path, monkeypatch
) -> None:
    ready(client, engine, settings)
    monkeypatch.setenv("FIELD_ENROLL_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FIELD_ENROLL_SECRET_KEY", settings.secret_key)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(GOOD + b"123,Sai\n")
    runner = CliRunner()
    failed = runner.invoke(server_cli, ["facilities", "import", str(bad), "--province", "66"])
    assert failed.exit_code == 1 and "5 chữ số" in failed.output
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD)
    done = runner.invoke(server_cli, ["facilities", "import", str(good), "--province", "66"])
    assert done.exit_code == 0, done.output
    assert "3 cơ sở mới" in done.output
    listed = runner.invoke(server_cli, ["facilities", "list"])
    assert "66101" in listed.output
