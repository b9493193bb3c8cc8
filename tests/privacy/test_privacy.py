"""Personal-data duties: views audited, retention applied by `purge`, a person's data
exported (JSON and XLSX opened by openpyxl) and corrected, the receipt check rate-limited."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from server.auth.models import AuthSession, RefreshToken
from server.changelog import ChangeLog
from server.cli import app as cli
from server.dbtypes import utcnow
from server.enrollments.models import Enrollment, EnrollmentAudit, EnrollmentRevision
from server.participants.models import Participant
from tests.enrollments.helpers import hi_record, ready
from tests.web.helpers import web_login


def _actions(engine, enrollment_id):
    with Session(engine) as s:
        return [
            (a.action, a.actor_id, a.detail)
            for a in s.exec(
                select(EnrollmentAudit)
                .where(
                    EnrollmentAudit.entity == "enrollment",
                    EnrollmentAudit.entity_id == enrollment_id,
                )
                .order_by(col(EnrollmentAudit.id))
            ).all()
        ]


@pytest.fixture
def run(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELD_ENROLL_DATABASE_URL", db_url)
    monkeypatch.setenv("FIELD_ENROLL_SECRET_FILE", str(tmp_path / "secret"))

    def invoke(*args: str, code: int = 0):
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_every_coordinator_view_of_personal_details_is_audited(client, engine, settings):
    ctx = ready(client, engine, settings)
    record = hi_record(ctx)
    assert ctx.push_one(record)["status"] == "accepted"
    r = client.get(f"/api/v1/enrollments/{record['id']}", headers=ctx.coord)
    assert r.status_code == 200
    client.get(f"/api/v1/enrollments/{record['id']}", headers=ctx.agent)  # the collector
    web_login(client, "coord1")
    page = client.get(f"/web/sign-ups/{record['id']}")
    assert page.status_code == 200
    views = [(a, who, d) for a, who, d in _actions(engine, record["id"]) if a == "view_personal"]
    coord = ctx.world["coord1"]
    assert views == [
        ("view_personal", coord, {"via": "api"}),
        ("view_personal", coord, {"via": "dashboard"}),
    ]


def test_receipt_check_is_rate_limited_per_address(client, engine, settings):
    ctx = ready(client, engine, settings)
    code = ctx.push_one(hi_record(ctx))["accepted"]["verification_code"]
    answers = [
        client.get("/api/v1/receipts/verify", params={"code": code})
        for _ in range(settings.receipt_verify_per_minute + 1)
    ]
    assert {a.status_code for a in answers[:-1]} == {200}
    assert answers[-1].status_code == 429
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert answers[-1].json()["type"] == "too_many_requests"


def test_purge_removes_rejected_personal_fields_after_retention_and_keeps_audit(
    client, engine, settings, run
):
    ctx = ready(client, engine, settings)
    old_rejected = hi_record(ctx, citizen_id="066090000101", name="Trần Thị Bích")
    new_rejected = hi_record(ctx, citizen_id="066090000102", household="HH-2")
    kept = hi_record(ctx, citizen_id="066090000103", household="HH-3")
    for rec in (old_rejected, new_rejected, kept):
        assert ctx.push_one(rec)["status"] == "accepted"
    for rec in (old_rejected, new_rejected):
        r = client.post(
            f"/api/v1/enrollments/{rec['id']}/review",
            json={"decision": "reject", "reason": "không đủ giấy tờ"},
            headers=ctx.coord,
        )
        assert r.status_code == 200, r.text
    long_ago = utcnow() - timedelta(days=settings.retention_rejected_days + 1)
    with Session(engine) as s:
        row = s.get(Enrollment, old_rejected["id"])
        assert row is not None
        row.reviewed_at = long_ago
        s.add(row)
        # An ended session long past its retention.
        ended = s.exec(select(AuthSession)).first()
        assert ended is not None
        ended.revoked_at = utcnow() - timedelta(days=settings.retention_sessions_days + 1)
        ended.revoked_reason = "logout"
        s.add(ended)
        ended_id = ended.id
        s.commit()
    before = _actions(engine, old_rejected["id"])

    dry = json.loads(run("purge", "--dry-run", "--json").output)
    assert dry["rejected_sign_ups_redacted"] == 1 and dry["dry_run"] is True
    with Session(engine) as s:
        assert s.get(Enrollment, old_rejected["id"]).citizen_id == "066090000101"  # type: ignore[union-attr]

    with Session(engine) as s:
        entry = s.exec(select(Participant).where(Participant.citizen_id == "066090000101")).one()
        entry_id = str(entry.id)

    report = json.loads(run("purge", "--json").output)
    assert report["rejected_sign_ups_redacted"] == 1
    assert report["revisions_redacted"] == 1
    assert report["register_entries_deleted"] == 1
    assert report["sessions_deleted"] >= 1
    with Session(engine) as s:
        gone = s.get(Enrollment, old_rejected["id"])
        assert gone is not None
        assert (gone.full_name, gone.citizen_id, gone.phone, gone.address) == (
            "[đã xoá]",
            "",
            None,
            "",
        )
        assert gone.date_of_birth.month == 1 and gone.date_of_birth.day == 1
        assert gone.amount_vnd > 0 and gone.status == "rejected"  # the accounting stays
        body = (
            s.exec(
                select(EnrollmentRevision).where(
                    EnrollmentRevision.enrollment_id == old_rejected["id"]
                )
            )
            .one()
            .body
        )
        assert "066090000101" not in json.dumps(body, ensure_ascii=False)
        assert "Trần Thị Bích" not in json.dumps(body, ensure_ascii=False)
        assert "gps" not in body
        for rec in (new_rejected, kept):  # inside the limit, or not rejected
            row = s.get(Enrollment, rec["id"])
            assert row is not None and row.citizen_id == rec["person"]["citizen_id"]
        assert s.get(AuthSession, ended_id) is None
        # The register entry only the rejected sign-up made is gone, and devices are told.
        assert not s.exec(select(Participant).where(Participant.citizen_id == "066090000101")).all()
        assert s.exec(select(Participant).where(Participant.citizen_id == "066090000103")).one()
        roster = s.exec(
            select(ChangeLog)
            .where(ChangeLog.entity == "participant", ChangeLog.entity_id == entry_id)
            .order_by(col(ChangeLog.seq))
        ).all()
        assert roster[-1].op == "delete"
        assert all("066090000101" not in json.dumps(c.payload) for c in roster)
        assert not s.exec(select(RefreshToken).where(RefreshToken.session_id == ended_id)).all()
        purge_log = s.exec(select(EnrollmentAudit).where(EnrollmentAudit.entity == "purge")).all()
        assert [p.action for p in purge_log] == ["purge"]  # a dry run leaves nothing
    pulled, cursor = [], "0"
    while True:
        page = client.get("/api/v1/sync/pull", params={"cursor": cursor}, headers=ctx.agent).json()
        pulled += [c for c in page["changes"] if c["entity"] == "participant"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    mine = [c for c in pulled if c["entity_id"] == entry_id]
    assert mine and mine[-1]["op"] == "delete"  # the agent's device drops the entry
    after = _actions(engine, old_rejected["id"])
    assert after[: len(before)] == before  # the audit trail is kept
    assert after[-1][0] == "purge_personal"
    again = json.loads(run("purge", "--json").output)
    assert again["rejected_sign_ups_redacted"] == 0


def test_person_export_holds_everything_and_opens_in_openpyxl(
    client, engine, settings, run, tmp_path
):
    ctx = ready(client, engine, settings)
    first = hi_record(ctx, citizen_id="066090000201")
    assert ctx.push_one(first)["status"] == "accepted"
    assert (
        ctx.push_one({**first, "rev": 2, "months": 6, "amount_collected_vnd": 631_800})["status"]
        == "accepted"
    )
    other = hi_record(ctx, citizen_id="066090000202", household="HH-9")
    assert ctx.push_one(other)["status"] == "accepted"
    client.get(f"/api/v1/enrollments/{first['id']}", headers=ctx.coord)

    out = tmp_path / "dsr" / "066090000201"
    run("person", "export", "--citizen-id", "066090000201", "--out", str(out))
    data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert [e["id"] for e in data["sign_ups"]] == [first["id"]]
    assert [r["rev"] for r in data["revisions"]] == [1, 2]
    assert data["revisions"][0]["body"]["person"]["citizen_id"] == "066090000201"
    actions = [a["action"] for a in data["audit"]]
    assert "created" in actions and "view_personal" in actions
    assert "066090000202" not in out.with_suffix(".json").read_text(encoding="utf-8")

    book = load_workbook(out.with_suffix(".xlsx"), read_only=True)
    assert book.sheetnames == [
        "Thông tin",
        "Đăng ký",
        "Các lần gửi",
        "Nhật ký",
        "Danh sách tham gia",
    ]
    rows = list(book["Đăng ký"].iter_rows(values_only=True))
    header, values = rows[0], rows[1]
    assert len(rows) == 2
    assert values[header.index("citizen_id")] == "066090000201"
    assert values[header.index("full_name")] == first["person"]["full_name"]
    assert len(list(book["Các lần gửi"].iter_rows(values_only=True))) == 3

    run("person", "export", "--citizen-id", "12345", code=2)


def test_person_correct_changes_a_contact_detail_with_an_audit_entry(client, engine, settings, run):
    ctx = ready(client, engine, settings)
    record = hi_record(ctx)
    assert ctx.push_one(record)["status"] == "accepted"
    run(
        "person", "correct", "--enrollment-id", record["id"], "--field", "phone",
        "--value", "0987654321", "--reason", "đề nghị của người tham gia ngày 30/11/2026",
    )  # fmt: skip
    with Session(engine) as s:
        assert s.get(Enrollment, record["id"]).phone == "0987654321"  # type: ignore[union-attr]
    last = _actions(engine, record["id"])[-1]
    assert last[0] == "correct_personal"
    assert last[2]["old"] == "0912345678" and last[2]["new"] == "0987654321"
    refused = run(
        "person", "correct", "--enrollment-id", record["id"], "--field", "citizen_id",
        "--value", "066090009999", "--reason", "x", code=1,
    )  # fmt: skip
    assert "trả lại" in " ".join(refused.output.split())
