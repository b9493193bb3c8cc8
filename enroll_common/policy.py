"""Versioned policy parameters (legal rates, amounts, periods) and their lookup by date.

Every number the calculator uses comes from a dated, sourced row so that a decree change is
a data change (a new row), never a code change, and every quote can record exactly which
rows priced it. Rows are validated on construction: a malformed row must fail when it is
loaded, not later in the middle of an agent's sign-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import PolicyError

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

ISLAND_SPECIAL_ZONE = "island_special_zone"
"""The VSI support group of people living in an island commune or a special zone (đặc khu),
decided by the commune of residence (Decree 159/2025 Art 5 cl 1), not by the agent."""

SUPPORT_GROUPS: frozenset[str] = frozenset({"poor", "near_poor", "ethnic_minority", "other"})
"""The state-support groups for voluntary social insurance an agent may name."""

RATE_GROUPS: frozenset[str] = SUPPORT_GROUPS | {ISLAND_SPECIAL_ZONE}
"""Groups a ``vsi_support`` row may rate: the agent's, and the one the commune decides."""

SUPPORTED_HI_GROUPS: frozenset[str] = frozenset(
    {"near_poor", "farm_household", "student", "ethnic_minority_transition"}
)
"""Groups whose health insurance the State budget partly pays (HI Law Art 12 cl 4)."""

RESIDENCE_AREAS: frozenset[str] = frozenset({"special_zone", "island_commune"})
"""Commune marks that bring VSI support (org data ``commune.support_area``)."""


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
class HiCardStart:
    """When a household HI card starts: after ``waiting_days`` for first-timers or after a
    gap of ``gap_months`` or more, otherwise straight on from the previous card."""

    waiting_days: int
    gap_months: int


@dataclass(frozen=True)
class VsiSupport:
    """State support for voluntary SI: rate per group (of vsi_rate × income floor) and the
    lifetime cap on supported months."""

    rates: Mapping[str, Decimal]
    max_months: int


@dataclass(frozen=True)
class VsiPaymentMonths:
    """Allowed prepaid periods; periods of ``advance_from`` months or more are "advance
    payment for several years" and are discounted."""

    allowed: tuple[int, ...]
    advance_from: int


@dataclass(frozen=True)
class SupportedGroup:
    """One budget-supported HI group: the share of the 4.5 % the budget pays, the evidence
    kinds accepted for it (empty: none needed) and how long that evidence may run."""

    rate: Decimal
    evidence: tuple[str, ...]
    validity_months: int | None


@dataclass(frozen=True)
class VsiPaymentDeadlines:
    """How many months from the start of a period its payment may come, per method
    (months per payment); ``advance`` for the methods not listed (several years ahead)."""

    by_method: Mapping[int, int]
    advance: int

    def months_to_pay(self, method: int) -> int:
        return self.by_method.get(method, self.advance)


@dataclass(frozen=True)
class RetirementAge:
    """Retirement age in months: ``months`` in ``from_year``, + ``step`` a year, at most
    ``max`` (the Labour Code's roadmap)."""

    from_year: int
    months: int
    step: int
    max: int

    def in_year(self, year: int) -> int:
        return min(self.max, self.months + self.step * max(0, year - self.from_year))


@dataclass(frozen=True)
class VsiBackPayment:
    """Who may pay for missing past months: at retirement age and short of the
    ``pension_months`` minimum by at most ``max_missing_months``."""

    pension_months: int
    max_missing_months: int
    retirement_age: Mapping[str, RetirementAge]


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


def int_value(row: PolicyRow) -> int:
    """A positive whole number (VND amounts, multipliers)."""
    return _positive_int(row.value, row.parameter)


def rate_value(row: PolicyRow) -> Decimal:
    """A fraction in [0, 1) given as a decimal string."""
    value = _decimal(row.value, row.parameter)
    if not Decimal(0) <= value < Decimal(1):
        raise PolicyError("value", f"{row.parameter} must be in [0, 1), got {value}")
    return value


