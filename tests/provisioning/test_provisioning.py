"""One-time provisioning codes: created by a coordinator, used once by a new device for the
same tokens as a login, revocable, short-lived, throttled, audited, and shown on the
dashboard as a QR code of the server address and the code."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, col, select

from server.dbtypes import utcnow
from server.enrollments.models import EnrollmentAudit
from server.provisioning.models import ProvisioningCode
from server.web.provisioning import qr_svg
from tests.factories import auth, build_world
from tests.web.helpers import csrf_of, web_login


def _create(client, headers, user_id):
    return client.post(f"/api/v1/users/{user_id}/provisioning-codes", headers=headers)


def _provision(client, code, device="phone-new"):
    return client.post(
        "/api/v1/auth/provision",
        json={"code": code, "device_id": device, "device_name": "Điện thoại mới"},
    )


def _audit(engine, code_id):
    with Session(engine) as s:
        return [
            a.action
            for a in s.exec(
                select(EnrollmentAudit)
                .where(
                    EnrollmentAudit.entity == "provisioning_code",
                    EnrollmentAudit.entity_id == str(code_id),
                )
                .order_by(col(EnrollmentAudit.id))
            ).all()
        ]


def test_code_registers_a_device_once_with_login_tokens(client, engine, settings):
    w = build_world(engine, settings)
    coord = auth(client, "coord1")
    r = _create(client, coord, w["agent1"])
    assert r.status_code == 201, r.text
    created = r.json()
    code = created["code"]
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    assert created["state"] == "active" and code in created["uri"]
    with Session(engine) as s:  # only the hash is kept
        row = s.get(ProvisioningCode, created["id"])
        assert row is not None and code not in row.code_hash and len(row.code_hash) == 64

    # Typed sloppily: lower case, no dashes, O for 0.
    typed = code.replace("-", "").lower().replace("0", "o")
    r = _provision(client, typed)
    assert r.status_code == 200, r.text
    pair = r.json()
    assert set(pair) >= {"access_token", "refresh_token", "device_id"}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200 and me.json()["id"] == w["agent1"]
    assert me.json()["device_id"] == pair["device_id"]
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 200

    again = _provision(client, code, device="phone-thief")
    assert again.status_code == 401 and again.json()["field"] == "code"
    listed = client.get(f"/api/v1/users/{w['agent1']}/provisioning-codes", headers=coord).json()
    assert [(c["state"], c["device_id"]) for c in listed] == [("used", pair["device_id"])]
    assert "code" not in listed[0]
    assert _audit(engine, created["id"]) == ["create", "use"]


def test_revoked_and_expired_codes_do_not_work(client, engine, settings):
    w = build_world(engine, settings)
    coord = auth(client, "coord1")
    revoked = _create(client, coord, w["agent1"]).json()
    r = client.post(f"/api/v1/provisioning-codes/{revoked['id']}/revoke", headers=coord)
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    assert _provision(client, revoked["code"]).status_code == 401
    assert _audit(engine, revoked["id"]) == ["create", "revoke"]

    expired = _create(client, coord, w["agent1"]).json()
    with Session(engine) as s:
        row = s.get(ProvisioningCode, expired["id"])
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        s.add(row)
        s.commit()
    assert _provision(client, expired["code"]).status_code == 401
    states = {
        c["id"]: c["state"]
        for c in client.get(f"/api/v1/users/{w['agent1']}/provisioning-codes", headers=coord).json()
    }
    assert states == {revoked["id"]: "revoked", expired["id"]: "expired"}


def test_codes_are_scoped_and_for_agents_only(client, engine, settings):
    w = build_world(engine, settings)
    coord1, coord2 = auth(client, "coord1"), auth(client, "coord2")
    assert _create(client, coord2, w["agent1"]).status_code in {403, 404}
    assert _create(client, coord1, w["coord1"]).status_code == 422
    assert _create(client, auth(client, "agent1"), w["agent1"]).status_code == 403
    mine = _create(client, coord1, w["agent1"]).json()
    r = client.post(f"/api/v1/provisioning-codes/{mine['id']}/revoke", headers=coord2)
    assert r.status_code in {403, 404}
    listing = client.get(f"/api/v1/users/{w['agent1']}/provisioning-codes", headers=coord2)
    assert listing.status_code in {403, 404}
    assert _provision(client, mine["code"]).status_code == 200  # untouched by coord2


def test_guessing_codes_is_throttled_per_address(client, engine, settings):
    w = build_world(engine, settings)
    good = _create(client, auth(client, "coord1"), w["agent1"]).json()["code"]
    statuses = [_provision(client, f"AAAA-BBBB-{i:04d}").status_code for i in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    assert _provision(client, good).status_code == 429  # locked, even with the right code


def test_dashboard_shows_the_code_as_qr_and_text_and_revokes_it(client, engine, settings):
    w = build_world(engine, settings)
    web_login(client, "coord1")
    page = client.get(f"/web/agents/{w['agent1']}/provisioning")
    assert page.status_code == 200 and "Mã cấp thiết bị" in page.text
    r = client.post(
        f"/web/agents/{w['agent1']}/provisioning", data={"csrf_token": csrf_of(page.text)}
    )
    assert r.status_code == 201, r.text
    code = re.search(r"<strong class=\"code\" data-code>([0-9A-Z-]+)</strong>", r.text)
    assert code is not None
    # The QR code holds the server address and this code (segno's SVG of exactly that URI).
    uri = f"field-enroll://provision?server=http://testserver&code={code.group(1)}"
    assert "<svg" in r.text and qr_svg(uri) in r.text
    code_id = int(re.search(r'data-code-id="(\d+)"', r.text).group(1))  # type: ignore[union-attr]
    r2 = client.post(
        f"/web/provisioning-codes/{code_id}/revoke",
        data={"csrf_token": csrf_of(r.text)},
        follow_redirects=False,
    )
    assert r2.status_code == 303
    assert _provision(client, code.group(1)).status_code == 401
    after = client.get(f"/web/agents/{w['agent1']}/provisioning").text
    assert code.group(1) not in after  # never shown again


def test_a_revoked_device_is_refused_and_the_code_is_not_spent(client, engine, settings):
    w = build_world(engine, settings)
    coord = auth(client, "coord1")
    first = _create(client, coord, w["agent1"]).json()
    device_id = _provision(client, first["code"], device="phone-lost").json()["device_id"]
    assert client.post(f"/api/v1/devices/{device_id}/revoke", headers=coord).status_code == 200
    second = _create(client, coord, w["agent1"]).json()
    refused = _provision(client, second["code"], device="phone-lost")
    assert refused.status_code == 403
    assert _provision(client, second["code"], device="phone-new").status_code == 200
