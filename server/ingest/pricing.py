"""The calculator's inputs for one record, from the server's own view of the batch.

The device's amount, ordinal and coverage are never trusted: the household ordinal, the
previous coverage end and the support months already used come from the register and the
live sign-ups (including earlier records of the same batch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from enroll_common.calculator import Quote, QuoteRequest, Scheme, quote
from enroll_common.policy import PolicySet
from enroll_common.sync_wire import EnrollmentRecord, EnrollmentStatus, Flag, SchemeName
from server.ingest.checks import last_paid_end
from server.ingest.view import BatchView, Existing

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

    previous_end: date | None = None
    support_used = 0
    if record.scheme is SchemeName.HOUSEHOLD_HI:
        approved = [o.coverage_end for o in others if o.status == EnrollmentStatus.APPROVED.value]
        ends = [d for d in (registered_end, max(approved, default=None)) if d is not None]
        previous_end = max(ends) if ends else None
    else:
        support_used = sum(o.supported_months for o in others)
        previous_end = last_paid_end(view, record)  # the participant's cycle continues

    def at(ordinal: int | None) -> Quote:
        return quoter(
            QuoteRequest(
                scheme=Scheme(scheme),
                payment_date=record.payment_date,
                months=record.months,
                monthly_income_vnd=record.monthly_income_vnd,
                support_groups=frozenset(record.support_groups),
                support_months_used=support_used,
                household_ordinal=ordinal,
                previous_coverage_end=previous_end,
                back_payment=record.back_payment is not None,
            )
        )

    flags: list[Flag] = []
    ordinal: int | None = None
    if record.household is not None and record.scheme is SchemeName.HOUSEHOLD_HI:
        first = at(1)
        ordinal = 1 + covered_members(
            view,
            household_code=record.household.code,
            citizen_id=citizen,
            record_id=record_id,
            start=first.coverage_start,
            end=first.coverage_end,
            received_before=existing.received_at if existing is not None else None,
        )
        result = first if ordinal == 1 else at(ordinal)
        if ordinal != record.household.ordinal:
            flags.append(Flag.HOUSEHOLD_ORDINAL_CHANGED)
    else:
        result = at(None)

    duplicate_of = [
        o.id
        for o in others
        if o.coverage_start <= result.coverage_end and o.coverage_end >= result.coverage_start
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

    supported = 0
    per_month = result.monthly_gross_vnd - result.monthly_net_vnd
    if result.scheme is Scheme.VOLUNTARY_SI and result.support_vnd and per_month > 0:
        supported = result.support_vnd // per_month
    return Priced(
        quote=result,
        ordinal=ordinal,
        supported_months=supported,
        flags=flags,
        duplicate_of=sorted(duplicate_of),
    )


def covered_members(
    view: BatchView,
    *,
    household_code: str,
    citizen_id: str,
    record_id: str,
    start: date,
    end: date,
    received_before: datetime | None,
) -> int:
    """Other people of the household already covered by household HI during [start, end]:
    by the agency's register, or by a live sign-up received earlier (a correction keeps the
    place in the household it had when first received)."""
    covered = {
        e.citizen_id
        for e in view.registered_in_household(household_code)
        if e.citizen_id != citizen_id
        and e.registered_coverage_end is not None
        and e.registered_coverage_end >= start
    }
    covered.update(
        o.citizen_id
        for o in view.live_in_household(household_code)
        if o.citizen_id != citizen_id
        and o.id != record_id
        and o.coverage_start <= end
        and o.coverage_end >= start
        and (received_before is None or o.received_at < received_before)
    )
    return len(covered)
