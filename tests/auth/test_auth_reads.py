"""Authentication only reads: it never waits for, nor holds, SQLite's write lock, and the
device's last use is still recorded (at most once per five minutes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.security import HTTPAuthorizationCredentials
from sqlmodel import Session

from server.auth.models import Device
from server.db import make_engine
from server.dbtypes import utcnow
from server.deps import get_principal
from tests.factories import build_world, login, sqlite_writer


@pytest.fixture
def world(engine, settings):
    return build_world(engine, settings)


def _last_seen(engine, device_id: int):
    with Session(engine) as s:
        device = s.get(Device, device_id)
        assert device is not None
        return device.last_seen_at


def _set_last_seen(engine, device_id: int, value) -> None:
    with Session(engine) as s:
        device = s.get(Device, device_id)
        assert device is not None
        device.last_seen_at = value
        s.add(device)
        s.commit()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL readers never wait
def test_authentication_does_not_wait_for_the_sqlite_writer(client, world, app, settings):
    tokens = login(client, "agent1")
    # A short busy timeout: were authentication to ask for the write lock, it would fail
    # in 0.2 s with "database is locked" instead of waiting the default 15 s.
    engine = make_engine(settings.model_copy(update={"sqlite_busy_timeout_ms": 200}))
    try:
        with (
            sqlite_writer(settings.database_url),
            Session(engine, expire_on_commit=False) as session,
        ):
            principal = get_principal(
                session,
                app.state.auth,
                HTTPAuthorizationCredentials(scheme="Bearer", credentials=tokens["access_token"]),
            )
            assert principal.user.username == "agent.eakar"
            assert not session.in_transaction()  # nothing held while the route runs
    finally:
        engine.dispose()


def test_device_last_use_is_recorded_at_most_every_five_minutes(client, world, engine):
    # Before, the change was flushed by the principal's reads and then rolled back with the
    # request's session: the device list showed the login time only.
    tokens = login(client, "agent1")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    device_id = int(tokens["device_id"])

    an_hour_ago = utcnow() - timedelta(hours=1)
    _set_last_seen(engine, device_id, an_hour_ago)
    before = utcnow()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert _last_seen(engine, device_id) >= before - timedelta(seconds=1)

    a_minute_ago = utcnow() - timedelta(minutes=1)
    _set_last_seen(engine, device_id, a_minute_ago)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert abs(_last_seen(engine, device_id) - a_minute_ago) < timedelta(milliseconds=1)
