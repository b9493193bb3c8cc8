"""Golden cases for voluntary-SI payment cycles, deadlines and back-payment.

Expected values are worked out by hand from Law 41/2024 Art 36 cl.3 (6-month periods paid in
their first 4 months, 12-month ones in their first 7) and Decree 159/2025 Art 7.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from enroll_common import PolicyError, PolicySet, QuoteRequest, Scheme, quote
from enroll_common.cycles import DueStatus, check_back_payment, covered_period, next_due


def vsi(paid: date, months: int, previous_end: date | None, **kw: object) -> QuoteRequest:
    return QuoteRequest(
        scheme=Scheme.VOLUNTARY_SI,
        payment_date=paid,
        months=months,
        monthly_income_vnd=2_000_000,
        previous_coverage_end=previous_end,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("paid", "months", "previous_end", "start", "end", "continued"),
    [
        # 6 months from July: payable until 31 October, credited to July-December.
        (date(2026, 9, 15), 6, date(2026, 6, 30), date(2026, 7, 1), date(2026, 12, 31), True),
        (date(2026, 10, 31), 6, date(2026, 6, 30), date(2026, 7, 1), date(2026, 12, 31), True),
        # One day late: a new cycle from the month of payment (the participant had lapsed).
        (date(2026, 11, 1), 6, date(2026, 6, 30), date(2026, 11, 1), date(2027, 4, 30), False),
        # 12 months from January: payable in the first 7 months.
        (date(2026, 7, 31), 12, date(2025, 12, 31), date(2026, 1, 1), date(2026, 12, 31), True),
        (date(2026, 8, 1), 12, date(2025, 12, 31), date(2026, 8, 1), date(2027, 7, 31), False),
        # Monthly: within the month; quarterly: within the quarter.
        (date(2026, 11, 30), 1, date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 30), True),
        (date(2026, 12, 1), 1, date(2026, 10, 31), date(2026, 12, 1), date(2026, 12, 31), False),
        (date(2026, 12, 20), 3, date(2026, 9, 30), date(2026, 10, 1), date(2026, 12, 31), True),
        # Paying the next period before it starts.
        (date(2026, 11, 20), 3, date(2026, 12, 31), date(2027, 1, 1), date(2027, 3, 31), True),
        # First payment: from the month of payment.
        (date(2026, 11, 20), 3, None, date(2026, 11, 1), date(2027, 1, 31), False),
        # Before 1 Jul 2025 the (uncertain) Decree 134 row: a 6-month period within 6 months.
        (date(2025, 5, 20), 6, date(2024, 12, 31), date(2025, 1, 1), date(2025, 6, 30), True),
    ],
)
def test_covered_period_follows_the_cycle(
    policy: PolicySet,
    paid: date,
    months: int,
    previous_end: date | None,
    start: date,
    end: date,
    continued: bool,
) -> None:
    period = covered_period(paid, months, previous_end, policy)
    assert (period.start, period.end, period.continued) == (start, end, continued)
    assert period.lapsed == (previous_end is not None and not continued)
    q = quote(vsi(paid, months, previous_end), policy)
    assert (q.coverage_start, q.coverage_end) == (start, end)


def test_continued_period_is_priced_like_any_other(policy: PolicySet) -> None:
    q = quote(vsi(date(2026, 9, 15), 6, date(2026, 6, 30)), policy)
    # 22% x 2,000,000 = 440,000; "other" support 20% x 22% x 1,500,000 = 66,000 a month.
    assert (q.gross_vnd, q.support_vnd, q.net_vnd) == (2_640_000, 396_000, 2_244_000)
    assert q.policy_versions["vsi_payment_deadlines"] == 23  # row of 0012 (Law 41/2024 Art 36)


@pytest.mark.parametrize(
    ("at", "status"),
    [
        (date(2026, 6, 15), DueStatus.PAID),
        (date(2026, 7, 1), DueStatus.DUE),
        (date(2026, 10, 31), DueStatus.DUE),
        (date(2026, 11, 1), DueStatus.LAPSED),
    ],
)
def test_next_due_and_lapse(policy: PolicySet, at: date, status: DueStatus) -> None:
    found = next_due(6, date(2026, 6, 30), policy, at)
    assert (found.due_date, found.deadline, found.status) == (
        date(2026, 7, 1),
        date(2026, 10, 31),
        status,
    )
    assert found.lapsed == (status is DueStatus.LAPSED)


def test_next_due_per_method(policy: PolicySet) -> None:
    at = date(2026, 1, 5)
    deadlines = {m: next_due(m, date(2025, 12, 31), policy, at).deadline for m in (1, 3, 6, 12)}
    assert deadlines == {
        1: date(2026, 1, 31),
        3: date(2026, 3, 31),
        6: date(2026, 4, 30),
        12: date(2026, 7, 31),
    }
    # Paid several years ahead: the next period is paid when it starts.
    assert next_due(60, date(2025, 12, 31), policy, at).deadline == date(2026, 1, 31)


def _back(policy: PolicySet, **kw: object) -> tuple[tuple[str, ...], bool]:
    args: dict[str, object] = {
        "sex": "male",
        "date_of_birth": date(1964, 3, 10),
        "payment_date": date(2026, 11, 20),
        "months": 48,
        "claimed_contribution_months": 130,
        "known_contribution_months": None,
        "policy": policy,
    }
    args.update(kw)
    check = check_back_payment(**args)  # type: ignore[arg-type]
    return check.problems, check.verified


def test_back_payment_allowed_at_retirement_age_lacking_at_most_five_years(
    policy: PolicySet,
) -> None:
    # 62 years 8 months in 2026 (retirement age 61y6m); 180 - 130 = 50 months missing.
    assert _back(policy) == ((), False)
    assert _back(policy, known_contribution_months=130) == ((), True)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"date_of_birth": date(1975, 3, 10)}, "tuổi nghỉ hưu"),
        ({"sex": "female", "date_of_birth": date(1970, 3, 10)}, "tuổi nghỉ hưu"),
        ({"claimed_contribution_months": 100}, "quá 60 tháng"),
        ({"claimed_contribution_months": 180}, "đã đủ 180 tháng"),
        ({"months": 60}, "chỉ được đóng bù 50 tháng"),
        ({"payment_date": date(2025, 5, 20)}, "không có quy định đóng bù"),
    ],
)
def test_back_payment_refused_outside_decree_159(
    policy: PolicySet, change: dict[str, object], words: str
) -> None:
    problems, _ = _back(policy, **change)
    assert any(words in p for p in problems), problems


def test_back_payment_priced_with_the_funds_rate_for_the_months_before_payment(
    policy: PolicySet,
) -> None:
    q = quote(
        QuoteRequest(
            scheme=Scheme.VOLUNTARY_SI,
            payment_date=date(2026, 11, 20),
            months=12,
            monthly_income_vnd=1_500_000,
            support_groups=frozenset({"poor"}),
            back_payment=True,
        ),
        policy,
    )
    r = Decimal("0.0036")
    expected = sum((Decimal(330_000) * (1 + r) ** i for i in range(1, 13)), Decimal(0))
    assert q.net_vnd == int(expected.quantize(Decimal(1), ROUND_HALF_UP)) == 4_053_898
    assert (q.gross_vnd, q.support_vnd) == (3_960_000, 0)
    assert q.back_payment_interest_vnd == 4_053_898 - 3_960_000
    assert (q.coverage_start, q.coverage_end) == (date(2025, 11, 1), date(2026, 10, 31))
    assert [line.code for line in q.lines] == ["gross", "back_payment_interest", "net"]


def test_deadline_rows_validate_their_shape(policy: PolicySet) -> None:
    rows = [r.to_dict() for r in policy.rows()]
    deadlines = [r for r in rows if r["parameter"] == "vsi_payment_deadlines"]
    assert deadlines
    bad = [{**r, "value": {"by_method": {"x": 1}, "advance": 1}} for r in deadlines]
    with pytest.raises(PolicyError, match="by_method"):
        PolicySet.from_dicts(bad)
