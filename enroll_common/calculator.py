"""The contribution calculator: one pure function shared by the server and offline client.

Both sides must show the agent and the enrollee the same amount to the đồng, so all money
arithmetic is ``Decimal`` in a fixed private context and every rounding step is explicit.
The policy version in force on the payment date prices the whole prepaid period; months
are never re-priced individually, which is how the insurer bills a prepayment.

``quote`` dispatches through the scheme registry: household HI is priced here (its card
rule is shared with budget-supported HI), voluntary SI and budget-supported HI in their
scheme modules (``enroll_common/schemes``), on the types and helpers defined here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum
from typing import Any

from .errors import PolicyError
from .money import round_half_up
from .periods import add_months as add_months  # re-exported: callers import it from here
from .policy import (
    SUPPORT_GROUPS,
    HiCardStart,
    PolicyRow,
    PolicySet,
    card_start_value,
    int_value,
    ladder_value,
    months_value,
    rate_value,
)

# Fixed arithmetic context: the caller's thread-local decimal context must not be able to
# change a price. 50 digits is far beyond any amount × (1 + r)^60 we compute.
_CONTEXT = Context(
    prec=50, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)

LINE_LABELS: Mapping[str, str] = {
    "gross": "Mức đóng theo quy định",
    "support": "Ngân sách Nhà nước hỗ trợ",
    "household_discount": "Giảm trừ theo thứ tự thành viên hộ gia đình",
    "advance_discount": "Giảm trừ do đóng trước nhiều năm",
    "back_payment_interest": "Lãi đóng bù cho thời gian còn thiếu",
    "net": "Số tiền phải nộp",
}
"""Vietnamese receipt labels for each quote line code."""


class Scheme(StrEnum):
    """The products an agent can sell; each has its rules in ``enroll_common.schemes``."""

    VOLUNTARY_SI = "voluntary_si"
    HOUSEHOLD_HI = "household_hi"
    SUPPORTED_HI = "supported_hi"


@dataclass(frozen=True)
class QuoteRequest:
    """Everything needed to price one person's prepayment.

    Fields that belong to the other scheme are ignored (not validated), so a form can send
    its whole state without clearing hidden inputs.
    """

    scheme: Scheme
    payment_date: date
    months: int
    monthly_income_vnd: int | None = None
    support_groups: frozenset[str] = frozenset()
    support_months_used: int = 0
    household_ordinal: int | None = None
    previous_coverage_end: date | None = None
    province_code: int | None = None
    """Province whose policy rows apply (its rows override national ones); None: national."""
    residence_area: str | None = None
    """The commune of residence's mark (special_zone, island_commune) from official data."""
    evidence_kind: str | None = None
    evidence_reference: str | None = None
    evidence_valid_until: date | None = None
    back_payment: bool = False


@dataclass(frozen=True)
class QuoteLine:
    """One receipt line. Deductions are positive amounts that are subtracted from gross."""

    code: str
    label: str
    amount_vnd: int


