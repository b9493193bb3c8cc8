"""Benchmark 4 — the agent's client (client_sdk.FieldClient) against one server process.

Phases, each timed, with the client process's peak resident memory after each
(``ru_maxrss`` only grows, so each figure is the peak so far):

1. log in and first sync (policy rows, receipt block);
2. record ``--records`` sign-ups offline (default 10,000): validate, price, number, store;
   timed per thousand, against the same number of bare durable SQLite commits (WAL,
   synchronous=FULL) of rows of the same size on the same disk (issue 12, item 9: target
   <= 1.5x the bare cost, and no growth as records accumulate);
3. sync them (push in the SDK's batches, then pull what the pushes published);
4. the server gets a roster of ``--roster`` household members (default 100,000) in the
   agent's commune (register rows through the model, published by the participants
   service; the row-by-row importer is timed on ``--import-sample`` rows elsewhere);
5. sync again: pull the whole roster.

    nice -n 10 .venv/bin/python -m benchmarks.bench_client --records 500 --roster 5000
    nice -n 10 .venv/bin/python -m benchmarks.bench_client --offline-only   # item 9 only
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session

from benchmarks.common import (
    PASSWORD,
    PROVINCE,
    Servers,
    admin_principal,
    bench_settings,
    count,
    database,
    issue_receipts,
    machine_facts,
    seed_world,
    today_vn,
    write_results,
)
from client_sdk.client import FieldClient
from server.participants.importer import import_register
from server.participants.models import Participant
from server.participants.service import publish_participants

OTHER_COMMUNE = 24376  # Xã Ea Knốp: the importer sample goes there, not to the agent


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _record_data(i: int, commune: int) -> dict[str, Any]:
    person = {
        "full_name": f"Nguyễn Thị {i}",
        "date_of_birth": "1985-04-12",
        "sex": "female",
        "citizen_id": f"0771{85 + i // 10**6:02d}{i % 10**6:06d}",
        "commune_code": commune,
        "address": f"Thôn {i % 9 + 1}",
    }
    if i % 2:
        return {
            "scheme": "household_hi",
            "person": person,
            "household": {"code": f"HB-{i // 6:07d}"},  # 3 members each: places computed
            "months": 12,
            "payment_date": today_vn(),
        }
    return {
        "scheme": "voluntary_si",
        "person": person,
        "monthly_income_vnd": 1_500_000,
        "support_groups": ["near_poor"],
        "months": 3,
        "payment_date": today_vn(),
    }


def bare_commits(directory: Path, n: int, row_bytes: int) -> list[float]:
    """Seconds per thousand of ``n`` bare durable commits of one ``row_bytes`` row each."""
    conn = sqlite3.connect(directory / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    payload = "x" * row_bytes
    per_thousand: list[float] = []
    t = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (body) VALUES (?)", (payload,))
        conn.execute("COMMIT")
        if (i + 1) % 1000 == 0:
            now = time.perf_counter()
            per_thousand.append(now - t)
            t = now
    conn.close()
    return per_thousand


def _ms(seconds_per_thousand: list[float]) -> list[float]:
    return [round(s, 3) for s in seconds_per_thousand]  # s per 1000 == ms per record


def _roster_csv(n: int, prefix: str = "088") -> bytes:
    lines = ["citizen_id,si_code,full_name,date_of_birth,household_code,scheme,coverage_end"]
    for i in range(n):
        lines.append(
            f"{prefix}{i:09d},{7000000000 + i},Trần Văn {i},1970-01-{i % 28 + 1:02d},"
            f"HR-{i // 4:07d},household_hi,2027-06-30"
        )
    return ("\n".join(lines) + "\n").encode()


def _seed_roster(engine: Any, commune: int, n: int, chunk: int = 5000) -> None:
    end = date(2027, 6, 30)
    for start in range(0, n, chunk):
        with Session(engine, expire_on_commit=False) as s:
            rows = [
                Participant(
                    citizen_id=f"089{i:09d}",
                    scheme="household_hi",
                    full_name=f"Trần Văn {i}",
                    date_of_birth=date(1970, 1, i % 28 + 1),
                    si_code=str(7000000000 + i),
                    household_code=f"HR-{i // 4:07d}",
                    commune_code=commune,
                    province_code=PROVINCE,
                    registered_coverage_end=end,
                    coverage_end=end,
                    source="import",
                )
                for i in range(start, min(n, start + chunk))
            ]
            s.add_all(rows)
            s.flush()
            publish_participants(s, [r.id for r in rows if r.id is not None])
            s.commit()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--roster", type=int, default=100_000)
    ap.add_argument("--import-sample", type=int, default=500, help="rows through the importer")
    ap.add_argument("--batch", type=int, default=100, help="push batch size (the SDK default)")
    ap.add_argument("--out", default="client")
    ap.add_argument(
        "--offline-only", action="store_true", help="stop after recording (item 9's figures)"
    )
    args = ap.parse_args()
    facts = machine_facts()
    phases: dict[str, dict[str, float]] = {}
    rss0 = peak_rss_mib()

    def phase(name: str, started: float, **extra: Any) -> None:
        seconds = time.perf_counter() - started
        phases[name] = {"seconds": round(seconds, 2), "peak_rss_mib": peak_rss_mib(), **extra}
        print(f"{name:28} {seconds:8.2f} s   peak RSS {phases[name]['peak_rss_mib']} MiB {extra}")

    with database(args.db, "client") as db:
        engine = db.engine()
        settings = bench_settings(db.url)
        world = seed_world(engine, settings, agents=1, communes=1, tag="C")
        agent = world.agents[0]
        commune = world.point_commune[world.agent_point[agent]]
        with Servers(settings, 1) as servers, tempfile.TemporaryDirectory() as tmp:
            fc = FieldClient(servers.urls[0], Path(tmp) / "phone", timeout=600)
            t = time.perf_counter()
            tokens = fc.login(agent, PASSWORD, device_name="bench phone")
            issue_receipts(engine, world.admin, int(tokens["device_id"]), args.records)
            first = fc.sync(batch_size=args.batch)
            assert first.complete, first.stopped_reason
            phase("login_and_first_sync", t)

            t = time.perf_counter()
            per_thousand: list[float] = []
            cpu_per_thousand: list[float] = []
            lap, cpu_lap = t, time.process_time()
            row_bytes = 0
            for i in range(args.records):
                rec = fc.record(_record_data(i, commune))
                if (i + 1) % 1000 == 0:
                    now = time.perf_counter()
                    per_thousand.append(now - lap)
                    cpu_per_thousand.append(time.process_time() - cpu_lap)
                    lap, cpu_lap = now, time.process_time()
                    # The durable bytes of one sign-up: its row and its outbox entry.
                    row_bytes = 2 * len(json.dumps(rec.body, ensure_ascii=False)) + len(
                        json.dumps(rec.quote, ensure_ascii=False)
                    )
            phase("record_offline", t, records=args.records)
            bare = bare_commits(Path(tmp), args.records, row_bytes or 2000)
            record_ms, bare_ms = _ms(per_thousand), _ms(bare)
            mean_record = sum(per_thousand) / max(1, len(per_thousand))
            mean_bare = sum(bare) / max(1, len(bare))
            durability = {
                "row_bytes": row_bytes,
                "record_ms_per_record_by_thousand": record_ms,
                "record_cpu_ms_per_record_by_thousand": _ms(cpu_per_thousand),
                "bare_commit_ms_by_thousand": bare_ms,
                "ratio_to_bare": round(mean_record / mean_bare, 2) if mean_bare else None,
                "growth_last_over_first": round(per_thousand[-1] / per_thousand[0], 2)
                if per_thousand
                else None,
            }
            phases["record_vs_bare_commits"] = durability  # type: ignore[assignment]
            print(f"record ms/record by thousand: {record_ms}")
            print(f"record CPU ms/record by thousand: {_ms(cpu_per_thousand)}")
            print(f"bare durable commit ms by thousand: {bare_ms}")
            ratio, growth = durability["ratio_to_bare"], durability["growth_last_over_first"]
            print(f"ratio {ratio}, growth {growth}")
            if args.offline_only:
                fc.close()
                write_results(
                    args.out + "-offline",
                    {
                        "benchmark": "client-offline",
                        "machine": facts,
                        "records": args.records,
                        **durability,
                    },
                )
                return

            t = time.perf_counter()
            report = fc.sync(batch_size=args.batch)
            assert report.complete, report.stopped_reason
            phase(
                "sync_push",
                t,
                pushed=report.pushed,
                accepted=report.counts.get("accepted", 0),
                pulled=report.pulled,
            )

            # The agency's importer, on a sample in another commune (it is row by row).
            t = time.perf_counter()
            with Session(engine, expire_on_commit=False) as s:
                imported = import_register(
                    s,
                    principal=admin_principal(s, world.admin),
                    commune_code=OTHER_COMMUNE,
                    filename="sample.csv",
                    content=_roster_csv(args.import_sample, prefix="099"),
                    dry_run=False,
                )
                s.commit()
            assert imported.written, imported.errors[:3]
            phase("server_importer_sample", t, rows=args.import_sample)

            # The roster itself: register rows through the model, published to the change
            # log by the participants service, as the importer does at its end.
            t = time.perf_counter()
            _seed_roster(engine, commune, args.roster)
            phase("server_roster_seed", t, rows=args.roster)

            t = time.perf_counter()
            report = fc.sync(batch_size=args.batch)
            assert report.complete, report.stopped_reason
            roster_local = len(fc.participants())
            phase("sync_pull_roster", t, pulled=report.pulled, roster_on_device=roster_local)
            server_exceptions = servers.errors()
            fc.close()
        stored = count(engine, "enrollment")
        engine.dispose()
    result = {
        "benchmark": "client",
        "machine": facts,
        "db": args.db,
        "records": args.records,
        "roster": args.roster,
        "batch": args.batch,
        "baseline_rss_mib": rss0,
        "phases": phases,
        "stored_on_server": stored,
        "every_record_stored": stored == args.records,
        "server_exceptions": server_exceptions,
    }
    write_results(args.out, result)


if __name__ == "__main__":
    main()
