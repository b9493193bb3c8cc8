"""Request and response bodies shared by the server and the client (the wire contract).

Every inbound model forbids unknown fields, so nothing a client sends is bound by accident.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Inbound(BaseModel):
    """Base of every request body: unknown fields are an error, never ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
