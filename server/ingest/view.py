"""What one batch knows of the database, kept up to date as its records are accepted.

Read once before the first record (``reads``), then changed in memory by every accepted
record, so a later record of the batch sees an earlier one exactly as it would see a stored
row: its sign-up, revision, receipt use, live coverage and register entry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from enroll_common.household import HouseholdId
from enroll_common.sync_wire import Accepted, EnrollmentStatus
from server.reports.summary_delta import Counted

if TYPE_CHECKING:
    from server.ingest.decide import Acceptance

LIVE_STATUSES = (
    EnrollmentStatus.PENDING.value,
    EnrollmentStatus.APPROVED.value,
    EnrollmentStatus.RETURNED.value,
)
"""Statuses that count as coverage for ordinals and duplicate checks (not ``rejected``)."""

HOUSEHOLD_HI = "household_hi"


@dataclass
class Existing:
    """A stored sign-up that the batch names by id (its state before or during the batch)."""

    id: str
    agent_id: int
    rev: int
    status: str
    review_reason: str | None
    received_at: datetime
    citizen_id: str
    scheme: str
    household_ordinal: int | None = None
    """The household place the sign-up held (a correction keeps it)."""


@dataclass
class StoredRevision:
    """An accepted revision: stored before the batch, or accepted by it (``acceptance``)."""

    enrollment_id: str
    rev: int
    content_hash: str
    body: dict[str, Any]
    answer: dict[str, Any] | None = None
    acceptance: Acceptance | None = None

    def accepted(self) -> Accepted | None:
        """The answer given for it; for one of this batch, known once the batch is written."""
        if self.acceptance is not None:
            answer: Accepted | None = self.acceptance.answer
            return answer
        return Accepted.model_validate(self.answer) if self.answer else None


@dataclass(frozen=True)
class ReceiptUseRef:
    kind: str  # "enrollment" | "void"
    enrollment_id: str | None


@dataclass(frozen=True)
class LiveSignUp:
    """A live sign-up of one of the batch's people or households."""

    id: str
    citizen_id: str
    scheme: str
    status: str
    household_code: str | None
    coverage_start: date
    coverage_end: date
    supported_months: int
    received_at: datetime
    person_commune_code: int
    national_household_code: str | None
    household_ordinal: int | None
    payment_date: date | None = None

    @property
    def household(self) -> HouseholdId | None:
        if self.household_code is None:
            return None
        return HouseholdId(
            self.person_commune_code, self.household_code, self.national_household_code
        )


@dataclass
class RegisterEntry:
    """A participants register row (``Participant``), as the batch will leave it."""

    id: int | None
    citizen_id: str
    scheme: str
    full_name: str
    date_of_birth: date
    si_code: str | None
    household_code: str | None
    commune_code: int
    province_code: int
    registered_coverage_end: date | None
    coverage_end: date | None
    source: str
    last_enrollment_id: str | None
    initial_facility_code: str | None = None  # the facility on file (server.facilities)
    national_household_code: str | None = None
    household_place: int | None = None
    support_months_used: int = 0

    @property
    def household(self) -> HouseholdId | None:
        if self.household_code is None:
            return None
        return HouseholdId(self.commune_code, self.household_code, self.national_household_code)


@dataclass(frozen=True)
class PointRef:
    id: int
    commune_code: int


@dataclass(frozen=True)
class BlockRef:
    id: int
    first_number: int
    last_number: int


@dataclass
class BatchView:
    """The rows the batch's checks read, indexed the ways the checks look them up."""

    points: dict[int, PointRef] = field(default_factory=dict)
    communes: dict[int, int] = field(default_factory=dict)  # commune code -> province code
    support_areas: dict[int, str] = field(default_factory=dict)  # commune -> special_zone...
    blocks: list[BlockRef] = field(default_factory=list)
    existing: dict[str, Existing] = field(default_factory=dict)
    revisions: dict[tuple[str, int], StoredRevision] = field(default_factory=dict)
    uses: dict[int, ReceiptUseRef] = field(default_factory=dict)
    register: dict[tuple[str, str], RegisterEntry] = field(default_factory=dict)
    read_people: set[str] = field(default_factory=set)
    """Citizens whose every live sign-up was read (the records' people, not only their
    households' other members): the summary share of these is computed in memory."""
    counted: dict[str, Counted] = field(default_factory=dict)
    """The counted sign-ups (approved, pending) read, as they were before the batch;
    judging never changes them (``writes`` compares them with the batch's result)."""
    _live: dict[str, LiveSignUp] = field(default_factory=dict)
    _by_person: dict[tuple[str, str], dict[str, LiveSignUp]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    _by_household: dict[str, dict[str, LiveSignUp]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    _register_by_household: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """Both indexes are keyed by the local code and by ``national:<code>``; a household's
    members are then those of either key that ``HouseholdId.same_as`` accepts."""

    def block_for(self, number: int) -> BlockRef | None:
        for block in self.blocks:
            if block.first_number <= number <= block.last_number:
                return block
        return None

    # --- live sign-ups ---------------------------------------------------------------------

    def set_live(self, row: LiveSignUp) -> None:
        """Add or replace a sign-up (a correction may move it to another person/household)."""
        self.drop_live(row.id)
        if row.status not in LIVE_STATUSES:
            return
        self._live[row.id] = row
        self._by_person[(row.citizen_id, row.scheme)][row.id] = row
        if row.household_code is not None and row.scheme == HOUSEHOLD_HI:
            for key in _keys(row.household_code, row.national_household_code):
                self._by_household[key][row.id] = row

    def drop_live(self, enrollment_id: str) -> None:
        old = self._live.pop(enrollment_id, None)
        if old is None:
            return
        self._by_person[(old.citizen_id, old.scheme)].pop(old.id, None)
        if old.household_code is not None:
            for key in _keys(old.household_code, old.national_household_code):
                self._by_household[key].pop(old.id, None)

    def live_of(self, citizen_id: str, scheme: str) -> list[LiveSignUp]:
        return list(self._by_person.get((citizen_id, scheme), {}).values())

    def live_in_household(self, household: HouseholdId) -> list[LiveSignUp]:
        """Live household-HI sign-ups of this household (commune-scoped or national)."""
        found: dict[str, LiveSignUp] = {}
        for key in _keys(household.code, household.national_code):
            for row in self._by_household.get(key, {}).values():
                if row.household is not None and row.household.same_as(household):
                    found[row.id] = row
        return list(found.values())

    # --- register --------------------------------------------------------------------------

    def set_register(self, entry: RegisterEntry) -> None:
        old = self.register.get((entry.citizen_id, entry.scheme))
        if old is not None and old.household_code is not None:
            for key in _keys(old.household_code, old.national_household_code):
                self._register_by_household[key].discard(old.citizen_id)
        self.register[(entry.citizen_id, entry.scheme)] = entry
        if entry.household_code is not None and entry.scheme == HOUSEHOLD_HI:
            for key in _keys(entry.household_code, entry.national_household_code):
                self._register_by_household[key].add(entry.citizen_id)

    def registered_in_household(self, household: HouseholdId) -> list[RegisterEntry]:
        """Register entries (household HI) of this household."""
        citizens: set[str] = set()
        for key in _keys(household.code, household.national_code):
            citizens |= self._register_by_household.get(key, set())
        entries = [self.register[(c, HOUSEHOLD_HI)] for c in sorted(citizens)]
        return [e for e in entries if e.household is not None and e.household.same_as(household)]


def _keys(code: str, national_code: str | None) -> tuple[str, ...]:
    return (code,) if not national_code else (code, f"national:{national_code}")
