"""Set-based writes of a register import: a staging table, then one statement per step.

The rows go into a temporary table (``COPY`` on PostgreSQL, ``executemany`` on SQLite);
duplicates are found there, and the register and the change log are written from it with
a handful of statements, all in the caller's transaction, so an error leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from enroll_common.sync_wire import EnrollmentStatus
from server.changelog import lock_change_log
from server.dbtypes import UTCDateTime, utcnow
from server.participants.service import ROSTER_ENTITY

# (row number, citizen_id, scheme, si_code, full_name, date_of_birth, household_code,
#  coverage_end, initial_facility_code, national_household_code, support_months_used): one
#  checked line of the file.
StagedRow = tuple[
    int,
    str,
    str,
    str | None,
    str,
    date | None,
    str | None,
    date | None,
    str | None,
    str | None,
    int | None,
]
Progress = Callable[[str, int, int | None], None]

STAGING = "register_import"
_COLUMNS = (
    "row_no, citizen_id, scheme, si_code, full_name, date_of_birth, household_code, coverage_end,"
    " initial_facility_code, national_household_code, support_months_used"
)
_LIVE = (
    EnrollmentStatus.PENDING.value,
    EnrollmentStatus.APPROVED.value,
    EnrollmentStatus.RETURNED.value,
)
CHUNK = 20_000
_WORK_MEM = "256MB"  # for this transaction only (SET LOCAL)


def _is_pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def storable(row: StagedRow) -> StagedRow:
    """An invalid row as the staging table can hold it: PostgreSQL text refuses NUL."""
    n, citizen, scheme, si, name, dob, household, end, facility, national, months = row
    return (
        n,
        citizen.replace("\x00", "\ufffd"),
        scheme.replace("\x00", "\ufffd"),
        si.replace("\x00", "\ufffd") if si else si,
        name.replace("\x00", "\ufffd"),
        dob,
        household.replace("\x00", "\ufffd") if household else household,
        end,
        facility.replace("\x00", "\ufffd") if facility else facility,
        national.replace("\x00", "\ufffd") if national else national,
        months,
    )


def _drop(conn: Connection) -> None:
    # Schema-qualified, so that no permanent table of that name could ever be dropped.
    schema = "pg_temp" if _is_pg(conn) else "temp"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {schema}.{STAGING}")


def create_staging(session: Session) -> None:
    """An empty temporary table for this transaction's rows (dropped by ``drop_staging``)."""
    conn = session.connection()
    _drop(conn)
    suffix = " ON COMMIT DROP" if _is_pg(conn) else ""
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {STAGING} (row_no INTEGER NOT NULL, citizen_id TEXT NOT NULL,"
        " scheme TEXT NOT NULL, si_code TEXT, full_name TEXT NOT NULL, date_of_birth DATE,"
        " household_code TEXT, coverage_end DATE, initial_facility_code TEXT,"
        " national_household_code TEXT, support_months_used INTEGER,"
        f" live_end DATE){suffix}"
    )


def drop_staging(session: Session) -> None:
    _drop(session.connection())


def stage(session: Session, rows: Sequence[StagedRow]) -> None:
    """Append rows to the staging table: one COPY (PostgreSQL) or one executemany (SQLite)."""
    if not rows:
        return
    conn = session.connection()
    if _is_pg(conn):
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY {STAGING} ({_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    conn.exec_driver_sql(
        f"INSERT INTO {STAGING} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                n,
                c,
                s,
                si,
                name,
                dob.isoformat() if dob else None,
                hh,
                end.isoformat() if end else None,
                facility,
                national,
                months,
            )
            for n, c, s, si, name, dob, hh, end, facility, national, months in rows
        ],
    )


def repeated_rows(session: Session) -> list[tuple[int, int]]:
    """(row, the previous row with the same person and scheme) for every repeat, in order."""
    conn = session.connection()
    conn.exec_driver_sql(f"CREATE INDEX ix_{STAGING}_key ON {STAGING} (citizen_id, scheme)")
    if _is_pg(conn):
        # Temporary tables are never analysed by autovacuum; the joins below need the row
        # count, and sorting a province's rows in memory beats spilling them to disk.
        conn.exec_driver_sql(f"ANALYZE {STAGING}")
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{_WORK_MEM}'")
    found = conn.exec_driver_sql(
        "SELECT row_no, prev FROM (SELECT row_no, LAG(row_no) OVER"
        " (PARTITION BY citizen_id, scheme ORDER BY row_no) AS prev"
        f" FROM {STAGING}) t WHERE prev IS NOT NULL ORDER BY row_no"
    ).all()
    return [(int(r), int(p)) for r, p in found]


