"""Benchmark 2 — a burst: many agents syncing at about the same moment.

``--agents`` agents (default 1,000), each on its own device with its own receipt block, each
syncing ``--records`` sign-ups (default 50) in one push and then pulling until done, all
released at once against ``--processes`` server processes (default 2) on PostgreSQL. The
load generator is one asyncio loop with httpx on loopback, bounded: at most
``--concurrency`` requests in flight and ``--max-seconds`` in all. A push that fails is
retried (as the client SDK does) up to three times; every failure is counted. A push or a
pull answered 429 (the process's sync budget is full) is sent again after its Retry-After;
one answered 401 (an access token outlived by a long run) refreshes the token as the SDK
does and is sent again.

Beside the generator, a probe process (``benchmarks.probe``) sends an empty push to each
server every ``--probe-interval`` seconds and times the answers: the generator's own loop
is saturated, so its latencies are not the server's. At the end the servers' own
``field_enroll_shed_answer_seconds`` histograms are read from ``/metrics``.

Figures: push and pull latency p50/p95/p99, errors, wall time, the probe's 429 and 200
latencies, the servers' in-app 429 time, and the set check: every record the agents sent is
stored exactly once.

    nice -n 10 .venv/bin/python -m benchmarks.bench_burst --agents 100 --records 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import text

from benchmarks.common import (
    PASSWORD,
    Servers,
    bench_settings,
    count,
    database,
    issue_receipts,
    machine_facts,
    make_record,
    quantiles,
    seed_world,
    write_results,
)
from benchmarks.probe import Probe, cpu_delta, cpu_times, server_shed_histogram, summarize

RETRIES = 3
SHED_RETRIES = 60
"""A push turned away with 429 is sent again after its Retry-After; other failures 3 times."""


async def _login_all(urls: list[str], names: list[str], concurrency: int) -> list[dict]:
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=120) as client:

        async def one(i: int, name: str) -> dict:
            async with sem:
                r = await client.post(
                    f"{urls[i % len(urls)]}/api/v1/auth/login",
                    json={"username": name, "password": PASSWORD, "device_id": f"burst-{name}"},
                )
                r.raise_for_status()
                body: dict = r.json()
                return body

        return list(await asyncio.gather(*(one(i, n) for i, n in enumerate(names))))


async def _burst(
    urls: list[str],
    tokens: list[dict],
    batches: list[list[dict[str, Any]]],
    concurrency: int,
    max_seconds: float,
    on_go: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    sem = asyncio.Semaphore(concurrency)
    go = asyncio.Event()
    push_ms: list[float] = []
    pull_ms: list[float] = []
    errors: list[str] = []
    acked: set[str] = set()
    failed_agents = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    shed: list[float] = []
    shed_pull: list[float] = []
    refreshed = 0
    # The SDK's timeout: a push not answered in 30 s is a failed attempt, retried.
    async with httpx.AsyncClient(timeout=httpx.Timeout(30), limits=limits) as client:

        async def agent(i: int) -> None:
            nonlocal failed_agents
            url = urls[i % len(urls)]
            headers = {"Authorization": f"Bearer {tokens[i]['access_token']}"}

            async def refresh() -> bool:
                """The SDK's answer to a 401: rotate the refresh token, then send again."""
                nonlocal refreshed
                try:
                    r = await client.post(
                        f"{url}/api/v1/auth/refresh",
                        json={"refresh_token": tokens[i]["refresh_token"]},
                    )
                except httpx.HTTPError:
                    return False
                if r.status_code != 200:
                    return False
                tokens[i] = r.json()
                headers["Authorization"] = f"Bearer {tokens[i]['access_token']}"
                refreshed += 1
                return True

            await go.wait()
            stored = False
            failures = 0
            for _attempt in range(SHED_RETRIES):
                if failures >= RETRIES:
                    break
                async with sem:
                    t0 = time.perf_counter()
                    try:
                        r = await client.post(
                            f"{url}/api/v1/sync/push",
                            json={"records": batches[i]},
                            headers=headers,
                        )
                    except httpx.HTTPError as exc:
                        errors.append(f"push {type(exc).__name__}")
                        failures += 1
                        continue
                    took = (time.perf_counter() - t0) * 1000
                if r.status_code == 200:
                    push_ms.append(took)
                    body = r.json()
                    acked.update(
                        x["id"] for x in body["results"] if x["status"] in ("accepted", "duplicate")
                    )
                    done = body["accepted"] + body["duplicate"]
                    if done != len(batches[i]):
                        errors.append(f"push: {len(batches[i]) - done} not accepted")
                    stored = True
                    break
                if r.status_code == 401 and await refresh():
                    continue
                if r.status_code == 429:
                    # Shed by admission control: wait as told (with jitter), as the SDK does.
                    shed.append(took)
                    wait = float(r.headers.get("retry-after", "5"))
                    await asyncio.sleep(wait * random.uniform(1.0, 1.5))
                    continue
                errors.append(f"push {r.status_code}")
                failures += 1
                await asyncio.sleep(0.5)
            if not stored:
                failed_agents += 1
                return
            cursor = "0"
            pull_failures = 0
            while pull_failures < RETRIES:
                async with sem:
                    t0 = time.perf_counter()
                    try:
                        r = await client.get(
                            f"{url}/api/v1/sync/pull",
                            params={"cursor": cursor, "limit": 500},
                            headers=headers,
                        )
                    except httpx.HTTPError as exc:
                        errors.append(f"pull {type(exc).__name__}")
                        pull_failures += 1
                        continue
                    took = (time.perf_counter() - t0) * 1000
                if r.status_code == 429:
                    # Pulls share the sync budget (protocol §3.6): wait as told, as the SDK does.
                    shed_pull.append(took)
                    wait = float(r.headers.get("retry-after", "5"))
                    await asyncio.sleep(wait * random.uniform(1.0, 1.5))
                    continue
                if r.status_code == 401 and await refresh():
                    continue
                pull_ms.append(took)
                if r.status_code != 200:
                    errors.append(f"pull {r.status_code}")
                    pull_failures += 1
                    await asyncio.sleep(0.5)
                    continue
                page = r.json()
                cursor = page["next_cursor"]
                if not page["has_more"]:
                    return

        tasks = [asyncio.create_task(agent(i)) for i in range(len(tokens))]
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        go.set()
        on_go()
        done, pending = await asyncio.wait(tasks, timeout=max_seconds)
        wall = time.perf_counter() - started
        for task in pending:
            task.cancel()
        for task in done:
            if task.exception() is not None:
                errors.append(f"agent crashed: {task.exception()!r}")
    return {
        "acknowledged": sorted(acked),
        "wall_seconds": round(wall, 2),
        "agents_unfinished": len(pending),
        "agents_failed": failed_agents,
        "push_requests": len(push_ms),
        "pull_requests": len(pull_ms),
        "push_ms": quantiles(push_ms),
        "pull_ms": quantiles(pull_ms),
        "shed_429": len(shed),
        "shed_ms": quantiles(shed),
        "shed_pull_429": len(shed_pull),
        "shed_pull_ms": quantiles(shed_pull),
        "tokens_refreshed": refreshed,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:10],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="postgres", choices=["postgres", "sqlite"])
    ap.add_argument("--agents", type=int, default=1000)
    ap.add_argument("--records", type=int, default=50)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=200, help="requests in flight at most")
    ap.add_argument("--max-seconds", type=float, default=900)
    ap.add_argument(
        "--probe-interval", type=float, default=0.2, help="seconds between probe pushes"
    )
    ap.add_argument("--out", default="burst")
    args = ap.parse_args()
    facts = machine_facts()
    with database(args.db, "burst") as db:
        engine = db.engine()
        settings = bench_settings(db.url)
        # One more agent than the burst's: the probe's.
        world = seed_world(engine, settings, agents=args.agents + 1, communes=10, tag="B")
        prober = world.agents.pop()
        with Servers(settings, args.processes) as servers:
            t0 = time.perf_counter()
            tokens = asyncio.run(_login_all(servers.urls, world.agents, 50))
            batches = []
            serial = 0
            for name, tok in zip(world.agents, tokens, strict=True):
                first, _ = issue_receipts(engine, world.admin, int(tok["device_id"]), args.records)
                point = world.agent_point[name]
                batches.append(
                    [
                        make_record(
                            serial + k,
                            point_id=point,
                            commune_code=world.point_commune[point],
                            receipt=first + k,
                        )
                        for k in range(args.records)
                    ]
                )
                serial += args.records
            print(f"set-up: {args.agents} agents logged in in {time.perf_counter() - t0:.1f} s")
            pids = [proc.pid for proc in servers.procs]
            cpu_at_go: list[dict[str, float]] = []

            def go() -> None:
                probe.go()
                cpu_at_go.extend(cpu_times(pids))

            with Probe(servers.urls, prober, args.probe_interval) as probe:
                figures = asyncio.run(
                    _burst(
                        servers.urls,
                        tokens,
                        batches,
                        args.concurrency,
                        args.max_seconds,
                        on_go=go,
                    )
                )
                # Over the burst, per server: CPU time of the event-loop thread and of all
                # threads, and time they were ready to run but waited for a core.
                figures["server_cpu"] = cpu_delta(cpu_at_go, cpu_times(pids))
            figures["probe"] = summarize(probe.samples)
            figures["probe"]["interval_s"] = args.probe_interval
            figures["server_shed_seconds"] = server_shed_histogram(servers.urls)
            figures["server_exceptions"] = servers.errors()
            figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        sent = {r["id"] for batch in batches for r in batch}
        acked = set(figures.pop("acknowledged"))
        with engine.connect() as conn:
            stored_ids = [row[0] for row in conn.execute(text("SELECT id FROM enrollment"))]
        figures.update(
            sent=len(sent),
            stored=len(stored_ids),
            stored_distinct=len(set(stored_ids)),
            revisions=count(engine, "enrollment_revision"),
            receipts_used=count(engine, "receipt_use"),
            acknowledged=len(acked),
            acknowledged_missing=len(acked - set(stored_ids)),
            not_acknowledged=len(sent - acked),
            not_acknowledged_but_stored=len((sent - acked) & set(stored_ids)),
            missing=len(sent - set(stored_ids)),
            unexpected=len(set(stored_ids) - sent),
        )
        # A sign-up the server never acknowledged stays in the device's outbox and is sent
        # again at the next sync; "lost" would be an acknowledged one missing.
        figures["every_acknowledged_record_once"] = (
            figures["acknowledged_missing"] == 0
            and figures["unexpected"] == 0
            and figures["stored"] == figures["stored_distinct"] == figures["revisions"]
        )
        figures["every_record_once"] = (
            figures["missing"] == 0
            and figures["unexpected"] == 0
            and figures["stored"] == figures["stored_distinct"] == figures["revisions"]
        )
        figures["records_per_s"] = round(figures["stored"] / figures["wall_seconds"], 1)
        engine.dispose()
    result = {
        "benchmark": "burst",
        "machine": facts,
        "db": args.db,
        "agents": args.agents,
        "records_per_agent": args.records,
        "processes": args.processes,
        "concurrency": args.concurrency,
        "figures": figures,
    }
    print(
        f"{args.agents} agents x {args.records} records on {args.processes} processes: "
        f"{figures['wall_seconds']} s, push p50/p95/p99 {figures['push_ms']}, "
        f"errors {figures['errors']}, every record once: {figures['every_record_once']}, "
        f"every acknowledged record once: {figures['every_acknowledged_record_once']}"
    )
    pr = figures["probe"]
    print(
        f"generator's view: 429 p50/p95/p99 {figures['shed_ms']} ({figures['shed_429']} pushes, "
        f"{figures['shed_pull_429']} pulls shed)\n"
        f"probe (own process, every {args.probe_interval} s per server): {pr['requests']} "
        f"requests, {pr['shed_429']} shed, {pr['admitted_200']} admitted, other {pr['other']}; "
        f"429 p50/p95/p99 {pr['shed_ms']}, within 100 ms {pr['shed_within_100ms']}; "
        f"200 p50/p95/p99 {pr['admitted_ms']}\n"
        f"probe, less its own wait for a CPU: 429 p50/p95/p99 {pr['shed_ms_less_probe_wait']}, "
        f"within 100 ms {pr['shed_within_100ms_less_probe_wait']}\n"
        f"servers, in-app time to the 429: {figures['server_shed_seconds']}\n"
        f"servers' CPU over the burst (s): {figures['server_cpu']}\n"
        f"load average at start {facts['load_average_at_start']}, "
        f"at end {figures['load_average_at_end']}"
    )
    write_results(args.out, result)


if __name__ == "__main__":
    main()
