"""Property: several devices recording offline, syncing, losing responses and the server
going down and up in any order; afterwards the server holds exactly the union of what the
devices recorded, each once, and the agents' totals equal the distinct accepted records."""

from __future__ import annotations

import itertools

import httpx
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from sqlalchemy import text

from client_sdk import FieldClient, ReceiptBlockExhausted
from tests.client.conftest import FAST_RETRY, hi_record
from tests.client.proxy import FaultProxy
from tests.factories import PASSWORD, USERNAMES, build_world
from tests.servers import ThreadServer

AGENTS = ("agent1", "agent2")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_devices_and_server_restarts_keep_exact_set(app, engine, settings, tmp_path_factory):
    build_world(engine, settings)
    server = ThreadServer(app).start()
    proxy = FaultProxy("127.0.0.1", server.port)
    coord = httpx.post(
        f"{server.url}/api/v1/auth/login",
        json={"username": USERNAMES["coord1"], "password": PASSWORD, "device_id": "o1"},
    ).json()["access_token"]
    coord2 = httpx.post(
        f"{server.url}/api/v1/auth/login",
        json={"username": USERNAMES["coord2"], "password": PASSWORD, "device_id": "o2"},
    ).json()["access_token"]
    coord_for = {"agent1": coord, "agent2": coord2}
    counter = itertools.count(1)

    class Machine(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            if not server.running:
                server.start()
            self.devices: list[tuple[str, FieldClient]] = []
            self.recorded: dict[int, set[str]] = {}
            for i, who in enumerate(AGENTS * 2):  # two devices per agent
                fc = FieldClient(
                    proxy.url, tmp_path_factory.mktemp("device"), retry=FAST_RETRY, timeout=10
                )
                me = fc.login(USERNAMES[who], PASSWORD)
                r = httpx.post(
                    f"{server.url}/api/v1/devices/{me['device_id']}/receipt-blocks",
                    headers={"Authorization": f"Bearer {coord_for[who]}"},
                    json={"size": 15},
                )
                assert r.status_code == 201, r.text
                fc.sync()
                self.devices.append((who, fc))
                self.recorded[i] = set()

        @rule(d=st.integers(0, 3), n=st.integers(1, 4))
        def record(self, d: int, n: int) -> None:
            who, fc = self.devices[d]
            commune = 24373 if who == "agent1" else 24376
            for _ in range(n):
                k = next(counter)
                data = hi_record(f"0661{k:08d}", household=f"HH-SM-{k}")
                data["person"]["commune_code"] = commune  # type: ignore[index]
                try:
                    self.recorded[d].add(fc.record(data).id)
                except ReceiptBlockExhausted:
                    return

        @rule(d=st.integers(0, 3))
        def sync(self, d: int) -> None:
            self.devices[d][1].sync(batch_size=3)

        @rule(d=st.integers(0, 3), cuts=st.integers(1, 5))
        def sync_losing_responses(self, d: int, cuts: int) -> None:
            proxy.cut(cuts)
            self.devices[d][1].sync(batch_size=2)
            proxy._cuts = 0

        @precondition(lambda self: server.running)
        @rule()
        def server_down(self) -> None:
            server.stop()

        @precondition(lambda self: not server.running)
        @rule()
        def server_up(self) -> None:
            server.start()

        def teardown(self) -> None:
            if not server.running:
                server.start()
            proxy._cuts = 0
            for _, fc in self.devices:
                report = fc.sync()
                assert report.complete, report.stopped_reason
            mine = set().union(*self.recorded.values())
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT id FROM enrollment")).fetchall()
            stored = [r[0] for r in rows if r[0] in mine]
            assert sorted(stored) == sorted(mine)  # nothing lost, nothing doubled
            for d, (_, fc) in enumerate(self.devices):
                local = {r.id for r in fc.records() if r.state in ("pending", "approved")}
                assert local == self.recorded[d]
            # Totals per agent: the server's count of accepted records equals the distinct ids.
            with engine.connect() as conn:
                per_agent = dict(
                    conn.execute(
                        text(
                            "SELECT agent_id, count(DISTINCT id) FROM enrollment GROUP BY agent_id"
                        )
                    ).fetchall()
                )
            assert sum(per_agent.values()) == len(rows)
            for _, fc in self.devices:
                fc.close()

    try:
        Machine.TestCase.settings = hsettings(
            max_examples=4,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        )
        Machine.TestCase().runTest()
    finally:
        proxy.close()
        server.stop()
