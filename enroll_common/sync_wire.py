"""The sync contract: the sign-up record a device pushes (answers and pull page in
``sync_answers``, codes and limits in ``sync_codes``; every name is re-exported here).

Shared by the server and the client SDK so both validate a record the same way. The
record is the *whole* state of a sign-up at one ``rev``: a correction re-sends every field
at a higher ``rev``. Who captured it (agent, device) comes from the access token, never
from the body. See docs/sync-protocol.md for the protocol around these shapes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from enroll_common.schemes import Insurance, rules
from enroll_common.sync_answers import (
    Accepted,
    Change,
    FieldProblem,
    PullPage,
    PushResponse,
    PushResult,
    QuoteLineOut,
    ReceiptBlockOut,
    ReceiptBlockRequest,
    ServerVersion,
    Verification,
    VoidOut,
    VoidRequest,
)
from enroll_common.sync_codes import (
    CITIZEN_ID_PATTERN,
    FIRST_RELEASE_FLAGS,
    HOUSEHOLD_CODE_PATTERN,
    LATER_OPTIONAL_FIELDS,
    MAX_ID,
    MAX_PULL_LIMIT,
    MAX_PUSH_RECORDS,
    MAX_RECEIPT_NUMBER,
    PHONE_PATTERN,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    SI_CODE_PATTERN,
    ConflictReason,
    EnrollmentKind,
    EnrollmentStatus,
    Flag,
    PushStatus,
    SchemeName,
)
from enroll_common.text import normalize_name
from enroll_common.wire import Inbound

# --- the record a device pushes ---------------------------------------------------------------


class Person(Inbound):
    full_name: str = Field(min_length=1, max_length=200)
    date_of_birth: date
    sex: Literal["male", "female"]
    citizen_id: str = Field(pattern=CITIZEN_ID_PATTERN, description="12-digit CCCD.")
    si_code: str | None = Field(
        default=None, pattern=SI_CODE_PATTERN, description="10-digit social insurance code."
    )
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    commune_code: int = Field(
        ge=1, le=999_999, description="Official code of the commune of residence."
    )
    address: str = Field(default="", max_length=300)

    @field_validator("full_name", "address")
    @classmethod
    def _nfc(cls, value: str) -> str:
        return normalize_name(value)


class HouseholdMember(Inbound):
    full_name: str = Field(min_length=1, max_length=200)
    citizen_id: str | None = Field(default=None, pattern=CITIZEN_ID_PATTERN)
    relation: str = Field(default="", max_length=50)

    @field_validator("full_name")
    @classmethod
    def _nfc(cls, value: str) -> str:
        return normalize_name(value)


class Household(Inbound):
    code: str = Field(
        pattern=HOUSEHOLD_CODE_PATTERN,
        description="Household (hộ) code, unique within the person's commune of residence.",
    )
    national_code: str | None = Field(
        default=None,
        pattern=HOUSEHOLD_CODE_PATTERN,
        description="National household code (population database), when known: it then "
        "identifies the household instead of commune + code.",
    )
    ordinal: int = Field(ge=1, le=50, description="The member's ordinal as the device computed it.")
    members: list[HouseholdMember] = Field(default_factory=list, max_length=30)

    @model_serializer(mode="wrap")
    def _without_absent_national_code(self, handler: SerializerFunctionWrapHandler) -> Any:
        # A record pushed before ``national_code`` existed must keep its content hash, so a
        # replay still reads as a duplicate: the field is left out when absent.
        data = handler(self)
        if isinstance(data, dict) and data.get("national_code") is None:
            data.pop("national_code", None)
        return data


class Gps(Inbound):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)


class SupportEvidence(Inbound):
    """The document that proves a support group: its kind (e.g. near_poor_certificate),
    its reference number and, for groups supported for a limited time, when that ends."""

    kind: str = Field(min_length=1, max_length=40)
    reference: str = Field(min_length=1, max_length=60)
    valid_until: date | None = None

    @field_validator("reference")
    @classmethod
    def _nfc(cls, value: str) -> str:
        return normalize_name(value)


class BackPaymentClaim(Inbound):
    """voluntary_si: the participant asks to pay missing past months (Decree 159/2025 Art 7)."""

    contribution_months: int = Field(
        ge=0, le=1200, description="Months of contributions the participant says they have."
    )


class EnrollmentRecord(Inbound):
    """One sign-up at one revision, as captured on the device."""

    id: UUID = Field(description="Generated on the device when the sign-up is first recorded.")
    rev: int = Field(ge=1, le=1_000_000, description="1 at capture; +1 for each correction.")
    scheme: SchemeName
    kind: EnrollmentKind = EnrollmentKind.NEW
    person: Person
    household: Household | None = Field(default=None, description="Required for household_hi.")
    monthly_income_vnd: int | None = Field(
        default=None, ge=0, le=10**12, description="Required for voluntary_si."
    )
    support_groups: list[str] = Field(default_factory=list, max_length=5)
    support_evidence: SupportEvidence | None = Field(
        default=None,
        description="Proof of the support group: required by supported_hi groups that ask "
        "for it, and to raise a VSI group above the commune's (island, special zone).",
    )
    months: int = Field(ge=1, le=120)
    payment_date: date
    amount_collected_vnd: int = Field(ge=0, le=10_000_000_000)
    receipt_number: int = Field(
        ge=1, le=MAX_RECEIPT_NUMBER, description="From a block issued to this device."
    )
    captured_at: AwareDatetime = Field(description="Device clock at capture (not trusted).")
    gps: Gps | None = None
    point_id: int = Field(ge=1, le=MAX_ID, description="Collection point the agent works for.")
    initial_facility_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=10,
        description="Initial registered health facility (HI schemes): a code of the point's "
        "province list; omitted: the participant's facility on file.",
    )
    back_payment: BackPaymentClaim | None = Field(
        default=None,
        description="voluntary_si only: pay the `months` months before the payment month.",
    )

    @model_serializer(mode="wrap")
    def _omit_unset_additions(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Fields added after the first release are left out while null, so a record that
        # does not use them dumps (and hashes) exactly as before: a device re-pushing an old
        # record stays a duplicate, never "same rev, other content".
        data: dict[str, Any] = handler(self)
        for name in LATER_OPTIONAL_FIELDS:
            if data.get(name, 0) is None:
                del data[name]
        return data

    @field_validator("captured_at")
    @classmethod
    def _representable(cls, value: datetime) -> datetime:
        # Valid RFC 3339 such as 9999-12-31T23:59:59-12:00 falls outside what a datetime
        # (and the database) holds once converted to UTC: refuse it here, for this record.
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise ValueError("is out of range once converted to UTC") from None
        return value

    @model_validator(mode="after")
    def _scheme_fields(self) -> EnrollmentRecord:
        for name in rules(self.scheme).required_fields:
            if getattr(self, name) in (None, []):
                raise ValueError(f"{name} is required for {self.scheme.value}")
        if self.back_payment is not None and rules(self.scheme).insurance is not Insurance.VSI:
            raise ValueError("back_payment is only for voluntary_si")
        return self

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON body: equal hashes mean the same content."""
        return content_hash(self.model_dump(mode="json"))


