"""Admission control: past the pushes in flight, a push is turned away at once, unread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from server.config import Settings
from server.main import create_app
from server.sync.settings import SyncSettings
from tests.enrollments.helpers import ready


@pytest.fixture
def one_push_server(settings: Settings) -> Iterator[str]:
    app = create_app(settings, sync=SyncSettings(max_sync_in_flight=1, push_retry_after_s=7))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


def _head(host: str, token: str, length: int) -> bytes:
    return (
        f"POST /api/v1/sync/push HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def _response(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_push_past_the_limit_is_429_with_retry_after_before_its_body(
    one_push_server, engine, settings
):
    host = one_push_server
    with httpx.Client(base_url=f"http://{host}") as http:
        ctx = ready(http, engine, settings)  # type: ignore[arg-type]
        token = ctx.agent["Authorization"].removeprefix("Bearer ")
        timed_before = _shed_seconds_count(http)
        body = b'{"records": []}'
        first = socket.create_connection(tuple(host.split(":")))  # type: ignore[arg-type]
        first.sendall(_head(host, token, len(body)) + body[:5])  # in flight, body half sent
        time.sleep(0.3)

        second = socket.create_connection(tuple(host.split(":")))  # type: ignore[arg-type]
        second.sendall(_head(host, token, 5_000_000))  # announces 5 MB, sends none of it
        turned_away = _response(second).decode("latin-1")
        second.close()
        assert turned_away.startswith("HTTP/1.1 429"), turned_away
        assert "retry-after: 7" in turned_away.lower()
        assert "too_many_requests" in turned_away

        first.sendall(body[5:])
        answered = _response(first).decode("latin-1")
        first.close()
        assert answered.startswith("HTTP/1.1 200"), answered
        # The 429 was timed inside the app (the figure behind "answered within 100 ms"); read
        # once the slot's push is done (on SQLite the scrape waits for its connection).
        assert _shed_seconds_count(http) == timed_before + 1

        # The slot is free again.
        r = http.post("/api/v1/sync/push", json={"records": []}, headers=ctx.agent)
        assert r.status_code == 200, r.text


def test_pull_and_void_share_the_push_budget(one_push_server, engine, settings):
    """One budget for push, pull and void: a pull past it is 429 too, and counted by route."""
    host = one_push_server
    with httpx.Client(base_url=f"http://{host}") as http:
        ctx = ready(http, engine, settings)  # type: ignore[arg-type]
        token = ctx.agent["Authorization"].removeprefix("Bearer ")
        shed_before = _shed(http)
        body = b'{"records": []}'
        first = socket.create_connection(tuple(host.split(":")))  # type: ignore[arg-type]
        first.sendall(_head(host, token, len(body)) + body[:5])  # a push holds the one slot
        time.sleep(0.3)

        pulled = http.get("/api/v1/sync/pull", params={"cursor": "0"}, headers=ctx.agent)
        assert pulled.status_code == 429, pulled.text
        assert pulled.headers["retry-after"] == "7"
        assert pulled.json()["type"] == "too_many_requests"
        voided = http.post(
            "/api/v1/receipts/void",
            json={"receipt_number": 1, "reason": "torn"},
            headers=ctx.agent,
        )
        assert voided.status_code == 429, voided.text
        # Routes outside the sync budget are still served.
        assert http.get("/api/v1/health/live").status_code == 200

        first.sendall(body[5:])
        assert _response(first).decode("latin-1").startswith("HTTP/1.1 200")
        first.close()
        shed_after = _shed(http)
        assert (
            shed_after.get(("sync_in_flight", "pull"), 0)
            - shed_before.get(("sync_in_flight", "pull"), 0)
            == 1
        )
        assert (
            shed_after.get(("sync_in_flight", "void"), 0)
            - shed_before.get(("sync_in_flight", "void"), 0)
            == 1
        )

        # The slot is free again: the pull is served.
        r = http.get("/api/v1/sync/pull", params={"cursor": "0"}, headers=ctx.agent)
        assert r.status_code == 200, r.text


def _shed(http: httpx.Client) -> dict[tuple[str, str], float]:
    """field_enroll_shed_requests_total by (reason, route), read from /metrics."""
    out: dict[tuple[str, str], float] = {}
    for line in http.get("/metrics").text.splitlines():
        if line.startswith("field_enroll_shed_requests_total{"):
            labels, _, value = line.partition("} ")
            pairs = dict(p.split("=", 1) for p in labels.split("{", 1)[1].split(","))
            key = (pairs["reason"].strip('"'), pairs["route"].strip('"'))
            out[key] = out.get(key, 0.0) + float(value)
    return out


def _shed_seconds_count(http: httpx.Client) -> float:
    """field_enroll_shed_answer_seconds_count{route="push"}, read from /metrics."""
    for line in http.get("/metrics").text.splitlines():
        if line.startswith('field_enroll_shed_answer_seconds_count{route="push"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.parametrize(
    ("given", "pool", "cores", "budget"),
    [
        ({}, 8, 8, 8),  # default: the pool size…
        ({}, 8, 4, 8),
        ({}, 8, 2, 4),  # …but at most two per core, so the loop that answers 429s gets one
        ({}, 8, 1, 2),
        ({"max_sync_in_flight": 4}, 8, 8, 4),
        ({"max_sync_in_flight": 20}, 8, 8, 8),  # never above the pool
        ({"max_sync_in_flight": 6}, 8, 2, 6),  # set: the operator's number, cores or not
        ({"max_pushes_in_flight": 3}, 8, 8, 3),  # the older name is still read
        ({"max_sync_in_flight": 5, "max_pushes_in_flight": 3}, 8, 8, 5),
    ],
)
def test_the_budget_is_sized_to_the_pool_and_the_cores(
    given: dict[str, int], pool: int, cores: int, budget: int
) -> None:
    assert SyncSettings(**given).in_flight_budget(pool, cores) == budget  # type: ignore[arg-type]
