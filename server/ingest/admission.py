"""Admission control for push: a bounded number in flight per process, the rest told to retry.

A sync wave (every agent of a district at the commune office at the end of the day) would
otherwise queue hundreds of pushes behind the database until every client timed out and
retried, so nothing was acknowledged. Past the limit a push is answered 429 with
``Retry-After`` at once, before its body is read; the SDK waits and sends it again, and the
idempotent record ids make a retry of work already committed cheap.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.observability.metrics import observe_push_shed

PUSH_PATH = "/api/v1/sync/push"


class PushAdmission:
    """Pure ASGI middleware; the counter lives on the event loop, so no lock is needed."""

    def __init__(self, app: ASGIApp, *, limit: int, retry_after_s: int) -> None:
        self.app = app
        self.limit = limit
        self.retry_after_s = retry_after_s
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PUSH_PATH:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            observe_push_shed()
            await self._turn_away(scope, send)
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

    async def _turn_away(self, scope: Scope, send: Send) -> None:
        body = json.dumps(
            {
                "type": "too_many_requests",
                "detail": (
                    "the server is busy with other pushes; nothing was read or saved, "
                    f"send the same batch again in {self.retry_after_s} s"
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