def canonical_json(body: dict[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the form the content hash is taken over."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


class PushRequest(Inbound):
    """A batch as first read: when the typed batch does not validate, each record is then
    validated on its own, so one malformed record is rejected alone."""

    records: list[Any] = Field(description=f"Up to {MAX_PUSH_RECORDS} records.")


class PushBatch(Inbound):
    """A batch whose every record is valid: the one-pass parse, and the documented body."""

    records: list[EnrollmentRecord] = Field(description=f"Up to {MAX_PUSH_RECORDS} records.")


__all__ = [
    "FIRST_RELEASE_FLAGS",
    "PROTOCOL_HEADER",
    "PROTOCOL_VERSION",
    "Accepted",
    "BackPaymentClaim",
    "CITIZEN_ID_PATTERN",
    "Change",
    "ConflictReason",
    "EnrollmentKind",
    "EnrollmentRecord",
    "EnrollmentStatus",
    "FieldProblem",
    "Flag",
    "Gps",
    "HOUSEHOLD_CODE_PATTERN",
    "Household",
    "HouseholdMember",
    "LATER_OPTIONAL_FIELDS",
    "MAX_ID",
    "MAX_PULL_LIMIT",
    "MAX_PUSH_RECORDS",
    "MAX_RECEIPT_NUMBER",
    "PHONE_PATTERN",
    "Person",
    "PullPage",
    "PushRequest",
    "PushResponse",
    "PushResult",
    "PushStatus",
    "QuoteLineOut",
    "ReceiptBlockOut",
    "ReceiptBlockRequest",
    "SI_CODE_PATTERN",
    "SchemeName",
    "ServerVersion",
    "SupportEvidence",
    "Verification",
    "VoidOut",
    "VoidRequest",
    "canonical_json",
    "content_hash",
]
