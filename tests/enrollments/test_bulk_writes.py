"""The push's bulk writes (COPY on PostgreSQL, precompiled executemany on SQLite) store what
SQLAlchemy's own insert stores, and a duplicate key is SQLAlchemy's IntegrityError, which
the batch pipeline reads as a race and judges the batch again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import String, Table, cast, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from server.bulk import insert_rows
from server.enrollments.models import EnrollmentAudit
from server.ingest.batch import is_unique_violation
from server.participants.models import Participant
from tests.factories import EA_KAR

AUDIT: Table = EnrollmentAudit.__table__  # type: ignore[attr-defined]
ICT = timezone(timedelta(hours=7))


def _row(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": 900_000 + i,
        "entity": "enrollment",
        "entity_id": f"bulk-{i}",
        "action": "created",
        "actor_id": None,
        "device_id": None,
        "at": datetime(2026, 11, 30, 15, 4, 5, 123456, tzinfo=ICT),
        "detail": {"rev": 7, "tên": "Nguyễn Thị Ánh", "flags": ["late_upload"], "n": None},
        **extra,
    }


def _stored(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """The rows as read back, with the JSON column's stored text as well (byte identity)."""
    raw = cast(AUDIT.c.detail, String).label("detail_text")
    at = cast(AUDIT.c.at, String).label("at_text")
    rows = session.execute(select(AUDIT, raw, at).where(AUDIT.c.id.in_(ids)).order_by(AUDIT.c.id))
    return [{k: v for k, v in r.items() if k != "id"} for r in rows.mappings()]


def test_bulk_insert_stores_what_sqlalchemy_stores(engine):
    with Session(engine) as session:
        whole_second = datetime(2026, 12, 31, 23, 0, 0, tzinfo=ICT)  # no microseconds, new year
        insert_rows(
            session, AUDIT, [_row(1), _row(2, detail={"tab\there": "a\\b\nc"}, at=whole_second)]
        )
        session.execute(
            insert(AUDIT), [_row(3), _row(4, detail={"tab\there": "a\\b\nc"}, at=whole_second)]
        )
        session.commit()
        bulk, plain = _stored(session, [900_001, 900_002]), _stored(session, [900_003, 900_004])
        for b, p in zip(bulk, plain, strict=True):
            assert {**b, "entity_id": ""} == {**p, "entity_id": ""}
        assert bulk[0]["at"] == datetime(2026, 11, 30, 8, 4, 5, 123456, tzinfo=UTC)
        assert bulk[1]["detail"] == {"tab\there": "a\\b\nc"}


def test_a_duplicate_key_is_an_integrity_error_read_as_a_race(engine):
    with Session(engine) as session:
        insert_rows(session, AUDIT, [_row(10)])
        session.commit()
        with pytest.raises(IntegrityError) as caught:
            insert_rows(session, AUDIT, [_row(11), _row(10)])
        assert is_unique_violation(caught.value)
        session.rollback()
        assert len(_stored(session, [900_010, 900_011])) == 1


def test_bulk_insert_stores_dates_as_sqlalchemy_does(engine):
    """Date columns (the register's) go through the same text as SQLAlchemy's processor."""
    people: Table = Participant.__table__  # type: ignore[attr-defined]

    def person(citizen_id: str, born: date) -> dict[str, Any]:
        return {
            "citizen_id": citizen_id,
            "scheme": "household_hi",
            "full_name": "Nguyễn Thị Ánh",
            "date_of_birth": born,
            "commune_code": EA_KAR,
            "province_code": 66,
            "registered_coverage_end": None,
            "coverage_end": date(2027, 1, 9),
            "source": "enrollment",
            "support_months_used": 0,
            "updated_at": datetime(2026, 11, 30, 15, 4, 5, tzinfo=ICT),
        }

    with Session(engine) as session:
        insert_rows(session, people, [person("066190000901", date(999, 1, 2))])
        session.execute(insert(people), [person("066190000902", date(999, 1, 2))])
        session.commit()
        texts = [
            cast(people.c.date_of_birth, String),
            cast(people.c.coverage_end, String),
            people.c.registered_coverage_end,
        ]
        stored = session.execute(
            select(*texts)
            .where(people.c.citizen_id.in_(["066190000901", "066190000902"]))
            .order_by(people.c.citizen_id)
        ).all()
    assert stored[0] == stored[1]
    assert stored[0][1] == "2027-01-09"
