"""Engine and session factory for SQLite (WAL) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine, ExceptionContext, make_url
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, SQLModel, create_engine

from server.config import Settings
from server.dbtypes import json_text

# One naming convention, so migrations name constraints the same way on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


def normalize_url(url: str) -> str:
    """Route plain ``postgresql://`` URLs to psycopg 3, the driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


# Errors after which a pooled connection is useless even though it is still "connected": a
# SQLite file opened while it was read-only stays read-only for that connection's life, and a
# PostgreSQL session opened read-only (a standby, default_transaction_read_only) stays so.
# Treating them as disconnects makes SQLAlchemy drop the pool, so the next request opens fresh
# connections and the server recovers by itself once the database is writable again.
_STALE_CONNECTION_MARKERS = (
    "readonly database",
    "read-only transaction",
    "disk i/o error",
    "database or disk is full",
    "unable to open database file",
)


def _recycle_stale(context: ExceptionContext) -> None:
    message = str(context.original_exception).lower()
    if any(marker in message for marker in _STALE_CONNECTION_MARKERS):
        context.is_disconnect = True


def classify_error(exc: BaseException) -> str:
    """Why the database refused: read_only, disk_full, busy, migration_needed or unreachable
    (named in 503 bodies so an operator knows what to fix)."""
    message = str(getattr(exc, "orig", None) or exc).lower()
    if "readonly" in message or "read-only" in message or "read only" in message:
        return "read_only"
    if "disk is full" in message or "no space left" in message or "disk full" in message:
        return "disk_full"
    if isinstance(exc, PoolTimeout) or any(
        m in message for m in ("locked", "busy", "timeout", "canceling statement")
    ):
        return "busy"
    if "no such table" in message or "does not exist" in message:
        return "migration_needed"
    return "unreachable"


def make_engine(settings: Settings) -> Engine:
    """Create the engine; SQLite connections get WAL, FULL sync, foreign keys and a busy timeout.

    Pool size and overflow come from settings (per process; see docs/deployment.md for the
    connection budget). Connections are checked before use and recycled after errors that
    leave them unusable.
    """
    engine = _create(settings)
    event.listen(engine, "handle_error", _recycle_stale)
    return engine


def _create(settings: Settings) -> Engine:
    url = normalize_url(settings.database_url)
    pool: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_seconds,
        "pool_recycle": settings.db_pool_recycle_seconds,
    }
    serializer = {"json_serializer": json_text}
    if url.startswith("sqlite"):
        in_memory = url in {"sqlite://", "sqlite:///:memory:"}
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": settings.sqlite_busy_timeout_ms / 1000,
            },
            **serializer,
            **({} if in_memory else pool),
        )
        busy_ms = settings.sqlite_busy_timeout_ms

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
            # pysqlite's own transaction handling would defer BEGIN; we issue it ourselves
            # (below) so that writers take the lock up front and never deadlock on upgrade.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            reading = conn.get_execution_options().get(_READING, False)
            conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, **serializer, **pool)


_READING = "field_enroll_reading"


def begin_reading(session: Session) -> None:
    """Start the session's next transaction as one that only reads.

    On SQLite it is a deferred ``BEGIN``: a WAL reader takes no lock, where every other
    transaction begins ``IMMEDIATE`` and so waits its turn behind the writer of the moment
    (authentication before a push waited there as long as the push itself). A write in it
    fails, so it ends with a commit before anything is written. PostgreSQL is unchanged.
    Call it before the transaction's first statement.
    """
    options: Any = {_READING: True}  # our own key; SQLAlchemy's TypedDict lists only its own
    session.connection(execution_options=options)


_TURNS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_TURNS_GUARD = threading.Lock()


@contextmanager
def writer_turn(session: Session) -> Iterator[None]:
    """Wait here, not in SQLite, for this process's previous writer to commit.

    SQLite has one writer at a time; a transaction beginning ``IMMEDIATE`` behind another
    waits in SQLite's busy handler, which polls with sleeps growing to 100 ms, so a push
    queued behind another often sleeps on after the lock is free (4 pushes of 500 at once
    stored 25 % fewer sign-ups a second than the same pushes one after the other;
    docs/performance.md §1). Here the next one starts the moment the previous one commits.
    Writers of other processes still meet in the busy handler. PostgreSQL: no wait.
    """
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    if engine.dialect.name != "sqlite":
        yield
        return
    with _TURNS_GUARD:
        turn = _TURNS.setdefault(engine, threading.Lock())
    with turn:
        yield


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error (CLI and background use)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
