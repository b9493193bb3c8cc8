"""Formats and catalogs: Vietnamese amounts and dates, and no untranslated message."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir

from server.web import fmt
from server.web.i18n import CATALOG_DIR, translations

WEB = Path(__file__).resolve().parents[2] / "server" / "web"


def test_vnd_uses_dot_thousands_and_dong_sign() -> None:
    assert fmt.vnd(1_234_567) == "1.234.567\u00a0₫"
    assert fmt.vnd(-100_000) == "-100.000\u00a0₫"
    assert fmt.vnd(0) == "0\u00a0₫"
    assert fmt.number(None) == "–"


def test_dates_are_day_month_year_in_vietnam_time() -> None:
    assert fmt.day(date(2025, 9, 5)) == "05/09/2025"
    # 20:30 UTC on 31 Dec is already 1 Jan in Vietnam (UTC+7).
    assert fmt.day(datetime(2025, 12, 31, 20, 30, tzinfo=UTC)) == "01/01/2026"
    assert fmt.moment(datetime(2025, 12, 31, 20, 30, tzinfo=UTC)) == "01/01/2026 03:30"


def test_percent_uses_decimal_comma() -> None:
    assert fmt.percent(0.625) == "62,5\u00a0%"


def test_vietnamese_catalog_translates_every_message() -> None:
    """Every msgid in the templates and web code has a Vietnamese translation."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {
        "templates/**.html": {
            "extensions": "jinja2.ext.i18n",
            "trim_blocks": "true",
            "lstrip_blocks": "true",
        }
    }
    vi = translations("vi")
    missing = []
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(WEB), method_map, options_map=options
    ):
        singular = message if isinstance(message, str) else message[0]
        if singular and vi.gettext(singular) == singular:
            missing.append(singular)
    assert not missing, f"untranslated: {missing}"
    assert (CATALOG_DIR / "vi" / "LC_MESSAGES" / "messages.po").exists()
