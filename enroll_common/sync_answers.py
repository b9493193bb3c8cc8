"""The sync contract's answers: per-record push results, the pull page, receipt blocks and
voids, and the public verification of a receipt. ``sync_wire`` re-exports every name.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from enroll_common.sync_codes import (
    MAX_RECEIPT_NUMBER,
    ConflictReason,
    EnrollmentKind,
    EnrollmentStatus,
    Flag,
    PushStatus,
    SchemeName,
)
from enroll_common.wire import Inbound


class FieldProblem(BaseModel):
    field: str
    message: str
    allowed: list[str] | None = None
    code: str | None = Field(
        default=None, description="Rejection code of the rule that refused it, when named."
    )


class QuoteLineOut(BaseModel):
    code: str
    label: str
    amount_vnd: int


class Accepted(BaseModel):
    """What the server made of an accepted record (the same body again for a duplicate)."""

    rev: int
    record_status: EnrollmentStatus
    amount_vnd: int = Field(description="Recomputed by the server: what should be collected.")
    amount_collected_vnd: int
    adjustment_vnd: int = Field(
        description="amount_vnd - amount_collected_vnd: > 0 collect more, < 0 refund."
    )
    household_ordinal: int | None
    coverage_start: date
    coverage_end: date
    kind: EnrollmentKind | None = Field(
        default=None,
        description="new or renewal as the register and history decide (the record's own "
        "kind is only the agent's claim).",
    )
    lines: list[QuoteLineOut]
    policy_versions: dict[str, int]
    flags: list[Flag]
    verification_code: str
    received_at: datetime


class ServerVersion(BaseModel):
    """The stored state of a record, sent back with a conflict."""

    rev: int
    record_status: EnrollmentStatus
    review_reason: str | None
    record: dict[str, Any]
    accepted: Accepted | None


class PushResult(BaseModel):
    index: int = Field(description="Position of the record in the request.")
    id: str | None
    rev: int | None
    status: PushStatus
    accepted: Accepted | None = None
    reason: ConflictReason | None = None
    detail: str | None = None
    server_version: ServerVersion | None = None
    errors: list[FieldProblem] = Field(default_factory=list)


class PushResponse(BaseModel):
    results: list[PushResult]
    accepted: int
    duplicate: int
    conflict: int
    rejected: int


# --- pull -------------------------------------------------------------------------------------


class Change(BaseModel):
    seq: int
    entity: str
    entity_id: str
    op: str
    payload: dict[str, Any]
    created_at: datetime


class PullPage(BaseModel):
    changes: list[Change]
    next_cursor: str = Field(description="Pass as ``cursor`` next time (opaque).")
    has_more: bool
    scope: str | None = Field(
        default=None,
        description="Fingerprint of the caller's area (communes, points); when it differs "
        "from the one a device kept, the device drops its area data and pulls from cursor 0.",
    )


# --- receipts -------------------------------------------------------------------------------


class ReceiptBlockRequest(Inbound):
    size: int = Field(default=50, ge=1, le=1000)


class ReceiptBlockOut(BaseModel):
    id: int
    device_id: int
    agent_id: int
    first_number: int
    last_number: int
    issued_at: datetime


class VoidRequest(Inbound):
    receipt_number: int = Field(ge=1, le=MAX_RECEIPT_NUMBER)
    reason: str = Field(min_length=3, max_length=300)


class VoidOut(BaseModel):
    receipt_number: int
    device_id: int
    reason: str
    voided_at: datetime


class Verification(BaseModel):
    """What anyone holding a verification code may learn: enough to trust the receipt."""

    valid: bool
    enrollment_id: str
    rev: int
    current: bool = Field(description="False when a later correction superseded this revision.")
    record_status: EnrollmentStatus
    scheme: SchemeName
    participant: str = Field(description="Name with the given name only initialled.")
    receipt_number: int
    amount_vnd: int
    coverage_start: date
    coverage_end: date
    point_name: str
    received_at: datetime
