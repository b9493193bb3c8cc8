"""The calculator's inputs for one record, from the server's own view of the batch.

The device's amount, ordinal, coverage and new/renewal are never trusted: the household
place, the previous coverage end, the support months already used and the kind come from
the register and the live sign-ups (including earlier records of the same batch).
docs/policy-rules.md §9 gives each rule with its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from enroll_common.calculator import Quote, QuoteRequest, quote
from enroll_common.errors import PolicyError
from enroll_common.household import Holding, HouseholdId, household_place
from enroll_common.policy import PolicySet
from enroll_common.quote_wire import record_request
from enroll_common.schemes import Insurance, ranks_household, rules
from enroll_common.schemes import voluntary_si as vsi
from enroll_common.sync_wire import EnrollmentKind, EnrollmentRecord, EnrollmentStatus, Flag
from server.ingest.checks import last_paid_end
from server.ingest.view import BatchView, Existing, LiveSignUp, RegisterEntry

FUTURE_TOLERANCE = timedelta(minutes=10)
"""Device clocks drift; a capture this little ahead of the server is not flagged."""


@dataclass(frozen=True)
class Clock:
    now: datetime
    today: date
    max_age_days: int


class Quoter:
    """The calculator for one batch, remembering answers: the records of a day's visits
    mostly share their inputs (payment date, period, income, ordinal), and a quote is a
    pure function of its request and the policy rows."""

    def __init__(self, policy: PolicySet) -> None:
        self.policy = policy
        self._memo: dict[QuoteRequest, Quote] = {}

    def __call__(self, request: QuoteRequest) -> Quote:
        found = self._memo.get(request)
        if found is None:
            found = self._memo[request] = quote(request, self.policy)
        return found


@dataclass
class Priced:
    quote: Quote
    ordinal: int | None
    supported_months: int
    flags: list[Flag]
    duplicate_of: list[str]
    kind: EnrollmentKind
    """new or renewal, from the register and this system's earlier sign-ups."""


def price(
    view: BatchView,
    quoter: Quoter,
    clock: Clock,
    record: EnrollmentRecord,
    existing: Existing | None,
) -> Priced:
    """Re-price from the server's view; raises ``PolicyError`` when the policy refuses."""
    record_id = str(record.id)
    citizen = record.person.citizen_id
    scheme = record.scheme.value
    others = [o for o in view.live_of(citizen, scheme) if o.id != record_id]
    registered = view.register.get((citizen, scheme))
    registered_end = registered.registered_coverage_end if registered is not None else None

    flags: list[Flag] = []
    scheme_rules = rules(record.scheme)
    history = continuity(others, registered_end)
    # HI: the card continues the previous one (pending ones count); VSI: the payment
    # continues the participant's cycle from the last paid period.
    previous_end = (
        history.previous_end if scheme_rules.continues_card else last_paid_end(view, record)
    )
    support_used = 0
    if scheme_rules.counts_support_months:
        support_used = support_months_used(others, registered)
    point = view.points.get(record.point_id)
    province = view.communes.get(point.commune_code) if point is not None else None

    def at(ordinal: int | None, previous: date | None = previous_end) -> Quote:
        return quoter(
            record_request(
                record,
                household_ordinal=ordinal,
                previous_coverage_end=previous,
                support_months_used=support_used,
                province_code=province,
                residence_area=view.support_areas.get(record.person.commune_code),
            )
        )

    ordinal: int | None = None
    if record.household is not None and ranks_household(
        record.scheme, quoter.policy, record.payment_date, province
    ):
        first = at(1)
        ordinal = place_in_household(
            view, record, first.coverage_start, first.coverage_end, existing
        )
        result = first if ordinal == 1 else at(ordinal)
        if ordinal != record.household.ordinal:
            flags.append(Flag.HOUSEHOLD_ORDINAL_CHANGED)
    else:
        result = at(None)
    if (
        scheme_rules.continues_card
        and history.pending_end is not None
        and at(ordinal, history.approved_end).coverage_start != result.coverage_start
    ):
        flags.append(Flag.CONTINUITY_PENDING)

    overlapping = [
        o
        for o in others
        if o.coverage_start <= result.coverage_end and o.coverage_end >= result.coverage_start
    ]
    if scheme_rules.insurance is Insurance.VSI and overlapping:  # months paid once
        raise PolicyError("payment_date", _paid_twice(result, overlapping))
    # A card paid for again before the person's other card has even started (the same
    # payment keyed twice, say) continues it now that pending cover counts: still flag it.
    ahead = [o for o in others if o.coverage_start > record.payment_date and o not in overlapping]
    duplicate_of = [o.id for o in (*overlapping, *ahead)]
    if scheme_rules.insurance is Insurance.VSI:
        # Two VSI payments of one person on one day: the cycle credits the second to the
        # next period, which is also what the same payment keyed on two devices looks like.
        duplicate_of += [
            o.id
            for o in others
            if o.payment_date == record.payment_date and o.id not in duplicate_of
        ]
    if registered_end is not None and registered_end >= result.coverage_start:
        duplicate_of.append(f"register:{citizen}")
    if duplicate_of:
        flags.append(Flag.POSSIBLE_DUPLICATE)
    if result.net_vnd != record.amount_collected_vnd:
        flags.append(Flag.AMOUNT_ADJUSTED)
    if record.captured_at > clock.now + FUTURE_TOLERANCE or record.payment_date > clock.today:
        flags.append(Flag.FUTURE_DATED)
    if record.captured_at < clock.now - timedelta(days=clock.max_age_days):
        flags.append(Flag.LATE_UPLOAD)
    kind = derived_kind(others, registered_end, existing)
    if kind is not record.kind:
        flags.append(Flag.KIND_CHANGED)

    supported = 0
    if scheme_rules.counts_support_months:
        supported = vsi.supported_months(
            result.support_vnd, result.monthly_gross_vnd, result.monthly_net_vnd
        )
    return Priced(
        quote=result,
        ordinal=ordinal,
        supported_months=supported,
        flags=flags,
        duplicate_of=sorted(duplicate_of),
        kind=kind,
    )


