"""The sync contract's codes and limits: statuses, reasons, flags, batch and id bounds.

Below the record and answer shapes (``sync_wire``, ``sync_answers``), which both use them.
"""

from __future__ import annotations

from enum import StrEnum

from enroll_common.calculator import Scheme

MAX_PUSH_RECORDS = 500
"""Records in one push; a larger batch is refused whole with 413."""

MAX_PULL_LIMIT = 1000
"""Changes in one pull page; a larger ``limit`` is capped to this."""

LATER_OPTIONAL_FIELDS = ("support_evidence", "initial_facility_code", "back_payment")
"""Record fields added after devices were in the field: absent from the dump (and so from the
content hash) while null, so a record an older device re-sends hashes exactly as before. A new
optional field joins this list."""

MAX_ID = 2_147_483_647
"""Database ids are 32-bit: a larger number is refused by validation, never sent to SQL."""
MAX_RECEIPT_NUMBER = 10**15

CITIZEN_ID_PATTERN = r"^\d{12}$"
SI_CODE_PATTERN = r"^\d{10}$"
HOUSEHOLD_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"
PHONE_PATTERN = r"^\+?[0-9]{8,15}$"


SchemeName = Scheme
"""The schemes, as the calculator defines them (one source of truth)."""


class EnrollmentKind(StrEnum):
    NEW = "new"
    RENEWAL = "renewal"


class EnrollmentStatus(StrEnum):
    """Review state. ``approved`` and ``rejected`` are final (the record is frozen)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"


class PushStatus(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class ConflictReason(StrEnum):
    SAME_REV_OTHER_CONTENT = "same_rev_other_content"
    STALE_REV = "stale_rev"
    FROZEN = "frozen"
    NOT_EDITABLE = "not_editable"
    NOT_YOURS = "not_yours"


class Flag(StrEnum):
    """Why a coordinator should look at an accepted record."""

    AMOUNT_ADJUSTED = "amount_adjusted"
    HOUSEHOLD_ORDINAL_CHANGED = "household_ordinal_changed"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    FUTURE_DATED = "future_dated"
    LATE_UPLOAD = "late_upload"
    CONTINUITY_PENDING = "continuity_pending"
    """The card continues one that review has not approved yet (no 30-day wait because of it)."""
    KIND_CHANGED = "kind_changed"
    """The agent's new/renewal differs from what the register and history say."""
    VSI_LAPSED = "vsi_lapsed"
    BACK_PAYMENT_UNVERIFIED = "back_payment_unverified"


FIRST_RELEASE_FLAGS: frozenset[Flag] = frozenset(
    {
        Flag.AMOUNT_ADJUSTED,
        Flag.HOUSEHOLD_ORDINAL_CHANGED,
        Flag.POSSIBLE_DUPLICATE,
        Flag.FUTURE_DATED,
        Flag.LATE_UPLOAD,
    }
)
"""The flags apps of the first release know: they validate answers strictly, so a push
answer to such an app carries only these (the others stay on the stored sign-up)."""

PROTOCOL_HEADER = "X-Field-Enroll-Protocol"
"""Request header with the sync protocol version an app speaks; absent means 1."""
PROTOCOL_VERSION = 2
"""2 (2026-11): push answers may carry every ``Flag``."""
