"""Recording offline: validate, price exactly as the server will (``client_sdk.pricing``),
number, store and queue. A correction keeps the household place the record had.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pydantic

from client_sdk.errors import ValidationError
from client_sdk.i18n import _
from client_sdk.models import (
    ATTENTION_STATES,
    QUEUED,
    WITHDRAWN,
    LocalRecord,
)
from client_sdk.pricing import OfflinePricing
from client_sdk.receipts import Receipts
from client_sdk.store import Store
from enroll_common import PolicySet
from enroll_common.identity import check_person
from enroll_common.sync_wire import EnrollmentRecord

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Records:
    """The agent's sign-ups on this device."""

    def __init__(self, store: Store, receipts: Receipts, me: Any) -> None:
        self.store = store
        self.receipts = receipts
        self._me = me  # a callable returning the account's /me
        self.pricing = OfflinePricing(store, me)

    # --- recording ----------------------------------------------------------------------------

    def build(self, data: dict[str, Any], *, record_id: str | None = None) -> EnrollmentRecord:
        """Validate input into a wire record (receipt number and amount are placeholders)."""
        me = self._me()
        body = _plain(data)
        body.setdefault("id", record_id or str(uuid.uuid4()))
        body.setdefault("rev", 1)
        body.setdefault("captured_at", datetime.now(VN_TZ).isoformat())
        body.setdefault("payment_date", datetime.now(VN_TZ).date().isoformat())
        household = body.get("household")
        if isinstance(household, dict) and household.get("ordinal") is None:
            body["household"] = {**household, "ordinal": 1}  # computed when priced
        if "point_id" not in body:
            points = me.get("point_ids") or []
            if len(points) != 1:
                raise ValidationError(
                    _("Choose a collection point: you work at several."),
                    field="point_id",
                    allowed=[str(p) for p in points],
                )
            body["point_id"] = points[0]
        body.setdefault("receipt_number", 1)  # placeholder for validation; replaced on save
        body.setdefault("amount_collected_vnd", 0)
        try:
            rec = EnrollmentRecord.model_validate(body)
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"]) or "record"
            raise ValidationError(f"{loc}: {first['msg']}", field=loc) from exc
        self._check_identity(rec)
        return rec

    def _check_identity(self, rec: EnrollmentRecord) -> None:
        """The server's identity checks, offline (CCCD against sex and birth date, VSI
        minimum age): the agent hears of a slip while the person is still there."""
        try:
            policy = self.pricing.policy()
        except ValidationError:
            policy = PolicySet(())  # not synced yet: the CCCD checks still apply
        problems = check_person(
            scheme=rec.scheme.value,
            citizen_id=rec.person.citizen_id,
            sex=rec.person.sex,
            date_of_birth=rec.person.date_of_birth,
            payment_date=rec.payment_date,
            policy=policy,
        )
        if problems:
            first = problems[0]
            raise ValidationError(f"{first.field}: {first.message}", field=first.field)

    def record(self, data: dict[str, Any], *, collected_vnd: int | None = None) -> LocalRecord:
        """Record a sign-up offline: validate, price, number, store and queue, atomically.

        ``household.ordinal`` left out (or None) is computed; ``collected_vnd`` defaults to
        the computed amount (what the agent should collect). One durable commit.
        """
        fields = {k: v for k, v in data.items() if k != "receipt_number"}
        draft = self.build(fields)
        explicit = bool((data.get("household") or {}).get("ordinal"))
        final, priced = self.pricing.priced(draft, keep_ordinal=explicit)
        with self.store.transaction() as conn:
            number = self.receipts.next_number()
            final = final.model_copy(
                update={
                    "receipt_number": number,
                    "amount_collected_vnd": priced.net_vnd
                    if collected_vnd is None
                    else collected_vnd,
                }
            )
            body = final.model_dump(mode="json")
            created = self.store.insert_record(
                conn, body=body, quote=priced.to_dict(), state=QUEUED
            )
            self.store.enqueue(conn, "record", body["id"], final.rev, body)
            self.receipts.use(conn, number, body["id"])
        return LocalRecord(
            id=body["id"],
            rev=final.rev,
            state=QUEUED,
            body=body,
            quote=priced.to_dict(),
            result=None,
            created_at=created,
            updated_at=created,
        )

    def fix(self, record_id: str, changes: dict[str, Any]) -> LocalRecord:
        """Correct a returned, rejected or conflicting record: a new ``rev`` is queued.

        A record still waiting in the outbox is frozen: it may already be on the server.
        The household place is kept (the server's when it answered) unless the household
        code changes.
        """
        current = self.get(record_id)
        if current.state == QUEUED:
            raise ValidationError(
                _("This record is waiting to be sent and cannot change now; sync first."),
                field="record",
            )
        if current.state not in ATTENTION_STATES:
            raise ValidationError(
                _("A record in state {state} cannot be corrected.").format(
                    state=state_label(current.state)
                ),
                field="record",
            )
        result = current.result or {}
        server_rev = int(result.get("server_rev") or current.rev)
        body = _deep_merge(current.body, changes)
        body["rev"] = max(current.rev, server_rev) + 1
        old_code = (current.body.get("household") or {}).get("code")
        new_code = (body.get("household") or {}).get("code")
        keep = old_code is not None and old_code == new_code
        if keep:
            accepted = result.get("accepted") or {}
            server_ordinal = accepted.get("household_ordinal")
            if server_ordinal and "ordinal" not in (changes.get("household") or {}):
                body["household"]["ordinal"] = int(server_ordinal)
        rec = self.build(body)
        # Moved to another household: a new place there, among all its members (the
        # server's rule; members recorded later hold their places too).
        rec, priced = self.pricing.priced(rec, exclude_record=current.id, keep_ordinal=keep)
        if "amount_collected_vnd" not in changes:
            rec = rec.model_copy(update={"amount_collected_vnd": priced.net_vnd})
        out = rec.model_dump(mode="json")
        with self.store.transaction() as conn:
            self.store.update_record(conn, body=out, quote=priced.to_dict(), state=QUEUED)
            self.store.enqueue(conn, "record", current.id, rec.rev, out)
        return self.get(current.id)

    def take_server_version(self, record_id: str) -> LocalRecord:
        """Resolve a conflict by keeping what the server holds (nothing is sent)."""
        current = self.get(record_id)
        version = (current.result or {}).get("server_version")
        if current.state != "conflict" or not version:
            raise ValidationError(
                _("Only a record in conflict has a server version to take."), field="record"
            )
        body = version["record"]
        accepted = version.get("accepted") or {}
        q = dict(current.quote)
        if accepted:
            q.update(
                net_vnd=accepted["amount_vnd"],
                coverage_start=accepted["coverage_start"],
                coverage_end=accepted["coverage_end"],
            )
        result = {**(current.result or {}), "accepted": accepted or None, "taken_from_server": True}
        with self.store.transaction() as conn:
            self.store.update_record(conn, body=body, quote=q, state=str(version["record_status"]))
            self.store.set_record_state(conn, current.id, str(version["record_status"]), result)
        return self.get(current.id)

    def withdraw(self, record_id: str, reason: str = "") -> LocalRecord:
        """Take a sign-up back: unsent, it leaves the outbox and its receipt is voided;
        rejected or in conflict, it is closed on this device. Approved ones cannot be."""
        current = self.get(record_id)
        if current.state not in (QUEUED, *ATTENTION_STATES):
            raise ValidationError(
                _("A record in state {state} cannot be withdrawn.").format(
                    state=state_label(current.state)
                ),
                field="record",
            )
        never_sent = current.state == QUEUED and current.result is None
        with self.store.transaction() as conn:
            dropped = self.store.drop_queued(conn, "record", current.id)
            if never_sent and dropped:
                why = reason.strip() or _("sign-up withdrawn before sending")
                number = int(current.body["receipt_number"])
                self.store.mark_receipt_void(conn, number, why[:300])
                self.store.enqueue(
                    conn, "void", str(number), 0, {"receipt_number": number, "reason": why[:300]}
                )
            self.store.set_record_state(
                conn, current.id, WITHDRAWN, {**(current.result or {}), "withdrawn": reason}
            )
        return self.get(current.id)

    def get(self, record_id: str) -> LocalRecord:
        row = self.store.record_row(record_id)
        if row is None:
            matches = self.store.record_rows_by_prefix(record_id) if record_id else []
            if len(matches) != 1:
                raise ValidationError(
                    _("No record {id} on this device.").format(id=record_id), field="id"
                )
            row = matches[0]
        return LocalRecord.from_row(row)

    def list(self, state: str | None = None) -> list[LocalRecord]:
        return [LocalRecord.from_row(r) for r in self.store.record_rows(state)]


STATE_LABELS = {
    "queued": "waiting to be sent",
    "pending": "received, waiting for review",
    "approved": "approved",
    "returned": "returned for correction",
    "rejected": "rejected",
    "conflict": "in conflict with the server",
    "withdrawn": "withdrawn",
    "invalid": "refused as invalid",
    "accepted": "received",
    "duplicate": "already received",
}


def state_label(state: str) -> str:
    """A state in words, in the agent's language."""
    return _(STATE_LABELS.get(state, state))


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}


def _deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
