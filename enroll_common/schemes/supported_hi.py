"""Budget-supported health insurance (BHYT được NSNN hỗ trợ mức đóng).

The participant's contribution is 4.5 % of the base salary, like household HI; the State
budget pays a share by group (Decree 188/2025 Art 6 cl 6: near-poor ≥ 70 %, ethnic
minorities of communes that left the difficult list ≥ 70 % for 36 months, students ≥ 50 %,
farm/forestry/fishery/salt households of average living standard ≥ 30 %), and a province may
pay more (its ``supported_hi_groups`` row overrides the national one). Each group may demand
evidence (kind + reference number) and a validity end; months of cover that start after
that end are not supported. Whether the household ladder also applies is the policy flag
``supported_hi_household_ladder`` (shipped false: research §2.2; see docs/policy-rules.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from enroll_common.calculator import (
    Quote,
    QuoteRequest,
    Scheme,
    Used,
    _hi_coverage,
    _require_allowed_months,
    _require_date,
    _require_int,
    add_months,
    lines,
)
from enroll_common.errors import PolicyError
from enroll_common.money import round_half_up
from enroll_common.policy import (
    SUPPORTED_HI_GROUPS,
    PolicySet,
    SupportedGroup,
    card_start_value,
    flag_value,
    int_value,
    ladder_value,
    months_value,
    rate_value,
    supported_groups_value,
)
from enroll_common.schemes.base import HouseholdUse, Insurance, SchemeRules


def price(request: QuoteRequest, policy: PolicySet) -> Quote:
    """Gross 4.5 % of the base salary; the budget's share by group; the rest is collected."""
    used = Used(policy, request.payment_date, request.province_code)
    base_salary = int_value(used("base_salary"))
    rate = rate_value(used("hi_household_rate"))
    months = _require_allowed_months(request.months, months_value(used("hi_household_months")))
    card_start = card_start_value(used("hi_card_start"))
    groups = supported_groups_value(used("supported_hi_groups"))
    ladder_applies = flag_value(used("supported_hi_household_ladder"))

    name = _one_group(request.support_groups, groups)
    group = groups[name]
    valid_until = _check_evidence(request, name, group)
    previous_end = request.previous_coverage_end
    if previous_end is not None:
        _require_date("previous_coverage_end", previous_end)
    start, end = _hi_coverage(request.payment_date, previous_end, months, card_start)

    ladder_fraction = None
    if ladder_applies and request.household_ordinal is not None:
        ordinal = _require_int("household_ordinal", request.household_ordinal, minimum=1)
        if ordinal > 1:
            ladder = ladder_value(used("hi_household_ladder"))
            ladder_fraction = ladder[min(ordinal, len(ladder)) - 1]

    first = round_half_up(rate * base_salary)
    support_per_month = round_half_up(first * group.rate)
    support = household_discount = net = 0
    monthly_net = first
    for i in range(months):
        supported = valid_until is None or add_months(start, i) <= valid_until
        own = first - (support_per_month if supported else 0)
        paid = own if ladder_fraction is None else round_half_up(own * ladder_fraction)
        if i == 0:
            monthly_net = paid
        support += first - own
        household_discount += own - paid
        net += paid
    gross = first * months
    return Quote(
        scheme=Scheme.SUPPORTED_HI,
        months=months,
        monthly_gross_vnd=first,
        monthly_net_vnd=monthly_net,
        gross_vnd=gross,
        support_vnd=support,
        household_discount_vnd=household_discount,
        advance_discount_vnd=0,
        net_vnd=net,
        lines=lines(gross=gross, support=support, household_discount=household_discount, net=net),
        policy_versions=used.versions(),
        coverage_start=start,
        coverage_end=end,
    )


def _label(group: str) -> str:
    from enroll_common.glossary import term  # the glossary builds on this registry

    return term("support_group", group)


def _one_group(value: object, groups: Mapping[str, SupportedGroup]) -> str:
    known = sorted(groups)
    if isinstance(value, str) or not isinstance(value, frozenset | set | list | tuple):
        raise PolicyError("support_groups", f"phải là danh sách nhóm, nhận {value!r}", known)
    chosen = sorted(str(g) for g in value)
    if len(chosen) != 1:
        raise PolicyError(
            "support_groups",
            "BHYT được NSNN hỗ trợ cần đúng một nhóm đối tượng (người thuộc nhiều nhóm: "
            "chọn nhóm có quyền lợi cao nhất)",
            known,
        )
    if chosen[0] not in known:
        raise PolicyError(
            "support_groups",
            f"nhóm {chosen[0]!r} không được hỗ trợ theo chính sách đang áp dụng",
            known,
        )
    return chosen[0]


def _check_evidence(request: QuoteRequest, name: str, group: SupportedGroup) -> date | None:
    """Refuse a sign-up whose group needs evidence it does not carry; the validity end."""
    label = _label(name)
    if group.evidence:
        kind = (request.evidence_kind or "").strip()
        if not kind:
            raise PolicyError(
                "support_evidence.kind",
                f"nhóm {label} cần giấy tờ chứng minh: chọn loại giấy tờ",
                list(group.evidence),
            )
        if kind not in group.evidence:
            raise PolicyError(
                "support_evidence.kind",
                f"loại giấy tờ {kind!r} không dùng được cho nhóm {label}",
                list(group.evidence),
            )
        if not (request.evidence_reference or "").strip():
            raise PolicyError(
                "support_evidence.reference",
                f"nhóm {label} cần số hiệu giấy tờ chứng minh",
            )
    if group.validity_months is None:
        return None
    valid_until = request.evidence_valid_until
    if valid_until is None:
        raise PolicyError(
            "support_evidence.valid_until",
            f"nhóm {label} chỉ được hỗ trợ trong {group.validity_months} tháng: "
            "nhập ngày hết hạn hỗ trợ ghi trên giấy tờ",
        )
    _require_date("support_evidence.valid_until", valid_until)
    if valid_until < request.payment_date:
        raise PolicyError(
            "support_evidence.valid_until",
            f"thời hạn hỗ trợ nhóm {label} đã hết ngày {valid_until:%d/%m/%Y}",
        )
    if valid_until > add_months(request.payment_date, group.validity_months):
        raise PolicyError(
            "support_evidence.valid_until",
            f"nhóm {label} được hỗ trợ tối đa {group.validity_months} tháng: ngày hết hạn "
            f"{valid_until:%d/%m/%Y} quá xa",
        )
    return valid_until


RULES = SchemeRules(
    scheme=Scheme.SUPPORTED_HI,
    label_vi="BHYT được NSNN hỗ trợ",
    label_en="Budget-supported health insurance",
    insurance=Insurance.HI,
    household=HouseholdUse.DECLARED,
    required_fields=("support_groups",),
    support_groups=SUPPORTED_HI_GROUPS,
    filing_form="D03-TS",
    price=price,
    ladder_flag="supported_hi_household_ladder",
)
