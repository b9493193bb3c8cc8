"""Errors kept on the form in Vietnamese, the audit trail in words, the search box, filters."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from server.enrollments.models import Enrollment, EnrollmentRevision
from server.targets.models import Target
from tests.web.data import PERIOD, build_scene
from tests.web.helpers import web_login


def _split_form(token: str, w, **changes) -> dict:
    form = {
        "csrf_token": token,
        "period": PERIOD,
        "scheme": "household_hi",
        "kind": "all",
        "metric": "participants",
        "method": "weights",
        "total": "",
        "agent_ids": [str(w["agent1"])],
        "weights": ["hai"],
        "reason": "Chia theo địa bàn",
        "action": "preview",
    }
    form.update(changes)
    return form


def test_split_weight_in_words_keeps_the_form_with_a_vietnamese_message(
    client: TestClient, engine: Engine, settings
) -> None:
    scene = build_scene(client, engine, settings, n=1)
    token = web_login(client, "coord1")
    r = client.post(f"/web/targets/{scene.world['p1']}/split", data=_split_form(token, scene.world))
    assert r.status_code == 422
    assert 'value="hai"' in r.text and 'value="Chia theo địa bàn"' in r.text
    assert "Nhập một số nguyên cho mỗi điểm thu (ví dụ 3), không nhập chữ." in r.text
    assert 'id="split-form"' in r.text  # the same page, not an error page


def test_split_month_without_target_names_no_internal_id(
    client: TestClient, engine: Engine, settings
) -> None:
    scene = build_scene(client, engine, settings, n=1)
    token = web_login(client, "coord1")
    form = _split_form(token, scene.world, period="2025-10", method="even", weights=["1"])
    r = client.post(f"/web/targets/{scene.world['p1']}/split", data=form)
    assert r.status_code == 422
    assert "Điểm thu chưa có chỉ tiêu cho kỳ này" in r.text
    assert "collection point" not in r.text
    assert 'value="2025-10"' in r.text
    with Session(engine) as s:
        assert s.exec(select(Target).where(Target.period == "2025-10")).first() is None


def test_reject_without_reason_stays_on_the_sign_up(
    client: TestClient, engine: Engine, settings
) -> None:
    scene = build_scene(client, engine, settings, n=1)
    token = web_login(client, "coord1")
    r = client.post(
        f"/web/review/{scene.signups[0]}",
        data={
            "decision": "reject",
            "reason": "",
            "csrf_token": token,
            "back": f"/web/sign-ups/{scene.signups[0]}",
        },
    )
    assert r.status_code == 422
    assert "Cần ghi lý do khi từ chối hồ sơ." in r.text
    assert 'id="reason-err"' in r.text and "Nguyễn Thị Người 1" in r.text


def test_bulk_return_without_reason_keeps_ticks(client: TestClient, engine: Engine, settings):
    scene = build_scene(client, engine, settings, n=2)
    token = web_login(client, "coord1")
    r = client.post(
        "/web/review/bulk",
        data={
            "decision": "return",
            "ids": scene.signups[:1],
            "csrf_token": token,
            "back": "/web/review?status=pending&scheme=household_hi",
        },
    )
    assert r.status_code == 422
    assert "Cần ghi lý do khi trả lại hồ sơ để sửa." in r.text
    assert re.search(rf'value="{scene.signups[0]}"[^>]*checked', r.text)
    assert '<option value="household_hi" selected>' in r.text  # the filters kept


def test_audit_trail_is_in_words(client: TestClient, engine: Engine, settings) -> None:
    scene = build_scene(client, engine, settings, n=1)  # the first sign-up is adjusted
    web_login(client, "coord1")
    page = client.get(f"/web/sign-ups/{scene.signups[0]}").text
    trail = page[page.index('id="audit-h"') :]
    assert "Số tiền phải thu: 1.263.600" in trail
    assert "amount_vnd" not in trail and "household_ordinal_changed" not in trail


def test_targets_template_downloads_with_the_cookie(
    client: TestClient, engine: Engine, settings
) -> None:
    build_scene(client, engine, settings, n=1)
    web_login(client, "coord1")
    assert 'href="/web/targets/template.csv"' in client.get("/web/targets").text
    r = client.get("/web/targets/template.csv")
    assert r.status_code == 200
    header = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert "period" in header and "value" in header


def _found(client: TestClient, q: str) -> str:
    return client.get("/web/review", params={"status": "all", "q": q}).text


def test_search_box_finds_by_name_cccd_household_receipt_and_code(
    client: TestClient, engine: Engine, settings
) -> None:
    scene = build_scene(client, engine, settings, n=3)
    web_login(client, "coord1")
    with Session(engine) as s:
        row = s.get(Enrollment, scene.signups[1])
        assert row is not None
        code = s.exec(
            select(EnrollmentRevision.verification_code).where(
                EnrollmentRevision.enrollment_id == row.id
            )
        ).one()
        receipt, cccd = row.receipt_number, row.citizen_id
    assert code
    name = "Nguyễn Thị Người 2"
    for q in (
        "nguoi 2",
        "Người 2",
        "NGUYEN THI NGUOI 2",
        cccd,
        str(receipt),
        "HH-EAKAR-002",
        f"{code[:5]}-{code[5:]}",
        code.lower(),
    ):
        page = _found(client, q)
        assert name in page, q
        assert "Nguyễn Thị Người 3" not in page, q
    assert "Trần Văn Khác" not in _found(client, "Tran Van Khac")  # another commune's


def test_review_filters_live_in_the_url(client: TestClient, engine: Engine, settings) -> None:
    scene = build_scene(client, engine, settings, n=2)
    web_login(client, "coord1")
    w = scene.world
    page = client.get(
        "/web/review",
        params={
            "status": "all",
            "point_id": w["p1"],
            "agent_id": w["agent1"],
            "from": "2025-09-15",
            "to": "2025-09-15",
            "scheme": "household_hi",
            "flag": "amount_adjusted",
        },
    ).text
    assert "Nguyễn Thị Người 1" in page and "Nguyễn Thị Người 2" not in page
    assert 'value="2025-09-15"' in page and f'<option value="{w["p1"]}" selected>' in page
    empty = client.get("/web/review", params={"status": "all", "to": "2025-09-14"}).text
    assert "Nguyễn Thị Người" not in empty


def test_not_found_page_says_it_in_vietnamese_without_ids(
    client: TestClient, engine: Engine, settings
) -> None:
    scene = build_scene(client, engine, settings, n=1)
    web_login(client, "coord1")
    r = client.get(f"/web/sign-ups/{scene.other}")  # another commune's sign-up
    assert r.status_code == 404
    alert = r.text[r.text.index('<section class="error"') :]
    assert "nằm ngoài địa bàn bạn quản lý" in alert
    assert scene.other not in alert  # the message names no internal id


def test_set_target_in_words_keeps_the_form(client: TestClient, engine: Engine, settings) -> None:
    scene = build_scene(client, engine, settings, n=1)
    token = web_login(client, "coord1")
    form = {
        "csrf_token": token,
        "period": "2025-10",
        "scheme": "household_hi",
        "kind": "all",
        "metric": "participants",
        "agent_id": "",
        "value": "mười",
        "reason": "bổ sung",
    }
    r = client.post(f"/web/targets/{scene.world['p1']}/set", data=form)
    assert r.status_code == 422
    assert 'value="mười"' in r.text and 'value="bổ sung"' in r.text
    assert "Nhập số nguyên từ 0 trở lên." in r.text
    r = client.post(f"/web/targets/{scene.world['p1']}/set", data={**form, "value": "12"})
    assert r.status_code == 200
    with Session(engine) as s:
        saved = s.exec(select(Target).where(Target.period == "2025-10")).one()
        assert saved.value == 12
