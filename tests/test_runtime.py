"""A server process freezes its start-up heap and shortens its GIL switch interval once it
has started (server.runtime)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from server.config import Settings
from server.main import create_app
from tests.ops.logs import wait_for
from tests.servers import ServerProcess


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process builds many apps; do not pin their garbage


@pytest.mark.parametrize("freeze", [True, False])
def test_start_up_heap_frozen_by_setting(settings: Settings, unfrozen: None, freeze: bool) -> None:
    app = create_app(settings.model_copy(update={"gc_freeze_at_start": freeze}))
    try:
        assert gc.get_freeze_count() == 0
        with TestClient(app) as client:
            assert client.get("/api/v1/health/live").status_code == 200
            assert (gc.get_freeze_count() > 10_000) is freeze
    finally:
        app.state.engine.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the database plays no part
def test_a_served_process_freezes_its_heap(settings: Settings, tmp_path: Path) -> None:
    # Through the launcher, as ``enroll-server serve`` runs: uvicorn started with its
    # lifespan off never ran the app's start-up, so no served process was ever frozen.
    log = tmp_path / "serve.log"
    server = ServerProcess(
        settings.model_copy(update={"gc_freeze_at_start": True}), log_path=log
    ).start()
    try:
        entry = wait_for(log, {"event": "start-up heap frozen for the garbage collector"})
        assert entry["objects"] > 10_000
    finally:
        server.stop()


def test_switch_interval_set_by_setting(settings: Settings) -> None:
    before = sys.getswitchinterval()
    app = create_app(settings.model_copy(update={"gil_switch_interval_ms": 2.5}))
    try:
        with TestClient(app) as client:
            assert client.get("/api/v1/health/live").status_code == 200
            assert sys.getswitchinterval() == pytest.approx(0.0025)
    finally:
        sys.setswitchinterval(before)
        app.state.engine.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_served_process_shortens_its_switch_interval(settings: Settings, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    server = ServerProcess(settings, log_path=log).start()  # the default setting
    try:
        entry = wait_for(log, {"event": "GIL switch interval set"})
        assert entry["ms"] == 1.0  # Python's own default is 5 ms
    finally:
        server.stop()
