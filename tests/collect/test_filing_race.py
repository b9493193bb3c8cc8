"""Two coordinators file the same organisation at the same moment: each sign-up once."""

from __future__ import annotations

import threading
import time
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from enroll_common.periods import parse_period
from server.auth.models import User
from server.auth.service import load_principal
from server.config import Settings
from server.errors import DomainError
from server.filing.service import create_batch
from tests.collect.helpers import make_organisation
from tests.factories import EA_KAR, build_world
from tests.reports.data import SignUp, insert_sign_ups


def test_concurrent_exports_file_each_sign_up_once(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = build_world(engine, settings)
    org = make_organisation(client, w)
    insert_sign_ups(
        engine,
        [
            SignUp(n, "voluntary_si", date(2025, 3, n + 1), w["agent1"], w["p1"], EA_KAR)
            for n in range(20)
        ],
    )
    with Session(engine, expire_on_commit=False) as s:
        admin = s.exec(select(User).where(User.username == "admin")).one()
        principal = load_principal(s, admin, device_id=None, session_id=None)
    barrier = threading.Barrier(2, timeout=30)
    results: list[tuple[str, int]] = []

    def export() -> None:
        with Session(engine) as session:
            barrier.wait()
            try:
                batch = create_batch(
                    session,
                    principal=principal,
                    organisation_id=org,
                    period=parse_period("2025-03"),
                )
                time.sleep(0.3)  # hold the transaction open while the other one runs
                session.commit()
                results.append(("filed", batch.vsi_count))
            except DomainError as exc:
                session.rollback()
                results.append((type(exc).__name__, 0))

    threads = [threading.Thread(target=export) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    outcomes = sorted(r[0] for r in results)
    assert outcomes in (["Conflict", "filed"], ["RuleViolation", "filed"]), results
    assert sum(r[1] for r in results) == 20
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM filing_entry")).scalar_one() == 20
        assert conn.execute(text("SELECT count(*) FROM filing_batch")).scalar_one() == 1
