"""Parsing what an agent types: dates, money, ids, choices. Each parser raises
``BadAnswer`` with a message (in the agent's language) that says what is expected."""

from __future__ import annotations

import re
from datetime import date, datetime

from client_sdk.i18n import _, current_language
from enroll_common.glossary import TERMS, term
from enroll_common.policy import SUPPORTED_HI_GROUPS
from enroll_common.schemes import scheme_values


class BadAnswer(ValueError):
    """The answer cannot be used; ``str()`` says what is expected."""


SUPPORT_CHOICES: list[tuple[str, str]] = [
    ("other", "Other participant (no group)"),
    ("near_poor", "Near-poor household"),
    ("poor", "Poor household"),
    ("ethnic_minority", "Ethnic minority"),
]
_FIRST_SCHEMES = ("household_hi", "voluntary_si")
"""The order agents learned to type (1 household HI, 2 VSI); newer schemes follow."""


def scheme_choices() -> list[tuple[str, str]]:
    """Every registered scheme, named by the shared glossary in the agent's language."""
    codes = sorted(
        scheme_values(), key=lambda s: _FIRST_SCHEMES.index(s) if s in _FIRST_SCHEMES else 9
    )
    return [(s, term("scheme", s, current_language())) for s in codes]


def supported_group_choices() -> list[tuple[str, str]]:
    """The budget-supported HI groups, named by the glossary."""
    return [(g, term("support_group", g, current_language())) for g in sorted(SUPPORTED_HI_GROUPS)]


def evidence_choices() -> list[tuple[str, str]]:
    """Kinds of evidence the glossary knows; the policy in force says which fit a group."""
    return [(k, term("evidence_kind", k, current_language())) for k in TERMS["evidence_kind"]]


SEX_CHOICES: list[tuple[str, str]] = [("female", "Female"), ("male", "Male")]
KIND_CHOICES: list[tuple[str, str]] = [("new", "New sign-up"), ("renewal", "Renewal")]


def parse_required_text(text: str) -> str:
    """Any non-blank text (a document number...)."""
    value = text.strip()
    if not value:
        raise BadAnswer(_("An answer is required."))
    return value


def parse_date(text: str) -> date:
    """``dd/mm/yyyy`` (also with ``-`` or ``.``) or ISO ``yyyy-mm-dd``."""
    raw = text.strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise BadAnswer(_("Type a date as dd/mm/yyyy, for example 12/04/1985."))


def parse_money(text: str) -> int:
    """``2.000.000``, ``2000000``, ``2tr``, ``2,5tr`` (triệu), ``500k`` (nghìn) → đồng."""
    raw = text.strip().lower().replace(" ", "").removesuffix("₫").removesuffix("đ")
    raw = raw.removesuffix("vnd")
    units = {"tr": 1_000_000, "triệu": 1_000_000, "trieu": 1_000_000, "k": 1_000, "nghìn": 1_000}
    for suffix, factor in units.items():
        if raw.endswith(suffix):
            number = raw.removesuffix(suffix).replace(",", ".")
            if re.fullmatch(r"\d+(\.\d+)?", number):
                whole, _dot, frac = number.partition(".")
                frac = (frac + "000000")[:6]
                value = int(whole) * factor + int(frac) * factor // 1_000_000
                return value
            raise BadAnswer(_money_help())
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", raw) or re.fullmatch(r"\d{1,3}(,\d{3})+", raw):
        return int(raw.replace(".", "").replace(",", ""))
    if re.fullmatch(r"\d+", raw):
        return int(raw)
    raise BadAnswer(_money_help())


def _money_help() -> str:
    return _("Type an amount in đồng, for example 2.000.000, 2000000, 2tr or 2,5tr.")


def parse_citizen_id(text: str) -> str:
    raw = text.strip().replace(" ", "")
    if not re.fullmatch(r"\d{12}", raw):
        raise BadAnswer(
            _("A citizen ID (CCCD) has exactly 12 digits; you typed {n}.").format(
                n=len(re.sub(r"\D", "", raw))
            )
        )
    return raw


def parse_name(text: str) -> str:
    raw = " ".join(text.split())
    if not raw:
        raise BadAnswer(_("Type the person's full name."))
    return raw


def parse_household_code(text: str) -> str:
    raw = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9\-]{0,39}", raw):
        raise BadAnswer(_("A household code is letters, digits and dashes, e.g. HH-EAKAR-1."))
    return raw


def parse_int(text: str, low: int, high: int) -> int:
    raw = text.strip()
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadAnswer(_("Type a whole number from {low} to {high}.").format(low=low, high=high))
    return int(raw)


def parse_choice(text: str, choices: list[tuple[str, str]]) -> str:
    """A number from the list, or the value itself."""
    raw = text.strip().lower()
    if raw.isdigit() and 1 <= int(raw) <= len(choices):
        return choices[int(raw) - 1][0]
    for value, label in choices:
        if raw in (value, _(label).lower()):
            return value
    raise BadAnswer(_("Choose a number from 1 to {n}.").format(n=len(choices)))


def parse_choices(text: str, choices: list[tuple[str, str]]) -> list[str]:
    """Several numbers separated by commas or spaces."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not parts:
        raise BadAnswer(_("Choose a number from 1 to {n}.").format(n=len(choices)))
    return sorted({parse_choice(p, choices) for p in parts})