@dataclass(frozen=True)
class Quote:
    """A priced request. Invariant: net + support + household_discount + advance_discount
    == gross + back_payment_interest, and every amount is >= 0."""

    scheme: Scheme
    months: int
    monthly_gross_vnd: int
    monthly_net_vnd: int
    gross_vnd: int
    support_vnd: int
    household_discount_vnd: int
    advance_discount_vnd: int
    net_vnd: int
    lines: tuple[QuoteLine, ...]
    policy_versions: Mapping[str, int]
    coverage_start: date
    coverage_end: date
    back_payment_interest_vnd: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form for the API (dates as ISO strings)."""
        return {
            "scheme": self.scheme.value,
            "months": self.months,
            "monthly_gross_vnd": self.monthly_gross_vnd,
            "monthly_net_vnd": self.monthly_net_vnd,
            "gross_vnd": self.gross_vnd,
            "support_vnd": self.support_vnd,
            "household_discount_vnd": self.household_discount_vnd,
            "advance_discount_vnd": self.advance_discount_vnd,
            "net_vnd": self.net_vnd,
            "lines": [
                {"code": line.code, "label": line.label, "amount_vnd": line.amount_vnd}
                for line in self.lines
            ],
            "policy_versions": dict(self.policy_versions),
            "coverage_start": self.coverage_start.isoformat(),
            "coverage_end": self.coverage_end.isoformat(),
            "back_payment_interest_vnd": self.back_payment_interest_vnd,
        }


def quote(request: QuoteRequest, policy: PolicySet) -> Quote:
    """Price ``request`` with the policy versions in force on its payment date.

    Raises :class:`PolicyError` (naming the offending field) for any input the rules do not
    accept, including a payment date no policy version covers.
    """
    try:
        scheme = Scheme(request.scheme)
    except ValueError:
        raise PolicyError(
            "scheme", f"unknown scheme {request.scheme!r}", [s.value for s in Scheme]
        ) from None
    _require_date("payment_date", request.payment_date)
    _require_int("months", request.months, minimum=1)
    if request.province_code is not None:
        _require_int("province_code", request.province_code, minimum=1)
    # Imported here: each scheme's module builds on this module's types and helpers.
    from .schemes import rules

    with localcontext(_CONTEXT):
        return rules(scheme).price(request, policy)


# --- household health insurance ---------------------------------------------------------------


def _household_hi(request: QuoteRequest, policy: PolicySet) -> Quote:
    used = Used(policy, request.payment_date, request.province_code)
    base_salary = int_value(used("base_salary"))
    rate = rate_value(used("hi_household_rate"))
    ladder = ladder_value(used("hi_household_ladder"))
    allowed_months = months_value(used("hi_household_months"))
    card_start = card_start_value(used("hi_card_start"))

    months = _require_allowed_months(request.months, allowed_months)
    if request.household_ordinal is None:
        raise PolicyError(
            "household_ordinal", "is required for household_hi (1 for the first member)"
        )
    ordinal = _require_int("household_ordinal", request.household_ordinal, minimum=1)
    previous_end = request.previous_coverage_end
    if previous_end is not None:
        _require_date("previous_coverage_end", previous_end)

    first = round_half_up(rate * base_salary)
    member = first if ordinal == 1 else round_half_up(first * ladder[min(ordinal, len(ladder)) - 1])
    gross = first * months
    net = member * months
    household_discount = gross - net

    start, end = _hi_coverage(request.payment_date, previous_end, months, card_start)

    return Quote(
        scheme=Scheme.HOUSEHOLD_HI,
        months=months,
        monthly_gross_vnd=first,
        monthly_net_vnd=member,
        gross_vnd=gross,
        support_vnd=0,
        household_discount_vnd=household_discount,
        advance_discount_vnd=0,
        net_vnd=net,
        lines=lines(gross=gross, household_discount=household_discount, net=net),
        policy_versions=used.versions(),
        coverage_start=start,
        coverage_end=end,
    )


def _hi_coverage(
    payment_date: date, previous_end: date | None, months: int, rule: HiCardStart
) -> tuple[date, date]:
    """Card validity (inclusive) per the waiting-period rule of the Law on Health Insurance."""
    try:
        if previous_end is None or payment_date >= add_months(previous_end, rule.gap_months):
            # First card, or coverage interrupted for gap_months or more: waiting period.
            start = payment_date + timedelta(days=rule.waiting_days)
        else:
            # Renewal without such a gap: continue from the old card, never before payment.
            start = max(payment_date, previous_end + timedelta(days=1))
        return start, add_months(start, months) - timedelta(days=1)
    except (OverflowError, ValueError):
        raise PolicyError(
            "previous_coverage_end" if previous_end is not None else "payment_date",
            "gives a coverage period beyond the supported calendar",
        ) from None


# --- shared helpers ---------------------------------------------------------------------------


class Used:
    """Looks up rows in force on one date and remembers which ones priced the quote."""

    def __init__(self, policy: PolicySet, on: date, province: int | None = None) -> None:
        self._policy = policy
        self._on = on
        self._province = province
        self._versions: dict[str, int] = {}

    def __call__(self, parameter: str) -> PolicyRow:
        row = self._policy.in_force(parameter, self._on, self._province)
        self._versions[parameter] = row.id
        return row

    def versions(self) -> dict[str, int]:
        return dict(sorted(self._versions.items()))


def lines(
    *,
    gross: int,
    net: int,
    support: int = 0,
    household_discount: int = 0,
    advance_discount: int = 0,
    back_payment_interest: int = 0,
) -> tuple[QuoteLine, ...]:
    """Receipt lines: gross and net always, a deduction only when it deducts something."""
    amounts = {
        "gross": gross,
        "support": support,
        "household_discount": household_discount,
        "advance_discount": advance_discount,
        "back_payment_interest": back_payment_interest,
        "net": net,
    }
    return tuple(
        QuoteLine(code=code, label=LINE_LABELS[code], amount_vnd=amount)
        for code, amount in amounts.items()
        if code in ("gross", "net") or amount
    )


def _require_int(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(name, f"must be a whole number, got {value!r}")
    if value < minimum:
        raise PolicyError(name, f"must be >= {minimum}, got {value}")
    return value


def _require_date(name: str, value: object) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise PolicyError(name, f"must be a calendar date, got {value!r}")


def _require_allowed_months(months: int, allowed: tuple[int, ...]) -> int:
    if months not in allowed:
        raise PolicyError(
            "months", f"{months} is not an allowed payment period", [str(m) for m in allowed]
        )
    return months


def _require_groups(value: object) -> frozenset[str]:
    allowed = sorted(SUPPORT_GROUPS)
    if isinstance(value, str) or not isinstance(value, frozenset | set | list | tuple):
        raise PolicyError("support_groups", f"must be a set of group names, got {value!r}", allowed)
    unknown = sorted(str(group) for group in value if group not in SUPPORT_GROUPS)
    if unknown:
        raise PolicyError(
            "support_groups", f"unknown support group(s): {', '.join(unknown)}", allowed
        )
    return frozenset(value) or frozenset({"other"})
