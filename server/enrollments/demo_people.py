"""The demo's people and visits: names as a commune has them, CCCDs that agree with sex and
birth year, the days payments fall on to reach a share of plan, and each sign-up as a
careful device would record it (priced with the policy in force, now and then a slip)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from enroll_common.calculator import QuoteRequest, Scheme, add_months, quote
from enroll_common.errors import PolicyError

_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
_EDE_SURNAMES = ["Niê", "Êban", "Mlô", "Ksơr", "Byă", "Adrơng"]
_MALE = ["Văn An", "Văn Bình", "Hữu Cường", "Minh Đức", "Thanh Hải", "Quốc Hùng", "Đức Nam"]
_FEMALE = ["Thị Dung", "Thị Hà", "Thị Hương", "Ngọc Lan", "Thị Mai", "Thanh Thảo", "Thị Yến"]
_EDE_MALE = ["Y Bhin", "Y Kông", "Y Suôn"]
_EDE_FEMALE = ["H'Ni", "H'Linh", "H'Mai"]
_RELATIONS = ["chủ hộ", "vợ", "chồng", "con", "con", "mẹ", "cha"]
REPEAT_AT = 3  # the household record that repeats an earlier person of its commune


@dataclass
class Person:
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


def new_person(rng: random.Random, commune: int, household: str | None) -> Person:
    sex = rng.choice(["male", "female"])
    ede = rng.random() < 0.25
    if ede:
        name = (
            f"{rng.choice(_EDE_MALE if sex == 'male' else _EDE_FEMALE)} {rng.choice(_EDE_SURNAMES)}"
        )
    else:
        name = f"{rng.choice(_SURNAMES)} {rng.choice(_MALE if sex == 'male' else _FEMALE)}"
    dob = date(rng.randrange(1950, 2006), rng.randrange(1, 13), rng.randrange(1, 29))
    return Person(_citizen_id(rng, dob, sex), name, dob, sex, household, commune)


def plan_to_date(by_month: list[int], today: date) -> float:
    """This year's plan up to today, the current month by its days."""
    total = 0.0
    for month, planned in enumerate(by_month, start=1):
        first = date(today.year, month, 1)
        if first > today:
            break
        last = add_months(first, 1) - timedelta(days=1)
        total += planned * min(1.0, today.day / last.day) if last > today else planned
    return total


def payment_days(
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


def device_record(
    rng: random.Random,
    *,
    policy: Any,
    today: date,
    point_id: int,
    receipt: int,
    commune: int,
    people: list[Person],
    shared: dict[int, str],
    payment: date,
    scheme: str,
    exact: bool = False,
    recorded: list[Person] | None = None,
    facility: str | None = None,
) -> dict[str, Any]:
    """One sign-up as a device records it; ``exact`` keeps to new people (no repeats)."""
    captured = datetime.combine(payment, time(rng.randrange(1, 10), rng.randrange(60)), tzinfo=UTC)
    captured = min(captured, datetime.now(UTC) - timedelta(minutes=5))
    roll = rng.random()
    kind = "new"
    recorded = recorded if recorded is not None else []
    if scheme == "voluntary_si":
        person = new_person(rng, commune, None)
    elif (roll < 0.01 or len(recorded) == REPEAT_AT) and recorded and not exact:
        # recorded twice: a possible duplicate (at least one per commune, even in January)
        person = rng.choice(recorded)
    elif roll < 0.45 and people and not exact:  # renewal of a register member, once each
        person = people.pop(rng.randrange(len(people)))
        kind = "renewal"
    elif roll < 0.52 and not exact:  # a new household two agents may both call "1st member"
        household = shared.setdefault(commune, f"HGD{commune}{9000 + rng.randrange(3):04d}")
        person = new_person(rng, commune, household)
    else:
        person = new_person(rng, commune, f"HGD{commune}{rng.randrange(100, 9999):04d}")
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
