"""Versioned policy parameters (legal rates, amounts, periods) and their lookup by date.

Every number the calculator uses comes from a dated, sourced row so that a decree change is
a data change (a new row), never a code change, and every quote can record exactly which
rows priced it. Rows are validated on construction: a malformed row must fail when it is
loaded, not later in the middle of an agent's sign-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .errors import PolicyError
from .policy_values import (
    _VALIDATORS,
    ISLAND_SPECIAL_ZONE,
    RATE_GROUPS,
    RESIDENCE_AREAS,
    SUPPORT_GROUPS,
    SUPPORTED_HI_GROUPS,
    HiCardStart,
    RetirementAge,
    SupportedGroup,
    VsiBackPayment,
    VsiPaymentDeadlines,
    VsiPaymentMonths,
    VsiSupport,
    back_payment_value,
    card_start_value,
    flag_value,
    int_value,
    ladder_value,
    months_value,
    payment_deadlines_value,
    payment_months_value,
    rate_value,
    support_value,
    supported_groups_value,
)

PARAMETERS: tuple[str, ...] = (
    "base_salary",
    "hi_household_rate",
    "hi_household_ladder",
    "hi_household_months",
    "hi_card_start",
    "vsi_rate",
    "vsi_income_floor",
    "vsi_income_ceiling_multiplier",
    "vsi_support",
    "vsi_payment_months",
    "vsi_discount_rate",
    "supported_hi_groups",
    "supported_hi_household_ladder",
    "vsi_min_age",
    "vsi_payment_deadlines",
    "vsi_back_payment",
)
"""Every parameter name a policy row may carry."""

POLICY_ENTITY = "policy_version"
"""The pull entity of rows every app release can read."""
POLICY_ENTITY_V2 = "policy_row"
"""The pull entity of rows apps before 2026-11 cannot read (new parameters, new groups,
province scope): an older app would refuse its whole policy table on them, so they travel
apart; apps from 2026-11 read both entities."""

_LEGACY_PARAMETERS = frozenset(PARAMETERS[:11])
_LEGACY_GROUPS = frozenset({"poor", "near_poor", "ethnic_minority", "other"})


def pull_entity(row: PolicyRow) -> str:
    """Which pull entity carries ``row`` (see ``POLICY_ENTITY_V2``)."""
    legacy = row.province_code is None and row.parameter in _LEGACY_PARAMETERS
    if legacy and row.parameter == "vsi_support":
        legacy = set(row.value.get("rates", {})) <= _LEGACY_GROUPS
    return POLICY_ENTITY if legacy else POLICY_ENTITY_V2


@dataclass(frozen=True)
class PolicyRow:
    """One dated version of one parameter (a row of the server's append-only table)."""

    id: int
    parameter: str
    value: Any
    effective_from: date
    effective_to: date | None
    source: str
    province_code: int | None = None
    """None: national. A province's row overrides the national row for that province."""

    def __post_init__(self) -> None:
        if isinstance(self.id, bool) or not isinstance(self.id, int) or self.id < 1:
            raise PolicyError("id", f"must be a positive integer, got {self.id!r}")
        province = self.province_code
        if province is not None and (
            isinstance(province, bool) or not isinstance(province, int) or province < 1
        ):
            raise PolicyError("province_code", f"must be a province code or null, got {province!r}")
        if self.parameter not in PARAMETERS:
            raise PolicyError(
                "parameter", f"unknown parameter {self.parameter!r}", list(PARAMETERS)
            )
        _check_date("effective_from", self.effective_from)
        if self.effective_to is not None:
            _check_date("effective_to", self.effective_to)
            if self.effective_to < self.effective_from:
                raise PolicyError(
                    "effective_to",
                    f"{self.effective_to.isoformat()} is before effective_from "
                    f"{self.effective_from.isoformat()}",
                )
        if not isinstance(self.source, str) or not self.source.strip():
            raise PolicyError("source", "must name the legal source (non-empty text)")
        _VALIDATORS[self.parameter](self)

    def covers(self, on: date) -> bool:
        """Whether this version is in force on ``on`` (both ends inclusive)."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def period(self) -> str:
        """Human-readable validity period, e.g. "2024-07-01..2026-06-30" or "2026-07-01.."."""
        end = self.effective_to.isoformat() if self.effective_to is not None else ""
        return f"{self.effective_from.isoformat()}..{end}"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PolicyRow:
        """Build from the JSON file's / API's dict (dates as ISO strings or ``date``)."""
        for key in ("id", "parameter", "value", "effective_from", "source"):
            if key not in data:
                raise PolicyError(key, "is required")
        return cls(
            id=data["id"],
            parameter=data["parameter"],
            value=data["value"],
            effective_from=_to_date("effective_from", data["effective_from"]),
            effective_to=(
                None
                if data.get("effective_to") is None
                else _to_date("effective_to", data["effective_to"])
            ),
            source=data["source"],
            province_code=data.get("province_code"),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form, the inverse of :meth:`from_dict`. ``province_code`` appears
        only on a province's row, so national rows read exactly as they always did."""
        out = {
            "id": self.id,
            "parameter": self.parameter,
            "value": self.value,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "source": self.source,
        }
        if self.province_code is not None:
            out["province_code"] = self.province_code
        return out


class PolicySet:
    """All known policy rows, answering "which version was in force on this day?"."""

    def __init__(self, rows: Iterable[PolicyRow]) -> None:
        self._rows: tuple[PolicyRow, ...] = tuple(sorted(rows, key=lambda r: r.id))
        seen: set[int] = set()
        by_parameter: dict[str, list[PolicyRow]] = {}
        for row in self._rows:
            if not isinstance(row, PolicyRow):
                raise TypeError(f"PolicySet expects PolicyRow items, got {type(row).__name__}")
            if row.id in seen:
                raise PolicyError("id", f"duplicate policy row id {row.id}")
            seen.add(row.id)
            by_parameter.setdefault(row.parameter, []).append(row)
        self._by_parameter = by_parameter
        # Rows are immutable, so an answer never changes: a batch of 500 sign-ups paid on a
        # few days looks up each parameter once per day instead of once per sign-up.
        self._in_force: dict[tuple[str, date, int | None], PolicyRow] = {}

    @classmethod
    def from_dicts(cls, rows: Iterable[Mapping[str, Any]]) -> PolicySet:
        """Build from the JSON file's / API's list of dicts."""
        return cls(PolicyRow.from_dict(row) for row in rows)

    def rows(self) -> list[PolicyRow]:
        """All rows, ordered by id."""
        return list(self._rows)

    def in_force(self, parameter: str, on: date, province: int | None = None) -> PolicyRow:
        """The version of ``parameter`` in force on ``on`` (in ``province``, if given).

        A row of the province overrides national rows while it is in force (a province
        resolution tops up the national minimum). Among rows of the same scope, the latest
        ``effective_from`` wins (a newer decree supersedes an open-ended older one); equal
        starts are settled by the higher id, i.e. the row entered last, so the answer is
        always deterministic. Rows of other provinces are never used.
        """
        found = self._in_force.get((parameter, on, province))
        if found is not None:
            return found
        if parameter not in PARAMETERS:
            raise PolicyError("parameter", f"unknown parameter {parameter!r}", list(PARAMETERS))
        _check_date("payment_date", on)
        rows = self._by_parameter.get(parameter, [])
        candidates = [
            row for row in rows if row.covers(on) and row.province_code in (None, province)
        ]
        if not candidates:
            raise PolicyError(
                "payment_date",
                f"no {parameter} policy is in force on {on.isoformat()}; "
                "a version covering this date must be entered first",
                [row.period() for row in sorted(rows, key=lambda r: r.effective_from)] or None,
            )
        found = max(
            candidates,
            key=lambda row: (row.province_code is not None, row.effective_from, row.id),
        )
        self._in_force[(parameter, on, province)] = found
        return found


# --- typed access to row values -------------------------------------------------------------
# The calculator reads values only through these, so the format of each parameter is defined
# (and validated) in exactly one place.


# --- private parsing helpers ----------------------------------------------------------------


def _check_date(field: str, value: object) -> None:
    # datetime is a subclass of date but compares badly with it and carries a time zone
    # question; policy and payment days are calendar days.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise PolicyError(field, f"must be a calendar date, got {value!r}")


def _to_date(field: str, value: object) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise PolicyError(field, f"must be an ISO date (YYYY-MM-DD), got {value!r}") from None
    _check_date(field, value)
    assert isinstance(value, date)
    return value


__all__ = [
    "HiCardStart",
    "ISLAND_SPECIAL_ZONE",
    "PARAMETERS",
    "POLICY_ENTITY",
    "POLICY_ENTITY_V2",
    "PolicyRow",
    "PolicySet",
    "RATE_GROUPS",
    "RESIDENCE_AREAS",
    "RetirementAge",
    "SUPPORTED_HI_GROUPS",
    "SUPPORT_GROUPS",
    "SupportedGroup",
    "VsiBackPayment",
    "VsiPaymentDeadlines",
    "VsiPaymentMonths",
    "VsiSupport",
    "back_payment_value",
    "card_start_value",
    "flag_value",
    "int_value",
    "ladder_value",
    "months_value",
    "payment_deadlines_value",
    "payment_months_value",
    "pull_entity",
    "rate_value",
    "support_value",
    "supported_groups_value",
]
