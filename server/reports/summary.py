"""Keeping ``progress_summary`` in step with ``enrollment``.

A province-year is rebuilt in one INSERT ... SELECT with window functions (both SQLite and
PostgreSQL run it), then reports read only the summary. The rebuild happens when the
enrollment audit log or revision sequence has moved since the last one, but not more often
than ``STALENESS_FACTOR`` times the last rebuild's duration, so a busy province does not
rebuild on every request; ``force=True`` rebuilds at once.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    case,
    cast,
    delete,
    extract,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlmodel import Session, col

from server.dbtypes import utcnow
from server.enrollments.models import Enrollment, EnrollmentAudit, EnrollmentRevision
from server.reports.models import ProgressRefresh, ProgressSummary

ACCEPTED = ("approved", "pending")
_REBUILD_LOCK = 7_300_002
STALENESS_FACTOR = 20
MAX_STALENESS = timedelta(minutes=5)


def watermark(session: Session) -> str:
    """Cheap state of the sign-up tables: the newest audit and revision ids (primary keys)."""
    audit_id = session.exec(select(func.max(EnrollmentAudit.id))).one()[0]  # type: ignore[call-overload]
    revision_id = session.exec(select(func.max(EnrollmentRevision.id))).one()[0]  # type: ignore[call-overload]
    return f"a{audit_id or 0}r{revision_id or 0}"


def rebuild(session: Session, *, province_code: int, year: int) -> int:
    """Recompute one province-year of the summary; returns the number of summary rows."""
    e = Enrollment.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        # Two processes rebuilding one province-year at once would both insert.
        session.execute(
            text("SELECT pg_advisory_xact_lock(:a, :b)"),
            {"a": _REBUILD_LOCK, "b": province_code * 10_000 + year},
        )
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    session.execute(
        delete(ProgressSummary).where(
            col(ProgressSummary.province_code) == province_code, col(ProgressSummary.year) == year
        )
    )
    month = cast(extract("month", e.c.payment_date), Integer)
    quarter = (month + 2) // 3
    order = (e.c.payment_date, e.c.id)

    def first(*partition: Any) -> Any:
        return func.row_number().over(partition_by=partition, order_by=order)

    ranked = (
        select(
            e.c.commune_code,
            e.c.point_id,
            e.c.agent_id,
            e.c.scheme,
            e.c.kind,
            e.c.status,
            e.c.amount_vnd,
            month.label("month"),
            first(e.c.citizen_id, e.c.scheme, month).label("rm"),
            first(e.c.citizen_id, e.c.scheme, quarter).label("rq"),
            first(e.c.citizen_id, e.c.scheme).label("ry"),
            first(e.c.citizen_id, e.c.scheme, e.c.kind, month).label("rmk"),
            first(e.c.citizen_id, e.c.scheme, e.c.kind, quarter).label("rqk"),
            first(e.c.citizen_id, e.c.scheme, e.c.kind).label("ryk"),
        )
        .where(
            e.c.province_code == province_code,
            e.c.status.in_(ACCEPTED),
            e.c.payment_date >= start,
            e.c.payment_date < end,
        )
        .subquery("ranked")
    )
    r = ranked.c

    def ones(column: Any) -> Any:
        return func.sum(case((column == 1, 1), else_=0))

    keys = (r.month, r.commune_code, r.point_id, r.agent_id, r.scheme, r.kind, r.status)
    paid_columns: list[Any] = [
        literal(province_code),
        literal(year),
        *keys,
        func.count(),
        func.sum(r.amount_vnd),
        *(ones(rank) for rank in (r.rm, r.rq, r.ry, r.rmk, r.rqk, r.ryk)),
        literal(0),
    ]
    paid = select(*paid_columns).group_by(*keys)
    columns = [
        "province_code",
        "year",
        "month",
        "commune_code",
        "point_id",
        "agent_id",
        "scheme",
        "kind",
        "status",
        "sign_ups",
        "amount_vnd",
        "first_m_all",
        "first_q_all",
        "first_y_all",
        "first_m_kind",
        "first_q_kind",
        "first_y_kind",
        "due_renewal",
    ]
    table = ProgressSummary.__table__  # type: ignore[attr-defined]
    session.execute(insert(table).from_select(columns, paid))
    due_month = cast(extract("month", e.c.coverage_end), Integer)
    due_keys = (due_month, e.c.commune_code, e.c.point_id, e.c.agent_id, e.c.scheme, e.c.kind)
    due_columns: list[Any] = [
        literal(province_code),
        literal(year),
        *due_keys,
        literal("due"),
        *([literal(0)] * 8),
        func.count(func.distinct(e.c.citizen_id)),
    ]
    due = (
        select(*due_columns)
        .where(
            and_(
                e.c.province_code == province_code,
                e.c.status.in_(ACCEPTED),
                e.c.coverage_end >= start,
                e.c.coverage_end < end,
            )
        )
        .group_by(*due_keys)
    )
    session.execute(insert(table).from_select(columns, due))
    count: int = session.exec(
        select(func.count()).where(  # type: ignore[call-overload]
            col(ProgressSummary.province_code) == province_code, col(ProgressSummary.year) == year
        )
    ).one()[0]
    return count


def ensure_fresh(
    session: Session, *, province_code: int, years: list[int], force: bool = False
) -> ProgressRefresh:
    """Rebuild the province-years whose data moved (see the module docstring).

    Returns the oldest refresh record, whose ``refreshed_at`` is the report's "as of".
    """
    mark = watermark(session)
    now = utcnow()
    oldest: ProgressRefresh | None = None
    for year in sorted(set(years)):
        state = session.get(ProgressRefresh, (province_code, year))
        stale = state is None or state.watermark != mark
        if state is not None and stale and not force:
            allowed = min(
                MAX_STALENESS, timedelta(milliseconds=state.duration_ms * STALENESS_FACTOR)
            )
            stale = now - state.refreshed_at >= allowed
        if force or stale:
            started = time.perf_counter()
            rows = rebuild(session, province_code=province_code, year=year)
            took = int((time.perf_counter() - started) * 1000)
            if state is None:
                state = ProgressRefresh(province_code=province_code, year=year, watermark=mark)
            state.watermark, state.refreshed_at = mark, utcnow()
            state.duration_ms, state.rows = took, rows
            session.add(state)
            session.flush()
        assert state is not None
        if oldest is None or state.refreshed_at < oldest.refreshed_at:
            oldest = state
    assert oldest is not None
    return oldest
