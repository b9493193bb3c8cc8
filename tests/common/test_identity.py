"""Golden cases for the identity checks (Decree 137/2015 Art 13; VSI minimum age 15)."""

from __future__ import annotations

from datetime import date

import pytest

from enroll_common import PolicySet
from enroll_common.cccd_provinces import CCCD_PROVINCES
from enroll_common.identity import (
    age_on,
    check_citizen_id,
    check_vsi_age,
    decode_citizen_id,
)


def codes(citizen_id: str, sex: str | None, born: date) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in check_citizen_id(citizen_id, sex=sex, date_of_birth=born)]


def test_province_list_is_the_63_old_provinces() -> None:
    assert len(CCCD_PROVINCES) == 63
    assert CCCD_PROVINCES["001"] == "Hà Nội" and CCCD_PROVINCES["096"] == "Cà Mau"
    assert CCCD_PROVINCES["066"] == "Đắk Lắk" and CCCD_PROVINCES["079"] == "Hồ Chí Minh"
    assert not {"000", "003", "088", "097"} & set(CCCD_PROVINCES)


@pytest.mark.parametrize(
    ("citizen_id", "sex", "born"),
    [
        ("066090000001", "male", date(1990, 5, 17)),
        ("066190000001", "female", date(1990, 5, 17)),
        ("001208123456", "male", date(2008, 1, 1)),
        ("096305123456", "female", date(2005, 12, 31)),
        ("079099000001", "male", date(1999, 1, 1)),
        ("079099000001", None, date(1999, 1, 1)),  # sex unknown: the rest is still checked
    ],
)
def test_consistent_citizen_id_accepted(citizen_id: str, sex: str | None, born: date) -> None:
    assert codes(citizen_id, sex, born) == []


@pytest.mark.parametrize(
    ("citizen_id", "sex", "born", "expected"),
    [
        ("000090000001", "male", date(1990, 1, 1), [("person.citizen_id", "citizen_id_province")]),
        ("097090000001", "male", date(1990, 1, 1), [("person.citizen_id", "citizen_id_province")]),
        ("066190000001", "male", date(1990, 1, 1), [("person.citizen_id", "citizen_id_sex")]),
        ("066090000001", "female", date(1990, 1, 1), [("person.citizen_id", "citizen_id_sex")]),
        (
            "066090000001",
            "male",
            date(1980, 5, 17),
            [("person.date_of_birth", "citizen_id_birth_year")],
        ),
        (
            "066290000001",
            "male",
            date(1990, 5, 17),
            [("person.date_of_birth", "citizen_id_century")],
        ),
        (
            "000190000001",
            "male",
            date(1980, 1, 1),
            [
                ("person.citizen_id", "citizen_id_province"),
                ("person.citizen_id", "citizen_id_sex"),
                ("person.date_of_birth", "citizen_id_birth_year"),
            ],
        ),
    ],
)
def test_inconsistent_citizen_id_refused_naming_the_field(
    citizen_id: str, sex: str, born: date, expected: list[tuple[str, str]]
) -> None:
    assert codes(citizen_id, sex, born) == expected


def test_messages_are_vietnamese_and_name_the_rule() -> None:
    [problem] = check_citizen_id("066090000001", sex="male", date_of_birth=date(1980, 5, 17))
    assert "năm sinh 1980" in problem.message and "Nghị định 137/2015" in problem.message


def test_old_nine_digit_number_is_left_to_the_schema() -> None:
    assert decode_citizen_id("123456789") is None
    assert check_citizen_id("123456789", sex="male", date_of_birth=date(1980, 1, 1)) == []


def test_decode_reads_century_and_sex() -> None:
    parts = decode_citizen_id("066305123456")
    assert parts is not None
    assert (parts.province_name, parts.sex, parts.birth_year) == ("Đắk Lắk", "female", 2005)


@pytest.mark.parametrize(
    ("born", "paid", "refused"),
    [
        (date(2018, 6, 1), date(2026, 11, 20), True),  # the 8-year-old of the issue
        (date(2011, 11, 21), date(2026, 11, 20), True),  # 15 tomorrow
        (date(2011, 11, 20), date(2026, 11, 20), False),  # 15 today
        (date(1960, 1, 1), date(2026, 11, 20), False),
    ],
)
def test_vsi_minimum_age_on_the_payment_date(
    policy: PolicySet, born: date, paid: date, refused: bool
) -> None:
    problems = check_vsi_age(born, paid, policy)
    assert bool(problems) == refused
    if refused:
        assert problems[0].field == "person.date_of_birth" and problems[0].code == "vsi_min_age"
        assert "đủ 15 tuổi" in problems[0].message


def test_age_counts_a_leap_day_birthday_on_first_march() -> None:
    assert age_on(date(2000, 2, 29), date(2015, 2, 28)) == 14
    assert age_on(date(2000, 2, 29), date(2015, 3, 1)) == 15
