"""Per-request facts (request id, client, user, device) that every log line carries.

One mutable dict per request lives in a context variable. Sync routes and dependencies run in
worker threads with a *copy* of the context; because the copy still points at the same dict,
what ``get_principal`` notes there (user, device) is seen by the access log line written
afterwards on the event loop, and by every line logged in between.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_request: ContextVar[dict[str, Any] | None] = ContextVar("field_enroll_request", default=None)


def begin(**facts: Any) -> dict[str, Any]:
    """Start the facts of a new request (called by the middleware)."""
    found: dict[str, Any] = dict(facts)
    _request.set(found)
    return found


def annotate(**facts: Any) -> None:
    """Add facts to the current request's log lines (no-op outside a request)."""
    found = _request.get()
    if found is not None:
        found.update({k: v for k, v in facts.items() if v is not None})


def current() -> dict[str, Any]:
    return dict(_request.get() or {})


def merge_into_event(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: the request's facts on every line (the event's own keys win)."""
    for key, value in (_request.get() or {}).items():
        if key != "started":
            event.setdefault(key, value)
    return event
