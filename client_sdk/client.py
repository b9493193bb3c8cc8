"""``FieldClient``: the one object an app holds, a thin façade over its parts.

Accounts (login, tokens), records (offline pricing and recording), receipts (numbers and
voids) and the sync engine each live in their own module; this class wires them to one
HTTP session and one local store, and keeps the public surface of earlier versions.

Example::

    from client_sdk import FieldClient

    with FieldClient("http://127.0.0.1:8000", "~/.field-enroll") as fc:
        fc.login("agent.eakar.1.1", "demo-password")
        fc.sync()                                   # policy, targets, roster, receipt blocks
        rec = fc.record({...})                      # offline: priced, numbered, queued
        report = fc.sync()                          # push the outbox, then pull
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from client_sdk.accounts import Accounts
from client_sdk.api import Api, RetryPolicy
from client_sdk.models import (
    ATTENTION_STATES,
    HouseholdView,
    LocalRecord,
    ReceiptSummary,
    SyncProgress,
    SyncReport,
)
from client_sdk.pricing import ENTITY_PARTICIPANT
from client_sdk.receipts import Receipts
from client_sdk.records import VN_TZ, Records
from client_sdk.store import Store
from client_sdk.sync import ENTITY_TARGET, SyncEngine
from enroll_common import PolicySet, Quote
from enroll_common.sync_wire import EnrollmentRecord

__all__ = ["VN_TZ", "FieldClient"]


class FieldClient:
    """An agent's client: login, offline recording, sync. Use as a context manager."""

    def __init__(
        self,
        server_url: str,
        data_dir: str | Path,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.server_url = server_url
        kwargs: dict[str, Any] = {"transport": transport, "retry": retry, "timeout": timeout}
        if sleep is not None:
            kwargs["sleep"] = sleep
        self.api = Api(server_url, **kwargs)
        self.accounts = Accounts(self.api, self.data_dir, server_url)
        self.device_key = self.accounts.device_key
        self._parts: tuple[Store, Receipts, Records, SyncEngine] | None = None

    def _wired(self) -> tuple[Store, Receipts, Records, SyncEngine]:
        store = self.accounts.store
        if self._parts is None or self._parts[0] is not store:
            receipts = Receipts(store)
            records = Records(store, receipts, lambda: self.accounts.me)
            self._parts = (store, receipts, records, SyncEngine(self.api, store))
        return self._parts

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FieldClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.api.close()
        self.accounts.close()
        self._parts = None

    # --- parts -------------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        return self.accounts.store

    @property
    def receipts_book(self) -> Receipts:
        return self._wired()[1]

    @property
    def recorder(self) -> Records:
        return self._wired()[2]

    @property
    def engine(self) -> SyncEngine:
        return self._wired()[3]

    # --- accounts ----------------------------------------------------------------------------

    @property
    def username(self) -> str | None:
        return self.accounts.username

    @property
    def me(self) -> dict[str, Any]:
        return self.accounts.me

    def login(self, username: str, password: str, device_name: str = "") -> dict[str, Any]:
        """Log in (online). Switching user keeps the other account's records in its own file."""
        return self.accounts.login(username, password, device_name)

    def login_with_code(self, code: str, device_name: str = "") -> dict[str, Any]:
        """Register this device with a one-time provisioning code (no password)."""
        return self.accounts.login_with_code(code, device_name)

    def logout(self) -> None:
        """End the session on the server if reachable; forget tokens; keep every record."""
        self.accounts.logout()

    # --- offline: pricing and recording -------------------------------------------------------

    def policy(self) -> PolicySet:
        return self.recorder.pricing.policy()

    def participants(self) -> list[dict[str, Any]]:
        return self.store.pulled(ENTITY_PARTICIPANT)

    def previous_coverage_end(self, citizen_id: str, scheme: str) -> date | None:
        return self.recorder.pricing.previous_coverage_end(citizen_id, scheme)

    def facilities(self) -> list[dict[str, Any]]:
        """The initial health facilities of the agent's province (pulled; by code)."""
        return self.recorder.pricing.facilities()

    def previous_facility(self, citizen_id: str, scheme: str) -> str | None:
        """The person's facility on file (roster, else this device's records), or None."""
        return self.recorder.pricing.previous_facility(citizen_id, scheme)

    def household_ordinal(
        self, household_code: str, on: date, citizen_id: str | None = None
    ) -> int:
        """The place the next member (or ``citizen_id``) would take, paying 12 months on ``on``."""
        from enroll_common import QuoteRequest, Scheme, quote

        first = quote(
            QuoteRequest(
                scheme=Scheme.HOUSEHOLD_HI, payment_date=on, months=12, household_ordinal=1
            ),
            self.policy(),
        )
        return self.recorder.pricing.household_ordinal(
            household_code, citizen_id or "", first.coverage_start, first.coverage_end
        )

    def household(self, code: str, payment_date: date | None = None) -> HouseholdView:
        """A household's known members (roster and this device) and the next one's amount."""
        return self.recorder.pricing.household(code, payment_date)

    def quote_for(self, record: EnrollmentRecord) -> Quote:
        """Price a record with the cached policy, exactly as the server will."""
        return self.recorder.pricing.quote_for(record)

    def price(self, record: EnrollmentRecord) -> tuple[EnrollmentRecord, Quote]:
        """The record with its household place computed, and its amount."""
        return self.recorder.pricing.priced(record)

    def next_receipt_number(self) -> int:
        return self.receipts_book.next_number()

    def build_record(
        self, data: dict[str, Any], *, record_id: str | None = None, rev: int = 1
    ) -> EnrollmentRecord:
        """Validate input into a wire record (without a receipt number or amount yet)."""
        return self.recorder.build({"rev": rev, **data}, record_id=record_id)

    def record(self, data: dict[str, Any], *, collected_vnd: int | None = None) -> LocalRecord:
        """Record a sign-up offline: validate, price, number, store and queue, atomically."""
        return self.recorder.record(data, collected_vnd=collected_vnd)

    def fix(self, record_id: str, changes: dict[str, Any]) -> LocalRecord:
        """Correct a returned, rejected or conflicting record: a new ``rev`` is queued."""
        return self.recorder.fix(record_id, changes)

    def take_server_version(self, record_id: str) -> LocalRecord:
        """Resolve a conflict by keeping the server's version."""
        return self.recorder.take_server_version(record_id)

    def withdraw(self, record_id: str, reason: str = "") -> LocalRecord:
        """Take back an unsent, rejected or conflicting sign-up."""
        return self.recorder.withdraw(record_id, reason)

    def get(self, record_id: str) -> LocalRecord:
        return self.recorder.get(record_id)

    def records(self, state: str | None = None) -> list[LocalRecord]:
        return self.recorder.list(state)

    # --- receipts -----------------------------------------------------------------------------

    def void_receipt(self, number: int, reason: str) -> None:
        """Record a spoiled receipt offline; the void is sent at the next sync."""
        self.receipts_book.void(number, reason)

    def receipts(self) -> ReceiptSummary:
        return self.receipts_book.summary()

    # --- reference data -----------------------------------------------------------------------

    def targets(self) -> list[dict[str, Any]]:
        return self.store.pulled(ENTITY_TARGET)

    def progress(self) -> dict[str, Any]:
        """The server's achievement figures fetched at the last sync (``rows``, ``as_of``)."""
        raw = self.store.get_meta("progress")
        kept: dict[str, Any] = json.loads(raw) if raw else {"as_of": None, "rows": []}
        return kept

    def renewals(self, within_days: int = 30, today: date | None = None) -> list[dict[str, Any]]:
        """People in my area whose coverage ends within ``within_days`` (from the roster)."""
        today = today or datetime.now(VN_TZ).date()
        horizon = today + timedelta(days=within_days)
        due = [
            p
            for p in self.participants()
            if p.get("coverage_end") and today <= date.fromisoformat(p["coverage_end"]) <= horizon
        ]
        return sorted(due, key=lambda p: str(p["coverage_end"]))

    def status(self) -> dict[str, Any]:
        counts = self.store.state_counts()
        return {
            "username": self.username,
            "server_url": self.store.get_meta("server_url", self.server_url),
            "logged_in": self.store.get_meta("refresh_token") is not None,
            "outbox": self.store.outbox_size(),
            "records": counts,
            "needs_attention": sum(counts.get(s, 0) for s in ATTENTION_STATES),
            "last_sync_at": self.store.get_meta("last_sync_at"),
            "cursor": self.store.get_meta("cursor", "0"),
        }

    # --- sync ---------------------------------------------------------------------------------

    def sync(self, progress: SyncProgress | None = None, *, batch_size: int = 100) -> SyncReport:
        """Push the outbox in batches, send voids, then pull every page since the cursor."""
        report = self.engine.sync(progress, batch_size=batch_size)
        self._refresh_me_after_scope_change(report)
        return report

    def _refresh_me_after_scope_change(self, report: SyncReport) -> None:
        if report.scope_changed and report.stopped_reason is None:
            self.accounts.set_me(self.api.request("GET", "/api/v1/me"))
