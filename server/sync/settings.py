"""Sync knobs an operator may set (``FIELD_ENROLL_`` environment variables).

Kept beside the sync code rather than in ``server.config`` so the sync domain owns them;
read once per app and cached on ``app.state``, where a test may replace them.
"""

from __future__ import annotations

import os

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
            "The ceiling is the database pool size (FIELD_ENROLL_DB_POOL_SIZE), so every "
            "admitted request has a connection and the overflow is left to logins and pages; "
            "0 (the default) means the pool size but at most two per core, so the event loop "
            "that answers the 429s is not left waiting for a core."
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

    def in_flight_budget(self, db_pool_size: int, cores: int | None = None) -> int:
        """Sync requests admitted at once: the setting, never above the pool size; unset, the
        pool size but at most two per core.

        An admitted request past the pool would wait for a connection (30 s by default) and
        fail with 503, which is what admission control exists to avoid. Two per core: the
        429 is written by the event loop, which waits for a core behind the admitted
        requests' threads; on 2 shared cores a budget of 4 instead of 8 answered 92 % of the
        429s within 100 ms instead of 71-87 % (docs/performance.md §2). With 4 cores or
        more the default pool (8) is the limit, as before.
        """
        wanted = self.max_sync_in_flight or self.max_pushes_in_flight
        if wanted:
            return min(wanted, db_pool_size)
        return min(db_pool_size, 2 * (cores or usable_cores()))


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
