"""The overview over spans: year to date by default, ISO weeks, ranges, pace, ranking, chart."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from server.web import periods
from tests.factories import EA_KNOP
from tests.web.data import build_scene
from tests.web.helpers import web_login


def _row(page: str, unit: int, scheme: str = "household_hi") -> dict[str, str]:
    found = re.search(rf'<tr data-unit="{unit}" data-scheme="{scheme}">(.*?)</tr>', page, re.S)
    assert found is not None, "row not on the page"
    cells = re.findall(r'<td class="num ([a-z-]+)">([^<]*)</td>', found.group(1))
    return dict(cells)


def test_overview_opens_on_year_to_date(client: TestClient, engine: Engine, settings) -> None:
    build_scene(client, engine, settings, n=2)
    web_login(client, "coord1")
    page = client.get("/web/overview").text
    year = periods.today().year
    assert f"Từ đầu năm đến nay {year}" in page
    assert '<option value="ytd" selected>' in page


def test_week_view_counts_the_week_and_prorates_the_month_target(
    client: TestClient, engine: Engine, settings
) -> None:
    scene = build_scene(client, engine, settings, n=3)  # paid Monday 15/09/2025, ISO week 38
    web_login(client, "coord1")
    week = _row(client.get("/web/overview?period=2025-W38").text, scene.world["p1"])
    assert week["achieved"] == "3"
    assert week["target"] == "2"  # 10 for September, 7 of its 30 days
    before = _row(client.get("/web/overview?period=2025-W37").text, scene.world["p1"])
    assert before["achieved"] == "0"


def test_custom_range_and_past_pace_equal_the_full_target(
    client: TestClient, engine: Engine, settings
) -> None:
    scene = build_scene(client, engine, settings, n=4)
    web_login(client, "coord1")
    page = client.get("/web/overview?from=2025-09-01&to=2025-09-30").text
    row = _row(page, scene.world["p1"])
    assert (row["target"], row["achieved"], row["shortfall"]) == ("10", "4", "6")
    assert row["expected"] == "10" and row["gap"] == "−6"  # the range is over: all 10 due
    assert row["last-year"] == "–"  # 2024 is not loaded: no repeated achieved count
    assert 'value="2025-09-01"' in page and 'value="2025-09-30"' in page


def test_bad_range_is_a_vietnamese_message(client: TestClient, engine: Engine, settings) -> None:
    build_scene(client, engine, settings, n=1)
    web_login(client, "coord1")
    r = client.get("/web/overview?from=2025-09-30&to=2025-09-01")
    assert r.status_code == 422
    assert "Ngày kết thúc trước ngày bắt đầu." in r.text


def test_order_switches_between_best_and_worst_first(
    client: TestClient, engine: Engine, settings
) -> None:
    build_scene(client, engine, settings, n=1)
    web_login(client, "admin")
    best = client.get("/web/overview?period=2025-09&order=best").text
    worst = client.get("/web/overview?period=2025-09&order=worst").text

    def communes(page: str) -> list[str]:
        table = page[page.index('data-level="commune"') :]
        return re.findall(r'<tr data-unit="(\d+)" data-scheme="household_hi">', table)

    assert communes(best)[0] == "24373"  # Ea Kar has a target (1 of 10); Ea Knốp has none
    assert communes(best) == communes(worst)  # no target sorts last in both orders
    assert "<strong>tốt nhất trước</strong>" in best and "<strong>kém nhất trước</strong>" in worst


def test_chart_follows_the_drill_down(client: TestClient, engine: Engine, settings) -> None:
    build_scene(client, engine, settings, n=4)
    web_login(client, "admin")

    def label(page: str) -> str:
        pattern = r'<svg class="chart"[^>]*aria-label="BHYT hộ gia đình[^:]*: ([^"]*)"'
        found = re.search(pattern, page)
        assert found is not None
        return found.group(1)

    province = label(client.get("/web/overview?period=2025").text)
    commune = label(client.get(f"/web/overview?period=2025&commune={EA_KNOP}").text)
    assert "09: 5/10" in province
    assert "09: 1/–" in commune  # Ea Knốp's own month, not the province's target


def test_year_to_date_compares_with_last_year_where_it_is_loaded(
    client: TestClient, engine: Engine, settings
) -> None:
    scene = build_scene(client, engine, settings, n=4)  # all paid in September 2025
    web_login(client, "coord1")
    if periods.today().year != 2026:
        pytest.skip("the scene's September 2025 is 'last year' only while the clock is in 2026")
    row = _row(client.get("/web/overview").text, scene.world["p1"])
    assert row["achieved"] == "0"
    assert row["last-year"].startswith("-4")  # 4 last year up to the same day
