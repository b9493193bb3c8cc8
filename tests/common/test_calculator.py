"""Golden figures (from published amounts) and rule-by-rule checks of the calculator."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Any

import pytest

from enroll_common import (
    PARAMETERS,
    PolicyError,
    PolicyRow,
    PolicySet,
    Quote,
    QuoteRequest,
    Scheme,
    add_months,
    quote,
)

HI = Scheme.HOUSEHOLD_HI
VSI = Scheme.VOLUNTARY_SI


def hi(payment: date, months: int = 12, ordinal: int = 1, **kw: Any) -> QuoteRequest:
    return QuoteRequest(HI, payment, months, household_ordinal=ordinal, **kw)


def vsi(
    payment: date,
    months: int = 1,
    income: int | None = 1_500_000,
    groups: tuple[str, ...] = (),
    **kw: Any,
) -> QuoteRequest:
    return QuoteRequest(
        VSI, payment, months, monthly_income_vnd=income, support_groups=frozenset(groups), **kw
    )


def assert_balanced(q: Quote) -> None:
    assert (
        q.net_vnd + q.support_vnd + q.household_discount_vnd + q.advance_discount_vnd == q.gross_vnd
    )
    lines = {line.code: line.amount_vnd for line in q.lines}
    assert lines["gross"] == q.gross_vnd
    assert lines["net"] == q.net_vnd
    assert (
        lines["gross"] - sum(v for k, v in lines.items() if k not in ("gross", "net")) == q.net_vnd
    )


# --- household health insurance -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordinal", "monthly"),
    [(1, 105_300), (2, 73_710), (3, 63_180), (4, 52_650), (5, 42_120), (7, 42_120)],
)
def test_household_ladder_at_base_2_340_000(policy: PolicySet, ordinal: int, monthly: int) -> None:
    q = quote(hi(date(2025, 3, 10), 12, ordinal), policy)
    assert q.monthly_gross_vnd == 105_300
    assert q.monthly_net_vnd == monthly
    assert q.net_vnd == monthly * 12
    assert q.support_vnd == 0
    assert q.advance_discount_vnd == 0
    assert_balanced(q)


def test_household_second_member_twelve_months(policy: PolicySet) -> None:
    q = quote(hi(date(2025, 3, 10), 12, 2), policy)
    assert q.net_vnd == 884_520
    assert q.gross_vnd == 1_263_600
    assert q.household_discount_vnd == 379_080
    assert [line.code for line in q.lines] == ["gross", "household_discount", "net"]


def test_household_first_member_has_no_discount_line(policy: PolicySet) -> None:
    q = quote(hi(date(2025, 3, 10), 3, 1), policy)
    assert [line.code for line in q.lines] == ["gross", "net"]
    assert q.net_vnd == 315_900


def test_household_first_member_at_base_2_530_000(policy: PolicySet) -> None:
    assert quote(hi(date(2026, 8, 1), 6, 1), policy).monthly_net_vnd == 113_850


def test_version_on_payment_date_prices_whole_period(policy: PolicySet) -> None:
    # Paid the day before the base salary rises: the 12 months straddling the change are
    # all priced at the old base.
    before = quote(hi(date(2026, 6, 30), 12, 1), policy)
    after = quote(hi(date(2026, 7, 1), 12, 1), policy)
    assert before.net_vnd == 105_300 * 12
    assert before.policy_versions["base_salary"] == 2
    assert after.net_vnd == 113_850 * 12
    assert after.policy_versions["base_salary"] == 3


def test_household_policy_versions(policy: PolicySet) -> None:
    q = quote(hi(date(2025, 3, 10)), policy)
    assert dict(q.policy_versions) == {
        "base_salary": 2,
        "hi_card_start": 7,
        "hi_household_ladder": 5,
        "hi_household_months": 6,
        "hi_household_rate": 4,
    }


def test_household_coverage_first_time(policy: PolicySet) -> None:
    q = quote(hi(date(2025, 3, 10), 12), policy)
    assert (q.coverage_start, q.coverage_end) == (date(2025, 4, 9), date(2026, 4, 8))


def test_household_coverage_renewal_continues_previous_card(policy: PolicySet) -> None:
    q = quote(hi(date(2025, 3, 20), 12, previous_coverage_end=date(2025, 3, 31)), policy)
    assert (q.coverage_start, q.coverage_end) == (date(2025, 4, 1), date(2026, 3, 31))


def test_household_coverage_short_gap_starts_on_payment(policy: PolicySet) -> None:
    q = quote(hi(date(2025, 3, 10), 3, previous_coverage_end=date(2025, 1, 15)), policy)
    assert (q.coverage_start, q.coverage_end) == (date(2025, 3, 10), date(2025, 6, 9))


def test_household_coverage_long_gap_has_waiting_period(policy: PolicySet) -> None:
    q = quote(hi(date(2025, 3, 10), 12, previous_coverage_end=date(2024, 10, 1)), policy)
    assert q.coverage_start == date(2025, 3, 10) + timedelta(days=30)


def test_household_coverage_gap_boundary(policy: PolicySet) -> None:
    # Exactly gap_months after the old card's end counts as a gap of 3 months.
    exactly = quote(hi(date(2025, 3, 10), 3, previous_coverage_end=date(2024, 12, 10)), policy)
    assert exactly.coverage_start == date(2025, 4, 9)
    just_under = quote(hi(date(2025, 3, 10), 3, previous_coverage_end=date(2024, 12, 11)), policy)
    assert just_under.coverage_start == date(2025, 3, 10)


def test_household_coverage_clamps_month_end(policy: PolicySet) -> None:
    q = quote(hi(date(2025, 12, 31), 3), policy)
    assert q.coverage_start == date(2026, 1, 30)
    assert q.coverage_end == date(2026, 4, 29)


def test_add_months_clamps_like_relativedelta() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2025, 3, 10), 12) == date(2026, 3, 10)
    assert add_months(date(2025, 3, 10), 0) == date(2025, 3, 10)


def test_household_ignores_voluntary_si_fields(policy: PolicySet) -> None:
    plain = quote(hi(date(2025, 3, 10)), policy)
    noisy = quote(
        hi(
            date(2025, 3, 10),
            monthly_income_vnd=-5,
            support_groups=frozenset({"rich"}),
            support_months_used=-3,
        ),
        policy,
    )
    assert noisy == plain


def test_scheme_given_as_plain_string(policy: PolicySet) -> None:
    req = QuoteRequest("household_hi", date(2025, 3, 10), 12, household_ordinal=1)  # type: ignore[arg-type]
    assert quote(req, policy).scheme is HI


# --- voluntary social insurance -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "support"),
    [("poor", 165_000), ("near_poor", 132_000), ("ethnic_minority", 99_000), ("other", 66_000)],
)
def test_voluntary_si_support_from_july_2025(policy: PolicySet, group: str, support: int) -> None:
    q = quote(vsi(date(2025, 7, 1), 1, groups=(group,)), policy)
    assert q.monthly_gross_vnd == 330_000
    assert q.support_vnd == support
    assert q.net_vnd == 330_000 - support
    assert q.monthly_net_vnd == 330_000 - support
    assert q.policy_versions["vsi_support"] == 17
    assert_balanced(q)


def test_voluntary_si_highest_group_rate_applies(policy: PolicySet) -> None:
    q = quote(vsi(date(2025, 9, 1), 1, groups=("poor", "ethnic_minority")), policy)
    assert q.support_vnd == 165_000


def test_voluntary_si_no_group_means_other(policy: PolicySet) -> None:
    assert quote(vsi(date(2025, 9, 1), 1), policy).support_vnd == 66_000


def test_voluntary_si_before_july_2025(policy: PolicySet) -> None:
    q = quote(vsi(date(2025, 4, 15), 3, groups=("other",)), policy)
    assert (q.gross_vnd, q.support_vnd, q.net_vnd) == (990_000, 99_000, 891_000)
    assert q.policy_versions["vsi_support"] == 11
    assert [line.code for line in q.lines] == ["gross", "support", "net"]


def test_voluntary_si_group_unknown_to_old_rule_falls_back_to_other(policy: PolicySet) -> None:
    q = quote(vsi(date(2025, 4, 15), 3, groups=("ethnic_minority",)), policy)
    assert q.support_vnd == 99_000  # 10% × 22% × 1,500,000 × 3


def test_voluntary_si_support_cap(policy: PolicySet) -> None:
    q = quote(vsi(date(2025, 9, 1), 6, groups=("poor",), support_months_used=118), policy)
    assert q.support_vnd == 2 * 165_000
    assert q.net_vnd == 6 * 330_000 - 2 * 165_000
    assert q.monthly_net_vnd == 165_000


@pytest.mark.parametrize("used", [120, 121, 500])
def test_voluntary_si_support_exhausted(policy: PolicySet, used: int) -> None:
    q = quote(vsi(date(2025, 9, 1), 6, groups=("poor",), support_months_used=used), policy)
    assert q.support_vnd == 0
    assert q.monthly_net_vnd == q.monthly_gross_vnd == 330_000
    assert [line.code for line in q.lines] == ["gross", "net"]


def test_voluntary_si_income_is_rounded_half_up(policy: PolicySet) -> None:
    # 22% × 1,500,003 = 330,000.66 → 330,001
    q = quote(vsi(date(2025, 9, 1), 1, income=1_500_003), policy)
    assert q.monthly_gross_vnd == 330_001


def independent_advance_net(
    monthly_gross: int, support: int, supported: int, months: int, r: str
) -> int:
    with localcontext() as ctx:
        ctx.prec = 40
        total = sum(
            (
                Decimal(monthly_gross - (support if i < supported else 0)) / (1 + Decimal(r)) ** i
                for i in range(months)
            ),
            Decimal(0),
        )
        return int(total.to_integral_value(rounding="ROUND_HALF_UP"))


def test_voluntary_si_advance_sixty_months(policy: PolicySet) -> None:
    q = quote(vsi(date(2025, 9, 1), 60, income=3_000_000, groups=("near_poor",)), policy)
    gross, support = 60 * 660_000, 60 * 132_000
    assert (q.gross_vnd, q.support_vnd) == (gross, support)
    assert q.net_vnd < gross - support
    assert q.net_vnd == independent_advance_net(660_000, 132_000, 60, 60, "0.0036")
    assert q.advance_discount_vnd == gross - support - q.net_vnd > 0
    assert q.policy_versions["vsi_discount_rate"] == 15
    assert [line.code for line in q.lines] == ["gross", "support", "advance_discount", "net"]
    assert (q.coverage_start, q.coverage_end) == (date(2025, 9, 1), date(2030, 8, 31))
    assert_balanced(q)


def test_voluntary_si_advance_with_support_cap(policy: PolicySet) -> None:
    q = quote(vsi(date(2024, 5, 2), 36, groups=("poor",), support_months_used=100), policy)
    # Before July 2025: poor 30% → 99,000 support for the first 20 months only.
    assert q.support_vnd == 20 * 99_000
    assert q.net_vnd == independent_advance_net(330_000, 99_000, 20, 36, "0.0033")
    assert_balanced(q)


def test_voluntary_si_twelve_months_not_discounted(policy: PolicySet) -> None:
    q = quote(vsi(date(2025, 9, 1), 12), policy)
    assert q.advance_discount_vnd == 0
    assert q.net_vnd == 12 * (330_000 - 66_000)
    assert "vsi_discount_rate" not in q.policy_versions


def test_calculation_ignores_callers_decimal_context(policy: PolicySet) -> None:
    expected = quote(vsi(date(2025, 9, 1), 60, income=4_321_987, groups=("poor",)), policy)
    with localcontext() as ctx:
        ctx.prec = 4
        ctx.rounding = ROUND_DOWN
        got = quote(vsi(date(2025, 9, 1), 60, income=4_321_987, groups=("poor",)), policy)
    assert got == expected


@pytest.mark.parametrize(
    ("payment", "months", "start", "end"),
    [
        (date(2025, 1, 31), 1, date(2025, 1, 1), date(2025, 1, 31)),
        (date(2025, 3, 15), 12, date(2025, 3, 1), date(2026, 2, 28)),
        (date(2024, 2, 29), 3, date(2024, 2, 1), date(2024, 4, 30)),
    ],
)
def test_voluntary_si_coverage(
    policy: PolicySet, payment: date, months: int, start: date, end: date
) -> None:
    q = quote(vsi(payment, months), policy)
    assert (q.coverage_start, q.coverage_end) == (start, end)


def test_voluntary_si_ignores_household_fields(policy: PolicySet) -> None:
    plain = quote(vsi(date(2025, 9, 1), 3), policy)
    noisy = quote(
        vsi(date(2025, 9, 1), 3, household_ordinal=0, previous_coverage_end=date(1900, 1, 1)),
        policy,
    )
    assert noisy == plain


def test_ceiling_follows_base_salary_in_force(policy: PolicySet) -> None:
    assert (
        quote(vsi(date(2026, 8, 1), 1, income=50_600_000), policy).monthly_gross_vnd == 11_132_000
    )
    with pytest.raises(PolicyError) as exc:
        quote(vsi(date(2026, 6, 30), 1, income=50_600_000), policy)
    assert exc.value.allowed == ["1.500.000 ₫ – 46.800.000 ₫"]


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("income", [1_499_999, 46_800_001, 0, -1])
def test_income_out_of_range(policy: PolicySet, income: int) -> None:
    with pytest.raises(PolicyError) as exc:
        quote(vsi(date(2025, 9, 1), 1, income=income), policy)
    assert exc.value.field == "monthly_income_vnd"
    assert "1.500.000 ₫" in str(exc.value)
    assert "46.800.000 ₫" in str(exc.value)


def test_income_at_both_limits_is_accepted(policy: PolicySet) -> None:
    assert quote(vsi(date(2025, 9, 1), 1, income=1_500_000), policy).net_vnd > 0
    assert (
        quote(vsi(date(2025, 9, 1), 1, income=46_800_000), policy).monthly_gross_vnd == 10_296_000
    )


@pytest.mark.parametrize("income", [None, 1_500_000.0, "1500000", True])
def test_income_missing_or_not_whole_dong(policy: PolicySet, income: Any) -> None:
    with pytest.raises(PolicyError) as exc:
        quote(vsi(date(2025, 9, 1), 1, income=income), policy)
    assert exc.value.field == "monthly_income_vnd"
    assert exc.value.allowed


def test_household_months_not_allowed(policy: PolicySet) -> None:
    with pytest.raises(PolicyError) as exc:
        quote(hi(date(2025, 3, 10), 5), policy)
    assert exc.value.field == "months"
    assert exc.value.allowed == ["3", "6", "12"]
    assert "3, 6, 12" in str(exc.value)


def test_voluntary_si_months_not_allowed(policy: PolicySet) -> None:
    with pytest.raises(PolicyError) as exc:
        quote(vsi(date(2025, 9, 1), 2), policy)
    assert exc.value.field == "months"
    assert exc.value.allowed == ["1", "3", "6", "12", "24", "36", "48", "60"]


@pytest.mark.parametrize("months", [0, -3, True, 12.0])
def test_months_must_be_positive_int(policy: PolicySet, months: Any) -> None:
    with pytest.raises(PolicyError) as exc:
        quote(hi(date(2025, 3, 10), months), policy)
    assert exc.value.field == "months"


def test_unknown_support_group(policy: PolicySet) -> None:
    with pytest.raises(PolicyError) as exc:
        quote(vsi(date(2025, 9, 1), 1, groups=("poor", "rich")), policy)
    assert exc.value.field == "support_groups"
    assert "rich" in exc.value.message
    assert exc.value.allowed == ["ethnic_minority", "near_poor", "other", "poor"]
    assert "near_poor" in str(exc.value)


def test_support_groups_as_bare_string_is_rejected(policy: PolicySet) -> None:
    groups: Any = "poor"  # iterating a str would silently give "p", "o", ...
    req = QuoteRequest(
        VSI, date(2025, 9, 1), 1, monthly_income_vnd=1_500_000, support_groups=groups
    )
    with pytest.raises(PolicyError) as exc:
        quote(req, policy)
    assert exc.value.field == "support_groups"


def test_negative_support_months_used(policy: PolicySet) -> None:
    with pytest.raises(PolicyError) as exc:
        quote(vsi(date(2025, 9, 1), 1, support_months_used=-1), policy)
    assert exc.value.field == "support_months_used"


def test_no_income_floor_in_force(policy: PolicySet) -> None:
    with pytest.raises(PolicyError) as exc:
        quote(vsi(date(2027, 2, 1), 1), policy)
    assert exc.value.field == "payment_date"
    assert "vsi_income_floor" in exc.value.message
    assert exc.value.allowed == ["2022-01-01..2026-12-31"]


def test_no_base_salary_in_force(policy: PolicySet) -> None:
    for req in (hi(date(2020, 1, 1)), vsi(date(2020, 1, 1))):
        with pytest.raises(PolicyError) as exc:
            quote(req, policy)
        assert exc.value.field == "payment_date"
        assert "base_salary" in exc.value.message
        assert exc.value.allowed is not None
        assert "2023-07-01..2024-06-30" in exc.value.allowed


def test_advance_needs_a_discount_rate_in_force(policy: PolicySet) -> None:
    # 2023 has every other row, so 12 months is fine but 60 months cannot be discounted.
    assert quote(vsi(date(2023, 9, 1), 12), policy).advance_discount_vnd == 0
    with pytest.raises(PolicyError) as exc:
        quote(vsi(date(2023, 9, 1), 60), policy)
    assert exc.value.field == "payment_date"
    assert "vsi_discount_rate" in exc.value.message


@pytest.mark.parametrize("ordinal", [None, 0, -1, True, 1.0])
def test_household_ordinal_required_and_positive(policy: PolicySet, ordinal: Any) -> None:
    with pytest.raises(PolicyError) as exc:
        quote(QuoteRequest(HI, date(2025, 3, 10), 12, household_ordinal=ordinal), policy)
    assert exc.value.field == "household_ordinal"


def test_unknown_scheme(policy: PolicySet) -> None:
    with pytest.raises(PolicyError) as exc:
        quote(QuoteRequest("pension", date(2025, 3, 10), 12), policy)  # type: ignore[arg-type]
    assert exc.value.field == "scheme"
    assert exc.value.allowed == ["voluntary_si", "household_hi", "supported_hi"]


def test_payment_date_must_be_a_date(policy: PolicySet) -> None:
    from datetime import datetime

    with pytest.raises(PolicyError) as exc:
        quote(hi(datetime(2025, 3, 10, 9, 0)), policy)
    assert exc.value.field == "payment_date"


def test_previous_coverage_end_at_calendar_limit(policy: PolicySet) -> None:
    with pytest.raises(PolicyError) as exc:
        quote(hi(date(2025, 3, 10), previous_coverage_end=date.max), policy)
    assert exc.value.field == "previous_coverage_end"


# --- API form -----------------------------------------------------------------------------------


def test_to_dict_is_json_friendly(policy: PolicySet) -> None:
    q = quote(hi(date(2025, 3, 10), 12, 2), policy)
    data = json.loads(json.dumps(q.to_dict()))
    assert data["scheme"] == "household_hi"
    assert data["net_vnd"] == 884_520
    assert data["coverage_start"] == "2025-04-09"
    assert data["coverage_end"] == "2026-04-08"
    assert data["policy_versions"]["base_salary"] == 2
    assert [line["code"] for line in data["lines"]] == ["gross", "household_discount", "net"]


# --- policy set ---------------------------------------------------------------------------------


def test_initial_policy_file_is_consistent(policy_dicts: list[dict[str, Any]]) -> None:
    assert [row["id"] for row in policy_dicts] == list(range(1, len(policy_dicts) + 1))
    rows = PolicySet.from_dicts(policy_dicts).rows()
    assert {row.parameter for row in rows} == set(PARAMETERS)
    for parameter, province in {(r.parameter, r.province_code) for r in rows}:
        mine = sorted(
            (r for r in rows if r.parameter == parameter and r.province_code == province),
            key=lambda r: (r.effective_from, r.id),
        )
        for earlier, later in zip(mine, mine[1:], strict=False):
            if earlier.effective_from == later.effective_from and earlier.effective_to is None:
                # A released row (0002's vsi_support 12) superseded from its own start by a
                # later row that only adds a group: the higher id wins, by the lookup's rule.
                assert later.id > earlier.id and later.effective_to is None
                continue
            assert earlier.effective_to is not None, f"{parameter}: open row is not the last"
            assert earlier.effective_to < later.effective_from, f"{parameter}: rows overlap"
    assert all(row.source.strip() for row in rows)


def test_policy_row_round_trip(policy: PolicySet, policy_dicts: list[dict[str, Any]]) -> None:
    assert [row.to_dict() for row in policy.rows()] == policy_dicts


def row(id: int, parameter: str, value: Any, start: str, end: str | None = None) -> dict[str, Any]:
    return {
        "id": id,
        "parameter": parameter,
        "value": value,
        "effective_from": start,
        "effective_to": end,
        "source": "test",
    }


def test_in_force_latest_effective_from_wins_on_overlap() -> None:
    ps = PolicySet.from_dicts(
        [
            row(1, "base_salary", 1_000_000, "2020-01-01"),
            row(2, "base_salary", 2_000_000, "2024-01-01"),
            row(3, "base_salary", 3_000_000, "2024-01-01", "2024-01-31"),
        ]
    )
    assert ps.in_force("base_salary", date(2023, 12, 31)).id == 1
    assert ps.in_force("base_salary", date(2024, 1, 15)).id == 3  # same start: higher id
    assert ps.in_force("base_salary", date(2024, 2, 1)).id == 2


def test_from_dicts_accepts_date_objects() -> None:
    data = row(1, "vsi_rate", "0.22", "2020-01-01")
    data["effective_from"] = date(2020, 1, 1)
    data["effective_to"] = date(2020, 12, 31)
    ps = PolicySet.from_dicts([data])
    assert ps.in_force("vsi_rate", date(2020, 12, 31)).effective_to == date(2020, 12, 31)
    with pytest.raises(PolicyError):
        ps.in_force("vsi_rate", date(2021, 1, 1))


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (row(1, "gold_price", 1, "2020-01-01"), "parameter"),
        (row(1, "vsi_rate", 0.22, "2020-01-01"), "value"),
        (row(1, "vsi_rate", "abc", "2020-01-01"), "value"),
        (row(1, "vsi_rate", "1.5", "2020-01-01"), "value"),
        (row(1, "base_salary", "2340000", "2020-01-01"), "value"),
        (row(1, "base_salary", 0, "2020-01-01"), "value"),
        (row(1, "hi_household_ladder", ["1", "0.6", "0.7"], "2020-01-01"), "value"),
        (row(1, "hi_household_ladder", ["0.9", "0.6"], "2020-01-01"), "value"),
        (row(1, "hi_household_months", [], "2020-01-01"), "value"),
        (row(1, "hi_card_start", {"waiting_days": 30}, "2020-01-01"), "value"),
        (
            row(1, "vsi_support", {"rates": {"poor": "0.5"}, "max_months": 120}, "2020-01-01"),
            "value",
        ),
        (
            row(
                1,
                "vsi_support",
                {"rates": {"other": "0.1", "rich": "0.9"}, "max_months": 1},
                "2020-01-01",
            ),
            "value",
        ),
        (
            row(1, "vsi_payment_months", {"allowed": [1, 1], "advance_from": 13}, "2020-01-01"),
            "value",
        ),
        (row(1, "vsi_rate", "0.22", "2020-13-01"), "effective_from"),
        (row(1, "vsi_rate", "0.22", "2020-02-01", "2020-01-31"), "effective_to"),
        (row(0, "vsi_rate", "0.22", "2020-01-01"), "id"),
        ({**row(1, "vsi_rate", "0.22", "2020-01-01"), "source": " "}, "source"),
        ({"id": 1, "parameter": "vsi_rate", "value": "0.22", "source": "x"}, "effective_from"),
    ],
)
def test_bad_policy_rows_are_rejected(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(PolicyError) as exc:
        PolicySet.from_dicts([bad])
    assert exc.value.field == field


def test_duplicate_row_ids_are_rejected() -> None:
    with pytest.raises(PolicyError) as exc:
        PolicySet.from_dicts([row(1, "vsi_rate", "0.22", "2020-01-01")] * 2)
    assert exc.value.field == "id"


def test_in_force_unknown_parameter(policy: PolicySet) -> None:
    with pytest.raises(PolicyError) as exc:
        policy.in_force("gold_price", date(2025, 1, 1))
    assert exc.value.field == "parameter"


def test_policy_row_is_frozen(policy: PolicySet) -> None:
    first = policy.rows()[0]
    assert isinstance(first, PolicyRow)
    with pytest.raises(AttributeError):
        first.value = 1  # type: ignore[misc]
