"""The coordinator's week in a real browser: issue a block, search, filter, errors kept on
the form, the chart following the drill-down, the print view. SQLite only, like test_e2e."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from server.enrollments.models import ReceiptBlock
from tests.factories import EA_KNOP, login
from tests.web.data import Scene, build_scene
from tests.web.test_e2e import _login

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


@pytest.fixture
def scene(client: TestClient, engine: Any, settings: Any) -> Scene:
    return build_scene(client, engine, settings)


def test_issue_a_receipt_block_from_the_devices_page(page, live_server, scene, client, engine):
    phone = login(client, "agent1", device="phone-new")
    base = live_server.url
    _login(page, base, "coord1")
    page.wait_for_url(re.compile(r"/web/overview"))
    page.goto(f"{base}/web/agents/{scene.world['agent1']}")
    device = page.locator(f'section.device[data-device="{phone["device_id"]}"]')
    device.get_by_label("Số biên lai trong quyển mới").fill("hai")
    device.get_by_role("button", name="Cấp quyển biên lai").click()
    error = page.locator(f'section.device[data-device="{phone["device_id"]}"] .field-error')
    assert error.inner_text() == "Nhập số biên lai là số nguyên từ 1 đến 1.000."
    box = page.locator(f"#size-{phone['device_id']}")
    assert box.input_value() == "hai"  # the input is kept
    box.fill("25")
    page.locator(f'section.device[data-device="{phone["device_id"]}"]').get_by_role(
        "button", name="Cấp quyển biên lai"
    ).click()
    assert "Đã cấp quyển biên lai" in page.get_by_role("status").inner_text()
    with Session(engine) as s:
        block = s.exec(select(ReceiptBlock).order_by(col(ReceiptBlock.first_number).desc())).first()
        assert block is not None and block.device_id == phone["device_id"]
        assert block.last_number - block.first_number + 1 == 25
    rows = page.locator(f'section.device[data-device="{phone["device_id"]}"] table.blocks tbody tr')
    assert rows.count() == 1


def test_search_box_finds_a_name_typed_without_diacritics(page, live_server, scene) -> None:
    base = live_server.url
    _login(page, base, "coord1")
    page.wait_for_url(re.compile(r"/web/overview"))
    page.locator("#q").fill("nguyen thi nguoi 3")
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"/web/review\?"))
    rows = page.locator("table.queue tbody tr[data-id]")
    assert rows.count() == 1
    assert "Nguyễn Thị Người 3" in rows.first.inner_text()
    page.locator("#q").fill("Tran Van Khac")  # another commune's: never found
    page.locator("#q").press("Enter")
    assert "Không tìm thấy hồ sơ phù hợp." in page.locator("table.queue").inner_text()


def test_review_filters_stay_in_the_url_and_keyboard_ticks(page, live_server, scene) -> None:
    base = live_server.url
    _login(page, base, "coord1")
    page.wait_for_url(re.compile(r"/web/overview"))
    page.goto(f"{base}/web/review")
    page.locator("#f-flag").select_option("amount_adjusted")
    page.get_by_role("button", name="Lọc", exact=True).click()
    page.wait_for_url(re.compile(r"flag=amount_adjusted"))
    assert page.locator("table.queue tbody tr[data-id]").count() == 1  # the under-collected one
    page.reload()
    assert page.locator("#f-flag").input_value() == "amount_adjusted"
    page.locator("body").press("j")
    page.locator("body").press("x")
    assert page.locator('table.queue input[name="ids"]').first.is_checked()


def test_reject_without_reason_keeps_the_form(page, live_server, scene) -> None:
    base = live_server.url
    _login(page, base, "coord1")
    page.wait_for_url(re.compile(r"/web/overview"))
    page.goto(f"{base}/web/sign-ups/{scene.signups[1]}")
    page.get_by_role("button", name="Từ chối").click()
    assert page.locator("#reason-err").inner_text() == "Cần ghi lý do khi từ chối hồ sơ."
    assert page.get_by_role("heading", level=1).count() >= 1
    assert "/web/review/" in page.url  # answered in place, the sign-up page again
    page.locator("#reason").fill("Trùng hồ sơ")
    page.get_by_role("button", name="Từ chối").click()
    assert "đã từ chối" in page.get_by_role("status").inner_text()


def test_chart_follows_the_drill_down(page, live_server, scene) -> None:
    base = live_server.url
    _login(page, base, "admin")
    page.wait_for_url(re.compile(r"/web/overview"))
    page.goto(f"{base}/web/overview?period=2025")
    household_chart = "svg.chart[aria-label^='BHYT hộ gia đình']"
    province = page.locator(household_chart).get_attribute("aria-label") or ""
    page.locator('table[data-level="commune"]').get_by_role(
        "link", name=re.compile("Ea Knốp")
    ).first.click()
    page.wait_for_url(re.compile(rf"commune={EA_KNOP}"))
    commune = page.locator(household_chart).get_attribute("aria-label") or ""
    assert "09: 5/10" in province
    assert "09: 1/–" in commune
    assert "Ea Knốp" in page.locator("#chart-h").inner_text()


def test_print_view_is_one_a4_landscape_page_per_point(page, live_server, scene) -> None:
    base = live_server.url
    _login(page, base, "coord1")
    page.wait_for_url(re.compile(r"/web/overview"))
    page.goto(f"{base}/web/weekly?week=2025-W38")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()  # navigation is not printed
    assert page.locator("section.print-page").count() == 1
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    sizes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert sizes and all(float(w) > float(h) for w, h in sizes)  # landscape
    assert len(sizes) == 1  # one page for the one point
