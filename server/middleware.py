"""Pure ASGI middleware: a cap on body size, and the request id rules.

The request id itself is taken or made by asgi-correlation-id (see ``server.main``).
"""

from __future__ import annotations

import json
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def make_request_id() -> str:
    return secrets.token_hex(8)


def valid_request_id(given: str) -> bool:
    """A caller's (or nginx's) ``X-Request-ID`` is kept when it is short and printable."""
    return 0 < len(given) <= 64 and given.isprintable()


class BodyLimitMiddleware:
    """Answer 413 before reading more than ``max_bytes`` of a request body."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, scope: Scope, send: Send) -> None:
        rid = scope.get("state", {}).get("request_id")
        body = json.dumps(
            {
                "type": "payload_too_large",
                "detail": f"request body is larger than the limit of {self.max_bytes} bytes",
                "limit_bytes": self.max_bytes,
                "request_id": rid,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._reject(scope, send)
            return
        seen = 0
        rejected = False
        started = False

        async def limited_receive() -> Message:
            # A streamed body (no Content-Length) is counted as it arrives. Past the limit we
            # answer 413 ourselves and tell the app the client left, so it stops reading and
            # whatever it answers is dropped; nothing reaches a handler that could write.
            nonlocal seen, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    rejected = True
                    if not started:
                        await self._reject(scope, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if rejected:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)
