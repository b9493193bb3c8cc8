"""Recording offline: validate, price exactly as the server will, number, store and queue.

The household place of a member follows the server's rule (``enroll_common.household``,
docs/policy-rules.md §9.1): the lowest place no other member of the household (commune +
code, or the national code) holds during the record's coverage, from the pulled roster and
this device's own live records. A correction keeps the place the record had. The VSI
support months already used come from the roster (the agency's count) and this device's
own records.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pydantic

from client_sdk import history
from client_sdk.errors import LoginRequired, ValidationError
from client_sdk.i18n import _
from client_sdk.models import (
    ATTENTION_STATES,
    QUEUED,
    WITHDRAWN,
    HouseholdMember,
    HouseholdView,
    LocalRecord,
)
from client_sdk.receipts import Receipts
from client_sdk.store import Store
from enroll_common import PolicyError, PolicySet, Quote, QuoteRequest, Scheme, quote
from enroll_common.facilities import ENTITY_FACILITY, NEEDS_FACILITY
from enroll_common.household import Holding, household_place
from enroll_common.identity import check_person
from enroll_common.policy import POLICY_ENTITY_V2
from enroll_common.quote_wire import record_request
from enroll_common.schemes import ranks_household, rules
from enroll_common.sync_wire import EnrollmentRecord

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ENTITY_POLICY = "policy_version"
ENTITY_PARTICIPANT = "participant"
ENTITY_COMMUNE_SUPPORT = "commune_support"
HH = Scheme.HOUSEHOLD_HI.value


class Records:
    """The agent's sign-ups on this device."""

    def __init__(self, store: Store, receipts: Receipts, me: Any) -> None:
        self.store = store
        self.receipts = receipts
        self._me = me  # a callable returning the account's /me
        self._policy: PolicySet | None = None
        self._policy_version = -1

    # --- pricing ------------------------------------------------------------------------------

    def policy(self) -> PolicySet:
        """The pulled policy set, built once and kept until a pull changes pulled data."""
        version = self.store.pulled_version()
        if self._policy is None or version != self._policy_version:
            # Rows older releases cannot read arrive as their own entity (an edit that moves
            # a row between the two also deletes it from the other).
            by_id: dict[Any, dict[str, Any]] = {}
            for entity in (ENTITY_POLICY, POLICY_ENTITY_V2):
                for row in self.store.pulled(entity):
                    by_id[row.get("id")] = row
            rows = list(by_id.values())
            if not rows:
                raise ValidationError(
                    _("No policy tables on this device yet: sync once while online."),
                    field="policy",
                )
            self._policy = PolicySet.from_dicts(rows)
            self._policy_version = version
        return self._policy

    def previous_coverage_end(
        self, citizen_id: str, scheme: str, *, exclude_record: str | None = None
    ) -> date | None:
        return history.previous_coverage_end(
            self.store, citizen_id, scheme, exclude_record=exclude_record
        )

    def support_months_used(self, citizen_id: str, *, exclude_record: str | None = None) -> int:
        return history.support_months_used(self.store, citizen_id, exclude_record=exclude_record)

    def facilities(self) -> list[dict[str, Any]]:
        """The province's initial health facilities pulled to this device, by code."""
        return sorted(self.store.pulled(ENTITY_FACILITY), key=lambda f: str(f.get("code")))

    def previous_facility(self, citizen_id: str, scheme: str) -> str | None:
        """The default facility of a sign-up, as the server picks it when none is sent: the
        register's (same scheme first, then another HI scheme), else this device's last."""
        roster = {
            p.get("scheme"): p.get("initial_facility_code")
            for p in self.store.roster_by_citizen(ENTITY_PARTICIPANT, citizen_id)
        }
        for candidate in (scheme, *sorted(NEEDS_FACILITY - {scheme})):
            if roster.get(candidate):
                return str(roster[candidate])
        return self.store.latest_local_facility(citizen_id, NEEDS_FACILITY)

    def province_code(self) -> int | None:
        """The province whose policy rows price this agent's sign-ups (the server uses the
        collection point's province; an agent's points are in the agent's province)."""
        try:
            code = self._me().get("province_code")
        except LoginRequired:
            return None
        return int(code) if code else None

    def residence_area(self, commune_code: int) -> str | None:
        """special_zone / island_commune for a marked commune (pulled ``commune_support``)."""
        for row in self.store.pulled(ENTITY_COMMUNE_SUPPORT):
            if row.get("code") == commune_code:
                area = row.get("support_area")
                return str(area) if area else None
        return None

    def _price(self, rec: EnrollmentRecord, ordinal: int | None) -> Quote:
        try:
            return quote(
                record_request(
                    rec,
                    support_months_used=self.support_months_used(
                        rec.person.citizen_id, exclude_record=str(rec.id)
                    )
                    if rules(rec.scheme).counts_support_months
                    else 0,
                    household_ordinal=ordinal,
                    previous_coverage_end=self.previous_coverage_end(
                        rec.person.citizen_id, rec.scheme.value, exclude_record=str(rec.id)
                    ),
                    province_code=self.province_code(),
                    residence_area=self.residence_area(rec.person.commune_code),
                ),
                self.policy(),
            )
        except PolicyError as exc:
            raise ValidationError(str(exc), field=exc.field, allowed=exc.allowed) from exc

    def _ranked(self, rec: EnrollmentRecord) -> bool:
        """Whether the household place prices this record (the server's rule)."""
        try:
            return ranks_household(
                rec.scheme, self.policy(), rec.payment_date, self.province_code()
            )
        except PolicyError as exc:
            raise ValidationError(str(exc), field=exc.field, allowed=exc.allowed) from exc

    def quote_for(self, rec: EnrollmentRecord) -> Quote:
        """Price a record with the cached policy and the ordinal it carries."""
        ranked = rec.household is not None and self._ranked(rec)
        return self._price(rec, rec.household.ordinal if rec.household and ranked else None)

    def members(
        self,
        household_code: str,
        *,
        exclude_citizen: str | None = None,
        exclude_record: str | None = None,
        made_before: str | None = None,
    ) -> dict[str, HouseholdMember]:
        """Known household-HI members, by citizen id: the roster, then this device's records."""
        found: dict[str, HouseholdMember] = {}
        for p in self.store.roster_by_household(ENTITY_PARTICIPANT, household_code):
            cid = str(p.get("citizen_id"))
            if p.get("scheme") != HH or cid == exclude_citizen:
                continue
            found[cid] = HouseholdMember(
                cid, str(p.get("full_name") or ""), None, p.get("coverage_end"), "roster"
            )
        for c in self.store.household_covers(household_code, HH):
            if c.citizen_id == exclude_citizen or c.record_id == exclude_record:
                continue
            if made_before is not None and (c.created_at or "") >= made_before:
                continue
            known = found.get(c.citizen_id)
            if known is None or (c.coverage_end or "") >= (known.coverage_end or ""):
                found[c.citizen_id] = HouseholdMember(
                    c.citizen_id, c.full_name, c.coverage_start, c.coverage_end, c.source
                )
        return found

    def household_ordinal(
        self,
        household_code: str,
        citizen_id: str,
        start: date,
        end: date,
        *,
        exclude_record: str | None = None,
        made_before: str | None = None,
        commune_code: int | None = None,
        national_code: str | None = None,
    ) -> int:
        """The lowest place no other member holds during [start, end] (the server's rule)."""
        return household_place(
            self.holdings(
                household_code,
                citizen_id,
                exclude_record=exclude_record,
                made_before=made_before,
                commune_code=commune_code,
                national_code=national_code,
            ),
            start=start,
            end=end,
        )

    def holdings(self, household_code: str, citizen_id: str, **kw: Any) -> list[Holding]:
        return history.holdings(self.store, household_code, citizen_id, **kw)

    def priced(
        self,
        rec: EnrollmentRecord,
        *,
        exclude_record: str | None = None,
        made_before: str | None = None,
        keep_ordinal: bool = False,
    ) -> tuple[EnrollmentRecord, Quote]:
        """The record with its household place filled in (unless kept), and its price."""
        if rec.household is None or not self._ranked(rec):
            return rec, self._price(rec, None)
        if keep_ordinal:
            return rec, self._price(rec, rec.household.ordinal)
        first = self._price(rec, 1)
        ordinal = self.household_ordinal(
            rec.household.code,
            rec.person.citizen_id,
            first.coverage_start,
            first.coverage_end,
            exclude_record=exclude_record,
            made_before=made_before,
            commune_code=rec.person.commune_code,
            national_code=rec.household.national_code,
        )
        household = rec.household.model_copy(update={"ordinal": ordinal})
        rec = rec.model_copy(update={"household": household})
        return rec, first if ordinal == 1 else self._price(rec, ordinal)

    def household(self, code: str, payment_date: date | None = None) -> HouseholdView:
        """A household's known members and what the next member would pay (12 months)."""
        on = payment_date or datetime.now(VN_TZ).date()
        members = list(self.members(code).values())
        try:
            probe = QuoteRequest(
                scheme=Scheme.HOUSEHOLD_HI, payment_date=on, months=12, household_ordinal=1
            )
            first = quote(probe, self.policy())
            ordinal = self.household_ordinal(code, "", first.coverage_start, first.coverage_end)
            amount: int | None = quote(
                QuoteRequest(
                    scheme=Scheme.HOUSEHOLD_HI,
                    payment_date=on,
                    months=12,
                    household_ordinal=ordinal,
                ),
                self.policy(),
            ).net_vnd
        except PolicyError:
            ordinal = len(members) + 1
            amount = None
        return HouseholdView(code, members, ordinal, amount)

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
            policy = self.policy()
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
        final, priced = self.priced(draft, keep_ordinal=explicit)
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
        rec, priced = self.priced(rec, exclude_record=current.id, keep_ordinal=keep)
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
