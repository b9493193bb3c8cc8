"""The demo province: real communes of Đắk Lắk with points, agents and coordinators.

The figures are invented; the communes and their codes are the official ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlmodel import Session, select

from server.auth.models import AgentPoint, CoordinatorCommune, Role, User
from server.auth.security import Passwords
from server.enrollments.demo import seed_enrollments
from server.enrollments.first_block import allow_first_blocks
from server.facilities.demo import seed_facilities
from server.org.models import CollectionPoint, Commune
from server.targets.demo import seed_targets

DEMO_PROVINCE = 66  # Đắk Lắk
DEMO_PASSWORD = "demo-password"
DEMO_COMMUNES = [
    (24373, "eakar"),  # Xã Ea Kar
    (24376, "eaknop"),
    (24403, "eao"),
    (24406, "cuyang"),
    (24400, "eapal"),
    (24490, "krongpac"),
    (24343, "krongnang"),
    (24280, "cumgar"),
    (24235, "buondon"),
    (24133, "bmt"),  # Phường Buôn Ma Thuột
]
_OPERATORS = [
    "Bưu điện",
    "Hội Liên hiệp Phụ nữ",
    "Hội Nông dân",
    "Đại lý thu UBND",
]
_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "H'", "Y"]
_MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức"]
_GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dung",
    "Hà",
    "Hương",
    "Khánh",
    "Lan",
    "Mai",
    "Nam",
    "Phúc",
    "Thảo",
]


@dataclass
class DemoAccounts:
    """What the demo created, for printing the logins."""

    admin: str = ""
    coordinators: list[tuple[str, str]] = field(default_factory=list)  # (username, commune)
    agents: list[tuple[str, str]] = field(default_factory=list)  # (username, point code)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"


def is_seeded(session: Session) -> bool:
    return session.exec(select(User).where(User.username == "admin")).first() is not None


def seed_demo(
    session: Session, passwords: Passwords, *, seed: int = 2025, secret: str | None = None
) -> DemoAccounts:
    """Create the demo organisation. Every demo account shares ``DEMO_PASSWORD``.

    With the server ``secret`` (it signs receipt verification codes) sign-ups are seeded too.
    """
    rng = random.Random(seed)
    password_hash = passwords.hash(DEMO_PASSWORD)  # once: every demo account shares it
    out = DemoAccounts(admin="admin")
    session.add(
        User(
            username="admin",
            full_name="Quản trị BHXH tỉnh Đắk Lắk",
            role=Role.ADMIN.value,
            province_code=DEMO_PROVINCE,
            password_hash=password_hash,
        )
    )
    agent_no = 0
    for commune_code, slug in DEMO_COMMUNES:
        commune = session.get(Commune, commune_code)
        if commune is None:
            raise RuntimeError(f"commune {commune_code} missing: run the migrations first")
        coordinator = User(
            username=f"coord.{slug}",
            full_name=_person(rng),
            role=Role.COORDINATOR.value,
            phone=f"09{rng.randrange(10**8):08d}",
            province_code=DEMO_PROVINCE,
            password_hash=password_hash,
        )
        session.add(coordinator)
        session.flush()
        assert coordinator.id is not None
        session.add(CoordinatorCommune(user_id=coordinator.id, commune_code=commune_code))
        out.coordinators.append((coordinator.username, commune.name))
        n_points = 3 if slug == "eakar" else 2
        for p in range(1, n_points + 1):
            operator = _OPERATORS[(p - 1) % len(_OPERATORS)]
            place = commune.name.removeprefix("Xã ").removeprefix("Phường ")
            point = CollectionPoint(
                code=f"{slug.upper()}-{p:02d}",
                name=f"Điểm thu {operator} {place}",
                commune_code=commune_code,
                operator=operator,
                address=f"Thôn {p}, {commune.name}",
            )
            session.add(point)
            session.flush()
            assert point.id is not None
            for k in range(1, 4):
                agent_no += 1
                agent = User(
                    username=f"agent.{slug}.{p}.{k}",
                    full_name=_person(rng),
                    role=Role.AGENT.value,
                    phone=f"03{rng.randrange(10**8):08d}",
                    agent_code=f"NVT{agent_no:04d}",
                    province_code=DEMO_PROVINCE,
                    password_hash=password_hash,
                )
                session.add(agent)
                session.flush()
                assert agent.id is not None
                session.add(AgentPoint(user_id=agent.id, point_id=point.id))
                out.agents.append((agent.username, point.code))
    session.flush()
    seed_facilities(session, province_code=DEMO_PROVINCE, communes=[c for c, _ in DEMO_COMMUNES])
    seed_targets(session, province_code=DEMO_PROVINCE)  # first: sign-ups follow the plans
    if secret is not None:
        seed_enrollments(session, secret=secret, seed=seed)
    allow_first_blocks(session, province_code=DEMO_PROVINCE)  # new agent phones get receipts
    return out
