"""A provisioning code: only its hash is stored; the code is shown once, when created."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from server.dbtypes import UTCDateTime, utcnow


class ProvisioningCode(SQLModel, table=True):
    """Single use, short-lived, revocable; every event is in the audit log."""

    __tablename__ = "provisioning_code"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    device_id: int | None = Field(default=None, foreign_key="device.id")
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: int | None = Field(default=None, foreign_key="app_user.id")

    def state(self, now: datetime) -> str:
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"
