"""Initial registered health facilities (nơi đăng ký khám chữa bệnh ban đầu): the shared rules.

Which schemes need one, what a facility code looks like and the change-log entity devices
pull them under live here, once, so the server's check and the device's form agree.
"""

from __future__ import annotations

import re
from typing import Final

from enroll_common.schemes import Insurance, scheme_values

ENTITY_FACILITY: Final = "health_facility"
"""The change-log entity of a facility; its payload is ``server.facilities`` ``payload``."""

FACILITY_CODE_PATTERN: Final = r"^[0-9]{5}$"
"""Decision 384/QĐ-BYT: 2 digits of the (pre-2025) province code, or 97/98 for the
defence and public-security ministries, then a 3-digit sequence (docs/facilities.md)."""
_CODE = re.compile(FACILITY_CODE_PATTERN)

NEEDS_FACILITY: frozenset[str] = frozenset(scheme_values(Insurance.HI))
"""Health-insurance schemes, whose card names an initial facility: from the scheme registry,
so a new HI scheme is checked at push, defaulted, asked by the form and printed on D03-TS."""

FACILITY_MISSING: Final = "facility_missing"
"""Server-side review flag: an HI sign-up stored with no facility (none sent, none on file)."""


def needs_facility(scheme: str) -> bool:
    return scheme in NEEDS_FACILITY


def normalise_code(text: str) -> str:
    """A code as typed or read from a spreadsheet: trimmed; a 4-digit number regains the
    leading zero a spreadsheet drops from codes of provinces 01–09 (``1001`` → ``01001``)."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) == 4:
        return "0" + text
    return text


def is_facility_code(text: str) -> bool:
    return bool(_CODE.fullmatch(text))


__all__ = [
    "ENTITY_FACILITY",
    "FACILITY_CODE_PATTERN",
    "FACILITY_MISSING",
    "NEEDS_FACILITY",
    "is_facility_code",
    "needs_facility",
    "normalise_code",
]
