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
    app = create_app(settings, sync=SyncSettings(max_pushes_in_flight=1, push_retry_after_s=7))
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

        # The slot is free again.
        r = http.post("/api/v1/sync/push", json={"records": []}, headers=ctx.agent)
        assert r.status_code == 200, r.text
