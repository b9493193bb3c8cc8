"""Demo sign-ups: a participants register, receipt blocks and this year's and last year's
sign-ups in every review state, written through the real push and review code so the demo
shows the server's own prices, flags, verification codes, audit trail and pull changes.

Each point reaches a share of its plan to date (``PERFORMANCE``; EAKAR-02 sits near the seed
article's 62.7 %), month by month, so percentages, pace, rankings and the chart mean
something; Ea Kar also has last year's sign-ups for the comparison.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from enroll_common.calculator import QuoteRequest, Scheme, add_months, quote
from enroll_common.errors import PolicyError
from server.auth.models import AgentPoint, CoordinatorCommune, Device, Role, User
from server.auth.service import load_principal
from server.changelog import append_changes
from server.dbtypes import utcnow
from server.enrollments import receipts
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

_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
_EDE_SURNAMES = ["Niê", "Êban", "Mlô", "Ksơr", "Byă", "Adrơng"]
_MALE = ["Văn An", "Văn Bình", "Hữu Cường", "Minh Đức", "Thanh Hải", "Quốc Hùng", "Đức Nam"]
_FEMALE = ["Thị Dung", "Thị Hà", "Thị Hương", "Ngọc Lan", "Thị Mai", "Thanh Thảo", "Thị Yến"]
_EDE_MALE = ["Y Bhin", "Y Kông", "Y Suôn"]
_EDE_FEMALE = ["H'Ni", "H'Linh", "H'Mai"]
_RELATIONS = ["chủ hộ", "vợ", "chồng", "con", "con", "mẹ", "cha"]
# point -> share of its plan to date reached; other points get 55-100 % at random
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


@dataclass
class _Person:
    citizen_id: str
    full_name: str
    date_of_birth: date
    sex: str
    household_code: str | None
    commune_code: int
    coverage_end: date | None = None


def _citizen_id(rng: random.Random, dob: date, sex: str) -> str:
    """CCCD layout: province 066, sex/century digit, birth year, six random digits."""
    digit = (0 if dob.year < 2000 else 2) + (1 if sex == "female" else 0)
    return f"066{digit}{dob.year % 100:02d}{rng.randrange(10**6):06d}"


def _new_person(rng: random.Random, commune: int, household: str | None) -> _Person:
    sex = rng.choice(["male", "female"])
    ede = rng.random() < 0.25
    if ede:
        name = (
            f"{rng.choice(_EDE_MALE if sex == 'male' else _EDE_FEMALE)} {rng.choice(_EDE_SURNAMES)}"
        )
    else:
        name = f"{rng.choice(_SURNAMES)} {rng.choice(_MALE if sex == 'male' else _FEMALE)}"
    dob = date(rng.randrange(1950, 2006), rng.randrange(1, 13), rng.randrange(1, 29))
    return _Person(_citizen_id(rng, dob, sex), name, dob, sex, household, commune)


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
    register: dict[int, list[_Person]] = {}
    rows: list[Participant] = []
    for commune_code in communes:
        commune = session.get(Commune, commune_code)
        assert commune is not None
        people: list[_Person] = []
        for h in range(1, HOUSEHOLDS + 1):
            household = f"HGD{commune_code}{h:04d}"
            for _ in range(rng.choice([1, 2, 2, 3, 3, 4])):
                people.append(_new_person(rng, commune_code, household))
        vsi = [_new_person(rng, commune_code, None) for _ in range(10)]
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
    recorded: dict[int, list[_Person]] = defaultdict(list)
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
                    # the share of the whole year's plan, as the overview shows it
                    share = wanted * sum(by_month) / max(1.0, _plan_to_date(by_month, today))
                for day in _payment_days(rng, by_month, year=year, today=today, share=share):
                    agent_id = staff[rng.randrange(len(staff))]
                    receipt = next_receipt[agent_id]
                    next_receipt[agent_id] += 1
                    by_agent[agent_id].append(
                        _record(
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


def _plan_to_date(by_month: list[int], today: date) -> float:
    """This year's plan up to today, the current month by its days."""
    total = 0.0
    for month, planned in enumerate(by_month, start=1):
        first = date(today.year, month, 1)
        if first > today:
            break
        last = add_months(first, 1) - timedelta(days=1)
        total += planned * min(1.0, today.day / last.day) if last > today else planned
    return total


