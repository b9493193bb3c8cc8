"""Identity and payment-cycle checks of one record, as small hooks for ``decide``.

The rules themselves live in ``enroll_common.identity`` and ``enroll_common.cycles`` (the
device runs the same ones offline); this module only maps their answers onto the push
protocol's per-record problems and flags.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from enroll_common.cycles import (
    DEADLINE_RULE,
    check_back_payment,
    deadlines_on,
    next_period_start,
    period_deadline,
)
from enroll_common.identity import check_person
from enroll_common.policy import PolicySet
from enroll_common.sync_wire import EnrollmentRecord, FieldProblem, Flag, SchemeName
from server.ingest.view import BatchView

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def identity_problems(record: EnrollmentRecord, policy: PolicySet) -> list[FieldProblem]:
    """CCCD against sex and date of birth; voluntary SI's minimum age on the payment date."""
    person = record.person
    return [
        FieldProblem(field=p.field, message=p.message, code=p.code)
        for p in check_person(
            scheme=record.scheme.value,
            citizen_id=person.citizen_id,
            sex=person.sex,
            date_of_birth=person.date_of_birth,
            payment_date=record.payment_date,
            policy=policy,
        )
    ]


def last_paid_end(view: BatchView, record: EnrollmentRecord) -> date | None:
    """The end of the participant's last paid voluntary-SI period: the register's, or a
    live sign-up's (earlier records of the batch included), whichever is later. A
    correction only looks at sign-ups received before it, so it keeps its period."""
    citizen, scheme = record.person.citizen_id, record.scheme.value
    existing = view.existing.get(str(record.id))
    before = existing.received_at if existing is not None else None
    ends = [
        o.coverage_end
        for o in view.live_of(citizen, scheme)
        if o.id != str(record.id) and (before is None or o.received_at < before)
    ]
    registered = view.register.get((citizen, scheme))
    if registered is not None and registered.registered_coverage_end is not None:
        ends.append(registered.registered_coverage_end)
    return max(ends, default=None)


def cycle_outcome(
    view: BatchView,
    record: EnrollmentRecord,
    coverage_start: date,
    policy: PolicySet,
) -> tuple[list[FieldProblem], list[Flag]]:
    """A voluntary-SI payment recorded after its period's deadline is refused (it would pay
    for past months), unless it is an allowed back-payment; a restart after a lapse and an
    unverifiable back-payment are flagged."""
    if record.scheme is not SchemeName.VOLUNTARY_SI:
        return [], []
    claim = record.back_payment
    if claim is not None:
        check = check_back_payment(
            sex=record.person.sex,
            date_of_birth=record.person.date_of_birth,
            payment_date=record.payment_date,
            months=record.months,
            claimed_contribution_months=claim.contribution_months,
            known_contribution_months=None,  # the register does not carry contribution months
            policy=policy,
        )
        if check.problems:
            return [
                FieldProblem(field="back_payment", message=m, code="vsi_back_payment")
                for m in check.problems
            ], []
        return [], [] if check.verified else [Flag.BACK_PAYMENT_UNVERIFIED]
    flags: list[Flag] = []
    previous = last_paid_end(view, record)
    if previous is not None and coverage_start > next_period_start(previous):
        flags.append(Flag.VSI_LAPSED)
    rule = deadlines_on(policy, record.payment_date)
    if rule is None:
        return [], flags
    deadline = period_deadline(coverage_start, record.months, rule)
    recorded_on = max(record.payment_date, record.captured_at.astimezone(VN_TZ).date())
    if recorded_on <= deadline:
        return [], flags
    message = (
        f"kỳ đóng từ {coverage_start.strftime('%m/%Y')} theo phương thức {record.months} "
        f"tháng phải đóng chậm nhất ngày {deadline.strftime('%d/%m/%Y')} ({DEADLINE_RULE}); "
        f"ghi nhận ngày {recorded_on.strftime('%d/%m/%Y')} là đóng cho các tháng đã qua, "
        "chỉ được khi đóng bù (Nghị định 159/2025/NĐ-CP, Điều 7)"
    )
    return [FieldProblem(field="payment_date", message=message, code="vsi_payment_deadline")], []
