"""Both ways of appending to the change log store the same rows: ``append_changes`` (a bulk
insert, COPY on PostgreSQL, for a pushed batch's roster rows) and ``record_changes`` (ORM
objects, for everything else); in the order given, under one increasing sequence."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import String, cast, select
from sqlmodel import Session

from server.changelog import ChangeLog, append_changes, record_changes

LOG = ChangeLog.__table__  # type: ignore[attr-defined]


def _changes(n: int) -> list[dict[str, Any]]:
    return [
        {
            "entity": "participant",
            "entity_id": 900_000 + n,  # stored as text
            "payload": {"tên": "Nguyễn Thị Ánh", "tab\there": "a\\b\nc", "n": None, "k": [1, 2]},
            "province_code": 66,
            "commune_code": 24373,
        },
        {
            "entity": "review",
            "entity_id": f"review-{n}",
            "op": "delete",
            "payload": {},
            "user_id": 9,
        },
    ]


def _stored(session: Session, entity_ids: list[str]) -> list[dict[str, Any]]:
    text = cast(LOG.c.payload, String).label("payload_text")
    rows = session.execute(
        select(LOG, text).where(LOG.c.entity_id.in_(entity_ids)).order_by(LOG.c.seq)
    )
    return [dict(r) for r in rows.mappings()]


def test_bulk_and_orm_appends_store_the_same_rows(engine):
    with Session(engine) as session:
        record_changes(session, [ChangeLog(**c) for c in _changes(1)])
        session.commit()
        append_changes(session, _changes(2))
        session.commit()
        orm = _stored(session, ["900001", "review-1"])
        bulk = _stored(session, ["900002", "review-2"])
    assert [r["seq"] for r in bulk] == [orm[-1]["seq"] + 1, orm[-1]["seq"] + 2]  # in order
    ignored = {"seq": 0, "entity_id": "", "created_at": None}
    assert [{**b, **ignored} for b in bulk] == [{**o, **ignored} for o in orm]
    assert all(b["created_at"].utcoffset() is not None for b in bulk)
    assert bulk[1]["op"] == "delete" and bulk[1]["user_id"] == 9
    assert bulk[0]["payload"]["tên"] == "Nguyễn Thị Ánh"


def test_a_column_the_log_does_not_have_is_refused(engine):
    with Session(engine) as session, pytest.raises(ValueError, match="scope"):
        append_changes(session, [{**_changes(3)[0], "scope": 3}])
