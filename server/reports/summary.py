"""Keeping ``progress_summary`` in step with ``enrollment``, in the same transaction.

Every writer of sign-ups (push, review) calls ``subtract_people`` before it changes the
sign-ups of some people and ``add_people`` after: each recomputes those people's share of
the summary (window functions over their sign-ups only, one statement) and adds it, with a
minus sign before, to the summary rows with one grouped upsert. A person's share is exact
on its own because every count in the summary is a sum over people (see ``ProgressSummary``),
so reports read current figures without any rebuild. ``rebuild`` recomputes a whole
province-year from scratch: the repair (``enroll-server report --refresh``), and the first
report of a province-year that was never built (a database migrated from before 0007).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    ColumnElement,
    Integer,
    String,
    Table,
    TextClause,
    and_,
    bindparam,
    case,
    cast,
    delete,
    extract,
    func,
    literal,
    literal_column,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from server.dbtypes import utcnow
from server.enrollments.models import Enrollment
from server.reports.models import SUMMARY_KEY, ProgressRefresh, ProgressSummary

ACCEPTED = ("approved", "pending")
_REBUILD_LOCK = 7_300_002

KEY = list(SUMMARY_KEY)
"""One summary row per key (unique index since migration 0007)."""
COUNTS = ["sign_ups", "amount_vnd", "participants_all", "participants_kind", "due_renewal"]
_COLUMNS = KEY + COUNTS
GRAINS = ("month", "quarter", "year")


def _table() -> Table:
    table: Table = ProgressSummary.__table__  # type: ignore[attr-defined]
    return table


def _period_label(grain: str, day_column: Any) -> Any:
    """The period a date falls in, as the canonical label ("2025-09", "2025-Q3", "2025")."""
    year = cast(cast(extract("year", day_column), Integer), String)
    month = cast(extract("month", day_column), Integer)
    if grain == "year":
        return year
    if grain == "quarter":
        return year + literal("-Q") + cast((month + 2) // 3, String)
    return (
        year
        + literal("-")
        + case((month < 10, literal("0") + cast(month, String)), else_=cast(month, String))
    )


def _shares(paid_where: ColumnElement[bool], due_where: ColumnElement[bool], sign: int) -> Any:
    """Summary rows (all grains, paid and due) of the sign-ups the filters admit, times sign.

    Row numbers partition by person, scheme and period (and province), so the rows of a
    subset of people are exactly those people's share of the full summary.
    """
    e = Enrollment.__table__  # type: ignore[attr-defined]
    order = (e.c.payment_date, e.c.id)
    parts = []
    for grain in GRAINS:
        label = _period_label(grain, e.c.payment_date)
        person = (e.c.province_code, e.c.citizen_id, e.c.scheme, label)
        ranked = (
            select(
                e.c.province_code,
                cast(extract("year", e.c.payment_date), Integer).label("year"),
                label.label("period"),
                e.c.commune_code,
                e.c.point_id,
                e.c.agent_id,
                e.c.scheme,
                e.c.kind,
                e.c.status,
                e.c.amount_vnd,
                func.row_number().over(partition_by=person, order_by=order).label("r_all"),
                func.row_number()
                .over(partition_by=(*person, e.c.kind), order_by=order)
                .label("r_kind"),
            )
            .where(e.c.status.in_(ACCEPTED), paid_where)
            .subquery(f"ranked_{grain}")
        )
        r = ranked.c
        keys = [r.province_code, r.year, r.period, r.commune_code, r.point_id, r.agent_id]
        keys += [r.scheme, r.kind, r.status]
        parts.append(
            select(
                *keys,
                func.count() * sign,
                func.sum(r.amount_vnd) * sign,
                func.sum(case((r.r_all == 1, 1), else_=0)) * sign,
                func.sum(case((r.r_kind == 1, 1), else_=0)) * sign,
                literal(0),
            ).group_by(*keys)
        )
        due_label = _period_label(grain, e.c.coverage_end)
        due_keys = (
            e.c.province_code,
            cast(extract("year", e.c.coverage_end), Integer),
            due_label,
            e.c.commune_code,
            e.c.point_id,
            e.c.agent_id,
            e.c.scheme,
            e.c.kind,
        )
        parts.append(
            select(
                *due_keys,
                literal("due"),
                *([literal(0)] * 4),
                func.count(func.distinct(e.c.citizen_id)) * sign,
            )
            .where(e.c.status.in_(ACCEPTED), due_where)
            .group_by(*due_keys)
        )
    shares = union_all(*parts).subquery("shares")
    # SQLite wants a WHERE on an INSERT ... SELECT that has an upsert clause; the order
    # makes concurrent writers lock summary rows in one order.
    return select(*shares.c).where(true()).order_by(*[shares.c[i] for i in range(len(KEY))])


def _upsert_of(session: Session, shares: Any) -> Any:
    """The grouped upsert adding ``shares`` to the summary rows of their keys."""
    table = _table()
    make = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = make(table).from_select(_COLUMNS, shares)
    return stmt.on_conflict_do_update(
        index_elements=KEY,
        set_={c: table.c[c] + stmt.excluded[c] for c in COUNTS},
    )


_PEOPLE = "people"
_UPSERTS: dict[tuple[str, int], TextClause] = {}


def _share_upsert(session: Session, sign: int) -> TextClause:
    """The grouped upsert of some people's share (times ``sign``), compiled once per dialect.

    The dialects' ``INSERT … ON CONFLICT`` has no SQLAlchemy cache key, so built per call it
    was compiled per call: about 20 ms each, twice per push and per review. Rendered once to
    SQL text with the people as the one bound parameter (``= ANY(:people)`` array on
    PostgreSQL, an expanding ``IN`` on SQLite), it is a cacheable ``text`` construct.
    """
    dialect = session.get_bind().dialect
    key = (dialect.name, sign)
    found = _UPSERTS.get(key)
    if found is not None:
        return found
    e = Enrollment.__table__  # type: ignore[attr-defined]
    column = f"{e.name}.{e.c.citizen_id.name}"
    postgres = dialect.name == "postgresql"
    test = f"{column} = ANY(:{_PEOPLE})" if postgres else f"{column} IN :{_PEOPLE}"
    people: ColumnElement[bool] = literal_column(test, Boolean)
    stmt = _upsert_of(session, _shares(people, people, sign))
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    param = (
        bindparam(_PEOPLE, type_=ARRAY(String)) if postgres else bindparam(_PEOPLE, expanding=True)
    )
    found = _UPSERTS[key] = text(sql).bindparams(param)
    return found


def _apply_share(session: Session, citizen_ids: Sequence[str], sign: int) -> None:
    session.execute(_share_upsert(session, sign), {_PEOPLE: sorted(set(citizen_ids))})


def subtract_people(session: Session, citizen_ids: Sequence[str]) -> None:
    """Take these people's share out of the summary, before their sign-ups change."""
    if citizen_ids:
        _apply_share(session, citizen_ids, -1)