def apply(
    session: Session, *, commune_code: int, province_code: int, progress: Progress | None = None
) -> tuple[int, int]:
    """Upsert the staged rows into the register and publish them; (created, updated).

    An existing entry keeps its SI code and household when the list leaves them empty, and
    its coverage end also counts the person's live sign-ups, as ``refresh_participant`` does.
    """
    now = utcnow()
    step = progress or (lambda _phase, _done, _total: None)
    live = ", ".join(f"'{s}'" for s in _LIVE)
    session.execute(
        text(
            f"UPDATE {STAGING} SET live_end = l.live_end FROM (SELECT e.citizen_id, e.scheme,"
            f" MAX(e.coverage_end) AS live_end FROM enrollment e JOIN {STAGING} r"
            " ON e.citizen_id = r.citizen_id AND e.scheme = r.scheme"
            f" WHERE e.status IN ({live}) GROUP BY e.citizen_id, e.scheme) l"
            f" WHERE l.citizen_id = {STAGING}.citizen_id AND l.scheme = {STAGING}.scheme"
        )
    )
    coverage = (
        "CASE WHEN r.live_end IS NOT NULL AND r.live_end > r.coverage_end"
        " THEN r.live_end ELSE r.coverage_end END"
    )
    params = {"commune": commune_code, "province": province_code, "now": now}
    typed = [bindparam("now", type_=UTCDateTime())]
    updated = (
        session.connection()
        .execute(
            text(
                "UPDATE participant SET full_name = r.full_name, date_of_birth = r.date_of_birth,"
                " si_code = COALESCE(r.si_code, participant.si_code),"
                " household_code = COALESCE(r.household_code, participant.household_code),"
                " initial_facility_code = COALESCE(r.initial_facility_code,"
                " participant.initial_facility_code),"
                " national_household_code = COALESCE(r.national_household_code,"
                " participant.national_household_code),"
                " support_months_used = COALESCE(r.support_months_used,"
                " participant.support_months_used),"
                " commune_code = :commune, province_code = :province,"
                f" registered_coverage_end = r.coverage_end, coverage_end = {coverage},"
                f" updated_at = :now FROM {STAGING} r"
                " WHERE participant.citizen_id = r.citizen_id AND participant.scheme = r.scheme"
            ).bindparams(*typed),
            params,
        )
        .rowcount
    )
    step("write", 1, 3)
    created = (
        session.connection()
        .execute(
            text(
                "INSERT INTO participant (citizen_id, scheme, si_code, full_name, date_of_birth,"
                " household_code, national_household_code, support_months_used, commune_code,"
                " province_code, registered_coverage_end, coverage_end, source, updated_at,"
                " initial_facility_code)"
                " SELECT r.citizen_id, r.scheme, r.si_code, r.full_name, r.date_of_birth,"
                " r.household_code, r.national_household_code,"
                " COALESCE(r.support_months_used, 0), :commune, :province, r.coverage_end,"
                f" {coverage}, 'import', :now, r.initial_facility_code FROM {STAGING} r"
                " WHERE NOT EXISTS (SELECT 1 FROM participant p"
                " WHERE p.citizen_id = r.citizen_id AND p.scheme = r.scheme) ORDER BY r.row_no"
            ).bindparams(*typed),
            params,
        )
        .rowcount
    )
    step("write", 2, 3)
    _publish(session, now)
    step("write", 3, 3)
    return created, updated


def _publish(session: Session, now: datetime) -> None:
    """Append every imported entry to the change log, in id order, as the roster sees it.

    One ``INSERT … SELECT``: the payload is ``service.roster_payload`` of the row, built by
    the database's JSON function, under the change log's lock like every writer of it.
    """
    conn = session.connection()
    pg = _is_pg(conn)
    lock_change_log(session)
    fields = ", ".join(
        f"'{name}', p.{name}"
        for name in (
            "id",
            "citizen_id",
            "si_code",
            "full_name",
            "date_of_birth",
            "household_code",
            "national_household_code",
            "household_place",
            "support_months_used",
            "scheme",
            "commune_code",
            "coverage_end",
            "initial_facility_code",
            "registered_coverage_end",
        )
    )
    payload = f"json_build_object({fields})" if pg else f"json_object({fields})"
    entity_id = "CAST(p.id AS VARCHAR)" if pg else "CAST(p.id AS TEXT)"
    session.execute(
        text(
            "INSERT INTO change_log (entity, entity_id, op, province_code, commune_code,"
            f" payload, created_at) SELECT :entity, {entity_id}, 'upsert', p.province_code,"
            f" p.commune_code, {payload}, :now FROM participant p JOIN {STAGING} r"
            " ON p.citizen_id = r.citizen_id AND p.scheme = r.scheme ORDER BY p.id"
        ).bindparams(bindparam("now", type_=UTCDateTime())),
        {"entity": ROSTER_ENTITY, "now": now},
    )
