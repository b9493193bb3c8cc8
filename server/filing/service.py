"""Filing batches: build, re-download, withdraw; an organisation's sign-ups filed once.

A batch takes the approved sign-ups paid in the period at the organisation's points that no
live batch holds, in the caller's scope. ``filing_entry``'s primary key on the sign-up makes
a second filing fail in the database, so two coordinators exporting at once cannot both
file the same person; the loser gets a Conflict and exports again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from enroll_common.periods import Period
from enroll_common.policy import int_value, support_value
from enroll_common.schemes import Insurance, rules
from server.auth.models import User
from server.auth.scope import Principal, point_filter
from server.collectors.models import CollectionOrganisation
from server.collectors.service import contract_on, get_organisation
from server.dbtypes import utcnow
from server.enrollments.audit import audit
from server.enrollments.models import Enrollment, EnrollmentRevision
from server.errors import Conflict, Forbidden, NotFound, RuleViolation
from server.facilities.service import names_by_code
from server.filing.forms import FilingHeader, FilingLine, workbook
from server.filing.models import FilingBatch, FilingEntry
from server.org.models import CollectionPoint, Commune, Province
from server.policy.models import PolicyVersion
from server.policy.service import to_row
from server.reports.history import renewals


def _require_manager(principal: Principal) -> None:
    if principal.role.value == "agent":
        raise Forbidden("chỉ điều phối xã hoặc quản trị tỉnh được lập danh sách nộp")


def _unfiled(
    session: Session, principal: Principal, org: CollectionOrganisation, period: Period
) -> Sequence[Enrollment]:
    filed = select(FilingEntry.enrollment_id)
    return session.exec(
        select(Enrollment)
        .join(CollectionPoint, col(CollectionPoint.id) == col(Enrollment.point_id))
        .where(
            col(CollectionPoint.organisation_id) == org.id,
            col(Enrollment.status) == "approved",
            col(Enrollment.payment_date) >= period.start,
            col(Enrollment.payment_date) <= period.end,
            col(Enrollment.id).not_in(filed),
            point_filter(
                principal,
                col(Enrollment.point_id),
                col(Enrollment.commune_code),
                col(Enrollment.province_code),
            ),
        )
        .order_by(
            col(Enrollment.scheme), col(Enrollment.payment_date), col(Enrollment.receipt_number)
        )
    ).all()


def create_batch(
    session: Session, *, principal: Principal, organisation_id: int, period: Period
) -> FilingBatch:
    """Number a new batch and file every eligible sign-up in it."""
    _require_manager(principal)
    org = get_organisation(session, principal=principal, organisation_id=organisation_id)
    sign_ups = _unfiled(session, principal, org, period)
    if not sign_ups:
        raise RuleViolation("không có hồ sơ đã duyệt nào chưa nộp trong kỳ này", field="period")
    number = (
        session.exec(
            select(func.max(FilingBatch.number)).where(FilingBatch.organisation_id == org.id)
        ).one()
        or 0
    ) + 1
    batch = FilingBatch(
        organisation_id=org.id or 0,
        number=number,
        period=str(period),
        created_by=principal.user_id,
        vsi_count=sum(1 for e in sign_ups if rules(e.scheme).insurance is Insurance.VSI),
        hi_count=sum(1 for e in sign_ups if rules(e.scheme).insurance is Insurance.HI),
        total_vnd=sum(e.amount_vnd for e in sign_ups),
    )
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
            lines: dict[str, int] = {}
            for e in sign_ups:
                form = rules(e.scheme).filing_form
                lines[form] = lines.get(form, 0) + 1
                session.add(
                    FilingEntry(
                        enrollment_id=e.id, batch_id=batch.id or 0, form=form, line=lines[form]
                    )
                )
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "một đợt nộp khác vừa được lập cùng lúc; hãy lập lại", field="organisation_id"
        ) from exc
    _audit(session, principal, batch, "create", {"enrollment_ids": [e.id for e in sign_ups]})
    return batch


def get_batch(session: Session, *, principal: Principal, batch_id: int) -> FilingBatch:
    batch = session.get(FilingBatch, batch_id)
    if batch is None:
        raise NotFound("không có đợt nộp này", field="batch_id")
    get_organisation(session, principal=principal, organisation_id=batch.organisation_id)
    return batch


def list_batches(
    session: Session, *, principal: Principal, organisation_id: int
) -> Sequence[FilingBatch]:
    get_organisation(session, principal=principal, organisation_id=organisation_id)
    return session.exec(
        select(FilingBatch)
        .where(FilingBatch.organisation_id == organisation_id)
        .order_by(col(FilingBatch.number).desc())
    ).all()


def withdraw(session: Session, *, principal: Principal, batch: FilingBatch) -> FilingBatch:
    """Give the sign-ups back (they may be filed again); only before any confirmation."""
    _require_manager(principal)
    # Lock the batch (PostgreSQL) and re-read it: a confirmation import may have just won.
    locked = session.get(FilingBatch, batch.id, with_for_update=True, populate_existing=True)
    assert locked is not None
    batch = locked
    if batch.status != "open":
        state = "được xác nhận" if batch.status == "confirmed" else "rút"
        raise Conflict(f"đợt nộp số {batch.number} đã {state}; không rút được", field="batch_id")
    entries = session.exec(select(FilingEntry).where(FilingEntry.batch_id == batch.id)).all()
    for entry in entries:
        session.delete(entry)
    batch.status = "withdrawn"
    batch.closed_by = principal.user_id
    batch.closed_at = utcnow()
    session.add(batch)
    session.flush()
    _audit(
        session,
        principal,
        batch,
        "withdraw",
        {"enrollment_ids": [e.enrollment_id for e in entries]},
    )
    return batch


def batch_file(session: Session, *, batch: FilingBatch) -> bytes:
    """The workbook of a batch, rebuilt from its entries (withdrawn batches have none)."""
    org = session.get(CollectionOrganisation, batch.organisation_id)
    assert org is not None
    rows = session.exec(
        select(FilingEntry, Enrollment, User, Commune)
        .join(Enrollment, col(Enrollment.id) == col(FilingEntry.enrollment_id))
        .join(User, col(User.id) == col(Enrollment.agent_id))
        .join(Commune, col(Commune.code) == col(Enrollment.person_commune_code))
        .where(FilingEntry.batch_id == batch.id)
        .order_by(col(FilingEntry.form).desc(), col(FilingEntry.line))
    ).all()
    provinces = {p.code: p.name for p in session.exec(select(Province)).all()}
    revisions = {
        (r.enrollment_id, r.rev): r
        for r in session.exec(
            select(EnrollmentRevision).where(
                col(EnrollmentRevision.enrollment_id).in_([e.id for _, e, _, _ in rows])
            )
        ).all()
    }
    renewal = renewals(session, [e for _, e, _, _ in rows])
    answers = [r.answer for r in revisions.values() if r.answer]
    support_rates = _support_rates(session, answers)
    base_salaries = _base_salaries(
        session, [a for a in answers if "hi_household_rate" in (a.get("policy_versions") or {})]
    )
    facility_names = names_by_code(
        session, [e.initial_facility_code for _, e, _, _ in rows if e.initial_facility_code]
    )
    lines = []
    for entry, e, agent, commune in rows:
        revision = revisions.get((e.id, e.rev))
        body = revision.body if revision else {}
        answer = (revision.answer if revision else None) or {}
        amounts = {line["code"]: int(line["amount_vnd"]) for line in answer.get("lines", [])}
        household = body.get("household") or {}
        groups = list(body.get("support_groups") or [])
        rates = support_rates.get(int((answer.get("policy_versions") or {}).get("vsi_support", 0)))
        lines.append(
            FilingLine(
                line=entry.line,
                form=entry.form,
                enrollment_id=e.id,
                full_name=e.full_name,
                si_code=e.si_code,
                citizen_id=e.citizen_id,
                date_of_birth=e.date_of_birth,
                sex=e.sex,
                phone=e.phone,
                address=e.address,
                commune=commune.name,
                province=provinces.get(commune.province_code, ""),
                payment_date=e.payment_date,
                receipt_number=e.receipt_number,
                monthly_income_vnd=e.monthly_income_vnd,
                months=e.months,
                coverage_start=e.coverage_start,
                gross_vnd=amounts.get("gross", e.amount_vnd),
                support_vnd=amounts.get("support", 0),
                net_vnd=e.amount_vnd,
                agent_code=agent.agent_code or "",
                renewal=renewal.get(e.id, False),
                support_groups=groups,
                support_percent=_percent(rates, groups) if amounts.get("support") else None,
                household_code=e.household_code,
                household_ordinal=e.household_ordinal,
                members=list(household.get("members") or []),
                facility_code=e.initial_facility_code,
                facility_name=facility_names.get(e.initial_facility_code or "", ""),
                local_support_vnd=amounts.get("local_support", 0),
                other_support_vnd=amounts.get("other_support", 0),
            )
        )
    contract = contract_on(session, organisation_id=org.id or 0, day=batch.created_at.date())
    header = FilingHeader(
        organisation_code=org.code,
        organisation_name=org.name,
        organisation_address=org.address,
        organisation_phone=org.phone,
        organisation_email=org.email,
        si_office=f"{contract.si_office_code} — {contract.si_office_name}" if contract else "",
        batch_number=batch.number,
        period=batch.period,
        created_at=batch.created_at,
        base_salaries_vnd=base_salaries,
    )
    return workbook(header, lines)


def _support_rates(
    session: Session, answers: list[dict[str, object]]
) -> dict[int, Mapping[str, Decimal]]:
    """The VSI support rates per policy version id that priced the given answers."""
    ids: set[int] = set()
    for answer in answers:
        versions = answer.get("policy_versions")
        if isinstance(versions, dict) and "vsi_support" in versions:
            ids.add(int(versions["vsi_support"]))
    if not ids:
        return {}
    rows = session.exec(select(PolicyVersion).where(col(PolicyVersion.id).in_(sorted(ids)))).all()
    return {v.id or 0: support_value(to_row(v)).rates for v in rows}


def _base_salaries(session: Session, answers: list[dict[str, Any]]) -> list[int]:
    """D03-TS header "Lương cơ sở": the base salaries that priced the batch's HI sign-ups."""
    ids = {
        int(a["policy_versions"]["base_salary"])
        for a in answers
        if "base_salary" in a["policy_versions"]
    }
    if not ids:
        return []
    rows = session.exec(select(PolicyVersion).where(col(PolicyVersion.id).in_(sorted(ids)))).all()
    return sorted({int_value(to_row(v)) for v in rows})


def _percent(rates: Mapping[str, Decimal] | None, groups: list[str]) -> Decimal | None:
    """D05-TS column 10: the highest rate among the person's groups, as a percentage."""
    if rates is None:
        return None
    rate = max(rates.get(g, rates["other"]) for g in groups or ["other"])
    return rate * 100


def _audit(
    session: Session,
    principal: Principal,
    batch: FilingBatch,
    action: str,
    detail: dict[str, object],
) -> None:
    audit(
        session,
        entity="filing_batch",
        entity_id=str(batch.id),
        action=action,
        actor_id=principal.user_id,
        device_id=principal.device_id,
        detail={"organisation_id": batch.organisation_id, "number": batch.number, **detail},
    )
