"""Consistent backups of a live database, and restoring one.

SQLite: the online backup API copies a consistent snapshot while the server keeps writing
(WAL readers never block writers); the copy is checked with ``PRAGMA integrity_check``.
PostgreSQL: ``pg_dump`` in custom format (one MVCC snapshot, so every transaction committed
before it started is in the dump) and ``pg_restore`` in a single transaction. The client
tools come from the Debian ``postgresql-client`` package; credentials go through libpq's
environment, never the command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message is for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    seconds: float
    kind: str  # "sqlite" | "postgresql"


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được")
    return Path(database)


def _pg_env(database_url: str) -> dict[str, str]:
    """libpq environment for the tools: host, port, user, password and database."""
    url = make_url(database_url)
    env = dict(os.environ)
    for key, value in {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }.items():
        if value:
            env[key] = str(value)
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"không tìm thấy {name}: cài gói postgresql-client (apt-get install)")
    return found


def backup(database_url: str, dest: Path) -> BackupResult:
    """Write a consistent backup of the database to ``dest`` (replaced atomically)."""
    started = time.monotonic()
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    if database_url.startswith("sqlite"):
        source = _sqlite_path(database_url)
        if not source.exists():
            raise BackupError(f"không có tệp cơ sở dữ liệu {source}")
        partial.unlink(missing_ok=True)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # all pages in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            check = dst.execute("PRAGMA integrity_check").fetchone()
        finally:
            dst.close()
            src.close()
        if check is None or check[0] != "ok":
            raise BackupError(f"bản sao lưu hỏng: {check}")
        kind = "sqlite"
    else:
        proc = subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", "-f", str(partial)],
            env=_pg_env(database_url),
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            partial.unlink(missing_ok=True)
            raise BackupError(f"pg_dump thất bại: {proc.stderr.strip()}")
        kind = "postgresql"
    os.replace(partial, dest)
    return BackupResult(dest, dest.stat().st_size, time.monotonic() - started, kind)


def backup_kind(path: Path) -> str:
    """What a backup file holds, from its first bytes."""
    with path.open("rb") as f:
        head = f.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} không phải bản sao lưu của field-enroll (SQLite hoặc pg_dump)")


def restore(database_url: str, source: Path) -> BackupResult:
    """Replace the database's contents with the backup (stop the server first)."""
    started = time.monotonic()
    if not source.exists():
        raise BackupError(f"không có tệp sao lưu {source}")
    kind = backup_kind(source)
    target_kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    if kind != target_kind:
        raise BackupError(
            f"bản sao lưu là {kind} nhưng cơ sở dữ liệu đích là {target_kind}: không khôi phục"
        )
    if kind == "sqlite":
        target = _sqlite_path(database_url)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            check = src.execute("PRAGMA integrity_check").fetchone()
            if check is None or check[0] != "ok":
                raise BackupError(f"bản sao lưu hỏng: {check}")
            target.parent.mkdir(parents=True, exist_ok=True)
            dst = sqlite3.connect(target, timeout=30)
            try:
                src.backup(dst)  # page by page into the target, through its WAL
                dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                dst.close()
        finally:
            src.close()
    else:
        proc = subprocess.run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                "--exit-on-error",
                "-d",
                make_url(database_url).database or "",
                str(source),
            ],
            env=_pg_env(database_url),
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise BackupError(f"pg_restore thất bại: {proc.stderr.strip()}")
    return BackupResult(source, source.stat().st_size, time.monotonic() - started, kind)
