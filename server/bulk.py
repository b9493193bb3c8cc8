"""Bulk inserts without SQLAlchemy's per-row parameter building (a pushed batch's tables,
the change log).

At 500 rows of up to 40 columns, ``session.execute(insert(table), rows)`` spent more time
building parameters (``construct_params`` and one type processor call per value, through
SQLAlchemy's generic machinery) than the database spent inserting (benchmarks/bench_push.py,
cProfile; docs/performance.md §1). Here each statement is compiled once per process and
dialect, and its rows go to the driver directly:

* PostgreSQL: plain inserts are one ``COPY … FROM STDIN`` (psycopg adapts each value; JSON
  columns are dumped with ``dbtypes.json_text``, the engine's JSON serializer);
* SQLite, and statements COPY cannot run (the register upsert): one ``executemany`` of the
  statement SQLAlchemy compiled, with the values passed through the same bind processors
  SQLAlchemy would have applied, so every stored value is byte-for-byte the same.

A unique violation (another process stored a row first) surfaces as SQLAlchemy's
``IntegrityError``, as before, so ``batch`` judges the batch again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import JSON, Connection, Date, DateTime, Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session

from server.dbtypes import UTCDateTime, json_text

Row = dict[str, Any]
Processor = Callable[[Any], Any] | None


class _Plan:
    """A statement compiled once: its SQL and, per parameter, the name and bind processor."""

    def __init__(self, conn: Connection, stmt: Insert, columns: Sequence[str]) -> None:
        compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
        self.sql = str(compiled)
        # One callable per scalar parameter (a sequence only for tuple types, unused here).
        processors = cast(dict[str, Processor], dict(compiled._bind_processors))
        positions = compiled.positiontup
        self.positional = positions is not None
        names = list(positions) if positions is not None else list(compiled.binds)
        self.names = names
        self.get = itemgetter(*names)
        if conn.dialect.name == "sqlite":  # the same text as SQLite's processors, faster
            table = stmt.table
            for n in names:
                if n not in table.c:
                    continue
                kind = table.c[n].type
                if isinstance(kind, UTCDateTime):  # two processor calls made one
                    processors[n] = UTCDateTime.sqlite_text
                elif isinstance(kind, Date) and not isinstance(kind, DateTime):
                    processors[n] = _date_text
        self.processed = [(i, p) for i, n in enumerate(names) if (p := processors.get(n))]
        # A column SQLAlchemy would fill itself (a Python-side default) has no value here.
        self.complete = set(names) <= set(columns) and len(names) > 1

    def rows(self, rows: Sequence[Row]) -> list[Any]:
        out: list[Any] = []
        for row in rows:
            values = list(self.get(row))
            for i, process in self.processed:
                values[i] = process(values[i])
            out.append(
                tuple(values) if self.positional else dict(zip(self.names, values, strict=True))
            )
        return out


def _date_text(value: date | None) -> str | None:
    """SQLite's DATE processor's text (``YYYY-MM-DD``) by the C ``isoformat``."""
    return None if value is None else date.isoformat(value)


_PLANS: dict[tuple[str, str, str, tuple[str, ...]], _Plan] = {}


def _plan(
    conn: Connection, name: str, table: Table, build: Callable[[], Insert], columns: tuple[str, ...]
) -> _Plan:
    key = (conn.dialect.name, name, table.name, columns)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _Plan(conn, build(), columns)
    return plan


def execute_many(
    session: Session, table: Table, rows: Sequence[Row], *, name: str, build: Callable[[], Insert]
) -> None:
    """``build()`` (an INSERT of ``table``, compiled once under ``name``) for every row."""
    if not rows:
        return
    conn = session.connection()
    plan = _plan(conn, name, table, build, tuple(rows[0]))
    if not plan.complete:
        session.execute(build(), list(rows))
        return
    conn.exec_driver_sql(plan.sql, plan.rows(rows))


def insert_rows(session: Session, table: Table, rows: Sequence[Row]) -> None:
    """A plain INSERT of ``rows`` (same keys in each): COPY on PostgreSQL, else executemany."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
        return
    execute_many(session, table, rows, name="insert", build=lambda: insert(table))


def _copy(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    import psycopg
    from psycopg.types.json import Json

    columns = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    sql = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(
                    [Json(row[c], json_text) if c in json_columns else row[c] for c in columns]
                )
    except psycopg.Error as exc:
        # The same exception classes as an INSERT through SQLAlchemy (IntegrityError for a
        # unique violation, with the driver's error and its SQLSTATE as ``orig``).
        raise DBAPIError.instance(sql, None, exc, psycopg.Error) from exc
