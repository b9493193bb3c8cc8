"""Voluntary-SI payment cycles: which months a payment covers, its deadline, and lapses.

A participant pays by a method (1, 3, 6 or 12 months, or several years ahead). Their
periods follow one another from where the last paid period ended, so a payment made inside
the next period's deadline is credited to that period (a 6-month period starting in July
paid in September covers July–December, not September–February). A payment after that
deadline starts a new cycle in the month of payment: the participant had lapsed (Law
41/2024 Art 36 cl.3; Decree 134/2015 Art 12 — treated as having stopped paying). The
deadlines and the back-payment rule are policy rows (``vsi_payment_deadlines``,
``vsi_back_payment``), so the server, the quote API and the device read the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .errors import PolicyError
from .periods import add_months
from .policy import (
    PolicySet,
    VsiBackPayment,
    VsiPaymentDeadlines,
    back_payment_value,
    payment_deadlines_value,
)

DEADLINES = "vsi_payment_deadlines"
BACK_PAYMENT = "vsi_back_payment"
DEADLINE_RULE = "Luật BHXH 41/2024/QH15, Điều 36 khoản 3"
BACK_PAYMENT_RULE = "Nghị định 159/2025/NĐ-CP, Điều 7"


def deadlines_on(policy: PolicySet, on: date) -> VsiPaymentDeadlines | None:
    """The deadline rule in force on ``on``, or None when no version covers that day."""
    try:
        return payment_deadlines_value(policy.in_force(DEADLINES, on))
    except PolicyError:
        return None


def next_period_start(last_paid_end: date) -> date:
    """The first day of the period after one ending on ``last_paid_end``: the month of the
    first uncovered day (a register end in mid-month leaves no gap in cover)."""
    return (last_paid_end + timedelta(days=1)).replace(day=1)


def period_deadline(start: date, method: int, rule: VsiPaymentDeadlines) -> date:
    """The last day a period starting on ``start`` may be paid (by ``method`` months)."""
    return add_months(start, rule.months_to_pay(method)) - timedelta(days=1)


@dataclass(frozen=True)
class CoveredPeriod:
    """The months one payment is credited to and the last day it could be paid."""

    start: date
    end: date
    deadline: date
    continued: bool  # follows the participant's previous period
    lapsed: bool  # there was a previous period, but its successor's deadline had passed


def covered_period(
    payment_date: date, months: int, previous_end: date | None, policy: PolicySet
) -> CoveredPeriod:
    """The period a payment made on ``payment_date`` for ``months`` months covers.

    Continues the participant's cycle when the next period is still payable on the payment
    date; otherwise (first payment, or lapsed) starts in the month of payment. Without a
    deadline rule in force the period starts in the month of payment (the old behaviour).
    """
    rule = deadlines_on(policy, payment_date)
    payment_month = payment_date.replace(day=1)
    if rule is None:
        end = add_months(payment_month, months) - timedelta(days=1)
        return CoveredPeriod(payment_month, end, end, False, False)
    start, continued, lapsed = payment_month, False, False
    if previous_end is not None:
        following = next_period_start(previous_end)
        if payment_date <= period_deadline(following, months, rule):
            start, continued = following, True
        else:
            lapsed = True
    end = add_months(start, months) - timedelta(days=1)
    return CoveredPeriod(start, end, period_deadline(start, months, rule), continued, lapsed)


class DueStatus(StrEnum):
    PAID = "paid"  # the next period has not started
    DUE = "due"  # the next period started; its deadline has not passed
    LAPSED = "lapsed"  # the deadline passed without payment


@dataclass(frozen=True)
class NextDue:
    """A participant's next period: when it starts, the last day to pay it, and where
    they stand on ``at``."""

    due_date: date
    deadline: date
    status: DueStatus

    @property
    def lapsed(self) -> bool:
        return self.status is DueStatus.LAPSED


def next_due(method: int, last_paid_end: date, policy: PolicySet, at: date) -> NextDue:
    """The next due date of a participant paying by ``method`` months whose last paid
    period ended on ``last_paid_end``, and whether they have lapsed by ``at``.

    The deadline rule is the one in force on ``at``, as a payment made that day would be
    judged by the rule in force on its payment date; if none covers ``at``, the one in
    force when the period starts.
    """
    due = next_period_start(last_paid_end)
    rule = deadlines_on(policy, at) or deadlines_on(policy, due)
    deadline = period_deadline(due, method, rule) if rule is not None else due
    if at < due:
        status = DueStatus.PAID
    elif at <= deadline:
        status = DueStatus.DUE
    else:
        status = DueStatus.LAPSED
    return NextDue(due, deadline, status)


# --- back-payment --------------------------------------------------------------------------


@dataclass(frozen=True)
class BackPaymentCheck:
    """Whether a claimed back-payment is allowed: ``problems`` (Vietnamese) refuse it;
    ``verified`` is False when the contribution history could not be checked."""

    problems: tuple[str, ...]
    verified: bool


def age_in_months(date_of_birth: date, on: date) -> int:
    """Whole months of age on ``on``."""
    months = (on.year - date_of_birth.year) * 12 + on.month - date_of_birth.month
    return months - (1 if on.day < date_of_birth.day else 0)


def check_back_payment(
    *,
    sex: str | None,
    date_of_birth: date,
    payment_date: date,
    months: int,
    claimed_contribution_months: int,
    known_contribution_months: int | None,
    policy: PolicySet,
) -> BackPaymentCheck:
    """Decree 159/2025 Art 7: back-payment only for people at retirement age who lack at
    most ``max_missing_months`` of the ``pension_months`` minimum, for no more than they
    lack. The contribution months come from the register when it knows them, otherwise
    from the claim (then ``verified`` is False)."""
    try:
        rule: VsiBackPayment = back_payment_value(policy.in_force(BACK_PAYMENT, payment_date))
    except PolicyError:
        return BackPaymentCheck(
            (f"không có quy định đóng bù nào có hiệu lực vào ngày {_d(payment_date)}",), False
        )
    problems: list[str] = []
    if sex is not None and sex in rule.retirement_age:
        needed = rule.retirement_age[sex].in_year(payment_date.year)
        if age_in_months(date_of_birth, payment_date) < needed:
            problems.append(
                f"chỉ người đã đủ tuổi nghỉ hưu ({needed // 12} tuổi {needed % 12} tháng "
                f"vào năm {payment_date.year}) mới được đóng bù ({BACK_PAYMENT_RULE})"
            )
    else:
        problems.append("cần giới tính để xác định tuổi nghỉ hưu khi đóng bù")
    contributed = (
        known_contribution_months
        if known_contribution_months is not None
        else claimed_contribution_months
    )
    missing = rule.pension_months - contributed
    if missing <= 0:
        problems.append(
            f"đã đủ {rule.pension_months} tháng đóng, "
            f"không thuộc diện đóng bù ({BACK_PAYMENT_RULE})"
        )
    elif missing > rule.max_missing_months:
        problems.append(
            f"còn thiếu {missing} tháng, quá {rule.max_missing_months} tháng được đóng bù "
            f"({BACK_PAYMENT_RULE})"
        )
    elif months > missing:
        problems.append(f"chỉ được đóng bù {missing} tháng còn thiếu, không phải {months} tháng")
    return BackPaymentCheck(tuple(problems), known_contribution_months is not None)


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


__all__ = [
    "BACK_PAYMENT_RULE",
    "DEADLINE_RULE",
    "BackPaymentCheck",
    "CoveredPeriod",
    "DueStatus",
    "NextDue",
    "age_in_months",
    "check_back_payment",
    "covered_period",
    "deadlines_on",
    "next_due",
    "next_period_start",
    "period_deadline",
]