@dataclass(frozen=True)
class Continuity:
    """The person's cover before this card: what review approved (or the agency's register
    holds), and the later end of sign-ups still waiting for review."""

    approved_end: date | None
    pending_end: date | None

    @property
    def previous_end(self) -> date | None:
        ends = [d for d in (self.approved_end, self.pending_end) if d is not None]
        return max(ends) if ends else None


def continuity(others: list[LiveSignUp], registered_end: date | None) -> Continuity:
    """Previous cover counts pending (and returned) sign-ups too: the agent collected for
    them, and a renewal paid meanwhile must not restart with a 30-day wait. ``pending_end``
    is set only when such a sign-up ends later than every approved cover."""
    approved = [o.coverage_end for o in others if o.status == EnrollmentStatus.APPROVED.value]
    pending = [o.coverage_end for o in others if o.status != EnrollmentStatus.APPROVED.value]
    ends = [d for d in (registered_end, max(approved, default=None)) if d is not None]
    approved_end = max(ends) if ends else None
    pending_end = max(pending, default=None)
    if pending_end is not None and approved_end is not None and pending_end <= approved_end:
        pending_end = None
    return Continuity(approved_end=approved_end, pending_end=pending_end)


def support_months_used(others: list[LiveSignUp], registered: RegisterEntry | None) -> int:
    """VSI support months already used: the agency's count (the register import) plus this
    system's live sign-ups the agency has not seen yet (those ending after the register's
    coverage end; the ones within it are already in its count)."""
    own = [(o.coverage_end, o.supported_months) for o in others]
    if registered is None:
        return vsi.support_months_used(0, None, own)
    return vsi.support_months_used(
        registered.support_months_used, registered.registered_coverage_end, own
    )


def derived_kind(
    others: list[LiveSignUp], registered_end: date | None, existing: Existing | None
) -> EnrollmentKind:
    """A renewal when the register shows cover in the scheme, or this system holds an
    earlier live sign-up of the person in it; else a new participant."""
    if registered_end is not None:
        return EnrollmentKind.RENEWAL
    received = existing.received_at if existing is not None else None
    if any(received is None or o.received_at < received for o in others):
        return EnrollmentKind.RENEWAL
    return EnrollmentKind.NEW


def _paid_twice(result: Quote, overlapping: list[LiveSignUp]) -> str:
    months = f"{result.coverage_start:%m/%Y}–{result.coverage_end:%m/%Y}"
    other = overlapping[0]
    return (
        f"kỳ đóng {months} trùng với các tháng đã đóng ở đăng ký {other.id} "
        f"({other.coverage_start:%m/%Y}–{other.coverage_end:%m/%Y}); "
        "không thu lại các tháng đã đóng"
    )


def place_in_household(
    view: BatchView, record: EnrollmentRecord, start: date, end: date, existing: Existing | None
) -> int:
    """The record's household place (``enroll_common.household``): other members' cards of
    this system with their places, register-only members without; a correction keeps its
    place when it stays in the same household."""
    assert record.household is not None
    household = HouseholdId(
        record.person.commune_code, record.household.code, record.household.national_code
    )
    citizen = record.person.citizen_id
    record_id = str(record.id)
    holdings = [
        Holding(o.citizen_id, o.coverage_start, o.coverage_end, o.household_ordinal)
        for o in view.live_in_household(household)
        if o.citizen_id != citizen and o.id != record_id
    ]
    holdings += [
        Holding(e.citizen_id, None, e.registered_coverage_end, None)
        for e in view.registered_in_household(household)
        if e.citizen_id != citizen and e.registered_coverage_end is not None
    ]
    keep = None
    if existing is not None:
        stored = view.revisions[(existing.id, existing.rev)].body
        before = stored.get("household") or {}
        if before.get("code") is not None and household.same_as(
            HouseholdId(
                stored["person"]["commune_code"], before["code"], before.get("national_code")
            )
        ):
            keep = existing.household_ordinal
    return household_place(holdings, start=start, end=end, keep=keep)
