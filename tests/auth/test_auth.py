"""Login, rotation, reuse detection, logout, device revocation, throttling, JWT checks."""

from __future__ import annotations

import time

import jwt
import pytest

from server.auth.security import ALGORITHM
from tests.factories import PASSWORD, auth, build_world, login


@pytest.fixture
def world(engine, settings):
    return build_world(engine, settings)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_valid_password_returns_tokens_and_registers_device(client, world):
    body = login(client, "agent1", device="phone-a")
    assert body["token_type"] == "bearer"
    me = client.get("/api/v1/me", headers=_bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["username"] == "agent.eakar"
    assert me.json()["device_id"] == body["device_id"]
    devices = client.get("/api/v1/devices", headers=_bearer(body["access_token"])).json()
    assert [d["device_key"] for d in devices["items"]] == ["phone-a"]


def test_login_wrong_password_is_401_without_saying_which_part(client, world):
    r = client.post(
        "/api/v1/auth/login",
        json={"username": "agent.eakar", "password": "nope", "device_id": "d"},
    )
    assert r.status_code == 401
    assert r.json()["type"] == "not_authenticated"
    r2 = client.post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "nope", "device_id": "d"}
    )
    assert r2.status_code == 401
    assert r2.json()["detail"] == r.json()["detail"]


def test_login_unknown_field_is_rejected(client, world):
    r = client.post(
        "/api/v1/auth/login",
        json={"username": "admin", "password": PASSWORD, "device_id": "d", "role": "admin"},
    )
    assert r.status_code == 422
    assert r.json()["field"] == "role"


def test_access_token_lifetime_is_fifteen_minutes_and_refresh_thirty_days(client, world):
    body = login(client, "admin")
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    refresh = jwt.decode(body["refresh_token"], options={"verify_signature": False})
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 30 * 24 * 3600
    assert access["typ"] == "access" and refresh["typ"] == "refresh"


def test_refresh_rotates_and_old_token_replayed_after_grace_revokes_session(client, world, app):
    app.state.auth.settings.refresh_reuse_grace_seconds = 0
    first = login(client, "agent1")
    r = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/me", headers=_bearer(second["access_token"])).status_code == 200
    time.sleep(0.05)
    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert replay.json()["reason"] == "refresh_token_reuse"
    # The whole family is gone: the legitimate new tokens stop working too.
    assert (
        client.post(
            "/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
        ).status_code
        == 401
    )
    assert client.get("/api/v1/me", headers=_bearer(second["access_token"])).status_code == 401
    # Another login on the same device still works: the device is not revoked.
    assert login(client, "agent1")["device_id"] == first["device_id"]


def test_refresh_replayed_within_grace_window_is_tolerated(client, world):
    first = login(client, "agent1")
    ok1 = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ok2 = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert ok1.status_code == 200 and ok2.status_code == 200
    assert client.get("/api/v1/me", headers=_bearer(ok1.json()["access_token"])).status_code == 200


def test_logout_ends_access_and_refresh_tokens(client, world):
    body = login(client, "coord1")
    assert (
        client.post("/api/v1/auth/logout", headers=_bearer(body["access_token"])).status_code == 204
    )
    assert client.get("/api/v1/me", headers=_bearer(body["access_token"])).status_code == 401
    r = client.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert r.status_code == 401


def test_revoked_device_gets_401_on_next_call_and_cannot_log_in_again(client, world):
    agent = login(client, "agent1", device="lost-phone")
    coord = auth(client, "coord1")
    r = client.post(f"/api/v1/devices/{agent['device_id']}/revoke", headers=coord)
    assert r.status_code == 200 and r.json()["revoked_at"] is not None
    me = client.get("/api/v1/me", headers=_bearer(agent["access_token"]))
    assert me.status_code == 401
    assert me.json()["reason"] == "device_revoked"
    again = client.post(
        "/api/v1/auth/login",
        json={"username": "agent.eakar", "password": PASSWORD, "device_id": "lost-phone"},
    )
    assert again.status_code == 403
    # A new device is fine.
    assert login(client, "agent1", device="new-phone")["device_id"] != agent["device_id"]


