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
    max_sync_in_flight: int = Field(
        default=0,
        ge=0,
        le=1000,
        description=(
            "Sync requests (push, pull, receipt void) one server process works on at once, one "
            "budget for all of them; past it a request is answered 429 with Retry-After at "
            "once, before its body is read, instead of queueing until clients time out. "
            "0 (the default) means, and the ceiling is, the database pool size "
            "(FIELD_ENROLL_DB_POOL_SIZE), so every admitted request has a connection and the "
            "overflow is left to logins and pages."
        ),
    )
    max_pushes_in_flight: int = Field(
        default=0,
        ge=0,
        le=1000,
        description=(
            "The older name of max_sync_in_flight (it counted pushes only); still read as the "
            "budget when max_sync_in_flight is 0."
        ),
    )
    push_retry_after_s: int = Field(
        default=5,
        ge=1,
        le=600,
        description=(
            "Retry-After (seconds) of a sync request turned away because the server is full."
        ),
    )

    def in_flight_budget(self, db_pool_size: int) -> int:
        """Sync requests admitted at once: the setting, never above the pool size.

        An admitted request past the pool would wait for a connection (30 s by default) and
        fail with 503, which is what admission control exists to avoid.
        """
        wanted = self.max_sync_in_flight or self.max_pushes_in_flight or db_pool_size
        return min(wanted, db_pool_size)
