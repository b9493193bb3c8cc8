"""The household place rule (docs/policy-rules.md §9.1), on its own."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from enroll_common.household import Holding, HouseholdId, household_place

D = date(2026, 1, 1)


def _card(citizen: str, start: int, days: int, place: int | None) -> Holding:
    return Holding(citizen, D + timedelta(start), D + timedelta(start + days - 1), place)


def test_staggered_renewal_takes_the_free_first_place():
    b = _card("b", 150, 365, 2)
    a_old = _card("a", 0, 365, 1)
    assert household_place([b, a_old], start=D + timedelta(365), end=D + timedelta(729)) == 1


def test_register_members_fill_the_lowest_free_places_in_citizen_order():
    register = [Holding("c", None, D + timedelta(100), None), Holding("b", None, D, None)]
    live = [_card("d", 0, 365, 1)]
    assert household_place(register + live, start=D, end=D + timedelta(364)) == 4


def test_correction_keeps_its_place_unless_taken():
    others = [_card("a", 0, 365, 1), _card("c", 0, 365, 3)]
    assert household_place(others, start=D, end=D + timedelta(364), keep=2) == 2
    assert household_place(others, start=D, end=D + timedelta(364), keep=3) == 2


def test_household_identity_is_scoped_by_commune_or_national_code():
    assert HouseholdId(1, "H").same_as(HouseholdId(1, "H"))
    assert not HouseholdId(1, "H").same_as(HouseholdId(2, "H"))
    assert HouseholdId(1, "H", "N").same_as(HouseholdId(2, "X", "N"))
    assert not HouseholdId(1, "H", "N").same_as(HouseholdId(1, "H", "M"))
    assert HouseholdId(1, "H", "N").same_as(HouseholdId(1, "H"))


_cards = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 900), st.sampled_from([90, 180, 365])),
    min_size=1,
    max_size=25,
)


@given(_cards)
def test_no_two_members_ever_hold_one_place_and_a_lone_card_is_first(cards):
    held: list[Holding] = []
    for who, start, days in sorted(cards, key=lambda c: c[1]):
        citizen = f"m{who}"
        first, last = D + timedelta(start), D + timedelta(start + days - 1)
        others = [h for h in held if h.citizen_id != citizen]
        place = household_place(others, start=first, end=last)
        overlapping = [h for h in others if h.start <= last and h.end >= first]  # type: ignore[operator]
        assert place not in {h.place for h in overlapping}
        if not any(h.place == 1 for h in overlapping):
            assert place == 1  # never a discount without a 1st member in the period
        held.append(Holding(citizen, first, last, place))
