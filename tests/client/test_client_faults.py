"""Process-level faults: the server killed mid-push, the client killed before sending."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import httpx
from sqlalchemy import text

from client_sdk import FieldClient, SyncProgress
from tests.client.conftest import FAST_RETRY, hi_record
from tests.factories import PASSWORD, USERNAMES, build_world
from tests.servers import ServerProcess


def _server_ids(engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT id FROM enrollment"))]


def _coord_headers(url: str) -> dict[str, str]:
    r = httpx.post(
        f"{url}/api/v1/auth/login",
        json={"username": USERNAMES["coord1"], "password": PASSWORD, "device_id": "office"},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_server_killed_mid_push_then_restarted_nothing_lost_nothing_doubled(
    engine, settings, tmp_path
):
    build_world(engine, settings)
    server = ServerProcess(settings).start()
    try:
        coord = _coord_headers(server.url)
        with FieldClient(server.url, tmp_path / "dev", retry=FAST_RETRY) as fc:
            me = fc.login(USERNAMES["agent1"], PASSWORD)
            for _ in range(2):
                r = httpx.post(
                    f"{server.url}/api/v1/devices/{me['device_id']}/receipt-blocks",
                    headers=coord,
                    json={"size": 200},
                )
                assert r.status_code == 201
            fc.sync()
            recorded = [
                fc.record(hi_record(f"066191{i:06d}", household=f"HH-K-{i}")).id for i in range(300)
            ]
            batches = 0

            def on_batch(_: int) -> None:
                nonlocal batches
                batches += 1
                if batches == 2:  # kill while the third batch is on its way
                    threading.Timer(0.01, server.kill).start()

            first = fc.sync(SyncProgress(on_push_batch=on_batch), batch_size=25)
            assert first.stopped_reason, "the sync should have stopped when the server died"
            assert 0 < first.left_in_outbox < 300
            server.start()  # same port, same database
            second = fc.sync(batch_size=25)
            assert second.complete, second.stopped_reason
            assert fc.status()["outbox"] == 0
            states = {r.state for r in fc.records()}
            assert states == {"pending"}
        stored = _server_ids(engine)
        assert sorted(stored) == sorted(recorded)  # the set check: nothing lost…
        assert len(stored) == len(set(stored)) == 300  # …nothing doubled
    finally:
        server.stop()


def test_client_killed_after_saving_before_sending_keeps_and_sends_record(
    engine, settings, tmp_path
):
    build_world(engine, settings)
    server = ServerProcess(settings).start()
    try:
        coord = _coord_headers(server.url)
        data = tmp_path / "dev"
        with FieldClient(server.url, data, retry=FAST_RETRY) as fc:
            me = fc.login(USERNAMES["agent1"], PASSWORD)
            httpx.post(
                f"{server.url}/api/v1/devices/{me['device_id']}/receipt-blocks",
                headers=coord,
                json={"size": 10},
            )
            fc.sync()
        script = textwrap.dedent(
            f"""
            import os, signal, json
            from client_sdk import FieldClient
            from tests.client.conftest import hi_record
            fc = FieldClient({server.url!r}, {str(data)!r})
            rec = fc.record(hi_record())
            print(rec.id, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)  # before any sync
            """
        )
        proc = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == -9, proc.stderr
        record_id = proc.stdout.strip()
        with FieldClient(server.url, data, retry=FAST_RETRY) as fc:
            assert fc.get(record_id).state == "queued"
            assert fc.status()["outbox"] == 1
            report = fc.sync()
            assert report.counts == {"accepted": 1}
        assert _server_ids(engine) == [record_id]
    finally:
        server.stop()
