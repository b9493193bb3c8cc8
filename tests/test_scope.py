"""Every id-bearing route, called across scopes, answers 403 or 404 and never data.

The guard test fails when a route gains a path parameter this file does not know, so a new
route cannot skip the check: add its parameter to ``FOREIGN_IDS`` (and a body to ``BODIES``
when the route validates one before it looks the id up).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.factories import World, auth, build_world, login

# For each caller, ids of things outside their scope, by path parameter name.
# Each entry: param -> function(world, tokens) -> id that the caller must not reach.
Foreign = Callable[[World, dict[str, dict[str, str]]], object]
# The world has no targets; cross-scope reads of real targets are in tests/targets/.
_NO_TARGET = 10**9
FOREIGN_IDS: dict[str, dict[str, Foreign]] = {
    "coord1": {
        "point_id": lambda w, t: w["p2"],
        "user_id": lambda w, t: w["agent2"],
        "device_id": lambda w, t: t["agent2"]["device_id"],
        "target_id": lambda w, t: _NO_TARGET,
    },
    "agent1": {
        "point_id": lambda w, t: w["p2"],
        "user_id": lambda w, t: w["agent2"],
        "device_id": lambda w, t: t["agent2"]["device_id"],
        "target_id": lambda w, t: _NO_TARGET,
    },
    "admin_hn": {
        "point_id": lambda w, t: w["p1"],
        "user_id": lambda w, t: w["agent1"],
        "device_id": lambda w, t: t["agent1"]["device_id"],
        "target_id": lambda w, t: _NO_TARGET,
    },
}
# Policy is national: no version is outside anyone's scope, so an unknown id stands in
# (403 for non-admins, 404 for admins, never data); policy access is tested in tests/policy/.
for _foreign in FOREIGN_IDS.values():
    _foreign["version_id"] = lambda w, t: 10**9
    # The world has no sign-ups; cross-scope reads of real ones are in tests/enrollments/.
    _foreign["enrollment_id"] = lambda w, t: "00000000-0000-4000-8000-000000000000"
    # Cross-scope use of real provisioning codes is in tests/provisioning/.
    _foreign["code_id"] = lambda w, t: 10**9
    # The world has no organisations or batches; cross-scope reads are in tests/collect/.
    _foreign["organisation_id"] = lambda w, t: 10**9
    _foreign["batch_id"] = lambda w, t: 10**9
# Bodies valid enough to pass validation, so the scope check is what answers.
BODIES: dict[tuple[str, str], dict[str, object]] = {
    ("PATCH", "/api/v1/targets/{target_id}"): {"value": 1, "reason": "scope check"},
    ("POST", "/api/v1/enrollments/{enrollment_id}/review"): {"decision": "approve"},
    ("POST", "/api/v1/devices/{device_id}/receipt-blocks"): {"size": 10},
    ("POST", "/api/v1/organisations/{organisation_id}/contracts"): {
        "contract_no": "1",
        "si_office_code": "X",
        "si_office_name": "X",
        "starts_on": "2025-01-01",
        "remittance_days": 1,
    },
}

_PARAM = re.compile(r"{(\w+)}")


def _id_routes(app) -> list[tuple[str, str, list[str]]]:
    """Every (method, path) with path parameters, from the OpenAPI schema the app serves."""
    out = []
    for path, operations in app.openapi()["paths"].items():
        if _PARAM.search(path):
            for method in sorted(operations):
                out.append((method.upper(), path, _PARAM.findall(path)))
    return out


def test_every_id_bearing_route_is_covered_by_this_test(app):
    known = set(FOREIGN_IDS["coord1"])
    missing = {p for _, _, params in _id_routes(app) for p in params} - known
    assert not missing, f"add these path parameters to FOREIGN_IDS in {__file__}: {missing}"


@pytest.mark.parametrize("caller", sorted(FOREIGN_IDS))
def test_id_bearing_routes_across_scopes_answer_403_or_404(client, engine, settings, app, caller):
    world = build_world(engine, settings)
    tokens = {who: login(client, who, device=f"dev-{who}") for who in ("agent1", "agent2")}
    headers = auth(client, caller, device=f"dev-{caller}-x")
    routes = _id_routes(app)
    assert routes
    for method, path, params in routes:
        url = path
        for param in params:
            url = url.replace("{" + param + "}", str(FOREIGN_IDS[caller][param](world, tokens)))
        body = BODIES.get((method, path), {})
        r = client.request(
            method, url, headers=headers, json=body if method in {"POST", "PATCH", "PUT"} else None
        )
        assert r.status_code in {403, 404}, f"{caller} {method} {url} -> {r.status_code} {r.text}"
        assert "items" not in r.json()


def test_list_endpoints_only_show_scoped_rows(client, engine, settings):
    w = build_world(engine, settings)
    coord = auth(client, "coord1")
    points = client.get("/api/v1/points", headers=coord).json()
    assert [p["id"] for p in points["items"]] == [w["p1"]]
    users = client.get("/api/v1/users", headers=coord).json()
    assert {u["id"] for u in users["items"]} == {w["coord1"], w["agent1"]}
    agent = auth(client, "agent1")
    assert [u["id"] for u in client.get("/api/v1/users", headers=agent).json()["items"]] == [
        w["agent1"]
    ]
    admin_hn = auth(client, "admin_hn")
    hn_points = client.get("/api/v1/points", headers=admin_hn).json()
    assert [p["id"] for p in hn_points["items"]] == [w["p_hn"]]
    admin = auth(client, "admin")
    all_points = client.get("/api/v1/points", headers=admin).json()
    assert {p["id"] for p in all_points["items"]} == {w["p1"], w["p2"]}
