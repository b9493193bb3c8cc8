"""The sync engine: push the outbox in batches, send voids, then pull every page.

When the pull says the agent's area changed (``scope`` in the page differs from the one
kept), reference data of the old area is dropped and the area is pulled from zero; the
agent's own records and outbox are never touched (docs/sync-protocol.md, "Scope changes").
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from client_sdk.api import Api
from client_sdk.errors import (
    AuthError,
    FieldEnrollError,
    NetworkError,
    ServerError,
    ValidationError,
)
from client_sdk.models import QUEUED, SyncProgress, SyncReport
from client_sdk.store import Store, now_iso
from enroll_common.facilities import ENTITY_FACILITY
from enroll_common.periods import parse_period
from enroll_common.sync_wire import MAX_PUSH_RECORDS, PullPage, PushResponse, PushStatus

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

ENTITY_TARGET = "target"
ENTITY_PARTICIPANT = "participant"
ENTITY_REVIEW = "review_decision"
# Reference data that belongs to an area (commune, point): dropped when the area changes.
AREA_ENTITIES = (ENTITY_PARTICIPANT, ENTITY_TARGET, ENTITY_FACILITY)


class SyncEngine:
    def __init__(self, api: Api, store: Store) -> None:
        self.api = api
        self.store = store

    def sync(self, progress: SyncProgress | None = None, *, batch_size: int = 100) -> SyncReport:
        """Push, send voids, pull. Stops cleanly on a failure that outlasts the retries,
        saying what is left; nothing queued is ever dropped. ``LoginRequired`` propagates."""
        progress = progress or SyncProgress()
        self.api.on_retry = progress.on_retry
        report = SyncReport()
        batch_size = max(1, min(batch_size, MAX_PUSH_RECORDS))
        try:
            self._push(report, progress, batch_size)
            self._send_voids(report)
            self._pull(report, progress)
            self._fetch_progress()
            self.store.set_meta("last_sync_at", now_iso())
        except (NetworkError, ServerError) as exc:
            report.stopped_reason = str(exc)
            report.unreachable = isinstance(exc, NetworkError)
        report.left_in_outbox = self.store.outbox_size()
        return report

    def _push(self, report: SyncReport, progress: SyncProgress, batch_size: int) -> None:
        pending = self.store.outbox(kind="record")
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
                    self._apply_result(conn, entry.record_id, entry.seq, entry.body, result)
            for entry, result in zip(batch, response.results, strict=True):
                status = result.status.value
                report.counts[status] = report.counts.get(status, 0) + 1
                answer = result.model_dump(mode="json")
                answer["full_name"] = entry.body["person"]["full_name"]
                answer["amount_collected_vnd"] = entry.body["amount_collected_vnd"]
                report.results.append(answer)
            report.pushed += len(batch)
            if progress.on_push_batch:
                progress.on_push_batch(len(batch))

    def _apply_result(
        self,
        conn: sqlite3.Connection,
        record_id: str,
        outbox_seq: int,
        body: dict[str, Any],
        result: Any,
    ) -> None:
        stored = result.model_dump(mode="json")
        status = stored["status"]
        state = status
        if status in (PushStatus.ACCEPTED.value, PushStatus.DUPLICATE.value) and stored.get(
            "accepted"
        ):
            state = str(stored["accepted"]["record_status"])
        elif status == PushStatus.CONFLICT.value:
            version = stored.get("server_version") or {}
            stored["server_rev"] = version.get("rev")
            if version.get("record_status") == "returned":
                state = "returned"
        self.store.dequeue(conn, outbox_seq)
        self.store.set_record_state(conn, record_id, state, stored, rev=stored.get("rev"))

    def _send_voids(self, report: SyncReport) -> None:
        for entry in self.store.outbox(kind="void"):
            try:
                self.api.request("POST", "/api/v1/receipts/void", json=entry.body)
            except FieldEnrollError as exc:
                if exc.status != 409:  # already voided on the server: done
                    raise
            with self.store.transaction() as conn:
                self.store.dequeue(conn, entry.seq)
            report.voids_sent += 1

    def _pull(self, report: SyncReport, progress: SyncProgress, limit: int = 500) -> None:
        restarted = False
        while True:
            cursor = self.store.get_meta("cursor", "0") or "0"
            try:
                raw = self.api.request(
                    "GET", "/api/v1/sync/pull", params={"cursor": cursor, "limit": limit}
                )
            except FieldEnrollError as exc:
                if exc.type == "cursor_invalid" and not restarted:
                    restarted = True
                    self.store.set_meta("cursor", "0")
                    continue
                raise
            page = PullPage.model_validate(raw)
            kept = self.store.get_meta("scope")
            if page.scope is not None and kept is not None and page.scope != kept:
                # The agent's area changed: forget the old area's data, pull it all again.
                with self.store.transaction() as conn:
                    self.store.drop_pulled(conn, AREA_ENTITIES)
                    self.store.set_meta("cursor", "0", conn)
                    self.store.set_meta("scope", page.scope, conn)
                    self.store.bump_pulled_version(conn)
                report.scope_changed = True
                continue
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
                if page.changes:
                    self.store.bump_pulled_version(conn)
                if page.scope is not None:
                    self.store.set_meta("scope", page.scope, conn)
                self.store.set_meta("cursor", page.next_cursor, conn)
            report.pulled += len(page.changes)
            if progress.on_pull_page:
                progress.on_pull_page(len(page.changes), page.has_more)
            if not page.has_more:
                return

    def _fetch_progress(self) -> None:
        """The server's count of my and my point's achievement for the current targets'
        periods, kept for ``targets`` offline (the device cannot count others' sign-ups)."""
        today = datetime.now(VN_TZ).date()
        wanted = sorted(
            {
                (str(t["period"]), str(t.get("kind") or "all"))
                for t in self.store.pulled(ENTITY_TARGET)
                if parse_period(str(t["period"])).contains(today)
            }
        )
        kept: dict[str, Any] = {"as_of": now_iso(), "rows": []}
        for period, kind in wanted:
            for level in ("agent", "point"):
                try:
                    body = self.api.request(
                        "GET",
                        "/api/v1/reports/progress",
                        params={"period": period, "level": level, "kind": kind},
                    )
                except (ValidationError, AuthError):
                    continue  # an older server, or a level this account may not read
                for row in body.get("rows") or []:
                    kept["rows"].append({**row, "period": period, "kind": kind})
        self.store.set_meta("progress", json.dumps(kept, ensure_ascii=False))

    def _apply_review(self, conn: sqlite3.Connection, payload: dict[str, Any]) -> None:
        record_id = str(payload.get("enrollment_id") or payload.get("id"))
        row = self.store.record_row(record_id)
        if row is None or row["state"] in (QUEUED, "withdrawn"):
            return  # a newer revision is on its way (its answer will say), or taken back
        if payload.get("rev") is not None and int(payload["rev"]) < int(row["rev"]):
            return  # a decision about an older revision than the one the device holds
        result = json.loads(row["result"]) if row["result"] else {}
        result["review"] = payload
        new_state = str(payload.get("status") or payload.get("record_status") or row["state"])
        self.store.set_record_state(conn, record_id, new_state, result)


__all__ = ["SyncEngine"]
