"""The SDK's result types: what a caller gets back from ``FieldClient``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Local record states.
QUEUED = "queued"  # in the outbox, not yet answered
WITHDRAWN = "withdrawn"  # taken back by the agent; never counted
ATTENTION_STATES = ("conflict", "rejected", "returned")


@dataclass
class LocalRecord:
    """A sign-up as this device holds it, with the server's last answer when there is one."""

    id: str
    rev: int
    state: str
    body: dict[str, Any]
    quote: dict[str, Any]
    result: dict[str, Any] | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> LocalRecord:
        return cls(
            id=row["id"],
            rev=row["rev"],
            state=row["state"],
            body=json.loads(row["body"]),
            quote=json.loads(row["quote"]),
            result=json.loads(row["result"]) if row["result"] else None,
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @property
    def person_name(self) -> str:
        return str(self.body["person"]["full_name"])

    @property
    def server_amount_vnd(self) -> int | None:
        """The amount the server computed for the current revision, once it answered."""
        accepted = (self.result or {}).get("accepted") or {}
        if accepted and int(accepted.get("rev", self.rev)) == self.rev:
            return int(accepted["amount_vnd"])
        return None

    @property
    def amount_vnd(self) -> int:
        """What this sign-up costs: the server's amount when known, else the device's."""
        server = self.server_amount_vnd
        return server if server is not None else int(self.body["amount_collected_vnd"])


@dataclass
class SyncProgress:
    """Callbacks for a progress display; every one is optional."""

    on_push_start: Callable[[int], None] | None = None
    on_push_batch: Callable[[int], None] | None = None
    on_pull_page: Callable[[int, bool], None] | None = None
    on_retry: Callable[[int, float, str], None] | None = None


@dataclass
class SyncReport:
    """What a sync did, and what is left when it stopped early."""

    pushed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    pulled: int = 0
    voids_sent: int = 0
    left_in_outbox: int = 0
    stopped_reason: str | None = None
    unreachable: bool = False
    scope_changed: bool = False
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.stopped_reason is None and self.left_in_outbox == 0


@dataclass(frozen=True)
class ReceiptSummary:
    blocks: list[dict[str, Any]]
    used: list[int]
    voided: list[tuple[int, str]]
    remaining: int


@dataclass(frozen=True)
class HouseholdMember:
    citizen_id: str
    full_name: str
    coverage_start: str | None
    coverage_end: str | None
    source: str  # "roster", or the local record's state


@dataclass(frozen=True)
class HouseholdView:
    """A household as the device knows it, and what the next member would pay."""

    code: str
    members: list[HouseholdMember]
    next_ordinal: int
    next_amount_vnd: int | None


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    kind: str
    record_id: str
    rev: int
    body: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Cover:
    """Someone's household-HI cover as the device knows it (a local record or the roster)."""

    citizen_id: str
    full_name: str
    coverage_start: str | None
    coverage_end: str | None
    source: str  # "roster" or the local record's state
    created_at: str | None = None
    record_id: str | None = None
    place: int | None = None  # the record's household place (the server's, once answered)
    commune_code: int | None = None
    national_code: str | None = None