def ladder_value(row: PolicyRow) -> tuple[Decimal, ...]:
    """Fractions of the first member's amount for ordinals 1..n; the last repeats."""
    items = _list(row.value, row.parameter)
    ladder = tuple(_decimal(item, row.parameter) for item in items)
    if ladder[0] != Decimal(1):
        raise PolicyError("value", f'{row.parameter} must start with "1" (the first member)')
    for previous, current in zip(ladder, ladder[1:], strict=False):
        if not Decimal(0) <= current <= previous:
            raise PolicyError(
                "value", f"{row.parameter} must be non-increasing fractions in [0, 1]"
            )
    return ladder


def months_value(row: PolicyRow) -> tuple[int, ...]:
    """A sorted set of allowed payment periods in months."""
    return _month_list(row.value, row.parameter)


def card_start_value(row: PolicyRow) -> HiCardStart:
    """Waiting-period rule for household HI cards."""
    data = _dict(row.value, row.parameter, {"waiting_days", "gap_months"})
    return HiCardStart(
        waiting_days=_non_negative_int(data["waiting_days"], f"{row.parameter}.waiting_days"),
        gap_months=_positive_int(data["gap_months"], f"{row.parameter}.gap_months"),
    )


def support_value(row: PolicyRow) -> VsiSupport:
    """State-support rates per group and the cap on supported months."""
    data = _dict(row.value, row.parameter, {"rates", "max_months"})
    raw_rates = _dict(data["rates"], f"{row.parameter}.rates", None)
    unknown = sorted(set(raw_rates) - RATE_GROUPS)
    if unknown:
        raise PolicyError(
            "value",
            f"{row.parameter}.rates has unknown group(s) {', '.join(map(repr, unknown))}",
            sorted(RATE_GROUPS),
        )
    if "other" not in raw_rates:
        raise PolicyError("value", f'{row.parameter}.rates must include the fallback "other"')
    rates: dict[str, Decimal] = {}
    for group, raw in sorted(raw_rates.items()):
        rate = _decimal(raw, f"{row.parameter}.rates.{group}")
        if not Decimal(0) <= rate <= Decimal(1):
            raise PolicyError("value", f"{row.parameter}.rates.{group} must be in [0, 1]")
        rates[group] = rate
    return VsiSupport(
        rates=rates,
        max_months=_non_negative_int(data["max_months"], f"{row.parameter}.max_months"),
    )


def payment_months_value(row: PolicyRow) -> VsiPaymentMonths:
    """Allowed voluntary-SI periods and where advance (discounted) payment starts."""
    data = _dict(row.value, row.parameter, {"allowed", "advance_from"})
    return VsiPaymentMonths(
        allowed=_month_list(data["allowed"], f"{row.parameter}.allowed"),
        advance_from=_positive_int(data["advance_from"], f"{row.parameter}.advance_from"),
    )


def supported_groups_value(row: PolicyRow) -> Mapping[str, SupportedGroup]:
    """Budget-supported HI groups: rate (share of the contribution the budget pays, up to
    1 when a province pays it all), accepted evidence kinds, validity in months."""
    data = _dict(row.value, row.parameter, None)
    unknown = sorted(set(data) - SUPPORTED_HI_GROUPS)
    if unknown or not data:
        raise PolicyError(
            "value",
            f"{row.parameter} must map known groups, got {', '.join(map(repr, unknown)) or '{}'}",
            sorted(SUPPORTED_HI_GROUPS),
        )
    out: dict[str, SupportedGroup] = {}
    for group, raw in sorted(data.items()):
        what = f"{row.parameter}.{group}"
        entry = _dict(raw, what, {"rate", "evidence", "validity_months"})
        rate = _decimal(entry["rate"], f"{what}.rate")
        if not Decimal(0) <= rate <= Decimal(1):
            raise PolicyError("value", f"{what}.rate must be in [0, 1]")
        evidence = entry["evidence"]
        if not isinstance(evidence, list | tuple) or not all(
            isinstance(kind, str) and kind for kind in evidence
        ):
            raise PolicyError("value", f"{what}.evidence must be a list of evidence kinds")
        validity = entry["validity_months"]
        out[group] = SupportedGroup(
            rate=rate,
            evidence=tuple(evidence),
            validity_months=None
            if validity is None
            else _positive_int(validity, f"{what}.validity_months"),
        )
    return out


