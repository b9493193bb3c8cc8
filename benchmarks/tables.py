"""Print the figures in benchmarks/results/*.json as the Markdown tables of
docs/performance.md, so the page is refreshed by pasting, never by retyping.

    .venv/bin/python -m benchmarks.tables
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _machine(data: dict[str, Any]) -> str:
    m = data["machine"]
    if isinstance(m, str):
        return m
    return (
        f"{m.get('when', '')} · commit {m.get('commit', '?')} · {m['nproc']} cores "
        f"({m['cpu']}), {m['memory_gib']} GiB · Python {m['python']} · SQLite {m['sqlite']} "
        f"· PostgreSQL {m['postgres']} · load average at start {m['load_average_at_start']}"
    )


def push(data: dict[str, Any]) -> None:
    print(f"_{_machine(data)}_\n")
    print(
        "| database | records | batch | processes | records/s | raw insert records/s "
        "| push ÷ raw | one request per sign-up, records/s | batched ÷ naive "
        "| failed attempts (retried) | every record once |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in data["runs"]:
        if "refused" in r:
            print(
                f"| {r['db']} | {r['records']} | {r['batch']} | {r['processes']} "
                f"| refused whole: {r['refused']}, {r['stored_after_refusal']} stored "
                "| | | | | | |"
            )
            continue
        failed = r.get("failed_attempts", r.get("errors"))
        print(
            f"| {r['db']} | {r['records']} | {r['batch']} | {r['processes']} "
            f"| {r['records_per_s']} | {r['raw_records_per_s']} | {r['push_vs_raw']:.3f} "
            f"| {r['naive_records_per_s']} | {r['batched_vs_naive']} | {failed} "
            f"| {'yes' if r['every_record_once'] else 'NO'} |"
        )
    print()


def burst(data: dict[str, Any]) -> None:
    f = data["figures"]
    print(f"_{_machine(data)}_\n")
    print(
        "| agents × records | processes | in flight | wall s | stored/s | push p50 / p95 / p99 ms "
        "| pull p50 / p95 / p99 ms | failed requests | agents unfinished | sent / acknowledged "
        "/ stored | every acknowledged record stored once |"
    )
    print("|---|---:|---:|---:|---:|---|---|---:|---:|---|---|")
    p, q = f["push_ms"], f["pull_ms"]
    once = {True: "yes", False: "NO"}.get(
        f.get("every_acknowledged_record_once"), "not recorded by this run"
    )
    print(
        f"| {data['agents']} × {data['records_per_agent']} | {data['processes']} "
        f"| {data['concurrency']} | {f['wall_seconds']} | {f['records_per_s']} "
        f"| {p['p50']} / {p['p95']} / {p['p99']} | {q['p50']} / {q['p95']} / {q['p99']} "
        f"| {f['errors']} | {f['agents_unfinished']} "
        f"| {f['sent']} / {f.get('acknowledged', '?')} / {f['stored']} "
        f"| {once} |"
    )
    print()
    probe = f.get("probe")
    if probe:  # since 2026-11-30: the probe process beside the generator (benchmarks/probe.py)
        s, a = probe["shed_ms"], probe["admitted_ms"]
        n = probe.get("shed_ms_less_probe_wait", {})
        print(
            "| probe every s | probe requests | shed 429 / admitted 200 | 429 p50 / p95 / p99 ms "
            "| 429 within 100 ms | less the probe's own CPU wait: p50 / p95 / p99 ms "
            "| 200 p50 / p95 / p99 ms | servers' in-app 429 time |"
        )
        print("|---:|---:|---|---|---:|---|---|---|")
        print(
            f"| {probe.get('interval_s')} | {probe['requests']} "
            f"| {probe['shed_429']} / {probe['admitted_200']} "
            f"| {s['p50']} / {s['p95']} / {s['p99']} | {probe['shed_within_100ms']} "
            f"| {n.get('p50')} / {n.get('p95')} / {n.get('p99')} "
            f"| {a['p50']} / {a['p95']} / {a['p99']} | {f.get('server_shed_seconds')} |"
        )
        print()


def client(data: dict[str, Any]) -> None:
    print(f"_{_machine(data)}_\n")
    print("| phase | seconds | peak RSS so far, MiB | detail |")
    print("|---|---:|---:|---|")
    for name, p in data["phases"].items():
        detail = ", ".join(f"{k} {v}" for k, v in p.items() if k not in ("seconds", "peak_rss_mib"))
        print(f"| {name} | {p['seconds']} | {p['peak_rss_mib']} | {detail} |")
    print()


def login(data: dict[str, Any]) -> None:
    h = data["hash"]
    print(f"_{_machine(data)}_\n")
    a = h["argon2"]
    print(
        f"argon2id t={a['time_cost']}, m={a['memory_kib']} KiB, p={a['parallelism']}: "
        f"hash {h['hash_ms_median']} ms, verify {h['verify_ms_median']} ms (median of "
        f"{h['samples']}).\n"
    )
    print("| processes | logins | logins/s | p50 ms | p95 ms |")
    print("|---:|---:|---:|---:|---:|")
    for t in data["throughput"]:
        lat = t["latency_ms"]
        print(
            f"| {t['processes']} | {t['logins']} | {t['logins_per_s']} | {lat['p50']} "
            f"| {lat['p95']} |"
        )
    th = data.get("throttle", {})
    print(
        f"\nThrottle: {th.get('account_failures_before_429')} failures on one account, then 429 "
        f"(Retry-After {th.get('account_retry_after_s')} s); "
        f"{th.get('address_failures_before_429')} more failures from the same address on other "
        f"accounts, then 429 (Retry-After {th.get('address_retry_after_s')} s).\n"
    )


def soak(data: dict[str, Any]) -> None:
    c = data["check"]
    print(f"_{_machine(data)}_\n")
    print(
        "| minutes | agents | coordinators | processes | sign-ups stored | revisions "
        "| decisions | 5xx | lost | doubled | report figures compared / mismatched | result |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---|")
    decisions = ", ".join(f"{k} {v}" for k, v in data["decisions"].items())
    print(
        f"| {data['minutes']} | {data['agents']} | {data['coordinators']} | {data['processes']} "
        f"| {c['stored']} | {c['revisions']} | {decisions} | {data['server_errors']} "
        f"| {c['lost']} | {c['revisions'] - c['revisions_distinct']} "
        f"| {c.get('report_figures_compared', '?')} / {len(c['report_mismatches'])} "
        f"| {'OK' if c['ok'] else 'FAILED'} |"
    )
    print()


def report_scale(data: dict[str, Any]) -> None:
    """benchmarks/report_scale.py's figures (targets/reports): best of the repeats."""
    print(f"_{data.get('at', '')} · {_machine(data)}_\n")
    print(
        "| database | sign-ups | summary rebuild s | year: province / commune / point / agent ms "
        "| month: province / commune / point / agent ms |"
    )
    print("|---|---:|---:|---|---|")
    for r in data["runs"]:
        reports = r["reports"]

        def best(prefix: str, reports: dict[str, Any] = reports) -> str:
            keys = [k for k in reports if k.startswith(prefix)]
            by_level = {k.split()[-1]: reports[k]["best_ms"] for k in keys}
            return " / ".join(
                str(by_level.get(level, "–")) for level in ("province", "commune", "point", "agent")
            )

        years = sorted({k.split()[0] for k in reports if len(k.split()[0]) == 4})
        months = sorted({k.split()[0] for k in reports if len(k.split()[0]) == 7})
        print(
            f"| {r['database']} | {r['rows']} | {r.get('summary_rebuild_s')} "
            f"| {best(years[0] + ' ') if years else '–'} "
            f"| {best(months[0] + ' ') if months else '–'} |"
        )
    print()


def _merged_push() -> dict[str, Any] | None:
    """push.json, with the runs of any push-<db>.json (a re-run of one database) in place
    of that database's runs."""
    data = _load("push")
    if data is None:
        return None
    for extra in sorted(RESULTS.glob("push-*.json")):
        more = json.loads(extra.read_text(encoding="utf-8"))
        dbs = {r["db"] for r in more["runs"]}
        data["runs"] = [r for r in data["runs"] if r["db"] not in dbs] + more["runs"]
        print(f"_{extra.name}: {_machine(more)}_\n")
    return data


def main() -> None:
    print("### push\n")
    merged = _merged_push()
    if merged is not None:
        push(merged)
    for extra in sorted(RESULTS.glob("burst-*.json")):
        print(f"### {extra.stem}\n")
        burst(json.loads(extra.read_text(encoding="utf-8")))
    for name, render in (
        ("report_scale", report_scale),
        ("burst", burst),
        ("client", client),
        ("login", login),
        ("soak", soak),
    ):
        data = _load(name)
        print(f"### {name}\n")
        if data is None:
            print(f"(no {Path(RESULTS, name + '.json')} yet)\n")
        else:
            render(data)


if __name__ == "__main__":
    main()
