"""A per-address rate limit for public endpoints (the receipt check).

A fixed one-minute window per client address, kept in the process: with N workers an
address gets at most N times the limit, which still stops enumeration (each guess is one
of 10^10+ codes). The proxy's own limit (docs/privacy.md) caps the total.
"""

from __future__ import annotations

import threading
import time
from typing import Annotated

from fastapi import Depends, Request

from server.config import Settings
from server.errors import TooManyRequests

_WINDOW_SECONDS = 60.0
_MAX_TRACKED = 100_000


class RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str, now: float | None = None) -> int | None:
        """Count one request; the seconds to wait when over the limit, else None."""
        now = time.monotonic() if now is None else now
        with self._lock:
            started, count = self._windows.get(key, (now, 0))
            if now - started >= _WINDOW_SECONDS:
                started, count = now, 0
            count += 1
            if len(self._windows) >= _MAX_TRACKED and key not in self._windows:
                self._windows = {
                    k: v for k, v in self._windows.items() if now - v[0] < _WINDOW_SECONDS
                }
            self._windows[key] = (started, count)
            if count > self.per_minute:
                return max(1, int(started + _WINDOW_SECONDS - now + 0.999))
            return None


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter | None = getattr(request.app.state, "verify_limiter", None)
    if limiter is None:
        settings: Settings = request.app.state.settings
        limiter = RateLimiter(settings.receipt_verify_per_minute)
        request.app.state.verify_limiter = limiter
    return limiter


def limit_receipt_checks(request: Request) -> None:
    address = request.client.host if request.client else "unknown"
    wait = _limiter(request).hit(address)
    if wait is not None:
        raise TooManyRequests(
            f"quá nhiều lần kiểm tra biên lai; thử lại sau {wait} giây "
            f"(too many receipt checks; try again in {wait} seconds)",
            headers={"Retry-After": str(wait)},
        )


ReceiptCheckLimit = Annotated[None, Depends(limit_receipt_checks)]
