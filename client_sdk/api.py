"""The HTTP side: one httpx client, the retry policy, token refresh and error mapping."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from client_sdk.errors import (
    AuthError,
    ConflictError,
    FieldEnrollError,
    LoginRequired,
    NetworkError,
    ServerError,
    ValidationError,
)
from enroll_common.sync_codes import PROTOCOL_HEADER, PROTOCOL_VERSION

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter, never sooner than ``Retry-After``.

    Attempt n (from 0) waits a uniform random time in [0, min(cap, base * 2**n)], raised to
    the server's Retry-After when that is longer (itself capped at ``max_retry_after``).
    """

    max_attempts: int = 6
    base_seconds: float = 0.5
    cap_seconds: float = 30.0
    max_retry_after: float = 300.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        backoff = rng.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))
        if retry_after is not None:
            return max(backoff, min(retry_after, self.max_retry_after))
        return backoff


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_from_response(response: httpx.Response) -> FieldEnrollError:
    """Map an error response to the SDK's error tree, keeping the server's words."""
    try:
        body: dict[str, Any] = response.json()
        if not isinstance(body, dict):
            body = {}
    except ValueError:
        body = {}
    detail = str(body.get("detail") or response.reason_phrase or "error")
    kwargs: dict[str, Any] = {
        "status": response.status_code,
        "type": body.get("type"),
        "request_id": body.get("request_id") or response.headers.get("x-request-id"),
        "body": body,
    }
    status = response.status_code
    if status == 401:
        return LoginRequired(detail, **kwargs)
    if status == 403:
        return AuthError(detail, **kwargs)
    if status == 409:
        return ConflictError(detail, **kwargs)
    if status in (400, 404, 413, 422):
        return ValidationError(
            detail, field=body.get("field"), allowed=body.get("allowed"), **kwargs
        )
    if status >= 500 or status in RETRY_STATUSES:
        return ServerError(detail, **kwargs)
    return FieldEnrollError(detail, **kwargs)


TokenRefresher = Callable[[], str | None]
"""Called once on a 401: returns a fresh access token, or None when the session is gone."""


class Api:
    """Sends requests with retries; authenticates with the current access token."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            headers={
                "User-Agent": "field-enroll-agent",
                PROTOCOL_HEADER: str(PROTOCOL_VERSION),
            },
        )
        self.retry = retry or RetryPolicy()
        self.access_token: str | None = None
        self.refresher: TokenRefresher | None = None
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.on_retry: Callable[[int, float, str], None] | None = None

    def close(self) -> None:
        self.http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
    ) -> Any:
        """Send with retries; on 401 refresh the session once and resend; decode the JSON."""
        response = self._with_retries(method, path, json=json, params=params, auth=auth)
        if response.status_code == 401 and auth and self.refresher:
            token = self.refresher()
            if token is None:
                raise error_from_response(response)
            self.access_token = token
            response = self._with_retries(method, path, json=json, params=params, auth=auth)
        return decode(response)

    def _with_retries(
        self, method: str, path: str, *, json: Any, params: dict[str, Any] | None, auth: bool
    ) -> httpx.Response:
        """Send until an answer that is not transient, or the attempts run out."""
        attempt = 0
        while True:
            last = attempt + 1 >= self.retry.max_attempts
            try:
                response = self._send_once(method, path, json=json, params=params, auth=auth)
            except httpx.TransportError as exc:
                if last:
                    raise NetworkError(
                        f"no answer from the server after {attempt + 1} attempts",
                        type="network",
                    ) from exc
                self._wait(attempt, None, type(exc).__name__)
                attempt += 1
                continue
            if response.status_code not in RETRY_STATUSES or last:
                return response
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            self._wait(attempt, retry_after, f"HTTP {response.status_code}")
            attempt += 1

    def _send_once(
        self, method: str, path: str, *, json: Any, params: dict[str, Any] | None, auth: bool
    ) -> httpx.Response:
        headers = {}
        if auth and self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        return self.http.request(method, path, json=json, params=params, headers=headers)

    def _wait(self, attempt: int, retry_after: float | None, why: str) -> None:
        delay = self.retry.delay(attempt, retry_after, self._rng)
        if self.on_retry:
            self.on_retry(attempt + 1, delay, why)
        self._sleep(delay)


def decode(response: httpx.Response) -> Any:
    """The answer's JSON (None when empty), or the SDK error an error answer maps to."""
    if response.status_code >= 400:
        raise error_from_response(response)
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise ServerError(
            "the server answered with something that is not JSON", status=response.status_code
        ) from exc
