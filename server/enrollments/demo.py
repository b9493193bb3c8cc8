"""Demo sign-ups: a participants register, receipt blocks and a few hundred sign-ups in
every review state, written through the real push and review code so the demo shows the
server's own prices, flags, verification codes, audit trail and pull changes.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from enroll_common.calculator import QuoteRequest, Scheme, add_months, quote
from enroll_common.errors import PolicyError
from server.auth.models import AgentPoint, CoordinatorCommune, Device, Role, User
from server.auth.service import load_principal
from server.enrollments import receipts
from server.enrollments.models import Enrollment
from server.enrollments.schemas import ReviewRequest
from server.enrollments.service import review
from server.ingest import push_batch
from server.org.models import CollectionPoint, Commune
from server.participants.models import Participant
from server.participants.service import publish_participants
from server.policy.service import load_policy_set, today_local

_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
_EDE_SURNAMES = ["Niê", "Êban", "Mlô", "Ksơr", "Byă", "Adrơng"]
_MALE = ["Văn An", "Văn Bình", "Hữu Cường", "Minh Đức", "Thanh Hải", "Quốc Hùng", "Đức Nam"]
_FEMALE = ["Thị Dung", "Thị Hà", "Thị Hương", "Ngọc Lan", "Thị Mai", "Thanh Thảo", "Thị Yến"]
_EDE_MALE = ["Y Bhin", "Y Kông", "Y Suôn"]
_EDE_FEMALE = ["H'Ni", "H'Linh", "H'Mai"]
_RELATIONS = ["chủ hộ", "vợ", "chồng", "con", "con", "mẹ", "cha"]


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
    register: dict[int, list[_Person]] = {}
    touched: list[int] = []
    for commune_code in communes:
        commune = session.get(Commune, commune_code)
        assert commune is not None
        people: list[_Person] = []
        for h in range(1, 26):
            household = f"HGD{commune_code}{h:04d}"
            for _ in range(rng.choice([1, 2, 2, 3, 3, 4])):
                people.append(_new_person(rng, commune_code, household))
        vsi = [_new_person(rng, commune_code, None) for _ in range(10)]
        for person, scheme in [(p, "household_hi") for p in people] + [
            (p, "voluntary_si") for p in vsi
        ]:
            end = today + timedelta(days=rng.randrange(-60, 365))
            person.coverage_end = end
            row = Participant(
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
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            touched.append(row.id)
        register[commune_code] = people
        out.participants += len(people) + len(vsi)
    publish_participants(session, touched)

    # 2. A phone and a block of 100 receipt numbers for every agent.
    agents = session.exec(
        select(User).where(User.role == Role.AGENT.value).order_by(col(User.id))
    ).all()
    devices: dict[int, Device] = {}
    for agent in agents:
        device = Device(
            user_id=agent.id or 0, device_key=f"demo-{agent.username}", name="Điện thoại demo"
        )
        session.add(device)
        session.flush()
        receipts.issue_block(session, principal=admin_principal, device=device, size=100)
        devices[agent.id or 0] = device
        out.receipt_blocks += 1

    # 3. Sign-ups pushed by each agent, priced on the "device" with the same calculator.
    policy = load_policy_set(session)
    pushed: list[tuple[str, dict[str, Any], int]] = []  # (id, record, agent id)
    shared_new_households: dict[int, str] = {}
    for agent in agents:
        assert agent.id is not None
        point_id = session.exec(
            select(AgentPoint.point_id).where(AgentPoint.user_id == agent.id)
        ).first()
        point = session.get(CollectionPoint, point_id) if point_id is not None else None
        if point is None or point.id is None:
            continue
        principal = load_principal(session, agent, device_id=devices[agent.id].id, session_id=None)
        block_start = receipts.get_blocks(session, device=devices[agent.id], limit=1, offset=0)[0][
            0
        ].first_number
        records = []
        people = register[point.commune_code]
        for n in range(rng.randrange(4, 9)):
            records.append(
                _record(
                    rng,
                    policy=policy,
                    today=today,
                    point_id=point.id,
                    receipt=block_start + n,
                    commune=point.commune_code,
                    people=people,
                    shared=shared_new_households,
                )
            )
        result = push_batch(
            session, principal=principal, records=records, max_age_days=36500, secret=secret
        )
        for rec, res in zip(records, result.results, strict=True):
            if res.status.value == "accepted":
                pushed.append((res.id or "", rec, agent.id))

    # 4. Coordinators review most of them: approve, reject, return; some returns corrected.
    coordinators = {
        code: user
        for user, code in session.exec(
            select(User, CoordinatorCommune.commune_code).join(
                CoordinatorCommune, col(CoordinatorCommune.user_id) == col(User.id)
            )
        ).all()
    }
    for enrollment_id, rec, agent_id in pushed:
        enrollment = session.get(Enrollment, enrollment_id)
        assert enrollment is not None
        coord = coordinators.get(enrollment.commune_code)
        if coord is None:
            continue
        principal = load_principal(session, coord, device_id=None, session_id=None)
        roll = rng.random()
        if roll < 0.55:
            review(
                session,
                principal=principal,
                enrollment_id=enrollment_id,
                data=ReviewRequest(decision="approve"),
            )
        elif roll < 0.62:
            review(
                session,
                principal=principal,
                enrollment_id=enrollment_id,
                data=ReviewRequest(
                    decision="reject", reason="Người tham gia đã có thẻ BHYT theo nhóm khác"
                ),
            )
        elif roll < 0.72:
            review(
                session,
                principal=principal,
                enrollment_id=enrollment_id,
                data=ReviewRequest(
                    decision="return", reason="Sai ngày sinh, đề nghị kiểm tra lại CCCD"
                ),
            )
            if rng.random() < 0.4:  # the agent corrects it: pending again at rev 2
                owner = session.get(User, agent_id)
                assert owner is not None
                fixed = {**rec, "rev": 2}
                fixed["person"] = {**rec["person"], "date_of_birth": "1979-06-15"}
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
    for status in session.exec(select(Enrollment.status)).all():
        out.statuses[status] += 1
    session.flush()
    return out


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
) -> dict[str, Any]:
    payment = today - timedelta(days=int(rng.triangular(0, 320, 10)))
    captured = datetime.combine(payment, time(rng.randrange(1, 10), rng.randrange(60)), tzinfo=UTC)
    roll = rng.random()
    kind = "new"
    if roll < 0.45:  # renewal of a register member
        person = rng.choice(people)
        scheme, kind = "household_hi", "renewal"
    elif roll < 0.55:  # a new household where two agents may both record a "1st member"
        household = shared.setdefault(commune, f"HGD{commune}{9000 + rng.randrange(3):04d}")
        person = _new_person(rng, commune, household)
        scheme = "household_hi"
    elif roll < 0.70:
        person = _new_person(rng, commune, f"HGD{commune}{rng.randrange(100, 999):04d}")
        scheme = "household_hi"
    else:
        person = _new_person(rng, commune, None)
        scheme = "voluntary_si"
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
    if rng.random() < 0.06:  # a slip of the pen the server will catch
        amount -= rng.choice([10_000, 50_000, 100_000])
    body["amount_collected_vnd"] = max(0, amount)
    return body
