"""The demo seed shows real work: a register, receipt blocks, sign-ups in every state."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, select

from server.auth.models import User
from server.auth.security import Passwords
from server.demo import DEMO_PASSWORD, seed_demo
from server.enrollments.models import Enrollment, EnrollmentRevision, ReceiptBlock
from server.participants.models import Participant


def test_demo_seed_has_signups_in_every_state(client, engine, settings):
    with Session(engine, expire_on_commit=False) as s:
        seed_demo(s, Passwords(settings), secret=settings.resolved_secret())
        s.commit()
    with Session(engine) as s:
        rows = s.exec(select(Enrollment)).all()
        statuses = Counter(r.status for r in rows)
        flags = Counter(f for r in rows for f in r.flag_list())
        assert len(rows) >= 300
        assert set(statuses) == {"pending", "approved", "rejected", "returned"}
        assert {"amount_adjusted", "household_ordinal_changed", "possible_duplicate"} <= set(flags)
        assert {r.kind for r in rows} == {"new", "renewal"}
        assert {r.scheme for r in rows} == {"household_hi", "voluntary_si"}
        assert any(r.rev == 2 for r in rows)  # returned, corrected and pending again
        assert len(s.exec(select(Participant)).all()) > 500
        agents = s.exec(select(User).where(User.role == "agent")).all()
        assert len(s.exec(select(ReceiptBlock)).all()) == len(agents) > 0
        code = s.exec(select(EnrollmentRevision.verification_code)).first()
    assert client.get("/api/v1/receipts/verify", params={"code": code}).status_code == 200
    token = client.post(
        "/api/v1/auth/login",
        json={"username": "coord.eakar", "password": DEMO_PASSWORD, "device_id": "t"},
    ).json()["access_token"]
    queue = client.get(
        "/api/v1/enrollments",
        params={"status": "pending"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert queue["total"] > 0
    assert all(e["commune_code"] == 24373 for e in queue["items"])
    renewals = client.get(
        "/api/v1/renewals", params={"within_days": 60}, headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert renewals["total"] > 0
