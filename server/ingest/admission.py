"""Admission control for sync: one bounded budget of requests in flight per process.

A sync wave (every agent of a district at the commune office at the end of the day) would
otherwise queue hundreds of requests behind the database until every client timed out and
retried, so nothing was acknowledged. Pushes, pulls and receipt voids (what a device sends
when it syncs, each holding a pool connection for its whole answer) share ONE budget sized to
the database pool: when pulls were outside it, they took the pool from admitted pushes and
the 1,000 agents x 50 burst saw 869 requests fail (503 for want of a connection, 30 s read
timeouts). Past the budget a request is answered 429 with ``Retry-After`` at once, before its
body is read; the SDK waits and sends it again, and the idempotent record ids and the pull
cursor make a retry of work already done cheap.
"""

from __future__ import annotations

import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.observability import context
from server.observability.metrics import observe_push_shed

PUSH_PATH = "/api/v1/sync/push"

ADMITTED: dict[tuple[str, str], str] = {
    ("POST", PUSH_PATH): "push",
    ("GET", "/api/v1/sync/pull"): "pull",
    ("POST", "/api/v1/receipts/void"): "void",
}
"""(method, path) of the device sync requests under the budget -> route label of the metric."""


class SyncAdmission:
    """Pure ASGI middleware; the counter lives on the event loop, so no lock is needed."""

    def __init__(self, app: ASGIApp, *, limit: int, retry_after_s: int) -> None:
        self.app = app
        self.limit = limit
        self.retry_after_s = retry_after_s
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = ADMITTED.get((scope.get("method", ""), scope.get("path", "")))
        if scope["type"] != "http" or route is None:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            # Timed from the request-context middleware's start (the app's first layer that
            # keeps time) to the 429 handed to uvicorn: the "answered within 100 ms" figure.
            started = context.current().get("started")
            await self._turn_away(scope, send, route)
            took = time.perf_counter() - started if isinstance(started, float) else None
            observe_push_shed(route, took)
            return
        self.in_flight += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released, self.in_flight = True, self.in_flight - 1

        async def send_and_release(message: Message) -> None:
            # The slot is free once the answer is out, not when the app's clean-up ends:
            # the client may send its next batch the moment it has the answer.
            if message["type"] == "http.response.body" and not message.get("more_body"):
                release()
            await send(message)

        try:
            await self.app(scope, receive, send_and_release)
        finally:
            release()

    async def _turn_away(self, scope: Scope, send: Send, route: str) -> None:
        what = "batch" if route == "push" else "request"
        body = json.dumps(
            {
                "type": "too_many_requests",
                "detail": (
                    "the server is busy with other sync requests; nothing was read or saved, "
                    f"send the same {what} again in {self.retry_after_s} s"
                ),
                "request_id": scope.get("state", {}).get("request_id"),
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", str(self.retry_after_s).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


PushAdmission = SyncAdmission
"""The name before pulls and voids joined the budget (kept for callers and docs)."""
