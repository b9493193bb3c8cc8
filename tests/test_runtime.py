"""A server process freezes its start-up heap once it has started (server.runtime)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from server.config import Settings
from server.main import create_app


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
