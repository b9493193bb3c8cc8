"""Benchmark 1 — push ingest through the real HTTP endpoint.

For each database (SQLite, PostgreSQL), size, batch size and number of server processes:
a fresh database, ``--clients`` agents on their own devices pushing their share of the
sign-ups at the same time (round-robin over the processes), then

* records per second, end to end (first request sent to last answer received);
* the ratio to a raw bulk insert of exactly the rows the push wrote, into the same
  database, timed in the same run (``raw_reinsert_seconds``): our physical limit, as a
  SQLAlchemy executemany and, on PostgreSQL, as ``COPY`` (push ÷ COPY);
* the ratio to the naive design, one HTTP request per sign-up, measured on
  ``--naive-records`` sign-ups in the same database;
* the set check: every record stored once.

Batches above the protocol maximum (500) are sent once to show they are refused whole (413).

Before the clock starts, every agent pushes ``--warmup`` records of its own (10 by default,
one request each agent): a server that has run for a day has compiled its statements and
built its schemas, a process started for the benchmark has not, and with one batch per agent
the timed round was otherwise mostly first requests. The warm-up records are stored and
checked like the others and their rows are part of the raw insert (which is per record);
``--warmup 0`` measures cold processes as before 2026-11-30.

``--households disjoint`` (the default) gives every agent households of its own, so two
processes ÷ one measures the server, not lock waits; ``shared`` makes every agent's household
records fall in the same households on purpose (each batch waits for the household locks
another batch holds on PostgreSQL): the contention case.

    nice -n 10 .venv/bin/python -m benchmarks.bench_push --sizes 2000 --batches 100 500 1000
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
from typing import Any

import httpx

from benchmarks.common import (
    PUSH_TABLES,
    Servers,
    bearer,
    bench_settings,
    count,
    database,
    issue_receipts,
    login,
    machine_facts,
    make_record,
    max_change_seq,
    raw_reinsert_seconds,
    rows_per_table,
    seed_world,
    write_results,
)
from enroll_common.sync_wire import MAX_PUSH_RECORDS

RETRIES = 5
OK = ("accepted", "duplicate")


def _push_all(
    urls: list[str],
    agents: list[dict[str, Any]],
    per_agent: list[list[dict[str, Any]]],
    batch: int,
) -> tuple[float, list[str]]:
    """Every agent pushes its records in ``batch``-sized requests; returns (seconds, errors).

    The bodies are encoded before the clock starts and the answers checked after it stops:
    a device does both on its own CPU, and here the generator shares the server's two cores
    (a 500-record body is about 0.3 MB of JSON each way)."""
    errors: list[str] = []
    start = threading.Barrier(len(agents) + 1)
    bodies = [
        [
            (len(chunk), json.dumps({"records": chunk}).encode())
            for chunk in (records[off : off + batch] for off in range(0, len(records), batch))
        ]
        for records in per_agent
    ]
    answers: list[list[tuple[int, bytes]]] = [[] for _ in agents]

    def work(i: int) -> None:
        url = urls[i % len(urls)]
        headers = {**bearer(agents[i]), "Content-Type": "application/json"}
        with httpx.Client(base_url=url, headers=headers, timeout=300) as client:
            start.wait()
            for sent, body in bodies[i]:
                # Like the client SDK: a failed push is sent again as it was (answers are
                # idempotent); every failure is counted.
                for attempt in range(RETRIES):
                    try:
                        r = client.post("/api/v1/sync/push", content=body)
                    except httpx.TransportError as exc:
                        errors.append(f"{type(exc).__name__}: {exc}")
                        time.sleep(0.2 * 2**attempt)
                        continue
                    if r.status_code != 200:
                        errors.append(f"{r.status_code} {r.text[:200]}")
                        time.sleep(0.2 * 2**attempt)
                        continue
                    answers[i].append((sent, r.content))
                    break

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(agents))]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    for sent, content in (a for per in answers for a in per):
        answer = json.loads(content)
        if answer["accepted"] + answer["duplicate"] != sent:
            bad = [x for x in answer["results"] if x["status"] not in OK][:1]
            errors.append(f"not all stored: {bad}")
    return seconds, errors


def _household(households: str, agent: int, k: int) -> str:
    """Households of four HI records (every other record is HI): per agent, or shared."""
    if households == "shared":
        return f"HS-{k // 8:06d}"
    return f"HD{agent:03d}-{k // 8:06d}"


def run_one(
    kind: str,
    size: int,
    batch: int,
    procs: int,
    clients: int,
    naive: int,
    households: str = "disjoint",
    warmup: int = 0,
) -> dict:
    tag = f"p{size}b{batch}s{procs}{households[0]}"
    with database(kind, tag) as db:
        engine = db.engine()
        settings = bench_settings(db.url)
        world = seed_world(engine, settings, agents=clients, tag="P")
        with Servers(settings, procs) as servers:
            agents = [login(servers.urls[0], name, device=f"bench-{name}") for name in world.agents]
            share = -(-size // clients)
            per_agent: list[list[dict[str, Any]]] = []
            warm: list[list[dict[str, Any]]] = []
            serial = itertools.count()
            for a, (name, tokens) in enumerate(zip(world.agents, agents, strict=True)):
                first, _ = issue_receipts(
                    engine, world.admin, int(tokens["device_id"]), share + warmup
                )
                point = world.agent_point[name]
                commune = world.point_commune[point]
                warm.append(
                    [
                        make_record(
                            next(serial),
                            point_id=point,
                            commune_code=commune,
                            receipt=first + share + k,
                            household="W" + _household(households, a, k),
                        )
                        for k in range(warmup)
                    ]
                )
                n = min(share, size - len(per_agent) * share)
                per_agent.append(
                    [
                        make_record(
                            next(serial),
                            point_id=point,
                            commune_code=commune,
                            receipt=first + k,
                            household=_household(households, a, k),
                        )
                        for k in range(n)
                    ]
                )
            seq_before = max_change_seq(engine)
            warmed = sum(len(w) for w in warm)
            warm_errors: list[str] = []
            if warmed and batch <= MAX_PUSH_RECORDS:
                _, warm_errors = _push_all(servers.urls, agents, warm, MAX_PUSH_RECORDS)
            else:
                warmed = 0
            if batch > MAX_PUSH_RECORDS:
                name = world.agents[0]
                point = world.agent_point[name]
                first, _ = issue_receipts(engine, world.admin, int(agents[0]["device_id"]), batch)
                over = [
                    make_record(
                        next(serial),
                        point_id=point,
                        commune_code=world.point_commune[point],
                        receipt=first + k,
                        run=2,
                    )
                    for k in range(batch)
                ]
                r = httpx.post(
                    f"{servers.urls[0]}/api/v1/sync/push",
                    json={"records": over},
                    headers=bearer(agents[0]),
                    timeout=120,
                )
                stored = count(engine, "enrollment")
                result = {
                    "db": kind,
                    "records": size,
                    "batch": batch,
                    "processes": procs,
                    "refused": r.status_code,
                    "stored_after_refusal": stored,
                    "note": f"the protocol refuses more than {MAX_PUSH_RECORDS} records per push",
                }
                print(result)
                engine.dispose()
                return result
            seconds, errors = _push_all(servers.urls, agents, per_agent, batch)
            stored = count(engine, "enrollment")
            distinct = count(engine, "(SELECT DISTINCT id FROM enrollment) AS d")
            revisions = count(engine, "enrollment_revision")
            written = rows_per_table(engine)
            written["change_log"] = count(engine, "change_log", f"seq > {seq_before}")
            # The physical limit: the same rows, bulk-inserted into the same database. The
            # servers are idle, so nothing else writes meanwhile.
            raw_seconds, raw_rows = raw_reinsert_seconds(engine, seq_before)
            assert count(engine, "enrollment") == stored
            copy_seconds = None
            if kind == "postgres":
                copy_seconds, _ = raw_reinsert_seconds(engine, seq_before, method="copy")
                assert count(engine, "enrollment") == stored

            # The naive design: one request per sign-up, same agents, same database.
            naive_n = min(naive, size)
            naive_recs: list[list[dict[str, Any]]] = []
            for a, (name, tokens) in enumerate(zip(world.agents, agents, strict=True)):
                first, _ = issue_receipts(
                    engine, world.admin, int(tokens["device_id"]), naive_n // clients + 1
                )
                point = world.agent_point[name]
                naive_recs.append(
                    [
                        make_record(
                            next(serial),
                            point_id=point,
                            commune_code=world.point_commune[point],
                            receipt=first + k,
                            run=1,
                            household="N" + _household(households, a, k),
                        )
                        for k in range(naive_n // clients)
                    ]
                )
            naive_seconds, naive_errors = _push_all(servers.urls, agents, naive_recs, 1)
            naive_total = sum(len(x) for x in naive_recs)
            server_errors = servers.errors()
        engine.dispose()
    rps = (stored - warmed) / seconds  # what the timed round stored, not what was sent
    raw_rps = stored / raw_seconds  # the raw insert holds the warm-up's rows too
    copy_rps = stored / copy_seconds if copy_seconds else None
    naive_rps = naive_total / naive_seconds
    result = {
        "db": kind,
        "records": size,
        "batch": batch,
        "processes": procs,
        "clients": clients,
        "households": households,
        "warmup_records": warmed,
        "seconds": round(seconds, 3),
        "records_per_s": round(rps, 1),
        "raw_insert_seconds": round(raw_seconds, 3),
        "raw_rows": raw_rows,
        "raw_records_per_s": round(raw_rps, 1),
        "push_vs_raw": round(rps / raw_rps, 4),
        "copy_records_per_s": round(copy_rps, 1) if copy_rps else None,
        "push_vs_copy": round(rps / copy_rps, 4) if copy_rps else None,
        "rows_written_per_record": round(sum(written.values()) / (size + warmed), 2),
        "naive_records": naive_total,
        "naive_records_per_s": round(naive_rps, 1),
        "batched_vs_naive": round(rps / naive_rps, 2),
        "failed_attempts": len(errors) + len(naive_errors) + len(warm_errors),
        "first_errors": sorted(set(errors + naive_errors + warm_errors))[:5],
        "server_exceptions": server_errors,
        "stored": stored,
        "distinct_ids": distinct,
        "revisions": revisions,
        "every_record_once": stored == distinct == revisions == size + warmed,
    }
    copied = f" copy {copy_rps:9.1f} rec/s (x{rps / copy_rps:.3f})" if copy_rps else ""
    print(
        f"{kind:8} n={size:<7} batch={batch:<4} procs={procs} households={households} "
        f"{rps:8.1f} rec/s raw {raw_rps:9.1f} rec/s (x{rps / raw_rps:.3f}){copied} "
        f"naive {naive_rps:6.1f} rec/s "
        f"(batched x{rps / naive_rps:.1f}) once={result['every_record_once']} "
        f"failed attempts={result['failed_attempts']}"
    )
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dbs", nargs="+", default=["sqlite", "postgres"])
    ap.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    ap.add_argument("--batches", nargs="+", type=int, default=[100, 500, 1000])
    ap.add_argument("--processes", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--clients", type=int, default=4, help="agents pushing at once")
    ap.add_argument("--naive-records", type=int, default=1000)
    ap.add_argument(
        "--households",
        nargs="+",
        choices=["disjoint", "shared"],
        default=["disjoint"],
        help="households per agent, or shared by every agent on purpose (contention)",
    )
    ap.add_argument(
        "--warmup", type=int, default=10, help="records per agent pushed before the clock"
    )
    ap.add_argument("--out", default="push")
    args = ap.parse_args()
    facts = machine_facts()
    runs = []
    for kind, size, batch, households, procs in itertools.product(
        args.dbs, args.sizes, args.batches, args.households, args.processes
    ):
        if batch > MAX_PUSH_RECORDS and (procs > 1 or households != "disjoint"):
            continue  # one refusal per database and size is enough
        runs.append(
            run_one(
                kind, size, batch, procs, args.clients, args.naive_records, households, args.warmup
            )
        )
    write_results(
        args.out, {"benchmark": "push", "machine": facts, "tables": PUSH_TABLES, "runs": runs}
    )


if __name__ == "__main__":
    main()
