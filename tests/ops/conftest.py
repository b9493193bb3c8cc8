"""Shared by the operations tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from server.migrate import head_revision


@pytest.fixture
def restore_revision(engine: Engine) -> Iterator[None]:
    """Tests that fake another schema revision put the real one back (PostgreSQL's test
    database is shared by the whole run)."""
    yield
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()})
