"""Household identity and the household place (ordinal), shared by the server and devices.

Decree 188/2025 (like Decree 146/2018 Art 7 before it) prices household HI by the member's
order: 1st 4.5 % of the base salary, 2nd–4th 70/60/50 % of that, 5th on 40 %, "when the
members participate in the same fiscal year". We read that as: members whose household
cover runs at the same time are ordered, and each card holds one place for its whole period
(docs/policy-rules.md §9.1, with what is uncertain). Two rules follow:

- a new card takes the lowest place no other member holds on any day of its period, so two
  members never hold the same place at once and a household whose 1st member is still
  covered never gets a second 1st (staggered renewals included);
- a correction keeps the place it had, unless another member holds it by then.

Members known only from the agency's register carry no place; while covered they are taken
to hold the lowest places left free by this system's cards, one each, in citizen-id order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class HouseholdId:
    """A household: its code within the commune of residence, or the national household
    code (mã hộ gia đình of the population database) when given. A local code means nothing
    outside its commune, so the same code in two communes is two households."""

    commune_code: int
    code: str
    national_code: str | None = None

    def same_as(self, other: HouseholdId) -> bool:
        if self.national_code and other.national_code:
            return self.national_code == other.national_code
        return self.commune_code == other.commune_code and self.code == other.code


@dataclass(frozen=True)
class Holding:
    """Another member's household-HI cover: a card of this system (with its place) or the
    agency's register (``place`` None, ``start`` None: only the end is known)."""

    citizen_id: str
    start: date | None
    end: date
    place: int | None


def household_place(
    holdings: Iterable[Holding], *, start: date, end: date, keep: int | None = None
) -> int:
    """The place of a card covering [start, end] among the other members' ``holdings``.

    ``keep`` is the place a corrected card already held: kept while no other member holds
    it. Otherwise the lowest place free on every day of the period.
    """
    overlapping = [h for h in holdings if h.end >= start and (h.start is None or h.start <= end)]
    taken = {h.place for h in overlapping if h.place is not None}
    placed = {h.citizen_id for h in overlapping if h.place is not None}
    register_only = sorted({h.citizen_id for h in overlapping if h.place is None} - placed)
    for _ in register_only:
        taken.add(_lowest_free(taken))
    if keep is not None and keep >= 1 and keep not in taken:
        return keep
    return _lowest_free(taken)


def _lowest_free(taken: set[int]) -> int:
    place = 1
    while place in taken:
        place += 1
    return place


__all__ = ["Holding", "HouseholdId", "household_place"]
