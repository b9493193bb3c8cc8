"""Shared helpers for the benchmarks: fresh databases, server processes, seed data, records.

Everything runs on this machine and talks to loopback only. Data is seeded through the
server's own models and services (the same code paths the app uses), never by hand-written
SQL, and every benchmark ends by counting what the database holds.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

import server.models  # noqa: F401  (registers every table on SQLModel.metadata)
from server import launcher
from server.auth.models import AgentPoint, CoordinatorCommune, Device, Role, User
from server.auth.scope import Principal
from server.auth.security import Passwords
from server.config import Settings
from server.db import make_engine
from server.enrollments import receipts
from server.migrate import upgrade
from server.org.models import CollectionPoint, Commune

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PASSWORD = "bench password 2026"
PROVINCE = 66  # Đắk Lắk, as in the demo data
VN = ZoneInfo("Asia/Ho_Chi_Minh")
PG_ADMIN = os.environ.get(
    "FIELD_ENROLL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1}
"""Cheap hashing for seeded users, so logins in set-up cost nothing; bench_login uses the
production defaults."""

PUSH_TABLES = (
    "participant",
    "enrollment",
    "enrollment_revision",
    "enrollment_audit",
    "receipt_use",
    "change_log",
)
"""Every table a push writes to."""


# --- databases ------------------------------------------------------------------------------


@dataclass
class Database:
    kind: str
    url: str
    _cleanup: list[Any] = field(default_factory=list)

    def engine(self) -> Engine:
        return make_engine(Settings(database_url=self.url, secret_key="x" * 40))

    def drop(self) -> None:
        for step in reversed(self._cleanup):
            step()
        self._cleanup.clear()


def _pg_conninfo(url: str) -> dict[str, Any]:
    u = make_url(url)
    return {
        "host": u.host,
        "port": u.port or 5432,
        "user": u.username,
        "password": u.password,
        "dbname": u.database,
    }


def fresh_database(kind: str, tag: str) -> Database:
    """An empty database of ``kind`` ("sqlite" or "postgres"), migrated to head."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix=f"fe-bench-{tag}-"))
        db = Database(kind, f"sqlite:///{folder / 'bench.db'}")
        db._cleanup.append(lambda: shutil.rmtree(folder, ignore_errors=True))
    elif kind == "postgres":
        name = f"fe_bench_{tag}_{os.getpid()}_{secrets.token_hex(2)}"
        admin = _pg_conninfo(PG_ADMIN)
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = (
            make_url(PG_ADMIN)
            .set(database=name, drivername="postgresql+psycopg")
            .render_as_string(hide_password=False)
        )
        db = Database(kind, url)

        def _drop() -> None:
            with psycopg.connect(**admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        db._cleanup.append(_drop)
    else:
        raise ValueError(f"unknown database kind {kind!r}")
    upgrade(db.url)
    return db


@contextmanager
def database(kind: str, tag: str) -> Iterator[Database]:
    db = fresh_database(kind, tag)
    try:
        yield db
    finally:
        db.drop()


def count(engine: Engine, table: str, where: str = "") -> int:
    with engine.connect() as conn:
        sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
        return int(conn.execute(text(sql)).scalar_one())


def max_change_seq(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(max(seq), 0) FROM change_log")).scalar_one())


def raw_reinsert_seconds(
    engine: Engine, since_seq: int, *, method: str = "executemany"
) -> tuple[float, int]:
    """The physical limit: read back every row a push wrote, delete them, and time a plain
    bulk insert of exactly those rows (one transaction) into the same tables: SQLAlchemy
    executemany, or (``method="copy"``, PostgreSQL only) one ``COPY … FROM STDIN`` per table.

    Returns (seconds, rows). Afterwards the database holds the same rows as before.
    """
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name in PUSH_TABLES]
    rows: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as conn:
        for table in tables:
            stmt = select(table)
            if table.name == "change_log":
                stmt = stmt.where(table.c.seq > since_seq)
            rows[table.name] = [dict(r) for r in conn.execute(stmt).mappings()]
        for table in reversed(tables):
            stmt = delete(table)
            if table.name == "change_log":
                stmt = stmt.where(table.c.seq > since_seq)
            conn.execute(stmt)
    started = time.perf_counter()
    with engine.begin() as conn:
        for table in tables:
            if not rows[table.name]:
                continue
            if method == "copy":
                _copy_rows(conn, table, rows[table.name])
            else:
                conn.execute(insert(table), rows[table.name])
    return time.perf_counter() - started, sum(len(v) for v in rows.values())


def _copy_rows(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """COPY of ``rows`` into ``table`` through psycopg (JSON columns dumped as JSON)."""
    from psycopg.types.json import Json
    from sqlalchemy import JSON

    columns = list(rows[0])
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    driver = conn.connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'COPY "{table.name}" ({names}) FROM STDIN'
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([Json(row[c]) if c in json_columns else row[c] for c in columns])


# --- seed data ------------------------------------------------------------------------------


@dataclass
class Seeded:
    admin: str
    coordinators: list[str]
    agents: list[str]
    agent_point: dict[str, int]
    point_commune: dict[int, int]
    communes: list[int]


def bench_settings(url: str, *, fast_hash: bool = True) -> Settings:
    extra: dict[str, Any] = FAST_ARGON2 if fast_hash else {}
    return Settings(database_url=url, secret_key=secrets.token_urlsafe(32), **extra)


def seed_world(
    engine: Engine, settings: Settings, *, agents: int, communes: int = 10, tag: str = "A"
) -> Seeded:
    """An admin, one coordinator per commune, ``agents`` agents with one point each, spread
    over the first ``communes`` communes of the province; all share one password."""
    pw = Passwords(settings).hash(PASSWORD)
    with Session(engine, expire_on_commit=False) as s:
        codes = list(
            s.exec(
                select(Commune.code)  # type: ignore[call-overload]
                .where(Commune.province_code == PROVINCE)
                .order_by(Commune.code)
                .limit(communes)
            ).scalars()
        )
        admin = User(
            username=f"admin.{tag.lower()}",
            full_name="Bench admin",
            role=Role.ADMIN,
            province_code=PROVINCE,
            password_hash=pw,
        )
        s.add(admin)
        coordinators = []
        for code in codes:
            coord = User(
                username=f"coord.{tag.lower()}.{code}",
                full_name=f"Coordinator {code}",
                role=Role.COORDINATOR,
                province_code=PROVINCE,
                password_hash=pw,
            )
            s.add(coord)
            s.flush()
            s.add(CoordinatorCommune(user_id=coord.id, commune_code=code))
            coordinators.append(coord.username)
        agent_point: dict[str, int] = {}
        point_commune: dict[int, int] = {}
        for i in range(agents):
            code = codes[i % len(codes)]
            point = CollectionPoint(code=f"B{tag}-{i:05d}", name=f"Điểm thu {i}", commune_code=code)
            agent = User(
                username=f"agent.{tag.lower()}.{i:05d}",
                full_name=f"Nhân viên {i}",
                role=Role.AGENT,
                province_code=PROVINCE,
                password_hash=pw,
                agent_code=f"NV{tag}{i:05d}",
            )
            s.add_all([point, agent])
            s.flush()
            s.add(AgentPoint(user_id=agent.id, point_id=point.id))
            assert point.id is not None
            agent_point[agent.username] = point.id
            point_commune[point.id] = code
        s.commit()
    return Seeded(
        admin=f"admin.{tag.lower()}",
        coordinators=coordinators,
        agents=list(agent_point),
        agent_point=agent_point,
        point_commune=point_commune,
        communes=codes,
    )


def admin_principal(session: Session, admin: str) -> Principal:
    """The seeded admin as the services see a caller."""
    user = session.exec(select(User).where(User.username == admin)).scalars().one()  # type: ignore[call-overload]
    return Principal(
        user=user,
        role=Role.ADMIN,
        province_code=PROVINCE,
        device_id=None,
        session_id=None,
        commune_codes=frozenset(),
        point_ids=frozenset(),
    )


def issue_receipts(engine: Engine, admin: str, device_id: int, size: int) -> tuple[int, int]:
    """A receipt block of any size for a device, through the server's receipt service (the
    HTTP API caps one block at 1,000 numbers; a benchmark needs bigger ones)."""
    with Session(engine, expire_on_commit=False) as s:
        principal = admin_principal(s, admin)
        device = s.get(Device, device_id)
        assert device is not None
        block = receipts.issue_block(s, principal=principal, device=device, size=size)
        s.commit()
        return block.first_number, block.last_number


# --- servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Servers:
    """``n`` uvicorn processes (one worker each) on one database, on loopback ports."""

    def __init__(self, settings: Settings, n: int, *, nice: int = 0) -> None:
        self.settings = settings
        self.n = n
        self.nice = nice
        self.procs: list[subprocess.Popen[bytes]] = []
        self.urls: list[str] = []
        self.log_dir = Path(tempfile.mkdtemp(prefix="fe-bench-logs-"))
        self._logs: list[Any] = []

    def __enter__(self) -> Servers:
        # The shipped launcher (``enroll-server serve``), one process each, as an operator
        # would run them behind a load balancer.
        for i in range(self.n):
            port = free_port()
            log = open(self.log_dir / f"server-{i}.log", "wb")  # noqa: SIM115 - closed in __exit__
            self._logs.append(log)
            self.procs.append(
                launcher.spawn(self.settings, port=port, log=log, cwd=ROOT, nice=self.nice)
            )
            self.urls.append(f"http://127.0.0.1:{port}")
        for proc, url in zip(self.procs, self.urls, strict=True):
            launcher.wait_ready(url, proc, timeout=60)
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for log in self._logs:
            log.close()

    def errors(self, limit: int = 5) -> list[str]:
        """The last line of each exception the servers logged (JSON lines with ``exception``,
        or a plain traceback from before logging was configured)."""
        found: list[str] = []
        for path in sorted(self.log_dir.glob("server-*.log")):
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            for i, line in enumerate(lines):
                if line.startswith("{"):
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    trace = str(entry.get("exception") or "").strip()
                    if trace:
                        found.append(trace.splitlines()[-1][:300])
                elif line.startswith("Traceback"):
                    j = i + 1
                    while j < len(lines) and (lines[j].startswith(" ") or not lines[j]):
                        j += 1
                    if j < len(lines):
                        found.append(lines[j][:300])
        return found[-limit:]


def login(url: str, username: str, device: str) -> dict[str, Any]:
    r = httpx.post(
        f"{url}/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "device_id": device},
        timeout=60,
    )
    r.raise_for_status()
    body: dict[str, Any] = r.json()
    return body


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


# --- records --------------------------------------------------------------------------------


def today_vn() -> str:
    return datetime.now(VN).date().isoformat()


def make_record(
    serial: int,
    *,
    point_id: int,
    commune_code: int,
    receipt: int,
    run: int = 0,
    household: str | None = None,
) -> dict[str, Any]:
    """A valid sign-up: half household HI (households of four), half voluntary SI.

    ``serial`` makes the citizen ID unique within a run; ``run`` keeps runs apart;
    ``household`` (HI records only) replaces the code derived from ``serial``.
    """
    import uuid

    from enroll_common.cccd_provinces import CCCD_PROVINCES

    # A CCCD the identity checks accept: a real province code, the century/sex digit and
    # the birth year matching the person; runs differ by province and birth year.
    province = sorted(CCCD_PROVINCES)[run % len(CCCD_PROVINCES)]
    born = 1940 + (run // len(CCCD_PROVINCES)) % 50
    female = serial % 2 == 0
    citizen = f"{province}{int(female)}{born % 100:02d}{serial % 10**6:06d}"
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "rev": 1,
        "kind": "new",
        "person": {
            "full_name": f"Nguyễn Văn {serial}",
            "date_of_birth": f"{born}-05-17",
            "sex": "female" if female else "male",
            "citizen_id": citizen,
            "phone": "0912345678",
            "commune_code": commune_code,
            "address": f"Thôn {serial % 12 + 1}",
        },
        "payment_date": today_vn(),
        "receipt_number": receipt,
        "captured_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
        "gps": {"lat": 12.81, "lon": 108.45},
        "point_id": point_id,
    }
    if serial % 2:
        body.update(
            scheme="household_hi",
            household={
                "code": household or f"H{run % 1000:03d}-{serial // 8:07d}",
                "ordinal": 1,
            },
            months=12,
            amount_collected_vnd=1_366_200,
        )
    else:
        body.update(
            scheme="voluntary_si",
            monthly_income_vnd=2_000_000,
            months=3,
            amount_collected_vnd=1_320_000,
        )
    return body


# --- figures --------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def quantiles(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max of latencies in ms, rounded to 0.1 ms."""
    return {
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "p99": round(percentile(values, 99), 1),
        "max": round(max(values), 1) if values else float("nan"),
    }


def machine_facts() -> dict[str, Any]:
    mem_kib = 0
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    pg_version = None
    try:
        with psycopg.connect(**_pg_conninfo(PG_ADMIN), connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            pg_version = row[0] if row else None
    except psycopg.Error:
        pass
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "commit": commit,
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": pg_version,
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_results(name: str, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
    return path


def rows_per_table(engine: Engine) -> dict[str, int]:
    return {t: count(engine, t) for t in PUSH_TABLES}


def distinct_ids(engine: Engine) -> int:
    with engine.connect() as conn:
        stmt = select(func.count(func.distinct(text("id")))).select_from(text("enrollment"))
        return int(conn.execute(stmt).scalar_one())
