"""Builders for test data, written straight to the database through the models."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, select

from enroll_common import PolicyError
from server.auth.models import AgentPoint, CoordinatorCommune, Role, User
from server.auth.security import Passwords
from server.auth.service import load_principal
from server.config import Settings
from server.org.models import CollectionPoint
from server.policy.models import PolicyVersion
from server.policy.schemas import PolicyVersionCreate
from server.policy.service import create_version, load_policy_set, today_local

PASSWORD = "correct horse battery"
EA_KAR = 24373
EA_KNOP = 24376
HANOI_COMMUNE = 4  # Phường Ba Đình, province 1


@dataclass
class World:
    """Two communes of Đắk Lắk, one point each, one coordinator and one agent each, an admin,
    and an admin of another province."""

    ids: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> int:
        return self.ids[key]


def build_world(engine: Engine, settings: Settings) -> World:
    passwords = Passwords(settings)
    pw = passwords.hash(PASSWORD)
    w = World()
    with Session(engine, expire_on_commit=False) as s:
        p1 = CollectionPoint(code="EAKAR-01", name="Điểm thu Bưu điện Ea Kar", commune_code=EA_KAR)
        p2 = CollectionPoint(code="EAKNOP-01", name="Điểm thu Ea Knốp", commune_code=EA_KNOP)
        p3 = CollectionPoint(code="HN-01", name="Điểm thu Ba Đình", commune_code=HANOI_COMMUNE)
        s.add_all([p1, p2, p3])
        s.flush()
        users = {
            "admin": User(
                username="admin",
                full_name="Admin",
                role=Role.ADMIN,
                province_code=66,
                password_hash=pw,
            ),
            "admin_hn": User(
                username="admin.hn",
                full_name="Admin HN",
                role=Role.ADMIN,
                province_code=1,
                password_hash=pw,
            ),
            "coord1": User(
                username="coord.eakar",
                full_name="Coord 1",
                role=Role.COORDINATOR,
                province_code=66,
                password_hash=pw,
            ),
            "coord2": User(
                username="coord.eaknop",
                full_name="Coord 2",
                role=Role.COORDINATOR,
                province_code=66,
                password_hash=pw,
            ),
            "agent1": User(
                username="agent.eakar",
                full_name="Agent 1",
                role=Role.AGENT,
                province_code=66,
                password_hash=pw,
                agent_code="NVT0001",
            ),
            "agent2": User(
                username="agent.eaknop",
                full_name="Agent 2",
                role=Role.AGENT,
                province_code=66,
                password_hash=pw,
                agent_code="NVT0002",
            ),
        }
        s.add_all(users.values())
        s.flush()
        s.add_all(
            [
                CoordinatorCommune(user_id=users["coord1"].id, commune_code=EA_KAR),
                CoordinatorCommune(user_id=users["coord2"].id, commune_code=EA_KNOP),
                AgentPoint(user_id=users["agent1"].id, point_id=p1.id),
                AgentPoint(user_id=users["agent2"].id, point_id=p2.id),
            ]
        )
        s.commit()
        w.ids.update({k: u.id for k, u in users.items()})  # type: ignore[misc]
        w.ids.update({"p1": p1.id, "p2": p2.id, "p_hn": p3.id})  # type: ignore[dict-item]
    return w


USERNAMES = {
    "admin": "admin",
    "admin_hn": "admin.hn",
    "coord1": "coord.eakar",
    "coord2": "coord.eaknop",
    "agent1": "agent.eakar",
    "agent2": "agent.eaknop",
}


def login(client: TestClient, who: str, device: str = "dev-1") -> dict[str, str]:
    """Log in one of the world's users; returns the token pair body."""
    r = client.post(
        "/api/v1/auth/login",
        json={"username": USERNAMES.get(who, who), "password": PASSWORD, "device_id": device},
    )
    assert r.status_code == 200, r.text
    body: dict[str, str] = r.json()
    return body


def auth(client: TestClient, who: str, device: str = "dev-1") -> dict[str, str]:
    """Authorization header for one of the world's users."""
    return {"Authorization": f"Bearer {login(client, who, device)['access_token']}"}


def consistent_person(citizen_id: str, month: int = 5, day: int = 17) -> dict[str, str]:
    """The ``sex`` and ``date_of_birth`` a 12-digit CCCD allows (its 4th digit: century and
    sex; 5th-6th: the birth year), so test people pass the identity checks."""
    if len(citizen_id) != 12 or not citizen_id.isdigit():  # a test of the schema's refusal
        return {"sex": "male", "date_of_birth": f"1980-{month:02d}-{day:02d}"}
    digit, year = int(citizen_id[3]), int(citizen_id[4:6])
    born = 1900 + 100 * (digit // 2) + year
    return {
        "sex": "female" if digit % 2 else "male",
        "date_of_birth": f"{born:04d}-{month:02d}-{day:02d}",
    }


@contextmanager
def sqlite_writer(database_url: str) -> Iterator[sqlite3.Connection]:
    """Another writer (the push of the moment) holding SQLite's write lock for the block;
    yields its connection, and what it wrote is rolled back at the end."""
    writer = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        yield writer
    finally:
        writer.rollback()
        writer.close()


def keep_vsi_floor_in_force(session: Session) -> None:
    """From 2027 no ``vsi_income_floor`` is shipped (docs/policy-rules.md §7: the new
    poverty line must be entered by an admin first); a test that sells voluntary SI on the
    day it runs enters a stand-in, as that admin would, continuing the last floor."""
    session.flush()
    try:  # the calculator's own lookup, as a sale would make it
        load_policy_set(session).in_force("vsi_income_floor", today_local())
        return
    except PolicyError:
        pass
    last = session.exec(
        select(PolicyVersion)
        .where(
            PolicyVersion.parameter == "vsi_income_floor",
            col(PolicyVersion.province_code).is_(None),
        )
        .order_by(col(PolicyVersion.effective_from).desc())
    ).first()
    assert last is not None and last.effective_to is not None
    admin = session.exec(select(User).where(User.role == Role.ADMIN).order_by(col(User.id))).first()
    assert admin is not None
    create_version(
        session,
        principal=load_principal(session, admin, device_id=None, session_id=None),
        data=PolicyVersionCreate(
            parameter="vsi_income_floor",
            value=last.value,
            effective_from=last.effective_to + timedelta(days=1),
            source="Kiểm thử: mức tạm, chờ chuẩn nghèo mới",
        ),
    )
