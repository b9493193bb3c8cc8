"""Password hashing (argon2id) and JWT encoding with pinned algorithm, issuer and audience."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from server.config import Settings
from server.errors import NotAuthenticated

ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "typ", "jti", "sid"]


class Passwords:
    """argon2id with the configured cost; also answers whether a stored hash is outdated."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )
        # Verified against when the user does not exist, so both paths cost the same.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    session_id: str
    device_id: int
    jti: str
    expires_at: datetime


class Tokens:
    """Signs and checks tokens; an access token is never accepted as a refresh token."""

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.resolved_secret()
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self.access_ttl = timedelta(minutes=settings.access_token_minutes)
        self.refresh_ttl = timedelta(days=settings.refresh_token_days)

    def encode(
        self, kind: TokenType, *, user_id: int, session_id: str, device_id: int, now: datetime
    ) -> tuple[str, TokenClaims]:
        ttl = self.access_ttl if kind == "access" else self.refresh_ttl
        jti = secrets.token_urlsafe(24)
        exp = now + ttl
        payload: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user_id),
            "typ": kind,
            "sid": session_id,
            "did": device_id,
            "jti": jti,
            "iat": int(now.timestamp()),
            "exp": int(exp.timestamp()),
        }
        token = jwt.encode(payload, self._secret, algorithm=ALGORITHM)
        return token, TokenClaims(user_id, session_id, device_id, jti, exp)

    def decode(self, token: str, kind: TokenType) -> TokenClaims:
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise NotAuthenticated(f"{kind} token expired") from exc
        except jwt.PyJWTError as exc:
            raise NotAuthenticated(f"invalid {kind} token") from exc
        if payload.get("typ") != kind:
            raise NotAuthenticated(f"a {payload.get('typ')!s} token is not a {kind} token")
        try:
            return TokenClaims(
                user_id=int(payload["sub"]),
                session_id=str(payload["sid"]),
                device_id=int(payload["did"]),
                jti=str(payload["jti"]),
                expires_at=datetime.fromtimestamp(int(payload["exp"]), tz=UTC),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise NotAuthenticated(f"invalid {kind} token") from exc
