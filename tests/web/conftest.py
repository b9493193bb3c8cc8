"""Headless Chromium from Debian's package, driven by Playwright (never a downloaded browser).

Locally the browser tests skip, with the reason, when /usr/bin/chromium is missing; in CI
(CI=true) they fail instead, so a missing browser can never pass silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("FIELD_ENROLL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but the playwright package is not installed")
        pytest.skip("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) sized like a small laptop screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="vi-VN")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()
