"""The printable weekly report: one page per point, the week's and the year's figures."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import EA_KAR, EA_KNOP
from tests.web.data import build_scene
from tests.web.helpers import web_login


def test_weekly_report_has_a_page_per_point_with_the_week(
    client: TestClient, engine: Engine, settings
) -> None:
    build_scene(client, engine, settings, n=3)  # paid 15/09/2025, ISO week 38
    web_login(client, "coord1")
    page = client.get("/web/weekly", params={"week": "2025-W38"}).text
    assert page.count('class="print-page"') == 1  # Ea Kar has one point in the test world
    assert "EAKAR-01" in page and "Tuần 38/2025 (15/09/2025 – 21/09/2025)" in page
    assert "Từ đầu năm đến nay 2025 (01/01/2025 – 21/09/2025)" in page  # up to the week
    assert re.search(r"In lúc \d{2}/\d{2}/\d{4} \d{2}:\d{2} \(giờ Việt Nam\)", page)
    week = page[
        page.index("Trong tuần") : page.index("Từ đầu năm đến nay", page.index("Trong tuần"))
    ]
    assert '<td class="num achieved">3</td>' in week


def test_weekly_report_is_scoped_to_the_callers_communes(
    client: TestClient, engine: Engine, settings
) -> None:
    build_scene(client, engine, settings, n=1)
    web_login(client, "coord1")
    assert client.get("/web/weekly", params={"commune": EA_KNOP}).status_code == 404
    assert client.get("/web/weekly", params={"commune": EA_KAR}).status_code == 200