def flag_value(row: PolicyRow) -> bool:
    """A yes/no rule (JSON true / false)."""
    if not isinstance(row.value, bool):
        raise PolicyError("value", f"{row.parameter} must be true or false, got {row.value!r}")
    return row.value


def payment_deadlines_value(row: PolicyRow) -> VsiPaymentDeadlines:
    """Months allowed to pay a period, per voluntary-SI payment method."""
    data = _dict(row.value, row.parameter, {"by_method", "advance"})
    methods = _dict(data["by_method"], f"{row.parameter}.by_method", None)
    by_method: dict[int, int] = {}
    for key, months in methods.items():
        if not key.isdigit() or int(key) < 1:
            raise PolicyError("value", f"{row.parameter}.by_method keys are months, got {key!r}")
        by_method[int(key)] = _positive_int(months, f"{row.parameter}.by_method.{key}")
    return VsiPaymentDeadlines(
        by_method=by_method, advance=_positive_int(data["advance"], f"{row.parameter}.advance")
    )


def back_payment_value(row: PolicyRow) -> VsiBackPayment:
    """Eligibility for paying missing past months of voluntary SI."""
    data = _dict(
        row.value, row.parameter, {"pension_months", "max_missing_months", "retirement_age"}
    )
    ages = _dict(data["retirement_age"], f"{row.parameter}.retirement_age", {"male", "female"})
    parsed: dict[str, RetirementAge] = {}
    for sex, raw in sorted(ages.items()):
        what = f"{row.parameter}.retirement_age.{sex}"
        item = _dict(raw, what, {"from_year", "months", "step", "max"})
        parsed[sex] = RetirementAge(
            from_year=_positive_int(item["from_year"], f"{what}.from_year"),
            months=_positive_int(item["months"], f"{what}.months"),
            step=_non_negative_int(item["step"], f"{what}.step"),
            max=_positive_int(item["max"], f"{what}.max"),
        )
    return VsiBackPayment(
        pension_months=_positive_int(data["pension_months"], f"{row.parameter}.pension_months"),
        max_missing_months=_positive_int(
            data["max_missing_months"], f"{row.parameter}.max_missing_months"
        ),
        retirement_age=parsed,
    )


_VALIDATORS: dict[str, Callable[[PolicyRow], object]] = {
    "base_salary": int_value,
    "hi_household_rate": rate_value,
    "hi_household_ladder": ladder_value,
    "hi_household_months": months_value,
    "hi_card_start": card_start_value,
    "vsi_rate": rate_value,
    "vsi_income_floor": int_value,
    "vsi_income_ceiling_multiplier": int_value,
    "vsi_support": support_value,
    "vsi_payment_months": payment_months_value,
    "vsi_discount_rate": rate_value,
    "supported_hi_groups": supported_groups_value,
    "supported_hi_household_ladder": flag_value,
    "vsi_min_age": int_value,
    "vsi_payment_deadlines": payment_deadlines_value,
    "vsi_back_payment": back_payment_value,
}


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


def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, str):
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise PolicyError("value", f"{what} must be a decimal string, got {value!r}") from None
    else:
        raise PolicyError(
            "value",
            f'{what} must be a decimal string such as "0.045" (numbers are refused so '
            f"values stay exact), got {value!r}",
        )
    if not result.is_finite():
        raise PolicyError("value", f"{what} must be finite, got {value!r}")
    return result


def _non_negative_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PolicyError("value", f"{what} must be a whole number >= 0, got {value!r}")
    return value


def _positive_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PolicyError("value", f"{what} must be a whole number >= 1, got {value!r}")
    return value


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list | tuple) or not value:
        raise PolicyError("value", f"{what} must be a non-empty list, got {value!r}")
    return list(value)


def _month_list(value: object, what: str) -> tuple[int, ...]:
    months = [_positive_int(item, what) for item in _list(value, what)]
    if len(set(months)) != len(months):
        raise PolicyError("value", f"{what} must not repeat a period, got {value!r}")
    return tuple(sorted(months))


def _dict(value: object, what: str, keys: set[str] | None) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise PolicyError("value", f"{what} must be an object, got {value!r}")
    if keys is not None and set(value) != keys:
        raise PolicyError("value", f"{what} must have exactly the keys {sorted(keys)}")
    return {str(key): item for key, item in value.items()}
