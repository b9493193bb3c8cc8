"""Demo sign-ups: a participants register, receipt blocks and this year's and last year's
sign-ups in every review state, written through the real push and review code so the demo
shows the server's own prices, flags, verification codes, audit trail and pull changes.

Each point reaches a share of its plan to date (``PERFORMANCE``; EAKAR-02 sits near the seed
article's 62.7 %), month by month, so percentages, pace, rankings and the chart mean
something; Ea Kar also has last year's sign-ups for the comparison.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from server.auth.models import AgentPoint, CoordinatorCommune, Device, Role, User
from server.auth.service import load_principal
from server.changelog import append_changes
from server.dbtypes import utcnow
from server.enrollments import receipts
from server.enrollments.demo_people import (
    Person,
    device_record,
    new_person,
    payment_days,
    plan_to_date,
)
from server.enrollments.models import Enrollment, EnrollmentAudit, EnrollmentRevision
from server.enrollments.schemas import ReviewRequest
from server.enrollments.service import REVIEW_ENTITY, review
from server.facilities.demo import seed_facilities
from server.ingest import push_batch
from server.org.models import CollectionPoint, Commune
from server.participants.models import Participant
from server.participants.service import publish_participants
from server.policy.service import load_policy_set, today_local
from server.reports import summary
from server.targets.models import Target

PERFORMANCE = {"EAKAR-02": 0.627}
LAST_YEAR = {24373}  # Ea Kar: last year's sign-ups are loaded too
HOUSEHOLDS = 80  # per commune in the register
BATCH = 200
HAND_REVIEWED = 40  # decisions taken one by one through ``review``; the rest in bulk


@dataclass
class DemoSignups:
    """What was seeded, for the CLI to print."""

    participants: int = 0
    receipt_blocks: int = 0
    statuses: Counter[str] = field(default_factory=Counter)


def seed_enrollments(
    session: Session, *, secret: str, seed: int = 2025, today: date | None = None
) -> DemoSignups:
    """Register, receipt blocks and sign-ups for every demo agent; coordinators review them."""
    rng = random.Random(seed)
    today = today or today_local()
    out = DemoSignups()
    admin = session.exec(
        select(User).where(User.role == Role.ADMIN.value).order_by(col(User.id))
    ).first()
    if admin is None:
        raise RuntimeError("seed the demo organisation first")
    admin_principal = load_principal(session, admin, device_id=None, session_id=None)

    # 1. The agency's register: households with 1-4 members covered by household HI, and
    # voluntary SI participants, with coverage ending from two months ago to a year ahead.
    communes = sorted({p.commune_code for p in session.exec(select(CollectionPoint)).all()})
    # The province's facility list (illustrative codes): each commune's health station.
    stations = seed_facilities(session, province_code=admin.province_code, communes=communes)
    register: dict[int, list[Person]] = {}
    rows: list[Participant] = []
    for commune_code in communes:
        commune = session.get(Commune, commune_code)
        assert commune is not None
        people: list[Person] = []
        for h in range(1, HOUSEHOLDS + 1):
            household = f"HGD{commune_code}{h:04d}"
            for _ in range(rng.choice([1, 2, 2, 3, 3, 4])):
                people.append(new_person(rng, commune_code, household))
        vsi = [new_person(rng, commune_code, None) for _ in range(10)]
        for person, scheme in [(p, "household_hi") for p in people] + [
            (p, "voluntary_si") for p in vsi
        ]:
            end = today + timedelta(days=rng.randrange(-60, 365))
            person.coverage_end = end
            rows.append(
                Participant(
                    citizen_id=person.citizen_id,
                    scheme=scheme,
                    si_code=f"66{rng.randrange(10**8):08d}",
                    full_name=person.full_name,
                    date_of_birth=person.date_of_birth,
                    household_code=person.household_code,
                    commune_code=commune_code,
                    province_code=commune.province_code,
                    registered_coverage_end=end,
                    coverage_end=end,
                    source="import",
                    # The agency's list names the card's facility; a few entries lack one,
                    # so their renewals show the "no facility" flag.
                    initial_facility_code=stations.get(commune_code)
                    if scheme == "household_hi" and not person.citizen_id.endswith("0")
                    else None,
                )
            )
        register[commune_code] = people
        out.participants += len(people) + len(vsi)
    session.add_all(rows)
    session.flush()
    publish_participants(session, [r.id for r in rows if r.id is not None])

    # 2. A phone and a block of receipt numbers for every agent.
    agents = session.exec(
        select(User).where(User.role == Role.AGENT.value).order_by(col(User.id))
    ).all()
    devices: dict[int, Device] = {}
    next_receipt: dict[int, int] = {}
    for agent in agents:
        device = Device(
            user_id=agent.id or 0, device_key=f"demo-{agent.username}", name="Điện thoại demo"
        )
        session.add(device)
        session.flush()
        block = receipts.issue_block(session, principal=admin_principal, device=device, size=500)
        devices[agent.id or 0] = device
        next_receipt[agent.id or 0] = block.first_number
        out.receipt_blocks += 1

    # 3. Sign-ups month by month for each point, pushed by its agents in batches.
    policy = load_policy_set(session)
    by_agent: dict[int, list[dict[str, Any]]] = defaultdict(list)
    shared_new_households: dict[int, str] = {}
    recorded: dict[int, list[Person]] = defaultdict(list)
    plans = _point_plans(session)
    for point in session.exec(select(CollectionPoint).order_by(col(CollectionPoint.code))).all():
        assert point.id is not None
        staff = list(
            session.exec(
                select(AgentPoint.user_id)
                .where(AgentPoint.point_id == point.id)
                .order_by(col(AgentPoint.user_id))
            ).all()
        )
        if not staff:
            continue
        share = 0.55 + 0.45 * rng.random()
        years = [today.year] + ([today.year - 1] if point.commune_code in LAST_YEAR else [])
        for year in years:
            for scheme in ("household_hi", "voluntary_si"):
                by_month = plans.get((point.id, scheme, year), [])
                wanted = PERFORMANCE.get(point.code)
                if wanted is not None and year == today.year:
                    # the share of the whole year's plan, as the overview shows it; early in
                    # the year that would be months of work in a few days, so never more
                    # than the plan to date (the article's figure shows from August)
                    whole = wanted * sum(by_month) / max(1.0, plan_to_date(by_month, today))
                    share = min(1.0, whole)
                for day in payment_days(rng, by_month, year=year, today=today, share=share):
                    agent_id = staff[rng.randrange(len(staff))]
                    receipt = next_receipt[agent_id]
                    next_receipt[agent_id] += 1
                    by_agent[agent_id].append(
                        device_record(
                            rng,
                            policy=policy,
                            today=today,
                            point_id=point.id,
                            receipt=receipt,
                            commune=point.commune_code,
                            people=register[point.commune_code] if year == today.year else [],
                            shared=shared_new_households,
                            payment=day,
                            scheme=scheme,
                            exact=point.code in PERFORMANCE,
                            recorded=recorded[point.commune_code] if year == today.year else [],
                            facility=stations.get(point.commune_code),
                        )
                    )
    pushed: list[tuple[str, dict[str, Any], int]] = []  # (id, record, agent id)
    for agent in agents:
        assert agent.id is not None
        records = by_agent.get(agent.id, [])
        principal = load_principal(session, agent, device_id=devices[agent.id].id, session_id=None)
        for start in range(0, len(records), BATCH):
            batch = records[start : start + BATCH]
            result = push_batch(
                session, principal=principal, records=batch, max_age_days=36500, secret=secret
            )
            for rec, res in zip(batch, result.results, strict=True):
                if res.status.value == "accepted":
                    pushed.append((res.id or "", rec, agent.id))
    _uploaded_when_captured(session)

    # 4. Coordinators decide: older sign-ups mostly approved, a few rejected or returned
    # (some returns corrected and pending again); the last three weeks mostly pending.
    coordinators = {
        code: user
        for user, code in session.exec(
            select(User, CoordinatorCommune.commune_code).join(
                CoordinatorCommune, col(CoordinatorCommune.user_id) == col(User.id)
            )
        ).all()
    }
    principals = {
        code: load_principal(session, user, device_id=None, session_id=None)
        for code, user in coordinators.items()
    }
    exact_points = {
        p.id
        for p in session.exec(
            select(CollectionPoint).where(col(CollectionPoint.code).in_(list(PERFORMANCE)))
        ).all()
    }
    approvals: list[tuple[Enrollment, int]] = []  # (sign-up, reviewer id)
    hand_reviewed = 0
    for enrollment_id, rec, agent_id in pushed:
        enrollment = session.get(Enrollment, enrollment_id)
        assert enrollment is not None
        reviewer = principals.get(enrollment.commune_code)
        if reviewer is None:
            continue
        recent = enrollment.payment_date > today - timedelta(days=21)
        roll = rng.random()
        if enrollment.point_id in exact_points and roll >= 0.04:
            roll = 0.0  # the article's point: its figures stay as planned
        if recent and roll < 0.7:
            continue  # waiting for review
        if roll < 0.94 or enrollment.point_id in exact_points or hand_reviewed >= HAND_REVIEWED:
            approvals.append((enrollment, reviewer.user_id))
            continue
        if roll < 0.96:
            decision = ReviewRequest(
                decision="reject", reason="Người tham gia đã có thẻ BHYT theo nhóm khác"
            )
        else:
            decision = ReviewRequest(
                decision="return", reason="Sai ngày sinh, đề nghị kiểm tra lại CCCD"
            )
        hand_reviewed += 1
        review(session, principal=reviewer, enrollment_id=enrollment_id, data=decision)
        if decision.decision == "return" and rng.random() < 0.4:
            owner = session.get(User, agent_id)
            assert owner is not None
            fixed = {**rec, "rev": 2}
            # The day was mistyped; the year must still match the CCCD's birth-year digits.
            born = date.fromisoformat(rec["person"]["date_of_birth"])
            fixed["person"] = {**rec["person"], "date_of_birth": born.replace(day=15).isoformat()}
            agent_principal = load_principal(
                session, owner, device_id=devices[agent_id].id, session_id=None
            )
            push_batch(
                session,
                principal=agent_principal,
                records=[fixed],
                max_age_days=36500,
                secret=secret,
            )
    for enrollment, _ in approvals[:HAND_REVIEWED]:  # a few through the reviewer's own path
        reviewer = principals[enrollment.commune_code]
        review(
            session,
            principal=reviewer,
            enrollment_id=enrollment.id,
            data=ReviewRequest(decision="approve"),
        )
    _approve_in_bulk(session, approvals[HAND_REVIEWED:])
    for status in session.exec(select(Enrollment.status)).all():
        out.statuses[status] += 1
    session.flush()
    return out


def _approve_in_bulk(session: Session, approvals: list[tuple[Enrollment, int]]) -> None:
    """Months of approvals at once: what ``review`` writes for an approval (status, audit
    entry, the decision devices pull), as multi-row statements; the summary is rebuilt once
    afterwards. The one-by-one path costs a summary update per sign-up, too slow for a seed.
    """
    if not approvals:
        return
    now = utcnow()
    e = Enrollment.__table__  # type: ignore[attr-defined]
    session.execute(
        update(e)
        .where(e.c.id == bindparam("b_id"))
        .values(status="approved", reviewed_by=bindparam("b_by"), reviewed_at=now, updated_at=now),
        [{"b_id": row.id, "b_by": by} for row, by in approvals],
    )
    session.execute(
        insert(EnrollmentAudit),
        [
            {
                "entity": "enrollment",
                "entity_id": row.id,
                "action": "review_approve",
                "actor_id": by,
                "device_id": None,
                "at": now,
                "detail": {"rev": row.rev, "status": "approved", "reason": None},
            }
            for row, by in approvals
        ],
    )
    append_changes(
        session,
        [
            {
                "entity": REVIEW_ENTITY,
                "entity_id": row.id,
                "payload": {
                    "enrollment_id": row.id,
                    "rev": row.rev,
                    "status": "approved",
                    "reason": None,
                    "reviewed_at": now.isoformat(),
                },
                "province_code": row.province_code,
                "user_id": row.agent_id,
            }
            for row, _ in approvals
        ],
    )
    session.expire_all()
    provinces = {row.province_code for row, _ in approvals}
    years = {row.payment_date.year for row, _ in approvals}
    for province in provinces:
        for year in years:
            summary.rebuild(session, province_code=province, year=year)


def _point_plans(session: Session) -> dict[tuple[int, str, int], list[int]]:
    """(point, scheme, year) -> the point's twelve month targets (participants, all kinds)."""
    out: dict[tuple[int, str, int], list[int]] = {}
    rows = session.exec(
        select(Target).where(
            col(Target.agent_id).is_(None),
            Target.period_kind == "month",
            Target.metric == "participants",
            Target.kind == "all",
        )
    ).all()
    for t in rows:
        months = out.setdefault((t.point_id, t.scheme, t.period_start.year), [0] * 12)
        months[t.period_start.month - 1] = t.value
    return out


def _uploaded_when_captured(session: Session) -> None:
    """History as a device would have left it: each first revision arrived when captured.

    The push stamps arrival with the server's clock; the demo's sign-ups stand for months of
    uploads, so their first revision's arrival is set back to the moment of capture.
    """
    e = Enrollment.__table__  # type: ignore[attr-defined]
    r = EnrollmentRevision.__table__  # type: ignore[attr-defined]
    session.execute(update(e).values(received_at=e.c.captured_at))
    captured = select(e.c.captured_at).where(e.c.id == r.c.enrollment_id).scalar_subquery()
    session.execute(update(r).where(r.c.rev == 1).values(received_at=captured))