def add_people(session: Session, citizen_ids: Sequence[str]) -> None:
    """Put these people's share back, after their sign-ups changed; drop emptied rows."""
    if not citizen_ids:
        return
    _apply_share(session, citizen_ids, 1)
    drop_emptied(session)


def drop_emptied(session: Session) -> None:
    """Delete the summary rows a change emptied (a partial index holds just these, so this
    reads only them)."""
    session.execute(
        delete(ProgressSummary).where(
            col(ProgressSummary.sign_ups) == 0, col(ProgressSummary.due_renewal) == 0
        )
    )


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
    province = e.c.province_code == province_code
    session.execute(
        _upsert_of(
            session,
            _shares(
                and_(province, e.c.payment_date >= start, e.c.payment_date < end),
                and_(province, e.c.coverage_end >= start, e.c.coverage_end < end),
                1,
            ),
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
    """Build the province-years never built (or all of them with ``force``).

    The summary is maintained with every write, so a built province-year is current: the
    returned record's ``refreshed_at`` (the report's "as of") is now.
    """
    for year in sorted(set(years)):
        state = session.get(ProgressRefresh, (province_code, year))
        if state is None or force:
            started = time.perf_counter()
            rows = rebuild(session, province_code=province_code, year=year)
            took = int((time.perf_counter() - started) * 1000)
            if state is None:
                state = ProgressRefresh(province_code=province_code, year=year, watermark="")
            state.watermark = "maintained"
            state.refreshed_at, state.duration_ms, state.rows = utcnow(), took, rows
            session.add(state)
            session.flush()
    return ProgressRefresh(
        province_code=province_code,
        year=min(years),
        watermark="maintained",
        refreshed_at=utcnow(),
    )
