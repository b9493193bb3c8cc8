"""Benchmark — the participants register import, in bulk, on SQLite and PostgreSQL.

Generates a register file of ``--rows`` people (default 1,000,000; households of four,
both schemes) for one commune and loads it through ``import_register`` (the code behind
the API upload and ``enroll-server import-register``) into a fresh database: check and
stage the rows, then write the register and the change log. With ``--again`` the same
file is imported a second time (every row an update). Prints time and rows/s per phase.

    nice -n 10 .venv/bin/python -m benchmarks.bench_register_import --rows 200000 --db sqlite
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from sqlmodel import Session

from benchmarks.common import (
    admin_principal,
    bench_settings,
    count,
    database,
    machine_facts,
    seed_world,
    write_results,
)
from server.participants.importer import import_register

HEADER = "citizen_id,si_code,full_name,date_of_birth,household_code,scheme,coverage_end\n"
_NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Y Niê Kdăm", "H'Hen Niê"]


def register_csv(rows: int) -> bytes:
    """``rows`` register lines: distinct people, a household per four, one in five VSI."""
    lines = [HEADER]
    for i in range(rows):
        scheme = "voluntary_si" if i % 5 == 4 else "household_hi"
        household = "" if scheme == "voluntary_si" else f"HH-{i // 4:07d}"
        si = f"66{i:08d}" if i % 3 == 0 else ""
        lines.append(
            f"066{i:09d},{si},{_NAMES[i % len(_NAMES)]} {i},"
            f"{1950 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d},{household},{scheme},"
            f"{2026 + i % 2}-12-31\n"
        )
    return "".join(lines).encode("utf-8")


def run(kind: str, content: bytes, rows: int, again: bool) -> dict[str, Any]:
    with database(kind, "register") as db:
        engine = db.engine()
        world = seed_world(engine, bench_settings(db.url), agents=1, communes=1, tag="R")
        commune = world.communes[0]
        figures: dict[str, Any] = {}
        for attempt in ("first", "again") if again else ("first",):
            marks: dict[str, float] = {}

            def progress(
                phase: str, done: int, total: int | None, marks: dict[str, float] = marks
            ) -> None:
                if total is not None and done >= total:
                    marks.setdefault(phase, time.perf_counter())

            started = time.perf_counter()
            with Session(engine, expire_on_commit=False) as s:
                report = import_register(
                    s,
                    principal=admin_principal(s, world.admin),
                    commune_code=commune,
                    filename="register.csv",
                    content=content,
                    dry_run=False,
                    max_rows=None,
                    progress=progress,
                )
                assert report.written, report.errors[:3]
                s.commit()
            done = time.perf_counter()
            total = done - started
            check = marks["check"] - started
            write = done - marks["check"]
            figures[attempt] = {
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "seconds": round(total, 2),
                "rows_per_s": round(rows / total),
                "check_and_stage_seconds": round(check, 2),
                "write_and_commit_seconds": round(write, 2),
            }
            print(
                f"{kind:8} {attempt:5} {rows:>9,} rows  {total:7.2f} s  "
                f"{rows / total:>9,.0f} rows/s  (check+stage {check:.2f} s, "
                f"write+commit {write:.2f} s; {report.created} new, {report.updated} updated)"
            )
        stored = count(engine, "participant")
        published = count(engine, "change_log", "entity = 'participant'")
        engine.dispose()
    assert stored == rows, (stored, rows)
    assert published == rows * (2 if again else 1), published
    figures["stored"] = stored
    figures["published"] = published
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", default="both", choices=["sqlite", "postgres", "both"])
    ap.add_argument("--again", action="store_true", help="import the same file a second time")
    ap.add_argument("--out", default="register_import")
    args = ap.parse_args()
    facts = machine_facts()
    t = time.perf_counter()
    content = register_csv(args.rows)
    print(
        f"generated {args.rows:,} rows ({len(content) / 2**20:.0f} MiB) in "
        f"{time.perf_counter() - t:.1f} s"
    )
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = {kind: run(kind, content, args.rows, args.again) for kind in kinds}
    write_results(
        args.out,
        {"benchmark": "register_import", "machine": facts, "rows": args.rows, "results": results},
    )


if __name__ == "__main__":
    main()
