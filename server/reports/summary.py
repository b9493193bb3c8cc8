"""Keeping ``progress_summary`` in step with ``enrollment``.

A province-year is rebuilt in one INSERT ... SELECT with window functions (both SQLite and
PostgreSQL run it), then reports read only the summary. The rebuild happens when the
enrollment audit log or revision sequence has moved since the last one, but not more often
than ``STALENESS_FACTOR`` times the last rebuild's duration, so a busy province does not
rebuild on every request; ``force=True`` rebuilds at once. A province-year whose rebuild
is slow (over ``SYNC_REBUILD_LIMIT_MS``) is only rebuilt out of band.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
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
# A province-year whose rebuild took longer than this is never rebuilt inside a request: it
# is served as of its last rebuild, and refreshed out of band (enroll-server report --refresh
# from a timer, or refresh=true by an administrator).
SYNC_REBUILD_LIMIT_MS = 2_000


def watermark(session: Session) -> str:
    """Cheap state of the sign-up tables: the newest audit and revision ids (primary keys)."""
    audit_id = session.exec(select(func.max(EnrollmentAudit.id))).one()[0]  # type: ignore[call-overload]
    revision_id = session.exec(select(func.max(EnrollmentRevision.id))).one()[0]  # type: ignore[call-overload]
    return f"a{audit_id or 0}r{revision_id or 0}"


_COLUMNS = [
    "province_code",
    "year",
    "period",
    "commune_code",
    "point_id",
    "agent_id",
    "scheme",
    "kind",
    "status",
    "sign_ups",
    "amount_vnd",
    "participants_all",
    "participants_kind",
    "due_renewal",
]


def _period_label(grain: str, year: int, day_column: Any) -> Any:
    """The period a date falls in, as the canonical label ("2025-09", "2025-Q3", "2025")."""
    month = cast(extract("month", day_column), Integer)
    if grain == "year":
        return literal(str(year))
    if grain == "quarter":
        return literal(f"{year}-Q") + cast((month + 2) // 3, String)
    return literal(f"{year}-") + case(
        (month < 10, literal("0") + cast(month, String)), else_=cast(month, String)
    )


def rebuild(session: Session, *, province_code: int, year: int) -> int:
    """Recompute one province-year of the summary; returns the number of summary rows."""
    e = Enrollment.__table__  # type: ignore[attr-defined]
    table = ProgressSummary.__table__  # type: ignore[attr-defined]
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
    order = (e.c.payment_date, e.c.id)
    for grain in ("month", "quarter", "year"):
        label = _period_label(grain, year, e.c.payment_date)
        ranked = (
            select(
                e.c.commune_code,
                e.c.point_id,
                e.c.agent_id,
                e.c.scheme,
                e.c.kind,
                e.c.status,
                e.c.amount_vnd,
                label.label("period"),
                func.row_number()
                .over(partition_by=(e.c.citizen_id, e.c.scheme, label), order_by=order)
                .label("r_all"),
                func.row_number()
                .over(partition_by=(e.c.citizen_id, e.c.scheme, e.c.kind, label), order_by=order)
                .label("r_kind"),
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
        keys = (r.period, r.commune_code, r.point_id, r.agent_id, r.scheme, r.kind, r.status)
        paid: list[Any] = [
            literal(province_code),
            literal(year),
            *keys,
            func.count(),
            func.sum(r.amount_vnd),
            func.sum(case((r.r_all == 1, 1), else_=0)),
            func.sum(case((r.r_kind == 1, 1), else_=0)),
            literal(0),
        ]
        session.execute(insert(table).from_select(_COLUMNS, select(*paid).group_by(*keys)))
        due_label = _period_label(grain, year, e.c.coverage_end)
        due_keys = (due_label, e.c.commune_code, e.c.point_id, e.c.agent_id, e.c.scheme, e.c.kind)
        due: list[Any] = [
            literal(province_code),
            literal(year),
            *due_keys,
            literal("due"),
            *([literal(0)] * 4),
            func.count(func.distinct(e.c.citizen_id)),
        ]
        session.execute(
            insert(table).from_select(
                _COLUMNS,
                select(*due)
                .where(
                    and_(
                        e.c.province_code == province_code,
                        e.c.status.in_(ACCEPTED),
                        e.c.coverage_end >= start,
                        e.c.coverage_end < end,
                    )
                )
                .group_by(*due_keys),
            )
        )
    if session.get_bind().dialect.name == "postgresql":
        # Fresh statistics, or the planner takes the rebuilt table for empty and scans it.
        session.execute(text("ANALYZE progress_summary"))
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
            stale = (
                state.duration_ms <= SYNC_REBUILD_LIMIT_MS and now - state.refreshed_at >= allowed
            )
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
