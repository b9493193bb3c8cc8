"""Soak — many agents syncing while coordinators review, for a bounded number of minutes.

Agents (asyncio tasks, loopback only) record sign-ups and push them in small batches,
sometimes replay an old batch (as a phone that never saw the answer would), pull their
feed, and correct the sign-ups their coordinator returned (a higher ``rev``). Coordinators
list pending sign-ups in their communes and approve, reject or return them. Everything
stops by itself after ``--minutes``; then the set check:

* nothing lost: every sign-up an agent got accepted is stored, at the highest rev accepted;
* nothing doubled: one row per sign-up, one revision per (id, rev), one receipt use per
  sign-up;
* every report total equals a direct count: ``/reports/progress`` at province and commune
  level (rebuilt) against ``SELECT count(*) … GROUP BY`` on ``enrollment``.

    nice -n 10 .venv/bin/python -m benchmarks.soak --minutes 2 --agents 20
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from datetime import date, datetime
from typing import Any

import httpx
from sqlalchemy import text

from benchmarks.common import (
    PASSWORD,
    VN,
    Servers,
    bench_settings,
    database,
    issue_receipts,
    machine_facts,
    make_record,
    seed_world,
    write_results,
)

REVIEW_REASON = "thiếu chữ ký người tham gia"


class Stats:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.status: Counter[str] = Counter()
        self.server_errors: list[str] = []
        self.accepted_rev: dict[str, int] = {}  # id -> highest rev the server accepted
        self.decisions: Counter[str] = Counter()

    def seen(self, what: str, r: httpx.Response) -> None:
        self.requests[what] += 1
        self.status[f"{what} {r.status_code}"] += 1
        if r.status_code >= 500:
            self.server_errors.append(f"{what} {r.status_code} {r.text[:200]}")


async def agent_loop(
    client: httpx.AsyncClient,
    url: str,
    tokens: dict[str, Any],
    ctx: dict[str, Any],
    stats: Stats,
    deadline: float,
    rng: random.Random,
) -> None:
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    cursor = "0"
    sent: list[list[dict[str, Any]]] = []
    mine: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        batch: list[dict[str, Any]] = []
        for _ in range(rng.randint(1, 8)):
            if ctx["next_receipt"] > ctx["last_receipt"]:
                break
            rec = make_record(
                ctx["serial"],
                point_id=ctx["point"],
                commune_code=ctx["commune"],
                receipt=ctx["next_receipt"],
                run=ctx["run"],
            )
            ctx["serial"] += 1
            ctx["next_receipt"] += 1
            batch.append(rec)
        if rng.random() < 0.15 and sent:
            batch = batch + rng.choice(sent)  # replay: answers must be duplicates
        if batch:
            for _attempt in range(5):
                try:
                    r = await client.post(
                        f"{url}/api/v1/sync/push", json={"records": batch}, headers=headers
                    )
                except httpx.HTTPError:
                    stats.requests["push transport error"] += 1
                    await asyncio.sleep(0.5)
                    continue
                stats.seen("push", r)
                if r.status_code == 200:
                    for rec, res in zip(batch, r.json()["results"], strict=True):
                        stats.status[f"record {res['status']}"] += 1
                        if res["status"] in ("accepted", "duplicate"):
                            rid = rec["id"]
                            best = stats.accepted_rev.get(rid, 0)
                            stats.accepted_rev[rid] = max(best, rec["rev"])
                            mine[rid] = rec
                    sent.append([b for b in batch if b["rev"] == 1][:4])
                    break
                await asyncio.sleep(0.5)
        # pull the feed; correct what came back "returned"
        while time.monotonic() < deadline:
            try:
                r = await client.get(
                    f"{url}/api/v1/sync/pull",
                    params={"cursor": cursor, "limit": 500},
                    headers=headers,
                )
            except httpx.HTTPError:
                stats.requests["pull transport error"] += 1
                break
            stats.seen("pull", r)
            if r.status_code != 200:
                break
            page = r.json()
            for change in page["changes"]:
                p = change["payload"]
                if change["entity"] == "review_decision" and p.get("status") == "returned":
                    old = mine.get(p["enrollment_id"])
                    if old is not None and old["rev"] == p["rev"]:
                        fixed = {**old, "rev": old["rev"] + 1}
                        fixed["person"] = {**old["person"], "address": f"sửa lần {fixed['rev']}"}
                        mine[old["id"]] = fixed
                        ctx["corrections"].append(fixed)
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        if ctx["corrections"]:
            fixes, ctx["corrections"] = ctx["corrections"], []
            try:
                r = await client.post(
                    f"{url}/api/v1/sync/push", json={"records": fixes}, headers=headers
                )
                stats.seen("push correction", r)
                if r.status_code == 200:
                    for rec, res in zip(fixes, r.json()["results"], strict=True):
                        stats.status[f"correction {res['status']}"] += 1
                        if res["status"] in ("accepted", "duplicate"):
                            rid = rec["id"]
                            stats.accepted_rev[rid] = max(stats.accepted_rev[rid], rec["rev"])
            except httpx.HTTPError:
                stats.requests["push transport error"] += 1
        await asyncio.sleep(rng.uniform(0.2, 1.0))


async def coordinator_loop(
    client: httpx.AsyncClient,
    url: str,
    tokens: dict[str, Any],
    stats: Stats,
    deadline: float,
    rng: random.Random,
) -> None:
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    while time.monotonic() < deadline:
        try:
            r = await client.get(
                f"{url}/api/v1/enrollments",
                params={"status": "pending", "limit": 20, "offset": rng.randint(0, 20)},
                headers=headers,
            )
        except httpx.HTTPError:
            stats.requests["list transport error"] += 1
            await asyncio.sleep(1)
            continue
        stats.seen("list", r)
        items = r.json()["items"] if r.status_code == 200 else []
        for item in items[: rng.randint(1, 6)]:
            decision = rng.choices(["approve", "reject", "return"], weights=[6, 1, 3])[0]
            body: dict[str, Any] = {"decision": decision, "rev": item["rev"]}
            if decision != "approve":
                body["reason"] = REVIEW_REASON
            try:
                rr = await client.post(
                    f"{url}/api/v1/enrollments/{item['id']}/review", json=body, headers=headers
                )
            except httpx.HTTPError:
                stats.requests["review transport error"] += 1
                continue
            stats.seen("review", rr)
            if rr.status_code == 200:
                stats.decisions[decision] += 1
        await asyncio.sleep(rng.uniform(0.5, 2.0))


async def _login(client: httpx.AsyncClient, url: str, name: str) -> dict[str, Any]:
    r = await client.post(
        f"{url}/api/v1/auth/login",
        json={"username": name, "password": PASSWORD, "device_id": f"soak-{name}"},
    )
    r.raise_for_status()
    body: dict[str, Any] = r.json()
    return body


async def run(urls: list[str], world: Any, engine: Any, minutes: float, seed: int) -> Stats:
    stats = Stats()
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        agent_tokens = [
            await _login(client, urls[i % len(urls)], n) for i, n in enumerate(world.agents)
        ]
        coord_tokens = [
            await _login(client, urls[i % len(urls)], n) for i, n in enumerate(world.coordinators)
        ]
        ctxs = []
        for i, (name, tok) in enumerate(zip(world.agents, agent_tokens, strict=True)):
            first, last = issue_receipts(engine, world.admin, int(tok["device_id"]), 5000)
            point = world.agent_point[name]
            ctxs.append(
                {
                    "point": point,
                    "commune": world.point_commune[point],
                    "next_receipt": first,
                    "last_receipt": last,
                    "serial": i * 1_000_000,
                    "run": 7,
                    "corrections": [],
                }
            )
        deadline = time.monotonic() + minutes * 60
        tasks = [
            agent_loop(
                client,
                urls[i % len(urls)],
                tok,
                ctxs[i],
                stats,
                deadline,
                random.Random(rng.random()),
            )
            for i, tok in enumerate(agent_tokens)
        ] + [
            coordinator_loop(
                client, urls[i % len(urls)], tok, stats, deadline, random.Random(rng.random())
            )
            for i, tok in enumerate(coord_tokens)
        ]
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=minutes * 60 + 300)
    return stats


def check(engine: Any, url: str, admin: str, stats: Stats) -> dict[str, Any]:
    """The set check and the report check, after every task has stopped."""
    year = datetime.now(VN).year
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, rev FROM enrollment")).all())
        revisions = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT enrollment_id || ':' || rev) "
                "FROM enrollment_revision"
            )
        ).one()
        uses = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT enrollment_id) FROM receipt_use "
                "WHERE kind = 'enrollment'"
            )
        ).one()
        direct = conn.execute(
            text(
                "SELECT commune_code, scheme, status, count(*), coalesce(sum(amount_vnd), 0) "
                "FROM enrollment WHERE payment_date >= :start AND payment_date < :end "
                "GROUP BY commune_code, scheme, status"
            ),
            {"start": date(year, 1, 1), "end": date(year + 1, 1, 1)},
        ).all()
    accepted = stats.accepted_rev
    lost = [i for i in accepted if i not in stored]
    wrong_rev = [i for i in accepted if i in stored and stored[i] != accepted[i]]
    unexpected = [i for i in stored if i not in accepted]
    expected_revisions = sum(accepted.values())  # revs 1..n of each sign-up, each once

    token = httpx.post(
        f"{url}/api/v1/auth/login",
        json={"username": admin, "password": PASSWORD, "device_id": "soak-check"},
        timeout=60,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    report_mismatches: list[str] = []
    compared = 0
    for level in ("province", "commune"):
        r = httpx.get(
            f"{url}/api/v1/reports/progress",
            params={"period": str(year), "level": level, "refresh": "true"},
            headers=headers,
            timeout=300,
        )
        r.raise_for_status()
        got: Counter[tuple[Any, ...]] = Counter()
        for row in r.json()["rows"]:
            key = (row["unit_code"] if level == "commune" else "all", row["scheme"])
            got[key + ("approved",)] += row["approved"]
            got[key + ("pending",)] += row["pending"]
            got[key + ("amount",)] += row["amount_vnd"]
        want: Counter[tuple[Any, ...]] = Counter()
        for commune, scheme, status, n, amount in direct:
            unit = str(commune) if level == "commune" else "all"
            if status in ("approved", "pending"):
                want[(unit, scheme, status)] += n
                want[(unit, scheme, "amount")] += int(amount)
        compared += len(set(got) | set(want))
        for key in set(got) | set(want):
            if got[key] != want[key]:
                report_mismatches.append(f"{level} {key}: report {got[key]} direct {want[key]}")
    return {
        "sign_ups_accepted_by_agents": len(accepted),
        "stored": len(stored),
        "lost": len(lost),
        "wrong_rev": len(wrong_rev),
        "unexpected": len(unexpected),
        "revisions": revisions[0],
        "revisions_distinct": revisions[1],
        "revisions_expected": expected_revisions,
        "receipt_uses": uses[0],
        "receipt_uses_distinct": uses[1],
        "report_figures_compared": compared,
        "report_mismatches": report_mismatches[:20],
        "ok": not lost
        and not wrong_rev
        and not unexpected
        and revisions[0] == revisions[1] == expected_revisions
        and compared > 0
        and uses[0] == uses[1] == len(stored)
        and not report_mismatches,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="postgres", choices=["postgres", "sqlite"])
    ap.add_argument("--minutes", type=float, default=3)
    ap.add_argument("--agents", type=int, default=40)
    ap.add_argument("--communes", type=int, default=4)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", default="soak")
    args = ap.parse_args()
    if not 0 < args.minutes <= 60:
        raise SystemExit("--minutes must be between 0 and 60")
    facts = machine_facts()
    with database(args.db, "soak") as db:
        engine = db.engine()
        settings = bench_settings(db.url)
        world = seed_world(engine, settings, agents=args.agents, communes=args.communes, tag="S")
        with Servers(settings, args.processes) as servers:
            t0 = time.perf_counter()
            stats = asyncio.run(run(servers.urls, world, engine, args.minutes, args.seed))
            wall = time.perf_counter() - t0
            result_check = check(engine, servers.urls[0], world.admin, stats)
            server_exceptions = servers.errors()
        engine.dispose()
    result = {
        "benchmark": "soak",
        "machine": facts,
        "db": args.db,
        "minutes": args.minutes,
        "agents": args.agents,
        "coordinators": args.communes,
        "processes": args.processes,
        "wall_seconds": round(wall, 1),
        "requests": dict(stats.requests),
        "answers": dict(sorted(stats.status.items())),
        "decisions": dict(stats.decisions),
        "server_errors": len(stats.server_errors),
        "first_server_errors": stats.server_errors[:5],
        "server_exceptions": server_exceptions,
        "check": result_check,
    }
    print(
        f"soak {args.minutes} min, {args.agents} agents, {args.communes} coordinators: "
        f"{result_check['stored']} sign-ups stored, lost {result_check['lost']}, "
        f"doubled {result_check['revisions'] - result_check['revisions_distinct']}, "
        f"report mismatches {len(result_check['report_mismatches'])}, "
        f"5xx {len(stats.server_errors)} -> {'OK' if result_check['ok'] else 'FAILED'}"
    )
    write_results(args.out, result)
    if not result_check["ok"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
