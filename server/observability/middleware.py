"""One pure-ASGI layer per request: its facts for the logs, its access line, its metrics.

It sits inside asgi-correlation-id's middleware (which takes or makes the request id) and
inside uvicorn's ProxyHeadersMiddleware (so ``client`` is the real client behind a trusted
proxy), and outside everything else, so even a 413 from the body limit or a 500 is logged
and counted.
"""

from __future__ import annotations

import logging
import time

from asgi_correlation_id import correlation_id
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.observability import context
from server.observability.metrics import REQUEST_SECONDS, REQUESTS, observe_login

# Plain stdlib logging (rendered as JSON by ``configure_logging``, extras become keys): the
# app also runs unconfigured, in tests, where nothing must go to standard output.
log = logging.getLogger("field_enroll.access")

_LOGIN_ROUTES = {("POST", "/api/v1/auth/login"), ("POST", "/web/login")}
_QUIET_ROUTES = {"/metrics", "/api/v1/health/live", "/api/v1/health/ready"}


def _route_template(scope: Scope) -> str:
    """The route's path template (``/api/v1/users/{user_id}``), never the raw path, so metric
    labels stay few; requests no route matched are grouped as ``unmatched``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    app = scope.get("app")
    for candidate in getattr(getattr(app, "router", None), "routes", []):
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            return str(getattr(candidate, "path", "unmatched"))
    return "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = correlation_id.get()
        scope.setdefault("state", {})["request_id"] = rid
        client = scope.get("client")
        started = time.perf_counter()
        context.begin(
            request_id=rid,
            client=client[0] if client else None,
            method=scope["method"],
            path=scope["path"],
            started=started,
        )
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            seconds = time.perf_counter() - started
            route = _route_template(scope)
            method = scope["method"]
            REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            REQUEST_SECONDS.labels(method=method, route=route).observe(seconds)
            if (method, route) in _LOGIN_ROUTES:
                observe_login(status)
            if route not in _QUIET_ROUTES or status >= 400:
                level = logging.WARNING if status >= 500 else logging.INFO
                extra = {"route": route, "status": status, "duration_ms": round(seconds * 1000, 1)}
                log.log(level, "request", extra=extra)