def test_agent_cannot_revoke_devices(client, world):
    agent = login(client, "agent1")
    r = client.post(
        f"/api/v1/devices/{agent['device_id']}/revoke", headers=_bearer(agent["access_token"])
    )
    assert r.status_code == 403


def test_password_change_ends_other_sessions_but_keeps_devices(client, world):
    phone = login(client, "agent1", device="phone")
    laptop = login(client, "agent1", device="laptop")
    r = client.post(
        "/api/v1/me/password",
        headers=_bearer(laptop["access_token"]),
        json={"current_password": PASSWORD, "new_password": "a brand new secret"},
    )
    assert r.status_code == 204
    assert client.get("/api/v1/me", headers=_bearer(laptop["access_token"])).status_code == 200
    assert client.get("/api/v1/me", headers=_bearer(phone["access_token"])).status_code == 401
    relog = client.post(
        "/api/v1/auth/login",
        json={"username": "agent.eakar", "password": "a brand new secret", "device_id": "phone"},
    )
    assert relog.status_code == 200
    assert relog.json()["device_id"] == phone["device_id"]  # same device, not wiped


def test_repeated_failed_logins_are_throttled_with_retry_after(client, world, app):
    limit = app.state.auth.settings.login_max_failures_per_account
    for _ in range(limit):
        r = client.post(
            "/api/v1/auth/login",
            json={"username": "agent.eakar", "password": "wrong", "device_id": "d"},
        )
        assert r.status_code == 401
    r = client.post(
        "/api/v1/auth/login",
        json={"username": "agent.eakar", "password": PASSWORD, "device_id": "d"},
    )
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    # Another account from the same address is not locked by this one.
    assert login(client, "agent2")["access_token"]


def test_failed_logins_from_one_address_across_accounts_are_throttled(client, world, app):
    app.state.auth.settings.login_max_failures_per_address = 3
    for name in ["a.one", "a.two", "a.three"]:
        client.post(
            "/api/v1/auth/login", json={"username": name, "password": "x", "device_id": "d"}
        )
    r = client.post(
        "/api/v1/auth/login",
        json={"username": "agent.eakar", "password": PASSWORD, "device_id": "d"},
    )
    assert r.status_code == 429
    assert "Retry-After" in r.headers


def test_jwt_attacks_are_rejected_with_401(client, world, settings):
    valid = login(client, "admin")
    real = jwt.decode(valid["access_token"], options={"verify_signature": False})
    secret = settings.resolved_secret()
    cases = {
        "alg none": jwt.encode(real, key=None, algorithm="none"),
        "wrong key": jwt.encode(real, "another-secret-of-sufficient-length-123456", ALGORITHM),
        "expired": jwt.encode({**real, "exp": int(time.time()) - 10}, secret, ALGORITHM),
        "wrong audience": jwt.encode({**real, "aud": "someone-else"}, secret, ALGORITHM),
        "wrong issuer": jwt.encode({**real, "iss": "evil"}, secret, ALGORITHM),
        "refresh as access": valid["refresh_token"],
        "missing claims": jwt.encode({"sub": "1"}, secret, ALGORITHM),
        "garbage": "not-a-jwt",
    }
    for name, token in cases.items():
        r = client.get("/api/v1/me", headers=_bearer(token))
        assert r.status_code == 401, name
        assert r.json()["type"] == "not_authenticated", name
    r = client.post("/api/v1/auth/refresh", json={"refresh_token": valid["access_token"]})
    assert r.status_code == 401
    assert "not a refresh token" in r.json()["detail"]


def test_missing_token_is_401(client, world):
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["type"] == "not_authenticated"


def test_me_gives_an_agent_the_communes_of_their_points(client, world):
    body = client.get("/api/v1/me", headers=auth(client, "agent1")).json()
    assert body["role"] == "agent"
    assert body["commune_codes"] == [24373]
    assert body["point_ids"] == [world["p1"]]
