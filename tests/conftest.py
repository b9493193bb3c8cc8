"""Fixtures: every database test runs on SQLite and, when reachable, on PostgreSQL.

SQLite: the schema is migrated once into a template file, copied for each test.
PostgreSQL: one throw-away database per test run, migrated once; each test starts from
truncated tables (reference data such as communes is kept).
Set FIELD_ENROLL_TEST_POSTGRES_URL to point elsewhere, FIELD_ENROLL_REQUIRE_POSTGRES=1 to
fail (not skip) when PostgreSQL is unreachable, as CI does.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from server.config import Settings
from server.db import make_engine
from server.launcher import InThread
from server.main import create_app
from server.migrate import upgrade
from server.policy.initial import restore_initial_policy

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
# policy_version is emptied by TRUNCATE app_user CASCADE (its created_by FK), so it is
# truncated too and refilled with the shipped rows, as migrated (see server/policy/initial.py).
REFERENCE_TABLES = {"alembic_version", "province", "commune"}


def _pg_admin_url() -> str:
    return os.environ.get("FIELD_ENROLL_TEST_POSTGRES_URL", DEFAULT_PG)


def _pg_unreachable_reason() -> str | None:
    url = make_url(_pg_admin_url())
    try:
        with psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname=url.database,
            connect_timeout=3,
        ):
            return None
    except Exception as exc:  # any failure means "not usable here"
        return (
            f"PostgreSQL at {url.host}:{url.port or 5432} unreachable ({type(exc).__name__}: {exc})"
        )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    reason = _pg_unreachable_reason()
    if reason:
        if os.environ.get("FIELD_ENROLL_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"FIELD_ENROLL_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    admin = make_url(_pg_admin_url())
    name = f"fe_test_{os.getpid()}_{secrets.token_hex(3)}"
    conninfo = {
        "host": admin.host,
        "port": admin.port or 5432,
        "user": admin.username,
        "password": admin.password,
        "dbname": admin.database,
    }
    with psycopg.connect(**conninfo, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(database=name, drivername="postgresql+psycopg").render_as_string(
        hide_password=False
    )
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(**conninfo, autocommit=True) as conn:  # type: ignore[arg-type]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_pg(url: str) -> None:
    engine = make_engine(Settings(database_url=url, secret_key="x" * 40))
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            if r[0] not in REFERENCE_TABLES
        ]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        restore_initial_policy(conn)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty (but for reference data) database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key=secrets.token_urlsafe(32),
        secret_file=tmp_path / "secret",
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
        gc_freeze_at_start=False,  # a test process builds hundreds of apps (tests/test_runtime.py)
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    eng: Engine = app.state.engine
    return eng


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@dataclass
class LiveServer:
    url: str
    app: FastAPI


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    """The real app served by uvicorn on loopback, in a thread (``server.launcher``)."""
    server = InThread(app).start()
    yield LiveServer(url=server.url, app=app)
    server.stop()
