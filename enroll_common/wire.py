"""Request and response bodies shared by the server and the client (the wire contract).

Every inbound model forbids unknown fields, so nothing a client sends is bound by accident.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")

UNSAFE_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters (NUL included) and bidirectional marks and overrides: refused in any
text a client sends. PostgreSQL cannot store NUL at all, and an override can make a name
display as another. (Zero-width characters are removed from names instead, see
``enroll_common.text.normalize_name``.)"""


class Inbound(BaseModel):
    """Base of every request body: unknown fields are an error, never ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _safe_text(cls, value: Any) -> Any:
        # Runs on every field of every inbound record (23 per pushed sign-up): the common
        # cases, a string or no text at all, are answered without building anything.
        if isinstance(value, str):
            if UNSAFE_TEXT.search(value):
                raise ValueError("contains a control or bidirectional-override character")
        elif isinstance(value, list) and any(
            isinstance(t, str) and UNSAFE_TEXT.search(t) for t in value
        ):
            raise ValueError("contains a control or bidirectional-override character")
        return value


class LoginRequest(Inbound):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    device_id: str = Field(
        min_length=1, max_length=100, description="Stable id the device generates once."
    )
    device_name: str = Field(default="", max_length=100)


class RefreshRequest(Inbound):
    refresh_token: str = Field(min_length=1, max_length=4096)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    access_expires_at: datetime
    refresh_expires_at: datetime
    device_id: int


class ErrorBody(BaseModel):
    type: str
    detail: str
    field: str | None = None
    request_id: str | None = None


class Page(BaseModel, Generic[T]):
    """A page of a list: ``items`` plus what is needed to fetch the next one."""

    items: list[T]
    total: int
    limit: int
    offset: int
