"""The dashboard over HTTP (no browser): sessions, CSRF, scope, and the pages' actions.

These run on SQLite and PostgreSQL like the API tests; the browser tests are in test_e2e.py.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from server.auth.models import AuthSession
from server.enrollments.models import Enrollment
from server.targets.models import Target
from tests.factories import auth, build_world, login
from tests.web.data import PERIOD, build_scene
from tests.web.helpers import csrf_of, web_login


def _status(engine: Engine, enrollment_id: str) -> str:
    with Session(engine) as s:
        row = s.get(Enrollment, enrollment_id)
        assert row is not None
        return row.status


def test_login_valid_password_sets_hardened_cookie(client: TestClient, engine, settings) -> None:
    build_world(engine, settings)
    page = client.get("/web/login")
    r = client.post(
        "/web/login",
        data={
            "username": "coord.eakar",
            "password": "correct horse battery",
            "csrf_token": csrf_of(page.text),
            "next": "/web/review",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/web/review"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("fe_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    with Session(engine) as s:
        assert len(s.exec(select(AuthSession)).all()) == 1  # the auth domain's own session


def test_login_wrong_password_shows_error_and_no_cookie(client: TestClient, engine, settings):
    build_world(engine, settings)
    page = client.get("/web/login")
    r = client.post(
        "/web/login",
        data={"username": "coord.eakar", "password": "nope", "csrf_token": csrf_of(page.text)},
    )
    assert r.status_code == 401
    assert "fe_session" not in r.headers.get("set-cookie", "")
    assert 'role="alert"' in r.text


def test_login_without_csrf_token_is_refused(client: TestClient, engine, settings) -> None:
    build_world(engine, settings)
    client.get("/web/login")
    r = client.post(
        "/web/login", data={"username": "coord.eakar", "password": "correct horse battery"}
    )
    assert r.status_code == 403
    assert "fe_session" not in r.headers.get("set-cookie", "")


def test_login_agent_is_refused_and_session_ended(client: TestClient, engine, settings) -> None:
    build_world(engine, settings)
    page = client.get("/web/login")
    r = client.post(
        "/web/login",
        data={
            "username": "agent.eakar",
            "password": "correct horse battery",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert r.status_code == 403
    with Session(engine) as s:
        sessions = s.exec(select(AuthSession)).all()
        assert sessions and all(x.revoked_at is not None for x in sessions)


def test_page_without_session_redirects_to_login(client: TestClient, engine, settings) -> None:
    r = client.get("/web/review?status=all", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/web/login?next=/web/review%3Fstatus%3Dall"
    assert client.get("/", follow_redirects=False).headers["location"] == "/web/overview"


def test_logout_ends_session_on_server(client: TestClient, engine, settings) -> None:
    build_world(engine, settings)
    token = web_login(client, "coord1")
    cookie = client.cookies.get("fe_session")
    r = client.post("/web/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.set("fe_session", cookie)  # a copied cookie replayed after logout
    r = client.get("/web/overview", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/web/login")


def test_forged_session_cookie_is_ignored(client: TestClient, engine, settings) -> None:
    build_world(engine, settings)
    web_login(client, "coord1")
    value = client.cookies.get("fe_session")
    assert value is not None
    sid, issued, mac = value.rsplit(".", 2)
    client.cookies.set("fe_session", f"{sid}x.{issued}.{mac}")
    r = client.get("/web/overview", follow_redirects=False)
    assert r.status_code == 303


def test_review_without_csrf_token_403_and_unchanged(client: TestClient, engine, settings):
    scene = build_scene(client, engine, settings)
    web_login(client, "coord1")
    target = scene.signups[1]
    r = client.post(f"/web/review/{target}", data={"decision": "approve"})
    assert r.status_code == 403
    assert "security token" in r.text or "mã bảo mật" in r.text
    r = client.post(f"/web/review/{target}", data={"decision": "approve", "csrf_token": "forged"})
    assert r.status_code == 403
    assert _status(engine, target) == "pending"


def test_review_approve_one_and_return_with_reason(client: TestClient, engine, settings):
    scene = build_scene(client, engine, settings)
    token = web_login(client, "coord1")
    a, b = scene.signups[0], scene.signups[1]
    r = client.post(f"/web/review/{a}", data={"decision": "approve", "csrf_token": token})
    assert r.status_code == 200 and _status(engine, a) == "approved"
    r = client.post(f"/web/review/{b}", data={"decision": "return", "csrf_token": token})
    assert r.status_code == 422 and "reason" in r.text  # the API's rule: a reason is required
    assert _status(engine, b) == "pending"
    r = client.post(
        f"/web/review/{b}",
        data={"decision": "return", "reason": "Sai ngày sinh", "csrf_token": token},
    )
    assert r.status_code == 200 and _status(engine, b) == "returned"
    detail = client.get(f"/web/sign-ups/{b}").text
    assert "Sai ngày sinh" in detail and 'data-action="review_return"' in detail


def test_review_bulk_approves_ticked_and_reports_failures(client: TestClient, engine, settings):
    scene = build_scene(client, engine, settings)
    token = web_login(client, "coord1")
    ids = scene.signups[:3] + [scene.other]  # the last is another commune's
    r = client.post(
        "/web/review/bulk", data={"decision": "approve", "ids": ids, "csrf_token": token}
    )
    assert r.status_code == 200
    assert [_status(engine, i) for i in scene.signups[:3]] == ["approved"] * 3
    assert _status(engine, scene.other) == "pending"
    assert "một hồ sơ:" in r.text  # reported as not decided, and nothing about it shown
    assert scene.other[:8] not in r.text  # no internal ids in messages
    assert "Trần Văn Khác" not in r.text


def test_sign_up_detail_shows_breakdown_and_audit(client: TestClient, engine, settings):
    scene = build_scene(client, engine, settings)
    web_login(client, "coord1")
    page = client.get(f"/web/sign-ups/{scene.signups[0]}").text
    assert "1.263.600\u00a0₫" in page  # due, recomputed by the server
    assert "1.163.600\u00a0₫" in page  # collected
    assert "100.000\u00a0₫" in page  # adjustment
    assert "15/09/2025" in page
    assert '<span class="flag">số tiền được điều chỉnh</span>' in page
    audit = re.search(r'<table class="audit">(.*?)</table>', page, re.S)
    assert audit is not None and audit.group(1).count("<tr><td>") >= 1  # the upload


def test_cross_commune_pages_and_actions_are_404(client: TestClient, engine, settings):
    scene = build_scene(client, engine, settings)
    token = web_login(client, "coord1")
    w = scene.world
    with Session(engine) as s:
        other_device = s.exec(
            select(Enrollment.device_id).where(Enrollment.id == scene.other)
        ).one()
    for url in (
        f"/web/sign-ups/{scene.other}",
        f"/web/overview?point={w['p2']}",
        "/web/overview?commune=24376",
        f"/web/agents/{w['agent2']}",
        f"/web/agents/{w['agent2']}/sign-ups",
        f"/web/targets?point={w['p2']}",
    ):
        r = client.get(url)
        assert r.status_code == 404, url
        assert "Trần Văn Khác" not in r.text and "EAKNOP" not in r.text, url
    for url, data in (
        (f"/web/review/{scene.other}", {"decision": "approve"}),
        (f"/web/devices/{other_device}/revoke", {}),
        (f"/web/targets/{w['p2']}/set", {"period": PERIOD, "scheme": "household_hi", "value": 5}),
    ):
        r = client.post(url, data={**data, "csrf_token": token})
        assert r.status_code == 404, url
    assert _status(engine, scene.other) == "pending"
    r = client.post(
        "/api/v1/targets",
        json={"period": PERIOD, "scheme": "household_hi", "point_id": w["p2"], "value": 7},
        headers=scene.coord2,
    )
    assert r.status_code == 201, r.text
    assert client.get(f"/web/targets/history/{r.json()['id']}").status_code == 404
    listing = client.get("/web/review?status=all").text
    assert "Trần Văn Khác" not in listing and "Nguyễn Thị Người 1" in listing


def test_overview_numbers_match_reports_api(client: TestClient, engine, settings) -> None:
    scene = build_scene(client, engine, settings)
    token = web_login(client, "coord1")
    client.post(
        f"/web/review/{scene.signups[0]}", data={"decision": "approve", "csrf_token": token}
    )
    api = client.get(
        "/api/v1/reports/progress",
        params={"period": PERIOD, "level": "point", "refresh": True},
        headers=scene.coord,
    ).json()
    row = next(
        r
        for r in api["rows"]
        if r["unit_id"] == scene.world["p1"] and r["scheme"] == "household_hi"
    )
    assert (row["target"], row["achieved"], row["approved"], row["pending"]) == (10, 4, 1, 3)
    page = client.get(f"/web/overview?period={PERIOD}").text
    cells = re.search(
        rf'<tr data-unit="{scene.world["p1"]}" data-scheme="household_hi">(.*?)</tr>', page, re.S
    )
    assert cells is not None
    numbers = re.findall(r'<td class="num[^"]*">([^<]*)</td>', cells.group(1))
    assert numbers[:5] == ["10", "4", "1", "3", str(row["shortfall"])]
    assert "40,0\u00a0%" in cells.group(1)


def test_split_preview_writes_nothing_then_save_writes(client: TestClient, engine, settings):
    scene = build_scene(client, engine, settings)
    token = web_login(client, "coord1")
    w = scene.world
    form = {
        "csrf_token": token,
        "period": PERIOD,
        "scheme": "household_hi",
        "kind": "all",
        "metric": "participants",
        "method": "even",
        "total": "",
        "agent_ids": [str(w["agent1"])],
        "weights": ["1"],
        "action": "preview",
    }
    r = client.post(f"/web/targets/{w['p1']}/split", data=form)
    assert r.status_code == 200
    assert re.search(r'<td class="num new">10</td>', r.text)
    with Session(engine) as s:
        assert s.exec(select(Target).where(Target.agent_id == w["agent1"])).first() is None
    r = client.post(f"/web/targets/{w['p1']}/split", data={**form, "action": "save"})
    assert r.status_code == 200
    with Session(engine) as s:
        saved = s.exec(select(Target).where(Target.agent_id == w["agent1"])).one()
        assert saved.value == 10 and saved.period == PERIOD


def test_import_bad_rows_shows_errors_and_writes_nothing(client: TestClient, engine, settings):
    build_world(engine, settings)
    token = web_login(client, "coord1")
    csv = (
        b"period,scheme,kind,metric,point_code,agent_code,value,reason\n"
        b"2025-13,household_hi,all,participants,EAKAR-01,,10,\n"
        b"2025,household_hi,all,participants,NOPE-99,,10,\n"
    )
    r = client.post(
        "/web/targets/import",
        data={"csrf_token": token},
        files={"file": ("targets.csv", csv, "text/csv")},
    )
    assert r.status_code == 422
    table = re.search(r'<table class="import-errors">(.*?)</table>', r.text, re.S)
    assert table is not None
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td>", table.group(1))
    assert ("2", "period") in rows and ("3", "point_code") in rows
    with Session(engine) as s:
        assert s.exec(select(Target)).first() is None


def test_revoke_device_ends_its_sessions(client: TestClient, engine, settings) -> None:
    w = build_world(engine, settings)
    phone = login(client, "agent1", device="phone-x")
    token = web_login(client, "coord1")
    page = client.get(f"/web/agents/{w['agent1']}").text
    assert "phone-x" in page
    r = client.post(f"/web/devices/{phone['device_id']}/revoke", data={"csrf_token": token})
    assert r.status_code == 200
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {phone['access_token']}"})
    assert me.status_code == 401


def test_language_switch_to_english_and_back(client: TestClient, engine, settings) -> None:
    build_world(engine, settings)
    web_login(client, "coord1")
    assert "Tổng quan" in client.get("/web/overview").text
    client.get("/web/lang/en?next=/web/overview")
    page = client.get("/web/overview").text
    assert "Overview" in page and "Tổng quan" not in page
    r = client.get("/web/lang/vi?next=https://evil.example/", follow_redirects=False)
    assert r.headers["location"] == "/web/overview"  # no open redirect


def test_admin_drills_down_province_to_agent(client: TestClient, engine, settings) -> None:
    scene = build_scene(client, engine, settings)
    web_login(client, "admin")
    w = scene.world
    province = client.get(f"/web/overview?period={PERIOD}").text
    assert 'data-level="commune"' in province and "commune=24376" in province
    commune = client.get(f"/web/overview?period={PERIOD}&commune=24373").text
    assert f"point={w['p1']}" in commune and f"point={w['p2']}" not in commune
    point = client.get(f"/web/overview?period={PERIOD}&point={w['p1']}").text
    assert f"/web/agents/{w['agent1']}/sign-ups" in point
    signups = client.get(f"/web/agents/{w['agent1']}/sign-ups").text
    assert "Nguyễn Thị Người 1" in signups and "Trần Văn Khác" not in signups
    assert auth(client, "admin_hn")  # another province's admin exists...
    web_login(client, "admin_hn")
    assert client.get("/web/overview?commune=24373").status_code == 404  # ...and sees none of it


def test_login_secure_setting_marks_cookie_secure(engine, settings, app) -> None:
    from server.web.settings import WebSettings

    build_world(engine, settings)
    app.state.web_settings = WebSettings(cookie_secure=True, same_site="strict")
    with TestClient(app, base_url="https://testserver") as https:  # Secure cookies need HTTPS
        page = https.get("/web/login")
        r = https.post(
            "/web/login",
            data={
                "username": "coord.eakar",
                "password": "correct horse battery",
                "csrf_token": csrf_of(page.text),
            },
            follow_redirects=False,
        )
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("fe_session="))
    assert "Secure" in cookie and "SameSite=strict" in cookie


def test_renewals_page_lists_own_communes_participants_only(client: TestClient, engine, settings):
    from datetime import timedelta

    from server.policy.service import today_local
    from tests.web.data import record

    scene = build_scene(client, engine, settings)
    rec = record(
        receipt=scene.next_receipt,
        point_id=scene.world["p1"],
        citizen_id="066090000077",
        name="Phạm Thị Sắp Hết",
        household="HH-EAKAR-077",
        amount=315_900,
    )
    rec.update(months=3, payment_date=(today_local() - timedelta(days=1)).isoformat())
    r = client.post("/api/v1/sync/push", json={"records": [rec]}, headers=scene.agent)
    assert r.json()["results"][0]["status"] == "accepted", r.text
    web_login(client, "coord1")
    page = client.get("/web/renewals?within_days=366").text
    assert "Phạm Thị Sắp Hết" in page and f"/web/sign-ups/{rec['id']}" in page
    web_login(client, "coord2")
    assert "Phạm Thị Sắp Hết" not in client.get("/web/renewals?within_days=366").text


def test_unknown_page_is_html_404_and_static_files_are_served(client: TestClient, engine, settings):
    r = client.get("/web/no-such-page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    css = client.get("/web/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_sign_up_detail_names_the_support_group_and_its_evidence(
    client: TestClient, engine, settings
):
    """A budget-supported HI sign-up shows the reviewer what the agent claimed."""
    from tests.web.data import record

    scene = build_scene(client, engine, settings, n=1)
    rec = record(
        receipt=scene.next_receipt,
        point_id=scene.world["p1"],
        citizen_id="066090000777",
        name="Hoàng Thị Cận Nghèo",
        household="HH-X",
        amount=379_080,  # 30 % of 105,300 a month, 12 months (base 2,340,000)
    )
    del rec["household"]
    rec.update(
        scheme="supported_hi",
        support_groups=["near_poor"],
        support_evidence={"kind": "near_poor_certificate", "reference": "GCN-15/2025"},
    )
    r = client.post("/api/v1/sync/push", json={"records": [rec]}, headers=scene.agent)
    result = r.json()["results"][0]
    assert result["status"] == "accepted", r.text
    assert result["accepted"]["amount_vnd"] == 379_080 and result["accepted"]["flags"] == []
    web_login(client, "coord1")
    page = client.get(f"/web/sign-ups/{rec['id']}").text
    assert "BHYT được NSNN hỗ trợ" in page
    assert "hộ cận nghèo" in page
    assert "giấy chứng nhận hộ cận nghèo GCN-15/2025" in page
