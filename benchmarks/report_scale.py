"""Province progress report over millions of sign-ups: load, rebuild the summary, time reports.

Run by hand (not a test):

    .venv/bin/python benchmarks/report_scale.py                 # SQLite and PostgreSQL, 2.5M
    .venv/bin/python benchmarks/report_scale.py --db sqlite --rows 200000
    .venv/bin/python benchmarks/report_scale.py --db postgres --keep       # prints its URL
    .venv/bin/python benchmarks/report_scale.py --reuse URL --levels agent # time again only

Each database is created fresh (a temporary SQLite file; a throw-away PostgreSQL database
next to FIELD_ENROLL_BENCH_POSTGRES_URL's), migrated, given one province with its real
communes, collection points and agents, then loaded in bulk with sign-ups straight into the
``enrollment`` table (SQLite executemany, PostgreSQL COPY). It prints the timings and writes
them to benchmarks/results/report_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

import server.models  # noqa: F401  (registers every table)
from enroll_common.periods import parse_period
from server.auth.models import AgentPoint, Device, Role, User
from server.auth.service import load_principal
from server.config import Settings
from server.db import make_engine
from server.enrollments.models import Enrollment
from server.migrate import upgrade
from server.org.models import CollectionPoint, Commune
from server.reports.schemas import Level
from server.reports.service import progress_report
from server.reports.summary import ensure_fresh
from server.runtime import freeze_startup_heap
from server.targets.models import Target, TargetKind, TargetScope, scope_key

ROOT = Path(__file__).resolve().parents[1]
RESULT_FILE = ROOT / "benchmarks" / "results" / "report_scale.json"
PROVINCE = 66
PG_ADMIN = os.environ.get(
    "FIELD_ENROLL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
COLUMNS = [c.name for c in Enrollment.__table__.columns]  # type: ignore[attr-defined]


def _pg_conninfo(url: str) -> dict[str, Any]:
    u = make_url(url)
    return {
        "host": u.host,
        "port": u.port or 5432,
        "user": u.username,
        "password": u.password,
        "dbname": u.database,
    }


def fresh_database(kind: str) -> tuple[str, Any]:
    """A migrated empty database URL and a function that drops it."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="report-scale-"))
        url = f"sqlite:///{folder / 'bench.db'}"
        upgrade(url)
        return url, lambda: [p.unlink() for p in folder.iterdir()] and folder.rmdir()
    name = f"fe_report_scale_{secrets.token_hex(3)}"
    with psycopg.connect(**_pg_conninfo(PG_ADMIN), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = (
        make_url(PG_ADMIN)
        .set(database=name, drivername="postgresql+psycopg")
        .render_as_string(hide_password=False)
    )
    upgrade(url)

    def drop() -> None:
        with psycopg.connect(**_pg_conninfo(PG_ADMIN), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


def seed_org(
    session: Session, *, points: int, agents_per_point: int
) -> list[tuple[int, int, int, int]]:
    """Points spread over the province's real communes; returns (agent, device, point, commune)."""
    communes = session.exec(select(Commune).where(Commune.province_code == PROVINCE)).all()
    session.add(
        User(
            username="admin",
            full_name="Admin",
            role=Role.ADMIN.value,
            province_code=PROVINCE,
            password_hash="-",
        )
    )
    out: list[tuple[int, int, int, int]] = []
    for p in range(points):
        commune = communes[p % len(communes)]
        point = CollectionPoint(code=f"P{p:04d}", name=f"Điểm thu {p}", commune_code=commune.code)
        session.add(point)
        session.flush()
        assert point.id is not None
        for a in range(agents_per_point):
            agent = User(
                username=f"a{p}.{a}",
                full_name=f"Nhân viên {p}.{a}",
                role=Role.AGENT.value,
                province_code=PROVINCE,
                agent_code=f"NV{p:04d}{a:02d}",
                password_hash="-",
            )
            session.add(agent)
            session.flush()
            assert agent.id is not None
            session.add(AgentPoint(user_id=agent.id, point_id=point.id))
            device = Device(user_id=agent.id, device_key="bench")
            session.add(device)
            session.flush()
            assert device.id is not None
            out.append((agent.id, device.id, point.id, commune.code))
    admin = session.exec(select(User).where(User.username == "admin")).one()
    assert admin.id is not None
    for _, _, point_id, commune_code in out[::agents_per_point]:
        for scheme, value in (("household_hi", 6000), ("voluntary_si", 200)):
            session.add(
                Target(
                    period="2025",
                    period_kind="year",
                    period_start=date(2025, 1, 1),
                    period_end=date(2026, 1, 1),
                    scheme=scheme,
                    kind=TargetKind.ALL.value,
                    metric="participants",
                    scope=TargetScope.POINT.value,
                    scope_key=scope_key(point_id, None),
                    point_id=point_id,
                    commune_code=commune_code,
                    province_code=PROVINCE,
                    value=value,
                    set_by=admin.id,
                )
            )
    session.commit()
    return out


def sign_up_rows(
    n: int, agents: list[tuple[int, int, int, int]], seed: int = 7
) -> Iterator[tuple[Any, ...]]:
    """``n`` sign-ups over 2024-2025: mostly household HI, some renewals by the same people."""
    rng = random.Random(seed)
    at = datetime(2025, 1, 1, tzinfo=UTC)
    statuses = ["approved"] * 8 + ["pending", "rejected"]
    for i in range(n):
        agent_id, device_id, point_id, commune_code = agents[rng.randrange(len(agents))]
        scheme = "voluntary_si" if rng.random() < 0.04 else "household_hi"
        citizen = rng.randrange(int(n * 0.8))
        paid = date(2024, 1, 1) + timedelta(days=rng.randrange(730))
        months = rng.choice((3, 6, 12, 12))
        row = {
            "id": str(uuid.UUID(int=rng.getrandbits(128))),
            "rev": 1,
            "status": rng.choice(statuses),
            "scheme": scheme,
            "kind": "renewal" if rng.random() < 0.6 else "new",
            "kind_claimed": None,
            "national_household_code": None,
            "initial_facility_code": None,
            "citizen_id": f"{citizen:012d}",
            "si_code": None,
            "full_name": "Người tham gia",
            "date_of_birth": date(1970 + i % 40, 1 + i % 12, 1),
            "sex": "female" if i % 2 else "male",
            "phone": None,
            "person_commune_code": commune_code,
            "address": "",
            "household_code": None,
            "household_ordinal_claimed": None,
            "household_ordinal": None,
            "monthly_income_vnd": None,
            "months": months,
            "payment_date": paid,
            "amount_collected_vnd": 1_580_000 // 12 * months,
            "amount_vnd": 1_580_000 // 12 * months,
            "adjustment_vnd": 0,
            "coverage_start": paid,
            "coverage_end": paid + timedelta(days=30 * months),
            "supported_months": 0,
            "receipt_number": 10_000_000 + i,
            "flags": "",
            "captured_at": at,
            "received_at": at,
            "updated_at": at,
            "gps_lat": None,
            "gps_lon": None,
            "agent_id": agent_id,
            "device_id": device_id,
            "point_id": point_id,
            "commune_code": commune_code,
            "province_code": PROVINCE,
            "reviewed_by": None,
            "reviewed_at": None,
            "review_reason": None,
        }
        yield tuple(row[c] for c in COLUMNS)


def bulk_load(kind: str, url: str, rows: Iterator[tuple[Any, ...]], chunk: int = 50_000) -> None:
    names = ", ".join(COLUMNS)
    if kind == "sqlite":
        conn = sqlite3.connect(make_url(url).database or "")
        conn.execute("PRAGMA synchronous=OFF")
        marks = ", ".join("?" for _ in COLUMNS)
        batch: list[tuple[Any, ...]] = []
        sql = f"INSERT INTO enrollment ({names}) VALUES ({marks})"

        def adapt(r: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(
                v.replace(tzinfo=None).isoformat(sep=" ")
                if isinstance(v, datetime)
                else v.isoformat()
                if isinstance(v, date)
                else v
                for v in r
            )

        for r in rows:
            batch.append(adapt(r))
            if len(batch) >= chunk:
                conn.executemany(sql, batch)
                conn.commit()
                batch.clear()
        if batch:
            conn.executemany(sql, batch)
        conn.commit()
        conn.execute("ANALYZE")
        conn.close()
        return
    with psycopg.connect(**_pg_conninfo(url.replace("+psycopg", ""))) as conn:
        with conn.cursor() as cur, cur.copy(f"COPY enrollment ({names}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)
        conn.commit()
        conn.execute("ANALYZE")


def timed(fn: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def run(
    kind: str,
    n_rows: int,
    points: int,
    agents_per_point: int,
    repeats: int,
    *,
    levels: list[Level],
    keep: bool = False,
    reuse: str | None = None,
) -> dict[str, Any]:
    """Load (or, with ``reuse``, take a database an earlier ``keep`` run left) and time."""
    if reuse:
        url, drop = reuse, None
        kind = make_url(reuse).get_backend_name()
        kind = "postgres" if kind == "postgresql" else kind
    else:
        url, drop = fresh_database(kind)
    engine = make_engine(Settings(database_url=url, secret_key="x" * 40))
    out: dict[str, Any] = {"database": kind, "rows": n_rows}
    try:
        if reuse:
            out.update(time_reports(kind, engine, levels=levels, repeats=repeats))
            with Session(engine) as session:
                out["rows"] = session.exec(select(func.count()).select_from(Enrollment)).one()
            return out
        with Session(engine) as session:
            agents = seed_org(session, points=points, agents_per_point=agents_per_point)
        out["points"], out["agents"] = points, len(agents)
        load_s, _ = timed(lambda: bulk_load(kind, url, sign_up_rows(n_rows, agents)))
        out["load_s"] = round(load_s, 2)
        print(f"[{kind}] loaded {n_rows:,} sign-ups in {load_s:.1f} s", flush=True)
        with Session(engine, expire_on_commit=False) as session:
            rebuild_s, state = timed(
                lambda: ensure_fresh(
                    session, province_code=PROVINCE, years=[2024, 2025], force=True
                )
            )
            session.commit()
        out["summary_rebuild_s"] = round(rebuild_s, 2)
        out["summary_rows_2025"] = state.rows
        print(f"[{kind}] summary rebuilt (2024+2025) in {rebuild_s:.1f} s", flush=True)
        out.update(time_reports(kind, engine, levels=levels, repeats=repeats))
    finally:
        engine.dispose()
        if keep or drop is None:
            print(f"[{kind}] kept: --reuse {url}", flush=True)
        else:
            drop()
    return out


def time_reports(kind: str, engine: Any, *, levels: list[Level], repeats: int) -> dict[str, Any]:
    """Best and worst of ``repeats`` of each level and period, as the admin of the province."""
    out: dict[str, Any] = {}
    reports: dict[str, dict[str, float]] = {}
    # As a server process does once started (server.runtime): full collections then skip
    # the modules and schemas, instead of walking them on almost every agent-level report.
    freeze_startup_heap()
    with Session(engine) as session:
        admin = session.exec(select(User).where(User.username == "admin")).one()
        principal = load_principal(session, admin, device_id=None, session_id=None)
        for period in ("2025", "2025-Q3", "2025-09"):
            for level in levels:
                times = []
                for _ in range(repeats):
                    seconds, report = timed(
                        lambda period=period, level=level: progress_report(
                            session,
                            principal=principal,
                            period=parse_period(period),
                            level=level,
                        )
                    )
                    times.append(seconds)
                key = f"{period} {level.value}"
                reports[key] = {
                    "best_ms": round(min(times) * 1000, 1),
                    "worst_ms": round(max(times) * 1000, 1),
                    "rows": len(report.rows),
                }
                # the household-HI total (totals come one per scheme, in registry order)
                total = next((t for t in report.totals if t.scheme == "household_hi"), None)
                print(
                    f"[{kind}] {key:<18} best {min(times) * 1000:7.1f} ms  "
                    f"worst {max(times) * 1000:7.1f} ms  ({len(report.rows)} rows"
                    + (f", HI achieved {total.achieved:,}" if total else "")
                    + ")",
                    flush=True,
                )
    out["reports"] = reports
    if "2025 province" in reports:
        out["province_year_report_best_ms"] = reports["2025 province"]["best_ms"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=2_500_000)
    parser.add_argument("--points", type=int, default=300)
    parser.add_argument("--agents-per-point", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--levels",
        default="province,commune,point,agent",
        help="comma-separated levels to time (default: all four)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the loaded database")
    parser.add_argument(
        "--reuse", metavar="URL", help="time the reports of a database a --keep run left"
    )
    args = parser.parse_args()
    levels = [Level(name) for name in args.levels.split(",")]
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if args.reuse:
        kinds = ["reused"]
    load_at_start = round(os.getloadavg()[0], 2)
    results = {
        "benchmark": "report_scale",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
        "runs": [
            run(
                kind,
                args.rows,
                args.points,
                args.agents_per_point,
                args.repeats,
                levels=levels,
                keep=args.keep,
                reuse=args.reuse,
            )
            for kind in kinds
        ],
    }
    # the machine is shared: the 1-minute load average around the run says how quiet it was
    results["load_average_1min"] = [load_at_start, round(os.getloadavg()[0], 2)]
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {RESULT_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
