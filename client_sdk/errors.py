"""The SDK's errors. Catch ``FieldEnrollError`` for all of them.

FieldEnrollError                 status, detail, request_id, type
├── NetworkError                 no answer (connection refused/cut, timeout), after retries
├── AuthError                    401/403
│   └── LoginRequired            no session, or the refresh token is expired or revoked
├── ValidationError              bad input (local or 422); ``field`` names the culprit
│   └── ReceiptBlockExhausted    no unused receipt number left on this device
├── ConflictError                409
└── ServerError                  5xx / 429 still failing after retries, or an unexpected answer
"""

from __future__ import annotations

from typing import Any


class FieldEnrollError(Exception):
    """Base error: what the server said (or would have said), and the request id to quote."""

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        type: str | None = None,
        request_id: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.type = type
        self.request_id = request_id
        self.body = body or {}

    def __str__(self) -> str:
        parts = [self.detail]
        if self.status is not None:
            parts.append(f"(HTTP {self.status}")
            parts[-1] += f", request {self.request_id})" if self.request_id else ")"
        return " ".join(parts)


class NetworkError(FieldEnrollError):
    """The server could not be reached or did not answer in time."""


class AuthError(FieldEnrollError):
    """Not allowed: bad credentials, a revoked device, or a forbidden action."""


class LoginRequired(AuthError):
    """The session is gone; log in again. Nothing stored locally is lost."""


class ValidationError(FieldEnrollError):
    """Input refused; ``field`` names the culprit and ``allowed`` the choices when known."""

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        allowed: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(detail, **kwargs)
        self.field = field
        self.allowed = allowed


class ReceiptBlockExhausted(ValidationError):
    """Every receipt number issued to this device is used; sync to get a new block."""


class ConflictError(FieldEnrollError):
    """The server holds another version of this thing."""


class ServerError(FieldEnrollError):
    """The server failed, or kept refusing with 429/5xx after all retries."""


__all__ = [
    "AuthError",
    "ConflictError",
    "FieldEnrollError",
    "LoginRequired",
    "NetworkError",
    "ReceiptBlockExhausted",
    "ServerError",
    "ValidationError",
]
