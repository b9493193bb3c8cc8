"""Server CPU per pushed record, in-process: where a batch's time goes, without HTTP.

Run by hand (not a test):

    .venv/bin/python -m benchmarks.profile_push --db sqlite
    .venv/bin/python -m benchmarks.profile_push --db postgres --profile 30

A fresh database, one agent on its own device and receipt block; ``--batches`` batches of
``--size`` new records (the records of ``bench_push``) go through ``push_body``, the route's
own function, each in its own session and commit as the route does. It prints the process
CPU time per record (``time.process_time``: the database server's own work on PostgreSQL is
in its process and not counted; SQLite's is) and, with ``--profile N``, the N largest
cumulative costs of a cProfile of the same work. The CPU per record is steadier than a rate
on a shared machine, so it is the figure to compare before and after a change.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import time

from sqlmodel import Session, select

from benchmarks.common import (
    bench_settings,
    database,
    issue_receipts,
    make_record,
    seed_world,
)
from server.auth.models import Device, User
from server.auth.service import load_principal
from server.ingest.batch import push_body


def run(
    kind: str, batches: int, size: int, profile: int, *, freeze: bool = True
) -> dict[str, float]:
    with database(kind, "prof") as db:
        engine = db.engine()
        settings = bench_settings(db.url)
        world = seed_world(engine, settings, agents=1, tag="F")
        name = world.agents[0]
        with Session(engine, expire_on_commit=False) as s:
            user = s.exec(select(User).where(User.username == name)).one()
            device = Device(user_id=user.id, device_key="profile", name="profile")
            s.add(device)
            s.commit()
            device_id = device.id
        assert device_id is not None
        first, _ = issue_receipts(engine, world.admin, device_id, batches * size)
        point = world.agent_point[name]
        bodies = [
            json.dumps(
                {
                    "records": [
                        make_record(
                            b * size + k,
                            point_id=point,
                            commune_code=world.point_commune[point],
                            receipt=first + b * size + k,
                            household=f"HP-{(b * size + k) // 8:06d}",
                        )
                        for k in range(size)
                    ]
                }
            ).encode()
            for b in range(batches)
        ]
        secret = settings.resolved_secret()
        if freeze:  # as a server process does once started (server.runtime)
            gc.collect()
            gc.freeze()
        profiler = cProfile.Profile() if profile else None
        cpu: list[float] = []
        wall = 0.0
        for body in bodies:
            with Session(engine, expire_on_commit=False) as s:
                principal = load_principal(
                    s, s.get(User, user.id), device_id=device_id, session_id=None
                )
                c0, w0 = time.process_time(), time.perf_counter()
                if profiler:
                    profiler.enable()
                answer = push_body(
                    s, principal=principal, body=body, max_age_days=30, secret=secret
                )
                s.commit()
                if profiler:
                    profiler.disable()
                cpu.append(time.process_time() - c0)
                wall += time.perf_counter() - w0
                assert all(r.status == "accepted" for r in answer.results), answer.results[:3]
        engine.dispose()
        n = batches * size
        figures = {
            "records": n,
            "cpu_ms_per_record": 1000 * sum(cpu) / n,
            "best_batch_cpu_ms_per_record": 1000 * min(cpu) / size,
            "wall_ms_per_record": 1000 * wall / n,
        }
        print(
            f"{kind}: {n} records, CPU {figures['cpu_ms_per_record']:.3f} ms/record "
            f"(best batch {figures['best_batch_cpu_ms_per_record']:.3f}), "
            f"wall {figures['wall_ms_per_record']:.3f} ms/record"
        )
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(profile)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(profile)
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], nargs="+", default=["sqlite"])
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--profile", type=int, default=0, help="print the N largest costs")
    parser.add_argument(
        "--no-freeze", action="store_true", help="leave the heap unfrozen (server.runtime)"
    )
    args = parser.parse_args()
    for kind in args.db:
        run(kind, args.batches, args.size, args.profile, freeze=not args.no_freeze)


if __name__ == "__main__":
    main()
