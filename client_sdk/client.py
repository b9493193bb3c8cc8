"""``FieldClient``: the one object an app holds — HTTP session, local store, sync engine.

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
import platform
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pydantic

from client_sdk.api import Api, RetryPolicy
from client_sdk.errors import (
    FieldEnrollError,
    LoginRequired,
    NetworkError,
    ReceiptBlockExhausted,
    ServerError,
    ValidationError,
)
from client_sdk.store import Store, now_iso
from enroll_common import PolicyError, PolicySet, Quote, QuoteRequest, Scheme, quote
from enroll_common.sync_wire import (
    MAX_PUSH_RECORDS,
    EnrollmentRecord,
    PullPage,
    PushResponse,
    PushStatus,
)

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Entities of the change log the client keeps (see docs/sync-protocol.md).
ENTITY_POLICY = "policy_version"
ENTITY_RECEIPT_BLOCK = "receipt_block"
ENTITY_TARGET = "target"
ENTITY_PARTICIPANT = "participant"
ENTITY_REVIEW = "review_decision"

# Local record states.
QUEUED = "queued"  # in the outbox, not yet answered
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
        self.api.refresher = self._refresh
        self.device_key = self._device_key()
        self._store: Store | None = None
        current = self._current_account()
        if current:
            self._open_account(current)

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FieldClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.api.close()
        if self._store is not None:
            self._store.close()
            self._store = None

    # --- accounts ----------------------------------------------------------------------------

    def _device_key(self) -> str:
        path = self.data_dir / "device.json"
        if path.exists():
            return str(json.loads(path.read_text(encoding="utf-8"))["device_key"])
        key = str(uuid.uuid4())
        _atomic_write(path, json.dumps({"device_key": key, "name": platform.node()}))
        return key

    def _current_account(self) -> str | None:
        path = self.data_dir / "current_account"
        return path.read_text(encoding="utf-8").strip() or None if path.exists() else None

    def _open_account(self, username: str) -> Store:
        if self._store is not None and self._store.get_meta("username") == username:
            return self._store
        if self._store is not None:
            self._store.close()
        self._store = Store(self.data_dir / "accounts" / f"{username}.db")
        self._store.set_meta("username", username)
        token = self._store.get_meta("access_token")
        self.api.access_token = token
        return self._store

    @property
    def store(self) -> Store:
        if self._store is None:
            raise LoginRequired("no account on this device yet: log in first")
        return self._store

    @property
    def username(self) -> str | None:
        return self._store.get_meta("username") if self._store else None

    def login(self, username: str, password: str, device_name: str = "") -> dict[str, Any]:
        """Log in (online). Switching user keeps the other account's records in its own file."""
        body = self.api.request(
            "POST",
            "/api/v1/auth/login",
            json={
                "username": username,
                "password": password,
                "device_id": self.device_key,
                "device_name": device_name or platform.node()[:100],
            },
            auth=False,
        )
        store = self._open_account(username)
        self._save_tokens(store, body)
        me: dict[str, Any] = self.api.request("GET", "/api/v1/me")
        with store.transaction() as conn:
            store.set_meta("me", json.dumps(me, ensure_ascii=False), conn)
            store.set_meta("server_url", self.server_url, conn)
        _atomic_write(self.data_dir / "current_account", username)
        return me

    def login_with_code(self, code: str, device_name: str = "") -> dict[str, Any]:
        """Register this device with a one-time provisioning code (online, no password)."""
        body = self.api.request(
            "POST",
            "/api/v1/auth/provision",
            json={
                "code": code,
                "device_id": self.device_key,
                "device_name": device_name or platform.node()[:100],
            },
            auth=False,
        )
        self.api.access_token = body["access_token"]
        me: dict[str, Any] = self.api.request("GET", "/api/v1/me")
        store = self._open_account(me["username"])
        self._save_tokens(store, body)
        with store.transaction() as conn:
            store.set_meta("me", json.dumps(me, ensure_ascii=False), conn)
            store.set_meta("server_url", self.server_url, conn)
        _atomic_write(self.data_dir / "current_account", me["username"])
        return me

    def _save_tokens(self, store: Store, body: dict[str, Any]) -> None:
        with store.transaction() as conn:
            store.set_meta("access_token", body["access_token"], conn)
            store.set_meta("refresh_token", body["refresh_token"], conn)
            store.set_meta("device_id", str(body["device_id"]), conn)
        self.api.access_token = body["access_token"]

    def _refresh(self) -> str | None:
        """Rotate the refresh token once; None (log in again) when the session is gone."""
        if self._store is None:
            return None
        token = self._store.get_meta("refresh_token")
        if not token:
            return None
        try:
            body = self.api.request(
                "POST", "/api/v1/auth/refresh", json={"refresh_token": token}, auth=False
            )
        except LoginRequired:
            self._forget_tokens()
            return None
        self._save_tokens(self._store, body)
        return str(body["access_token"])

    def _forget_tokens(self) -> None:
        if self._store is None:
            return
        with self._store.transaction() as conn:
            self._store.set_meta("access_token", None, conn)
            self._store.set_meta("refresh_token", None, conn)
        self.api.access_token = None

    def logout(self) -> None:
        """End the session on the server if reachable; forget tokens; keep every record."""
        if self._store is None:
            return
        if self.api.access_token:
            try:
                self.api.request("POST", "/api/v1/auth/logout")
            except FieldEnrollError:
                pass  # offline or already ended: forgetting the tokens is what matters
        self._forget_tokens()

    @property
    def me(self) -> dict[str, Any]:
        raw = self.store.get_meta("me")
        if raw is None:
            raise LoginRequired("log in first")
        me: dict[str, Any] = json.loads(raw)
        return me

    # --- offline: pricing and recording -------------------------------------------------------

    def policy(self) -> PolicySet:
        rows = self.store.pulled(ENTITY_POLICY)
        if not rows:
            raise ValidationError(
                "no policy tables on this device yet: sync once while online", field="policy"
            )
        return PolicySet.from_dicts(rows)

    def participants(self) -> list[dict[str, Any]]:
        return self.store.pulled(ENTITY_PARTICIPANT)

    def previous_coverage_end(self, citizen_id: str, scheme: str) -> date | None:
        ends = [
            date.fromisoformat(p["coverage_end"])
            for p in self.participants()
            if p.get("citizen_id") == citizen_id
            and p.get("scheme") == scheme
            and p.get("coverage_end")
        ]
        return max(ends) if ends else None

    def household_ordinal(
        self, household_code: str, on: date, citizen_id: str | None = None
    ) -> int:
        """1 + members of the household already covered on ``on`` (from the pulled roster)."""
        covered = {
            p.get("citizen_id")
            for p in self.participants()
            if p.get("household_code") == household_code
            and p.get("scheme") == Scheme.HOUSEHOLD_HI.value
            and p.get("coverage_end")
            and date.fromisoformat(p["coverage_end"]) >= on
            and p.get("citizen_id") != citizen_id
        }
        return len(covered) + 1

    def quote_for(self, record: EnrollmentRecord) -> Quote:
        """Price a record with the cached policy, exactly as the server will."""
        try:
            return quote(
                QuoteRequest(
                    scheme=Scheme(record.scheme.value),
                    payment_date=record.payment_date,
                    months=record.months,
                    monthly_income_vnd=record.monthly_income_vnd,
                    support_groups=frozenset(record.support_groups),
                    household_ordinal=record.household.ordinal if record.household else None,
                    previous_coverage_end=self.previous_coverage_end(
                        record.person.citizen_id, record.scheme.value
                    ),
                ),
                self.policy(),
            )
        except PolicyError as exc:
            raise ValidationError(str(exc), field=exc.field, allowed=exc.allowed) from exc

    def next_receipt_number(self) -> int:
        """The lowest number in this device's blocks not yet used or voided."""
        used = self.store.used_receipts()
        device_id = self.store.get_meta("device_id")
        for block in sorted(
            self.store.pulled(ENTITY_RECEIPT_BLOCK), key=lambda b: b["first_number"]
        ):
            if device_id is not None and str(block.get("device_id")) != device_id:
                continue
            for number in range(int(block["first_number"]), int(block["last_number"]) + 1):
                if number not in used:
                    return number
        raise ReceiptBlockExhausted(
            "no unused receipt number left on this device: ask your coordinator for a new "
            "block, then sync",
            field="receipt_number",
        )

    def build_record(
        self, data: dict[str, Any], *, record_id: str | None = None, rev: int = 1
    ) -> EnrollmentRecord:
        """Validate input into a wire record (without a receipt number or amount yet)."""
        me = self.me
        body = dict(data)
        body.setdefault("id", record_id or str(uuid.uuid4()))
        body.setdefault("rev", rev)
        body.setdefault("captured_at", datetime.now(VN_TZ).isoformat())
        body.setdefault("payment_date", datetime.now(VN_TZ).date().isoformat())
        if "point_id" not in body:
            points = me.get("point_ids") or []
            if len(points) != 1:
                raise ValidationError(
                    "point_id is required: you work at several collection points",
                    field="point_id",
                    allowed=[str(p) for p in points],
                )
            body["point_id"] = points[0]
        body.setdefault("receipt_number", 1)  # placeholder for validation; replaced on save
        body.setdefault("amount_collected_vnd", 0)
        try:
            return EnrollmentRecord.model_validate(body)
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"]) or "record"
            raise ValidationError(f"{loc}: {first['msg']}", field=loc) from exc

    def record(self, data: dict[str, Any], *, collected_vnd: int | None = None) -> LocalRecord:
        """Record a sign-up offline: validate, price, number, store and queue, atomically.

        ``collected_vnd`` defaults to the computed amount (what the agent should collect).
        """
        draft = self.build_record({k: v for k, v in data.items() if k != "receipt_number"})
        priced = self.quote_for(draft)
        store = self.store
        with store.transaction() as conn:
            number = self.next_receipt_number()
            final = draft.model_copy(
                update={
                    "receipt_number": number,
                    "amount_collected_vnd": priced.net_vnd
                    if collected_vnd is None
                    else collected_vnd,
                }
            )
            self._save(conn, final, priced, new=True)
            conn.execute(
                "INSERT INTO receipt_use (number, record_id, used_at) VALUES (?, ?, ?)",
                (number, str(final.id), now_iso()),
            )
        return self.get(str(final.id))

    def _save(
        self, conn: sqlite3.Connection, rec: EnrollmentRecord, priced: Quote, *, new: bool
    ) -> None:
        body = rec.model_dump(mode="json")
        now = now_iso()
        quote_json = json.dumps(priced.to_dict(), ensure_ascii=False)
        if new:
            conn.execute(
                "INSERT INTO record (id, rev, body, quote, state, result, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
                (
                    str(rec.id),
                    rec.rev,
                    json.dumps(body, ensure_ascii=False),
                    quote_json,
                    QUEUED,
                    now,
                    now,
                ),
            )
        else:
            conn.execute(
                "UPDATE record SET rev = ?, body = ?, quote = ?, state = ?, updated_at = ? "
                "WHERE id = ?",
                (
                    rec.rev,
                    json.dumps(body, ensure_ascii=False),
                    quote_json,
                    QUEUED,
                    now,
                    str(rec.id),
                ),
            )
        conn.execute(
            "INSERT INTO outbox (kind, record_id, rev, body, created_at) "
            "VALUES ('record', ?, ?, ?, ?)",
            (str(rec.id), rec.rev, json.dumps(body, ensure_ascii=False), now),
        )

    def fix(self, record_id: str, changes: dict[str, Any]) -> LocalRecord:
        """Correct a returned, rejected or conflicting record: a new ``rev`` goes to the outbox.

        A record still waiting in the outbox is frozen: it may already be on the server.
        """
        current = self.get(record_id)
        if current.state == QUEUED:
            raise ValidationError(
                "this record is waiting to be sent and cannot change now; sync first",
                field="record",
            )
        if current.state not in ATTENTION_STATES:
            raise ValidationError(
                f"a record in state {current.state!r} cannot be corrected", field="record"
            )
        server_rev = int((current.result or {}).get("server_rev") or current.rev)
        body = _deep_merge(current.body, changes)
        body["rev"] = max(current.rev, server_rev) + 1
        rec = self.build_record(body)
        priced = self.quote_for(rec)
        if "amount_collected_vnd" not in changes:
            rec = rec.model_copy(update={"amount_collected_vnd": priced.net_vnd})
        with self.store.transaction() as conn:
            self._save(conn, rec, priced, new=False)
        return self.get(record_id)

    def get(self, record_id: str) -> LocalRecord:
        row = self.store.record_row(record_id)
        if row is None:
            matches = [r for r in self.store.record_rows() if str(r["id"]).startswith(record_id)]
            if len(matches) != 1:
                raise ValidationError(f"no record {record_id!r} on this device", field="id")
            row = matches[0]
        return LocalRecord.from_row(row)

    def records(self, state: str | None = None) -> list[LocalRecord]:
        return [LocalRecord.from_row(r) for r in self.store.record_rows(state)]

    # --- receipts -----------------------------------------------------------------------------

    def void_receipt(self, number: int, reason: str) -> None:
        """Record a spoiled receipt offline; the void is sent at the next sync."""
        if len(reason.strip()) < 3:
            raise ValidationError("give a reason of at least 3 characters", field="reason")
        device_id = self.store.get_meta("device_id")
        mine = any(
            int(b["first_number"]) <= number <= int(b["last_number"])
            for b in self.store.pulled(ENTITY_RECEIPT_BLOCK)
            if device_id is None or str(b.get("device_id")) == device_id
        )
        if not mine:
            raise ValidationError(
                f"receipt {number} is not in this device's blocks", field="number"
            )
        if number in self.store.used_receipts():
            raise ValidationError(f"receipt {number} is already used or voided", field="number")
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO receipt_use (number, record_id, void_reason, used_at) "
                "VALUES (?, NULL, ?, ?)",
                (number, reason.strip(), now_iso()),
            )
            conn.execute(
                "INSERT INTO outbox (kind, record_id, rev, body, created_at) "
                "VALUES ('void', ?, 0, ?, ?)",
                (
                    str(number),
                    json.dumps({"receipt_number": number, "reason": reason.strip()}),
                    now_iso(),
                ),
            )

    def receipts(self) -> ReceiptSummary:
        rows = self.store.conn.execute(
            "SELECT number, record_id, void_reason FROM receipt_use ORDER BY number"
        ).fetchall()
        blocks = self.store.pulled(ENTITY_RECEIPT_BLOCK)
        device_id = self.store.get_meta("device_id")
        own = [b for b in blocks if device_id is None or str(b.get("device_id")) == device_id]
        total = sum(int(b["last_number"]) - int(b["first_number"]) + 1 for b in own)
        return ReceiptSummary(
            blocks=own,
            used=[int(r[0]) for r in rows if r[2] is None],
            voided=[(int(r[0]), str(r[2])) for r in rows if r[2] is not None],
            remaining=max(0, total - len(rows)),
        )

    # --- reference data -----------------------------------------------------------------------

    def targets(self) -> list[dict[str, Any]]:
        return self.store.pulled(ENTITY_TARGET)

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
        counts: dict[str, int] = {}
        for row in self.store.conn.execute("SELECT state, count(*) FROM record GROUP BY state"):
            counts[str(row[0])] = int(row[1])
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
        """Push the outbox in batches, send voids, then pull every page since the cursor.

        Stops cleanly on a network or server failure that outlasts the retries, saying what
        is left; nothing queued is ever dropped. Raises ``LoginRequired`` when the session is
        gone (everything local is kept).
        """
        progress = progress or SyncProgress()
        self.api.on_retry = progress.on_retry
        report = SyncReport()
        batch_size = max(1, min(batch_size, MAX_PUSH_RECORDS))
        try:
            self._push(report, progress, batch_size)
            self._send_voids(report)
            self._pull(report, progress)
            self.store.set_meta("last_sync_at", now_iso())
        except (NetworkError, ServerError) as exc:
            report.stopped_reason = str(exc)
        report.left_in_outbox = self.store.outbox_size()
        return report

    def _push(self, report: SyncReport, progress: SyncProgress, batch_size: int) -> None:
        pending = [e for e in self.store.outbox() if e.kind == "record"]
        if progress.on_push_start:
            progress.on_push_start(len(pending))
        for start in range(0, len(pending), batch_size):
            batch = pending[start : start + batch_size]
            raw = self.api.request(
                "POST", "/api/v1/sync/push", json={"records": [e.body for e in batch]}
            )
            response = PushResponse.model_validate(raw)
            with self.store.transaction() as conn:
                for entry, result in zip(batch, response.results, strict=True):
                    self._apply_result(
                        conn, entry.record_id, entry.seq, result.model_dump(mode="json")
                    )
            for result in response.results:
                report.counts[result.status.value] = report.counts.get(result.status.value, 0) + 1
                report.results.append(result.model_dump(mode="json"))
            report.pushed += len(batch)
            if progress.on_push_batch:
                progress.on_push_batch(len(batch))

    def _apply_result(
        self, conn: sqlite3.Connection, record_id: str, outbox_seq: int, result: dict[str, Any]
    ) -> None:
        status = result["status"]
        state = status
        stored = dict(result)
        if status in (PushStatus.ACCEPTED.value, PushStatus.DUPLICATE.value) and result.get(
            "accepted"
        ):
            state = str(result["accepted"]["record_status"])
        elif status == PushStatus.CONFLICT.value:
            version = result.get("server_version") or {}
            stored["server_rev"] = version.get("rev")
            if version.get("record_status") == "returned":
                state = "returned"
        conn.execute("DELETE FROM outbox WHERE seq = ?", (outbox_seq,))
        conn.execute(
            "UPDATE record SET state = ?, result = ?, updated_at = ? WHERE id = ? AND rev = ?",
            (
                state,
                json.dumps(stored, ensure_ascii=False),
                now_iso(),
                record_id,
                result.get("rev"),
            ),
        )

    def _send_voids(self, report: SyncReport) -> None:
        for entry in [e for e in self.store.outbox() if e.kind == "void"]:
            try:
                self.api.request("POST", "/api/v1/receipts/void", json=entry.body)
            except FieldEnrollError as exc:
                if exc.status != 409:  # already voided on the server: done
                    raise
            with self.store.transaction() as conn:
                conn.execute("DELETE FROM outbox WHERE seq = ?", (entry.seq,))
            report.voids_sent += 1

    def _pull(self, report: SyncReport, progress: SyncProgress, limit: int = 500) -> None:
        restarted = False
        while True:
            cursor = self.store.get_meta("cursor", "0")
            try:
                raw = self.api.request(
                    "GET", "/api/v1/sync/pull", params={"cursor": cursor, "limit": limit}
                )
            except ValidationError as exc:
                if exc.type == "cursor_invalid" and not restarted:
                    restarted = True
                    self.store.set_meta("cursor", "0")
                    continue
                raise
            except FieldEnrollError as exc:
                if exc.type == "cursor_invalid" and not restarted:
                    restarted = True
                    self.store.set_meta("cursor", "0")
                    continue
                raise
            page = PullPage.model_validate(raw)
            with self.store.transaction() as conn:
                for change in page.changes:
                    self.store.apply_change(
                        conn,
                        entity=change.entity,
                        entity_id=change.entity_id,
                        seq=change.seq,
                        op=change.op,
                        payload=change.payload,
                    )
                    if change.entity == ENTITY_REVIEW:
                        self._apply_review(conn, change.payload)
                self.store.set_meta("cursor", page.next_cursor, conn)
            report.pulled += len(page.changes)
            if progress.on_pull_page:
                progress.on_pull_page(len(page.changes), page.has_more)
            if not page.has_more:
                return

    def _apply_review(self, conn: sqlite3.Connection, payload: dict[str, Any]) -> None:
        record_id = str(payload.get("enrollment_id") or payload.get("id"))
        row = conn.execute("SELECT state, result FROM record WHERE id = ?", (record_id,)).fetchone()
        if row is None or row["state"] == QUEUED:
            return  # a newer revision is on its way; its answer will say
        result = json.loads(row["result"]) if row["result"] else {}
        result["review"] = payload
        new_state = str(payload.get("status") or payload.get("record_status") or row["state"])
        conn.execute(
            "UPDATE record SET state = ?, result = ?, updated_at = ? WHERE id = ?",
            (new_state, json.dumps(result, ensure_ascii=False), now_iso(), record_id),
        )


def _deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
