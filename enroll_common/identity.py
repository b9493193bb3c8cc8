"""Identity checks shared by the device's record form and the server's push decision.

A 12-digit CCCD (personal identification number) encodes where the birth was registered,
the century of birth with the sex, and the year of birth (Decree 137/2015/NĐ-CP Art 13,
kept by the 2023 Identification Law and Decree 70/2024 (U)); a number that contradicts the
person's sex or date of birth is a typing slip or the wrong person, and is refused naming
the field. The voluntary-SI minimum age is a policy row (``vsi_min_age``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .cccd_provinces import CCCD_PROVINCES, CCCD_PROVINCES_SOURCE
from .errors import PolicyError
from .policy import PolicySet, int_value

CITIZEN_ID = "person.citizen_id"
DATE_OF_BIRTH = "person.date_of_birth"
STRUCTURE_RULE = "Nghị định 137/2015/NĐ-CP, Điều 13"
MIN_AGE_RULE = "Luật BHXH 41/2024/QH15, Điều 2 khoản 4"

_SEX_LABEL = {"male": "nam", "female": "nữ"}


@dataclass(frozen=True)
class IdentityProblem:
    """One refused identity detail: the record field, a rejection code, a Vietnamese message."""

    field: str
    code: str
    message: str


@dataclass(frozen=True)
class CitizenIdParts:
    """What a 12-digit CCCD says about its holder."""

    province_code: str
    province_name: str | None  # None: not a code of the official list
    sex: str  # "male" | "female"
    century_start: int  # 1900, 2000, ...
    year_digits: int  # the birth year's last two digits

    @property
    def birth_year(self) -> int:
        return self.century_start + self.year_digits


def decode_citizen_id(citizen_id: str) -> CitizenIdParts | None:
    """The parts of a 12-digit CCCD; None for anything else (e.g. an old 9-digit CMND)."""
    if len(citizen_id) != 12 or not citizen_id.isascii() or not citizen_id.isdigit():
        return None
    province = citizen_id[:3]
    digit = int(citizen_id[3])
    return CitizenIdParts(
        province_code=province,
        province_name=CCCD_PROVINCES.get(province),
        sex="female" if digit % 2 else "male",
        century_start=1900 + 100 * (digit // 2),
        year_digits=int(citizen_id[4:6]),
    )


def check_citizen_id(
    citizen_id: str, *, sex: str | None, date_of_birth: date | None
) -> list[IdentityProblem]:
    """Province code, century/sex digit and birth-year digits against the person.

    Only what can be checked is: without a sex the 4th digit is checked for the century
    alone; numbers other than 12 digits are left to the wire schema.
    """
    parts = decode_citizen_id(citizen_id)
    if parts is None:
        return []
    problems: list[IdentityProblem] = []
    if parts.province_name is None:
        problems.append(
            IdentityProblem(
                CITIZEN_ID,
                "citizen_id_province",
                f"3 số đầu {parts.province_code} không phải mã tỉnh nơi đăng ký khai sinh "
                f"trong danh mục ({CCCD_PROVINCES_SOURCE})",
            )
        )
    if sex in _SEX_LABEL and parts.sex != sex:
        problems.append(
            IdentityProblem(
                CITIZEN_ID,
                "citizen_id_sex",
                f"số thứ 4 là {citizen_id[3]} (giới tính {_SEX_LABEL[parts.sex]}) không khớp "
                f"với giới tính {_SEX_LABEL[sex]} đã khai ({STRUCTURE_RULE})",
            )
        )
    if date_of_birth is not None:
        if date_of_birth.year // 100 * 100 != parts.century_start:
            problems.append(
                IdentityProblem(
                    DATE_OF_BIRTH,
                    "citizen_id_century",
                    f"năm sinh {date_of_birth.year} không thuộc thế kỷ mà số thứ 4 của CCCD "
                    f"({citizen_id[3]}) cho biết (sinh từ {parts.century_start} đến "
                    f"{parts.century_start + 99}, {STRUCTURE_RULE})",
                )
            )
        elif date_of_birth.year % 100 != parts.year_digits:
            problems.append(
                IdentityProblem(
                    DATE_OF_BIRTH,
                    "citizen_id_birth_year",
                    f"năm sinh {date_of_birth.year} không khớp với số thứ 5–6 của CCCD "
                    f"({citizen_id[4:6]}, {STRUCTURE_RULE})",
                )
            )
    return problems


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years of age on ``day`` (a 29 February birthday counts on 1 March)."""
    years = day.year - date_of_birth.year
    return years - (1 if (day.month, day.day) < (date_of_birth.month, date_of_birth.day) else 0)


def check_vsi_age(
    date_of_birth: date, payment_date: date, policy: PolicySet
) -> list[IdentityProblem]:
    """Voluntary SI is for people aged at least ``vsi_min_age`` on the payment date."""
    try:
        minimum = int_value(policy.in_force("vsi_min_age", payment_date))
    except PolicyError:
        return []  # no rule in force: the calculator names the missing policy
    age = age_on(date_of_birth, payment_date)
    if age >= minimum:
        return []
    return [
        IdentityProblem(
            DATE_OF_BIRTH,
            "vsi_min_age",
            f"người tham gia BHXH tự nguyện phải đủ {minimum} tuổi vào ngày đóng "
            f"{payment_date.strftime('%d/%m/%Y')}; người sinh ngày "
            f"{date_of_birth.strftime('%d/%m/%Y')} mới {max(age, 0)} tuổi ({MIN_AGE_RULE})",
        )
    ]


def check_person(
    *,
    scheme: str,
    citizen_id: str,
    sex: str | None,
    date_of_birth: date,
    payment_date: date,
    policy: PolicySet,
) -> list[IdentityProblem]:
    """Every identity check that applies to one sign-up."""
    problems = check_citizen_id(citizen_id, sex=sex, date_of_birth=date_of_birth)
    if scheme == "voluntary_si":
        problems += check_vsi_age(date_of_birth, payment_date, policy)
    return problems


__all__ = [
    "CitizenIdParts",
    "IdentityProblem",
    "age_on",
    "check_citizen_id",
    "check_person",
    "check_vsi_age",
    "decode_citizen_id",
]
