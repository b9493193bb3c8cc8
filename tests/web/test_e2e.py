"""The dashboard in a real browser: headless Chromium against the live server on loopback.

SQLite only (PostgreSQL correctness is covered by test_pages.py and the API tests).
Set FIELD_ENROLL_SCREENSHOTS=1 to also write docs/screenshots/*.png (richer data).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from enroll_common import Scheme
from server.enrollments.models import Enrollment
from server.targets.models import Target
from tests.factories import PASSWORD, USERNAMES
from tests.web.data import PERIOD, Scene, build_scene, enrich

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _login(page: Any, base: str, who: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/web/login")
    page.get_by_label("Tên đăng nhập").fill(USERNAMES.get(who, who))
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def _status(engine: Any, enrollment_id: str) -> str:
    with Session(engine) as s:
        row = s.get(Enrollment, enrollment_id)
        assert row is not None
        return row.status


@pytest.fixture
def scene(client: TestClient, engine: Any, settings: Any) -> Scene:
    return build_scene(client, engine, settings)


def test_login_then_logout_returns_to_login(page, live_server, scene) -> None:
    base = live_server.url
    page.goto(f"{base}/")
    assert "/web/login" in page.url  # not logged in: sent to the login page
    _login(page, base, "coord1", "wrong password")
    assert page.get_by_role("alert").inner_text() == "Sai tên đăng nhập hoặc mật khẩu."
    _login(page, base, "coord1")
    page.wait_for_url(re.compile(r"/web/overview"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Tổng quan")
    cookie = next(c for c in page.context.cookies() if c["name"] == "fe_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"/web/login"))
    page.goto(f"{base}/web/review")
    assert "/web/login" in page.url


def test_overview_numbers_match_api(page, live_server, scene, client) -> None:
    base = live_server.url
    api = client.get(
        "/api/v1/reports/progress",
        params={"period": PERIOD, "level": "point", "refresh": True},
        headers=scene.coord,
    ).json()
    want = next(
        r
        for r in api["rows"]
        if r["unit_id"] == scene.world["p1"] and r["scheme"] == "household_hi"
    )
    _login(page, base, "coord1")
    page.wait_for_url(re.compile(r"/web/overview"))
    # The picker lists this year, last year and the shown period's year; the scene is of
    # 2025, so open that year first, as a coordinator looking back would.
    page.goto(f"{base}/web/overview?period={PERIOD[:4]}")
    page.get_by_label("Kỳ").select_option(PERIOD)
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url(re.compile(rf"period={PERIOD}"))
    row = page.locator(
        f'table[data-level="point"] tr[data-unit="{scene.world["p1"]}"][data-scheme="household_hi"]'
    )
    assert row.locator("td.target").inner_text() == str(want["target"])
    assert row.locator("td.achieved").inner_text() == str(want["achieved"])
    assert row.locator("td.shortfall").inner_text() == str(want["shortfall"])
    bar = row.get_by_role("progressbar")
    assert float(bar.get_attribute("aria-valuenow")) == pytest.approx(want["percent"])
    card = page.locator('.card[data-scheme="household_hi"]')
    assert card.locator(".achieved").inner_text() == str(want["achieved"])
    assert page.locator("svg.chart").count() == len(Scheme)  # one chart per scheme


def test_split_with_preview_then_save(page, live_server, scene, engine) -> None:
    base, w = live_server.url, scene.world
    _login(page, base, "coord1")
    page.goto(f"{base}/web/targets?point={w['p1']}&period={PERIOD}")
    page.locator("#sp-period").fill(PERIOD)
    page.locator("#sp-scheme").select_option("household_hi")
    page.get_by_role("button", name="Xem trước").click()
    preview = page.get_by_role("region", name="Xem trước: chưa lưu gì")
    line = preview.locator(f'tr[data-agent="{w["agent1"]}"] td.new')
    assert line.inner_text() == "10"
    assert preview.locator("td.total").inner_text() == "10"
    with Session(engine) as s:
        assert s.exec(select(Target).where(Target.agent_id == w["agent1"])).first() is None
    page.get_by_role("button", name="Lưu phân bổ này").click()
    page.wait_for_url(re.compile(r"saved=1"))
    assert page.get_by_role("status").first.inner_text() == "Đã lưu 1 chỉ tiêu."
    row = page.locator(f'table.targets tr[data-agent="{w["agent1"]}"]')
    assert row.locator("td.value").inner_text() == "10"
    with Session(engine) as s:
        saved = s.exec(select(Target).where(Target.agent_id == w["agent1"])).one()
        assert saved.value == 10


def test_queue_approve_one_and_return_one_with_reason(page, live_server, scene, engine) -> None:
    base = live_server.url
    first, second = scene.signups[0], scene.signups[1]
    _login(page, base, "coord1")
    page.goto(f"{base}/web/review")
    assert page.locator("table.queue tbody tr").count() == len(scene.signups)
    page.locator(f'tr[data-id="{first}"]').get_by_role("button", name="Duyệt").click()
    page.wait_for_url(re.compile(r"done=approve"))
    assert "1 hồ sơ đã duyệt." in page.get_by_role("status").first.inner_text()
    assert _status(engine, first) == "approved"
    page.locator(f'tr[data-id="{second}"]').get_by_role("link", name="Chi tiết").click()
    page.wait_for_url(re.compile(second))
    assert "1.263.600" in page.locator("table.breakdown").inner_text()
    page.get_by_label("Lý do (bắt buộc khi từ chối hoặc trả lại)").fill("Sai số CCCD")
    page.get_by_role("button", name="Trả lại để sửa").click()
    page.wait_for_url(re.compile(r"done=return"))
    assert _status(engine, second) == "returned"
    assert "Sai số CCCD" in page.locator("table.audit").inner_text()


def test_queue_bulk_approve_ticked(page, live_server, scene, engine) -> None:
    base = live_server.url
    _login(page, base, "coord1")
    page.goto(f"{base}/web/review")
    page.get_by_label("Chọn tất cả").check()
    page.get_by_role("button", name="Duyệt các hồ sơ đã chọn").click()
    page.wait_for_url(re.compile(r"done=approve"))
    assert [_status(engine, i) for i in scene.signups] == ["approved"] * len(scene.signups)
    assert _status(engine, scene.other) == "pending"


def test_stale_csrf_token_shows_403_page_and_changes_nothing(
    page, live_server, scene, engine
) -> None:
    base = live_server.url
    target = scene.signups[2]
    _login(page, base, "coord1")
    page.goto(f"{base}/web/sign-ups/{target}")
    page.evaluate(
        "document.querySelectorAll('input[name=csrf_token]').forEach(i => i.value = 'stale')"
    )
    page.get_by_role("button", name="Duyệt", exact=True).click()
    alert = page.get_by_role("alert")
    assert alert.locator("h1").inner_text().startswith("403")
    assert "mã bảo mật" in alert.inner_text()
    assert _status(engine, target) == "pending"


def test_other_communes_sign_up_is_not_found(page, live_server, scene) -> None:
    base = live_server.url
    _login(page, base, "coord1")
    page.wait_for_url(re.compile(r"/web/overview"))
    response = page.goto(f"{base}/web/sign-ups/{scene.other}")
    assert response is not None and response.status == 404
    assert "Trần Văn Khác" not in page.content()
    response = page.goto(f"{base}/web/overview?point={scene.world['p2']}")
    assert response is not None and response.status == 404
    page.goto(f"{base}/web/review?status=all")
    assert "Trần Văn Khác" not in page.content()


def test_agent_devices_page_lists_blocks(page, live_server, scene) -> None:
    base = live_server.url
    _login(page, base, "coord1")
    page.goto(f"{base}/web/agents/{scene.world['agent1']}")
    block = page.locator("table.blocks tbody tr").first
    assert block.locator("td.num").nth(0).inner_text() == str(len(scene.signups))


def test_screenshots_of_main_pages(page, live_server, scene, client) -> None:
    """Opt-in (FIELD_ENROLL_SCREENSHOTS=1): docs/screenshots/*.png of the main pages."""
    if os.environ.get("FIELD_ENROLL_SCREENSHOTS") != "1":
        pytest.skip("set FIELD_ENROLL_SCREENSHOTS=1 to write docs/screenshots")
    enrich(client, scene)
    base, w = live_server.url, scene.world
    SHOTS.mkdir(parents=True, exist_ok=True)

    def shot(name: str) -> None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)

    page.goto(f"{base}/web/login")
    shot("login")
    _login(page, base, "coord1")
    page.wait_for_url(re.compile(r"/web/overview"))
    page.goto(f"{base}/web/overview?period={PERIOD}")
    shot("overview")
    page.locator("#chart-h").scroll_into_view_if_needed()
    shot("chart")
    page.goto(f"{base}/web/review")
    shot("review-queue")
    page.goto(f"{base}/web/sign-ups/{scene.signups[0]}")
    shot("sign-up-detail")
    page.goto(f"{base}/web/targets?point={w['p1']}&period={PERIOD}")
    page.locator("#sp-period").fill(PERIOD)
    page.get_by_role("button", name="Xem trước").click()
    page.locator(".preview").scroll_into_view_if_needed()
    shot("targets")
    page.goto(f"{base}/web/agents/{w['agent1']}")
    shot("devices")
    page.goto(f"{base}/web/review?status=all&q=nguyen+thi")
    shot("search")
    page.goto(f"{base}/web/weekly?week=2025-W38")
    page.emulate_media(media="print")
    shot("weekly-print")
    page.emulate_media(media="screen")


def test_screenshots_of_demo_province(page, live_server, engine, settings) -> None:
    """Opt-in: the administrator's province view and a commune drill-down on the demo seed."""
    if os.environ.get("FIELD_ENROLL_SCREENSHOTS") != "1":
        pytest.skip("set FIELD_ENROLL_SCREENSHOTS=1 to write docs/screenshots")
    from server.auth.security import Passwords
    from server.demo import DEMO_PASSWORD, seed_demo

    with Session(engine) as s:
        seed_demo(s, Passwords(settings), secret=settings.resolved_secret())
        s.commit()
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    _login(page, base, "admin", DEMO_PASSWORD)
    page.wait_for_url(re.compile(r"/web/overview"))  # opens on the year to date
    page.screenshot(path=str(SHOTS / "admin-province.png"))
    page.goto(f"{base}/web/overview?commune=24373&order=worst")
    page.screenshot(path=str(SHOTS / "admin-commune.png"))
    page.goto(f"{base}/web/overview?commune=24373")
    page.locator("#chart-h").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "demo-chart.png"))
