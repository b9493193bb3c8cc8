"""A PostgreSQL primary and its streaming replica, built on loopback in a temp dir with
PostgreSQL's own tools (initdb, pg_ctl, pg_basebackup -R), run as the postgres OS user.

The shared server at 127.0.0.1:5432 does not accept replication connections, and changing
its configuration from a test is not safe, so both clusters are the test's own.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from server.launcher import free_port as _free_port


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@dataclass
class Clusters:
    primary_port: int
    replica_port: int

    def url(self, port: int, database: str = "fe") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"

    def conn(self, port: int, database: str = "fe") -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname=database, autocommit=True
        )

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written."""
        with self.conn(self.primary_port, "postgres") as p:
            target = p.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
        deadline = time.monotonic() + timeout
        with self.conn(self.replica_port, "postgres") as r:
            while True:
                done = r.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)
                ).fetchone()[0]  # type: ignore[index]
                if done:
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError("the replica did not catch up")
                time.sleep(0.05)


def _runner() -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"]
    return []


@pytest.fixture(scope="module")
def clusters() -> Iterator[Clusters]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        reason = "PostgreSQL server binaries (/usr/lib/postgresql/*/bin) not installed"
        if os.environ.get("FIELD_ENROLL_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="fe-replica-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    run = _runner()
    primary, replica = root / "primary", root / "replica"
    ports = Clusters(_free_port(), _free_port())

    def sh(*cmd: str) -> None:
        subprocess.run([*run, *cmd], check=True, capture_output=True, cwd=root)

    def conf(data: Path, port: int) -> None:
        lines = [
            f"port = {port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{root}'",
            "wal_level = replica",
            "max_wal_senders = 4",
            "hot_standby = on",
            "fsync = off",
            "shared_buffers = 16MB",
        ]
        sh(
            "sh",
            "-c",
            f"printf '%s\\n' {' '.join(repr(x) for x in lines)} >> {data}/postgresql.conf",
        )

    started: list[Path] = []
    try:
        sh(str(bin_dir / "initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust",
           "-E", "UTF8", "--locale=C")  # fmt: skip
        conf(primary, ports.primary_port)
        sh(str(bin_dir / "pg_ctl"), "-D", str(primary), "-l", str(root / "primary.log"), "-w",
           "start")  # fmt: skip
        started.append(primary)
        sh(str(bin_dir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(ports.primary_port),
           "-U", "postgres", "-D", str(replica), "-R", "-X", "stream")  # fmt: skip
        sh("sh", "-c", f"printf 'port = {ports.replica_port}\\n' >> {replica}/postgresql.conf")
        sh(str(bin_dir / "pg_ctl"), "-D", str(replica), "-l", str(root / "replica.log"), "-w",
           "start")  # fmt: skip
        started.append(replica)
        with ports.conn(ports.primary_port, "postgres") as c:
            c.execute("CREATE DATABASE fe")
        ports.wait_replayed()
        yield ports
    finally:
        for data in reversed(started):
            subprocess.run(
                [*run, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
            )
        shutil.rmtree(root, ignore_errors=True)