def _payment_days(
    rng: random.Random, by_month: list[int], *, year: int, today: date, share: float
) -> list[date]:
    """Payment days reaching ``share`` of the plan to date (all of last year's months); the
    running total is rounded, so the year's count is exact."""
    days: list[date] = []
    running, done = 0.0, 0
    for month, planned in enumerate(by_month, start=1):
        first = date(year, month, 1)
        if first > today:
            break
        last = add_months(first, 1) - timedelta(days=1)
        expected = float(planned)
        if last > today:  # this month so far
            expected = planned * today.day / last.day
            last = today
        running += expected * share
        count = round(running) - done
        done += count
        span = (last - first).days
        days += [first + timedelta(days=rng.randrange(span + 1)) for _ in range(count)]
    return days


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


def _record(
    rng: random.Random,
    *,
    policy: Any,
    today: date,
    point_id: int,
    receipt: int,
    commune: int,
    people: list[_Person],
    shared: dict[int, str],
    payment: date,
    scheme: str,
    exact: bool = False,
    recorded: list[_Person] | None = None,
    facility: str | None = None,
) -> dict[str, Any]:
    """One sign-up as a device records it; ``exact`` keeps to new people (no repeats)."""
    captured = datetime.combine(payment, time(rng.randrange(1, 10), rng.randrange(60)), tzinfo=UTC)
    captured = min(captured, datetime.now(UTC) - timedelta(minutes=5))
    roll = rng.random()
    kind = "new"
    recorded = recorded if recorded is not None else []
    if scheme == "voluntary_si":
        person = _new_person(rng, commune, None)
    elif roll < 0.01 and recorded and not exact:  # recorded twice: a possible duplicate
        person = rng.choice(recorded)
    elif roll < 0.45 and people and not exact:  # renewal of a register member, once each
        person = people.pop(rng.randrange(len(people)))
        kind = "renewal"
    elif roll < 0.52 and not exact:  # a new household two agents may both call "1st member"
        household = shared.setdefault(commune, f"HGD{commune}{9000 + rng.randrange(3):04d}")
        person = _new_person(rng, commune, household)
    else:
        person = _new_person(rng, commune, f"HGD{commune}{rng.randrange(100, 9999):04d}")
    if scheme == "household_hi" and not exact:
        recorded.append(person)
    body: dict[str, Any] = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "rev": 1,
        "scheme": scheme,
        "kind": kind,
        "person": {
            "full_name": person.full_name,
            "date_of_birth": person.date_of_birth.isoformat(),
            "sex": person.sex,
            "citizen_id": person.citizen_id,
            "phone": f"09{rng.randrange(10**8):08d}",
            "commune_code": commune,
            "address": f"Thôn {rng.randrange(1, 12)}",
        },
        "payment_date": payment.isoformat(),
        "receipt_number": receipt,
        "captured_at": captured.isoformat(),
        "gps": {
            "lat": round(12.8 + rng.random() / 10, 5),
            "lon": round(108.4 + rng.random() / 10, 5),
        },
        "point_id": point_id,
    }
    if scheme == "household_hi":
        # What a careful device works out from its roster: when the new card starts, and
        # who else in the household is still covered then.
        own_end = person.coverage_end
        if own_end is not None and payment < add_months(own_end, 3):
            start = max(payment, own_end + timedelta(days=1))
        else:
            start = payment + timedelta(days=30)
        ordinal = 1 + sum(
            1
            for p in people
            if p.household_code == person.household_code
            and p is not person
            and p.coverage_end is not None
            and p.coverage_end >= start
        )
        if kind == "new" and facility is not None:
            body["initial_facility_code"] = facility  # renewals keep the one on file
        body.update(
            months=rng.choice([3, 6, 12, 12]),
            household={
                "code": person.household_code,
                "ordinal": ordinal,
                "members": [{"full_name": person.full_name, "relation": rng.choice(_RELATIONS)}],
            },
        )
        request = QuoteRequest(
            scheme=Scheme.HOUSEHOLD_HI,
            payment_date=payment,
            months=body["months"],
            household_ordinal=ordinal,
        )
    else:
        income = rng.choice([1_500_000, 2_000_000, 2_500_000, 3_000_000, 5_000_000])
        groups = rng.choice([[], [], ["poor"], ["near_poor"], ["ethnic_minority"]])
        body.update(
            months=rng.choice([1, 3, 6, 12]), monthly_income_vnd=income, support_groups=groups
        )
        request = QuoteRequest(
            scheme=Scheme.VOLUNTARY_SI,
            payment_date=payment,
            months=body["months"],
            monthly_income_vnd=income,
            support_groups=frozenset(groups),
        )
    try:
        amount = quote(request, policy).net_vnd
    except PolicyError:
        amount = 0
    if rng.random() < 0.06 and not exact:  # a slip of the pen the server will catch
        amount -= rng.choice([10_000, 50_000, 100_000])
    body["amount_collected_vnd"] = max(0, amount)
    return body
