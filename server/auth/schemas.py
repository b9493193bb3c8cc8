"""Request and response models for users, devices and the caller's own account."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from enroll_common.text import normalize_name
from enroll_common.wire import Inbound
from server.auth.models import Role

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{2,63}$"
PHONE_PATTERN = r"^(0|\+84)[0-9]{9,10}$"


class UserCreate(Inbound):
    username: str = Field(pattern=USERNAME_PATTERN, description="Lower-case login name.")
    password: str = Field(min_length=8, max_length=256)
    full_name: str = Field(min_length=1, max_length=200)
    role: Role
    phone: str = Field(default="", max_length=20)
    agent_code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    commune_codes: list[int] = Field(default_factory=list, max_length=200)
    point_ids: list[int] = Field(default_factory=list, max_length=50)

    @field_validator("full_name")
    @classmethod
    def _nfc(cls, value: str) -> str:
        return normalize_name(value)


class UserUpdate(Inbound):
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=20)
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=256)
    commune_codes: list[int] | None = Field(default=None, max_length=200)
    point_ids: list[int] | None = Field(default=None, max_length=50)

    @field_validator("full_name")
    @classmethod
    def _nfc(cls, value: str | None) -> str | None:
        return None if value is None else normalize_name(value)


class PasswordChange(Inbound):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=8, max_length=256)


class UserPublic(BaseModel):
    id: int
    username: str
    full_name: str
    role: Role
    phone: str
    agent_code: str | None
    province_code: int
    is_active: bool
    commune_codes: list[int]
    point_ids: list[int]


class MePublic(UserPublic):
    device_id: int | None


class DevicePublic(BaseModel):
    id: int
    user_id: int
    device_key: str
    name: str
    created_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None
