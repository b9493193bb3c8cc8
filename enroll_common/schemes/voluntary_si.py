"""Voluntary social insurance (BHXH tự nguyện): 22 % of a chosen income, State support by
group (Decree 159/2025), advance payment discounted, months credited to the participant's
payment cycle (Law 41/2024 Art 36)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from enroll_common.calculator import (
    Quote,
    QuoteRequest,
    Scheme,
    Used,
    _require_allowed_months,
    _require_date,
    _require_groups,
    _require_int,
    add_months,
    lines,
)
from enroll_common.cycles import covered_period, deadlines_on
from enroll_common.errors import PolicyError
from enroll_common.money import format_vnd, round_half_up
from enroll_common.policy import (
    ISLAND_SPECIAL_ZONE,
    RESIDENCE_AREAS,
    SUPPORT_GROUPS,
    PolicySet,
    VsiSupport,
    int_value,
    payment_months_value,
    rate_value,
    support_value,
)
from enroll_common.schemes.base import HouseholdUse, Insurance, SchemeRules


def price(request: QuoteRequest, policy: PolicySet) -> Quote:
    """Voluntary SI: 22 % of the chosen income; support by group for at most the capped
    months; several years ahead discounted; a back-payment grows with interest."""
    used = Used(policy, request.payment_date, request.province_code)
    base_salary = int_value(used("base_salary"))
    vsi_rate = rate_value(used("vsi_rate"))
    floor = int_value(used("vsi_income_floor"))
    multiplier = int_value(used("vsi_income_ceiling_multiplier"))
    support = support_value(used("vsi_support"))
    payment_months = payment_months_value(used("vsi_payment_months"))

    months = _require_allowed_months(request.months, payment_months.allowed)
    income = request.monthly_income_vnd
    ceiling = multiplier * base_salary
    income_range = [f"{format_vnd(floor)} – {format_vnd(ceiling)}"]
    if income is None:
        raise PolicyError("monthly_income_vnd", "is required for voluntary_si", income_range)
    if isinstance(income, bool) or not isinstance(income, int):
        raise PolicyError(
            "monthly_income_vnd", f"must be a whole number of đồng, got {income!r}", income_range
        )
    if not floor <= income <= ceiling:
        raise PolicyError(
            "monthly_income_vnd",
            f"{format_vnd(income)} is outside the allowed range "
            f"{format_vnd(floor)} to {format_vnd(ceiling)}",
            income_range,
        )
    groups = _require_groups(request.support_groups)
    used_months = _require_int("support_months_used", request.support_months_used, minimum=0)
    back_payment = request.back_payment is True
    previous_end = request.previous_coverage_end
    if previous_end is not None:
        _require_date("previous_coverage_end", previous_end)

    rate = _vsi_support_rate(request, groups, support)
    monthly_gross = round_half_up(vsi_rate * income)
    # rate <= 1 and floor <= income, so support can never exceed the monthly gross.
    support_per_month = round_half_up(rate * vsi_rate * floor)
    supported_months = min(months, max(0, support.max_months - used_months))
    if back_payment:
        supported_months = 0  # (U) no State support for months paid back

    gross = monthly_gross * months
    support_total = support_per_month * supported_months
    undiscounted_net = gross - support_total
    if months >= payment_months.advance_from:
        r = rate_value(used("vsi_discount_rate"))
        net = round_half_up(
            _discounted_net(monthly_gross, support_per_month, supported_months, months, r)
        )
    else:
        net = undiscounted_net
    advance_discount = undiscounted_net - net
    interest = 0
    if back_payment:
        # Decree 159/2025 Art 7: each month paid back grows at the fund's monthly rate.
        r = rate_value(used("vsi_discount_rate"))
        net = round_half_up(
            sum((Decimal(monthly_gross) * (1 + r) ** i for i in range(1, months + 1)), Decimal(0))
        )
        advance_discount, interest = 0, net - gross

    try:
        if back_payment:
            # The missing months just before the month of payment.
            end = request.payment_date.replace(day=1) - timedelta(days=1)
            start = add_months(end.replace(day=1), 1 - months)
        else:
            # The participant's cycle decides which months a payment is credited to.
            if deadlines_on(policy, request.payment_date) is not None:
                used("vsi_payment_deadlines")
            period = covered_period(request.payment_date, months, previous_end, policy)
            start, end = period.start, period.end
    except (OverflowError, ValueError):
        raise PolicyError(
            "payment_date", "gives a coverage period beyond the supported calendar"
        ) from None
    return Quote(
        scheme=Scheme.VOLUNTARY_SI,
        months=months,
        monthly_gross_vnd=monthly_gross,
        monthly_net_vnd=monthly_gross - (support_per_month if supported_months else 0),
        gross_vnd=gross,
        support_vnd=support_total,
        household_discount_vnd=0,
        advance_discount_vnd=advance_discount,
        net_vnd=net,
        lines=lines(
            gross=gross,
            support=support_total,
            advance_discount=advance_discount,
            back_payment_interest=interest,
            net=net,
        ),
        policy_versions=used.versions(),
        coverage_start=start,
        coverage_end=end,
        back_payment_interest_vnd=interest,
    )


def _vsi_support_rate(
    request: QuoteRequest, groups: frozenset[str], support: VsiSupport
) -> Decimal:
    """The most favourable group's rate; a group the version in force does not know (e.g.
    ethnic_minority before 2025-07-01) gets the general rate.

    In an island commune or special zone the commune decides the group: the agent's choice
    may raise the level only with evidence, and can never lower it.
    """
    chosen = max(support.rates.get(group, support.rates["other"]) for group in groups)
    area = request.residence_area
    if area is None:
        return chosen
    if area not in RESIDENCE_AREAS:
        raise PolicyError("residence_area", f"vùng không hợp lệ: {area!r}", sorted(RESIDENCE_AREAS))
    by_area = support.rates.get(ISLAND_SPECIAL_ZONE, support.rates["other"])
    if chosen > by_area and not has_evidence(request):
        raise PolicyError(
            "support_evidence",
            "nhóm hỗ trợ cao hơn mức của xã đảo, đặc khu cần giấy tờ chứng minh "
            "(loại giấy tờ và số giấy tờ)",
        )
    return max(chosen, by_area)


def has_evidence(request: QuoteRequest) -> bool:
    """Whether the request names a document: its kind and its reference number."""
    return bool(
        (request.evidence_kind or "").strip() and (request.evidence_reference or "").strip()
    )


def _discounted_net(
    monthly_gross: int, support_per_month: int, supported_months: int, months: int, r: Decimal
) -> Decimal:
    """Present value of the months paid in advance: Σ net_i / (1 + r)^i, unrounded.

    Rounding happens once, on the total, so the result does not depend on how the sum is
    split (and matches an independent Decimal computation).
    """
    factor = Decimal(1) + r
    total = Decimal(0)
    for i in range(months):
        net_i = monthly_gross - (support_per_month if i < supported_months else 0)
        total += Decimal(net_i) / factor**i
    return total


def supported_months(support_vnd: int, monthly_gross_vnd: int, monthly_net_vnd: int) -> int:
    """The months of State support a quote used (its support over the support a month)."""
    per_month = monthly_gross_vnd - monthly_net_vnd
    return support_vnd // per_month if support_vnd and per_month > 0 else 0


def support_months_used(
    register_months: int, register_end: date | None, own: Iterable[tuple[date, int]]
) -> int:
    """Supported months already used toward the 120-month cap: the agency's count (the
    register) plus this system's sign-ups, as ``(coverage_end, months)``, that end after the
    register's known cover (those within it are already in its count). The server and the
    device both count this way, each from what it holds."""
    return register_months + sum(
        months for end, months in own if register_end is None or end > register_end
    )


RULES = SchemeRules(
    scheme=Scheme.VOLUNTARY_SI,
    label_vi="BHXH tự nguyện",
    label_en="Voluntary social insurance",
    insurance=Insurance.VSI,
    household=HouseholdUse.NONE,
    required_fields=("monthly_income_vnd",),
    support_groups=SUPPORT_GROUPS,
    filing_form="D05-TS",
    price=price,
)
