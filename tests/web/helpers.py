"""Logging a TestClient into the dashboard the way a browser does."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import PASSWORD, USERNAMES

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def web_login(client: TestClient, who: str, password: str = PASSWORD) -> str:
    """Log in through the login form; returns the session's CSRF token."""
    page = client.get("/web/login")
    r = client.post(
        "/web/login",
        data={
            "username": USERNAMES.get(who, who),
            "password": password,
            "csrf_token": csrf_of(page.text),
            "next": "/web/overview",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/web/overview").text)
