"""Provisioning request and answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from enroll_common.wire import Inbound


class ProvisionRequest(Inbound):
    code: str = Field(min_length=4, max_length=40, description="The code, dashes optional.")
    device_id: str = Field(
        min_length=1, max_length=100, description="Stable id the device generates once."
    )
    device_name: str = Field(default="", max_length=100)


class ProvisioningCodePublic(BaseModel):
    id: int
    user_id: int
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    device_id: int | None
    revoked_at: datetime | None
    state: str


class ProvisioningCodeCreated(ProvisioningCodePublic):
    code: str = Field(description="Shown once: only its hash is kept.")
    uri: str = Field(description="What the QR code holds: server address and code.")
