"""Shared helpers of the policy tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from enroll_common import PolicySet


def all_versions(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every version the server holds, fetched page by page as a client would."""
    items: list[dict[str, Any]] = []
    while True:
        r = client.get(
            "/api/v1/policy/versions", params={"limit": 7, "offset": len(items)}, headers=headers
        )
        assert r.status_code == 200, r.text
        page = r.json()
        items.extend(page["items"])
        if len(items) >= page["total"]:
            return items


def policy_from_api(client: TestClient, headers: dict[str, str]) -> PolicySet:
    """The client's PolicySet: built from the rows the server serves, nothing else."""
    return PolicySet.from_dicts(all_versions(client, headers))
