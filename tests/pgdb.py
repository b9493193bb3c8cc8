"""Throw-away PostgreSQL databases (empty, not migrated) beside the suite's own."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

from tests.conftest import _pg_admin_url


def pg_conninfo() -> dict[str, object]:
    admin = make_url(_pg_admin_url())
    return {
        "host": admin.host,
        "port": admin.port or 5432,
        "user": admin.username,
        "password": admin.password,
        "dbname": admin.database,
    }


@contextmanager
def empty_pg_database(prefix: str = "fe_tmp") -> Iterator[str]:
    """A new empty database's URL; dropped afterwards."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    conninfo = pg_conninfo()
    with psycopg.connect(**conninfo, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(_pg_admin_url())
            .set(database=name, drivername="postgresql+psycopg")
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(**conninfo, autocommit=True) as conn:  # type: ignore[arg-type]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
