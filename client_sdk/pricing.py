"""Offline pricing: the policy pulled to the device, the person's history and household,
priced exactly as the server will price the same record.

The household place of a member follows the server's rule (``enroll_common.household``,
docs/policy-rules.md §14.1): the lowest place no other member of the household (commune +
code, or the national code) holds during the record's coverage, from the pulled roster and
this device's own live records. The VSI support months already used come from the roster
(the agency's count) and this device's own records.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from client_sdk import history
from client_sdk.errors import LoginRequired, ValidationError
from client_sdk.i18n import _
from client_sdk.models import HouseholdMember, HouseholdView
from client_sdk.store import Store
from enroll_common import PolicyError, PolicySet, Quote, QuoteRequest, Scheme, quote
from enroll_common.facilities import ENTITY_FACILITY, NEEDS_FACILITY
from enroll_common.household import Holding, household_place
from enroll_common.policy import POLICY_ENTITY_V2
from enroll_common.quote_wire import record_request
from enroll_common.schemes import ranks_household, rules
from enroll_common.sync_wire import EnrollmentRecord

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ENTITY_POLICY = "policy_version"
ENTITY_PARTICIPANT = "participant"
ENTITY_COMMUNE_SUPPORT = "commune_support"
HH = Scheme.HOUSEHOLD_HI.value


class OfflinePricing:
    """What the device knows to price a record: pulled policy, roster, its own records."""

    def __init__(self, store: Store, me: Any) -> None:
        self.store = store
        self._me = me  # a callable returning the account's /me
        self._policy: PolicySet | None = None
        self._policy_version = -1

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
