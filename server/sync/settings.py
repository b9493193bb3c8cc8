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
