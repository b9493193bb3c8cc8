"""The values policy rows carry: their shapes (typed, frozen) and the parsers that check them.

Separate from the row and set lookup (``enroll_common.policy``) so a new parameter is one
shape, one parser and one ``_VALIDATORS`` entry here; ``policy`` re-exports every name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .errors import PolicyError

if TYPE_CHECKING:
    from .policy import PolicyRow

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
