"""Pushes of one process take turns before SQLite's lock (``server.db.writer_turn``), so the
next one starts when the previous commits instead of polling in SQLite's busy handler."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlmodel import Session

from server.db import make_engine, writer_turn


def _hold_then_commit(engine, inside: threading.Event, release: threading.Event) -> None:
    with Session(engine) as s, writer_turn(s):
        s.execute(text("CREATE TABLE IF NOT EXISTS turn_probe (n INTEGER)"))
        s.execute(text("INSERT INTO turn_probe VALUES (1)"))
        inside.set()
        release.wait(10)
        s.commit()


def test_writers_take_turns_on_sqlite_only(settings, engine):
    if settings.database_url.startswith("sqlite"):
        _second_sqlite_writer_waits_for_its_turn(settings)
    else:
        _postgres_writers_do_not_take_turns(engine)


def _second_sqlite_writer_waits_for_its_turn(settings) -> None:
    # No busy handler at all: a writer meeting another in SQLite fails at once.
    engine = make_engine(settings.model_copy(update={"sqlite_busy_timeout_ms": 0}))
    inside, release = threading.Event(), threading.Event()
    first = threading.Thread(target=_hold_then_commit, args=(engine, inside, release))
    first.start()
    assert inside.wait(10)
    with Session(engine) as s:
        with pytest.raises(Exception, match="locked"):  # outside the turn: refused by SQLite
            s.execute(text("INSERT INTO turn_probe VALUES (2)"))
        s.rollback()
    stored: list[int] = []

    def second() -> None:
        with Session(engine) as s, writer_turn(s):
            s.execute(text("INSERT INTO turn_probe VALUES (3)"))
            s.commit()
            stored.extend(s.execute(text("SELECT n FROM turn_probe ORDER BY n")).scalars())

    waiting = threading.Thread(target=second)
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive()  # waits its turn, while the first holds the lock
    release.set()
    first.join(10)
    waiting.join(10)
    assert stored == [1, 3]  # then wrote, without ever meeting the first in SQLite
    engine.dispose()


def _postgres_writers_do_not_take_turns(engine) -> None:
    both_inside = threading.Barrier(2, timeout=10)

    def writer() -> None:
        with Session(engine) as s, writer_turn(s):
            both_inside.wait()  # fails (BrokenBarrierError) if the turn were exclusive

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert not both_inside.broken
