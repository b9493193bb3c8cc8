"""Settings, validated once at start-up and passed into ``create_app``.

Every setting can come from the environment with the ``FIELD_ENROLL_`` prefix, so an
operator never edits code, and a test builds an app from an explicit ``Settings`` object.
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.sync.settings import SyncSettings
from server.web.settings import WebSettings

_PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "dev", "test", "password"}
_MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Server settings; see docs/operations.md for each one."""

    model_config = SettingsConfigDict(env_prefix="FIELD_ENROLL_", extra="ignore")

    database_url: str = "sqlite:///field-enroll.db"
    secret_key: str = Field(default="", repr=False)
    secret_file: Path = Path("field-enroll.secret")

    jwt_issuer: str = "field-enroll"
    jwt_audience: str = "field-enroll-api"
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=30, ge=1, le=90)
    refresh_reuse_grace_seconds: int = Field(default=30, ge=0, le=300)

    # argon2id cost; RFC 9106 "low memory" profile by default. Tests lower it.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)

    # Login throttling: failures allowed in the window before 429.
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)
    login_lockout_seconds: int = Field(default=300, ge=1)

    sqlite_busy_timeout_ms: int = Field(default=15000, ge=0)
    max_page_size: int = Field(default=500, ge=1)
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)

    # Data duties (issue 16 items 7-9): provisioning codes, personal-data retention, the
    # public receipt check's rate limit, and an optional read replica for reports.
    provisioning_code_minutes: int = Field(default=15, ge=1, le=24 * 60)
    receipt_verify_per_minute: int = Field(default=30, ge=1)
    retention_rejected_days: int = Field(default=365, ge=1)
    retention_sessions_days: int = Field(default=180, ge=1)
    retention_provisioning_days: int = Field(default=90, ge=1)
    report_database_url: str = Field(default="", repr=False)
    # PostgreSQL connections per server process (worker): at most pool + overflow are open.
    # Budget: instances x workers x (pool + overflow) + 10 <= max_connections (docs/deployment.md).
    db_pool_size: int = Field(default=8, ge=1, le=200)
    db_max_overflow: int = Field(default=2, ge=0, le=200)
    db_pool_timeout_seconds: float = Field(default=30, gt=0, le=300)
    db_pool_recycle_seconds: int = Field(default=1800, ge=60)
    # Refuse to start when workers x (pool + overflow) exceeds this (0: no check).
    db_connection_budget: int = Field(default=0, ge=0)

    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For / -Proto headers
    # are believed, comma-separated; empty: none (the connecting address is the client).
    trusted_proxies: str = ""

    # Readiness: below this much free space where the SQLite file lives, /health/ready is 503.
    min_free_disk_mb: int = Field(default=256, ge=0)
    health_probe_timeout_ms: int = Field(default=2000, ge=100, le=30000)

    # Freeze the start-up heap for the cyclic garbage collector (server.runtime): full
    # collections then skip the modules and schemas that never die.
    gc_freeze_at_start: bool = True
    # How long a thread may hold the GIL while another waits for it (server.runtime): the
    # event loop that turns a sync wave away waits at most this long per turn behind the
    # workers judging batches. Python's default is 5 ms.
    gil_switch_interval_ms: float = Field(default=1.0, ge=0.1, le=100.0)

    log_format: Literal["json", "console"] = "json"
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    # Grouped settings owned by their domains; each reads its own FIELD_ENROLL_… variables.
    sync: SyncSettings = Field(default_factory=SyncSettings)
    web: WebSettings = Field(default_factory=WebSettings)

    @field_validator("secret_key")
    @classmethod
    def _refuse_placeholder(cls, value: str) -> str:
        if value and (value.lower() in _PLACEHOLDER_SECRETS or len(value) < _MIN_SECRET_LENGTH):
            raise ValueError(
                f"FIELD_ENROLL_SECRET_KEY must be a random string of at least "
                f"{_MIN_SECRET_LENGTH} characters, not a placeholder"
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for item in (p.strip() for p in value.split(",")):
            if not item:
                continue
            if item == "*":
                raise ValueError("FIELD_ENROLL_TRUSTED_PROXIES must list addresses, not '*'")
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"FIELD_ENROLL_TRUSTED_PROXIES: {item!r} is not an address or network"
                ) from exc
        return value

    @property
    def proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    def connections_per_worker(self) -> int:
        """The most PostgreSQL connections one server process opens."""
        return self.db_pool_size + self.db_max_overflow

    def resolved_secret(self) -> str:
        """The signing secret: the configured one, else one kept in ``secret_file``.

        Several server processes on one machine share the file, so they verify each
        other's tokens; a new file is created with mode 0600 on first start.
        """
        if self.secret_key:
            return self.secret_key
        path = self.secret_file
        if path.exists():
            value = path.read_text(encoding="utf-8").strip()
            if len(value) >= _MIN_SECRET_LENGTH:
                return value
        value = secrets.token_urlsafe(48)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(value + "\n", encoding="utf-8")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
