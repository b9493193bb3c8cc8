"""What the device knows of a person's and a household's history, for the offline quote.

The server derives the same inputs from the register and live sign-ups
(``server/ingest/pricing.py``, docs/policy-rules.md §9); here they come from the pulled
roster and this device's own live records, so the offline amount equals the server's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from client_sdk.store import Store
from enroll_common import Scheme
from enroll_common.household import Holding, HouseholdId
from enroll_common.schemes.voluntary_si import support_months_used as support_months_used_by
from enroll_common.schemes.voluntary_si import supported_months

ENTITY_PARTICIPANT = "participant"
HH = Scheme.HOUSEHOLD_HI.value


def previous_coverage_end(
    store: Store, citizen_id: str, scheme: str, *, exclude_record: str | None = None
) -> date | None:
    """The person's latest cover: the roster and this device's own live records (pending
    ones count on the server too, docs/policy-rules.md §9.2)."""
    ends = [
        date.fromisoformat(p["coverage_end"])
        for p in store.roster_by_citizen(ENTITY_PARTICIPANT, citizen_id)
        if p.get("scheme") == scheme and p.get("coverage_end")
    ]
    ends += [
        date.fromisoformat(str(q["coverage_end"]))
        for record_id, q in store.person_quotes(citizen_id, scheme)
        if record_id != exclude_record and q.get("coverage_end")
    ]
    return max(ends) if ends else None


def support_months_used(store: Store, citizen_id: str, *, exclude_record: str | None = None) -> int:
    """VSI support months already used: the roster's (the agency's count) plus this
    device's live VSI records that end after the agency's known cover."""
    vsi = Scheme.VOLUNTARY_SI.value
    entries = [
        p for p in store.roster_by_citizen(ENTITY_PARTICIPANT, citizen_id) if p.get("scheme") == vsi
    ]
    ends = [str(p["registered_coverage_end"]) for p in entries if p.get("registered_coverage_end")]
    own = [
        (
            date.fromisoformat(str(q["coverage_end"])),
            supported_months(
                int(q.get("support_vnd", 0)),
                int(q.get("monthly_gross_vnd", 0)),
                int(q.get("monthly_net_vnd", 0)),
            ),
        )
        for record_id, q in store.person_quotes(citizen_id, vsi)
        if record_id != exclude_record and q.get("coverage_end")
    ]
    return support_months_used_by(
        max((int(p.get("support_months_used") or 0) for p in entries), default=0),
        date.fromisoformat(max(ends)) if ends else None,
        own,
    )


def holdings(
    store: Store,
    household_code: str,
    citizen_id: str,
    *,
    exclude_record: str | None = None,
    made_before: str | None = None,
    commune_code: int | None = None,
    national_code: str | None = None,
) -> list[Holding]:
    """Other members' covers: roster entries (with the place of their last card of this
    system, when any) and this device's live records. With ``commune_code`` only the
    household of that commune (or of ``national_code``) counts, as on the server."""
    mine = (
        HouseholdId(commune_code, household_code, national_code)
        if commune_code is not None
        else None
    )

    def same(commune: Any, national: Any) -> bool:
        if mine is None or commune is None:
            return True
        return mine.same_as(HouseholdId(int(commune), household_code, national or None))

    found: list[Holding] = []
    for p in store.roster_by_household(ENTITY_PARTICIPANT, household_code):
        cid = str(p.get("citizen_id"))
        end = p.get("coverage_end")
        if p.get("scheme") != HH or cid == citizen_id or not end:
            continue
        if not same(p.get("commune_code"), p.get("national_household_code")):
            continue
        place = p.get("household_place")
        found.append(Holding(cid, None, date.fromisoformat(end), place))
    for c in store.household_covers(household_code, HH):
        if c.citizen_id == citizen_id or c.record_id == exclude_record or not c.coverage_end:
            continue
        if made_before is not None and (c.created_at or "") >= made_before:
            continue
        if not same(c.commune_code, c.national_code):
            continue
        start = date.fromisoformat(c.coverage_start) if c.coverage_start else None
        found.append(Holding(c.citizen_id, start, date.fromisoformat(c.coverage_end), c.place))
    return found
