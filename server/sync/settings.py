"""Sync knobs an operator may set (``FIELD_ENROLL_`` environment variables).

Kept beside the sync code rather than in ``server.config`` so the sync domain owns them;
read once per app and cached on ``app.state``, where a test may replace them.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SyncSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FIELD_ENROLL_", extra="ignore")

    max_record_age_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="A record captured longer ago than this before upload is flagged late_upload.",
    )
    max_pushes_in_flight: int = Field(
        default=8,
        ge=1,
        le=1000,
        description=(
            "Pushes one server process works on at once; past it a push is answered 429 with "
            "Retry-After at once, before its body is read, instead of queueing until clients "
            "time out. Keep it at or below the database pool size."
        ),
    )
    push_retry_after_s: int = Field(
        default=5,
        ge=1,
        le=600,
        description="Retry-After (seconds) of a push turned away because the server is full.",
    )
