"""Filing and cash in a real browser: press the filing button, download the lists, see
overdue cash highlighted, and reach the follow-up list from the menu. SQLite only."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from server.policy.service import today_local
from tests.collect.helpers import make_organisation
from tests.factories import EA_KAR, PASSWORD, USERNAMES, build_world
from tests.reports.data import SignUp, insert_sign_ups

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def test_file_download_withdraw_and_follow_up(
    page: Any, live_server: Any, client: TestClient, engine: Any, settings: Any, tmp_path: Path
) -> None:
    w = build_world(engine, settings)
    org = make_organisation(client, w, remittance_days=5)
    paid = today_local() - timedelta(days=20)
    insert_sign_ups(
        engine,
        [
            SignUp(1, "voluntary_si", paid, w["agent1"], w["p1"], EA_KAR, months=1),
            SignUp(2, "household_hi", paid, w["agent1"], w["p1"], EA_KAR),
        ],
    )
    base = live_server.url
    page.goto(f"{base}/web/login")
    page.get_by_label("Tên đăng nhập").fill(USERNAMES["coord1"])
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/web/overview"))
    page.get_by_role("link", name="Nộp danh sách và tiền thu").click()
    page.get_by_label("Kỳ").fill(f"{paid:%Y-%m}")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url(re.compile(rf"organisation_id={org}"))
    overdue = page.locator("table.cash tr.overdue")
    assert overdue.count() == 1 and "NVT0001" in overdue.inner_text()
    assert "Quá hạn" in page.get_by_role("alert").inner_text()

    page.get_by_role("button", name=re.compile("Lập danh sách nộp")).click()
    page.wait_for_url(re.compile(r"created="))
    row = page.locator("table.batches tbody tr").first
    assert "đang mở" in row.inner_text()
    with page.expect_download() as download:
        row.get_by_role("link", name="Tải XLSX").click()
    target = tmp_path / "filing.xlsx"
    download.value.save_as(target)
    wb = load_workbook(target)
    assert wb.sheetnames == ["D05-TS", "D03-TS", "TK1-TS", "Phụ lục hộ gia đình"]
    row.get_by_role("button", name="Rút lại").click()
    page.wait_for_load_state()
    assert "đã rút" in page.locator("table.batches tbody tr").first.inner_text()

    page.get_by_role("link", name="Vận động đóng tiếp").click()
    page.wait_for_url(re.compile(r"/web/follow-up"))
    assert "Người 1" in page.locator("table.follow-up").inner_text()
