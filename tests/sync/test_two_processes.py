"""Two real server processes on one database receive the same batches at the same moment:
every record is stored once, and both answers agree (one accepted, the other duplicate)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text

from tests.enrollments.helpers import hi_record, ready
from tests.servers import ServerProcess


@pytest.fixture
def two_servers(settings, tmp_path) -> Iterator[list[str]]:
    """Two uvicorn processes on the test database; their logs go to ``tmp_path``."""
    servers = [ServerProcess(settings, log_path=tmp_path / f"server-{n}.log") for n in range(2)]
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready(timeout=90)
        yield [server.url for server in servers]
    finally:
        for server in servers:
            server.stop()


def test_push_same_batch_to_two_processes_stores_each_record_once(
    client, engine, settings, two_servers
):
    ctx = ready(client, engine, settings)
    rounds = 2
    per_batch = 45  # 90 of the device's 100 receipt numbers
    batches = [
        [
            hi_record(
                ctx,
                citizen_id=f"0660{r:02d}{i:06d}",
                household=f"HH-{r}-{i // 3}",  # three people per household: ordinals race too
                ordinal=i % 3 + 1,
                amount=0,
            )
            for i in range(per_batch)
        ]
        for r in range(rounds)
    ]
    answers: dict[int, list[dict]] = {}
    errors: list[BaseException] = []

    def push(batch_no: int, who: int, url: str, barrier: threading.Barrier) -> None:
        try:
            with httpx.Client(base_url=url, headers=ctx.agent, timeout=180) as http:
                barrier.wait(timeout=30)
                r = http.post("/api/v1/sync/push", json={"records": batches[batch_no]})
                assert r.status_code == 200, r.text
                answers[batch_no * 2 + who] = r.json()["results"]
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    for batch_no in range(rounds):
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=push, args=(batch_no, who, url, barrier))
            for who, url in enumerate(two_servers)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=240)
        assert not any(t.is_alive() for t in threads), "a push did not finish in 240 s"
    assert not errors, errors

    for batch_no in range(rounds):
        first, second = answers[batch_no * 2], answers[batch_no * 2 + 1]
        for a, b in zip(first, second, strict=True):
            assert {a["status"], b["status"]} == {"accepted", "duplicate"}, (a, b)
            assert a["accepted"] == b["accepted"]  # the duplicate repeats the first answer

    total = rounds * per_batch
    with engine.connect() as conn:
        for table in ("enrollment", "enrollment_revision", "receipt_use", "participant"):
            count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            assert count == total, (table, count)
        ordinals = conn.execute(
            text(
                "SELECT household_code, count(*), count(DISTINCT household_ordinal) "
                "FROM enrollment GROUP BY household_code"
            )
        ).fetchall()
    # Each household's members got distinct ordinals despite the race.
    assert all(n == distinct for _, n, distinct in ordinals)


def test_two_agents_same_households_on_two_processes_get_distinct_ordinals(
    client, engine, settings, two_servers
):
    ctx = ready(client, engine, settings)
    households = 15
    batches = [
        [
            hi_record(
                ctx,
                receipt=ctx.receipt() if who == 0 else ctx.receipt2(),
                citizen_id=f"06609{who}{h:06d}",
                household=f"HH-SHARED-{h}",
                point="p1" if who == 0 else "p2",
                ordinal=1,  # both devices think they record the household's 1st member
            )
            for h in range(households)
        ]
        for who in range(2)
    ]
    batches[1].reverse()  # agent 2 walks the village the other way round: lock order differs
    barrier = threading.Barrier(2)
    answers: dict[int, list[dict]] = {}
    errors: list[BaseException] = []

    def push(who: int) -> None:
        try:
            headers = ctx.agent if who == 0 else ctx.agent2
            with httpx.Client(base_url=two_servers[who], headers=headers, timeout=180) as http:
                barrier.wait(timeout=30)
                r = http.post("/api/v1/sync/push", json={"records": batches[who]})
                assert r.status_code == 200, r.text
                answers[who] = r.json()["results"]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=push, args=(who,)) for who in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert not any(t.is_alive() for t in threads), "a push did not finish in 240 s"
    assert not errors, errors
    assert all(r["status"] == "accepted" for who in range(2) for r in answers[who])
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT household_code, household_ordinal FROM enrollment "
                "ORDER BY household_code, household_ordinal"
            )
        ).fetchall()
    by_household: dict[str, list[int]] = {}
    for code, ordinal in rows:
        by_household.setdefault(code, []).append(ordinal)
    assert len(by_household) == households
    assert all(ordinals == [1, 2] for ordinals in by_household.values()), by_household
