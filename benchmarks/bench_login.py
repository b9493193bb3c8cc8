"""Benchmark 5 — login cost and throughput, with the production argon2id settings.

* the time of one password hash and one verification (``server.auth.security.Passwords``
  with the default ``Settings``: argon2id, t=3, m=64 MiB, p=4);
* successful logins per second through ``POST /auth/login`` against one and two server
  processes, ``--concurrency`` at a time, distinct accounts (successful logins are never
  throttled; the throttle counts failures);
* where throttling starts: failed attempts on one account, and from one address across
  accounts, until the first 429, with its ``Retry-After``.

    nice -n 10 .venv/bin/python -m benchmarks.bench_login --logins 20
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import httpx

from benchmarks.common import (
    PASSWORD,
    Servers,
    bench_settings,
    database,
    machine_facts,
    percentile,
    seed_world,
    write_results,
)
from server.auth.security import Passwords
from server.config import Settings


def hash_times(n: int) -> dict[str, Any]:
    settings = Settings(secret_key="x" * 40)
    pw = Passwords(settings)
    hashes, verifies = [], []
    stored = pw.hash(PASSWORD)
    for _ in range(n):
        t = time.perf_counter()
        pw.hash(PASSWORD)
        hashes.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert pw.verify(stored, PASSWORD)
        verifies.append(time.perf_counter() - t)
    return {
        "argon2": {
            "time_cost": settings.argon2_time_cost,
            "memory_kib": settings.argon2_memory_kib,
            "parallelism": settings.argon2_parallelism,
        },
        "hash_ms_median": round(statistics.median(hashes) * 1000, 1),
        "verify_ms_median": round(statistics.median(verifies) * 1000, 1),
        "samples": n,
    }


async def _logins(urls: list[str], names: list[str], concurrency: int) -> dict[str, Any]:
    sem = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    async with httpx.AsyncClient(timeout=120) as client:

        async def one(i: int, name: str) -> None:
            async with sem:
                t = time.perf_counter()
                r = await client.post(
                    f"{urls[i % len(urls)]}/api/v1/auth/login",
                    json={"username": name, "password": PASSWORD, "device_id": f"d-{i}"},
                )
                latencies.append((time.perf_counter() - t) * 1000)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i, n) for i, n in enumerate(names)))
        wall = time.perf_counter() - t0
    return {
        "logins": len(names),
        "seconds": round(wall, 2),
        "logins_per_s": round(len(names) / wall, 2),
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
        },
        "statuses": statuses,
    }


def _throttle(url: str, agent: str, others: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with httpx.Client(base_url=url, timeout=60) as c:
        attempts = 0
        while attempts < 100:
            attempts += 1
            r = c.post(
                "/api/v1/auth/login",
                json={"username": agent, "password": "wrong password", "device_id": "x"},
            )
            if r.status_code == 429:
                out["account_failures_before_429"] = attempts - 1
                out["account_retry_after_s"] = int(r.headers.get("Retry-After", "0"))
                break
        attempts = 0
        for name in others + [f"nobody.{i}" for i in range(100)]:
            attempts += 1
            r = c.post(
                "/api/v1/auth/login",
                json={"username": name, "password": "wrong password", "device_id": "x"},
            )
            if r.status_code == 429:
                out["address_failures_before_429"] = attempts - 1
                out["address_retry_after_s"] = int(r.headers.get("Retry-After", "0"))
                break
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    ap.add_argument("--hashes", type=int, default=10)
    ap.add_argument("--logins", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--processes", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--out", default="login")
    args = ap.parse_args()
    facts = machine_facts()
    result: dict[str, Any] = {"benchmark": "login", "machine": facts, "db": args.db}
    result["hash"] = hash_times(args.hashes)
    print("hash", result["hash"])
    result["throughput"] = []
    for procs in args.processes:
        with database(args.db, "login") as db:
            engine = db.engine()
            settings = bench_settings(db.url, fast_hash=False)
            world = seed_world(engine, settings, agents=args.logins + 2, communes=2, tag="L")
            engine.dispose()
            with Servers(settings, procs) as servers:
                figures = asyncio.run(
                    _logins(servers.urls, world.agents[: args.logins], args.concurrency)
                )
                figures["processes"] = procs
                print("logins", figures)
                result["throughput"].append(figures)
                if procs == args.processes[0]:
                    result["throttle"] = _throttle(
                        servers.urls[0], world.agents[-1], world.agents[-2:-1]
                    )
                    print("throttle", result["throttle"])
    write_results(args.out, result)


if __name__ == "__main__":
    main()
