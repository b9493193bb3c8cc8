"""A latency probe in its own process, beside a load generator.

The burst generator is one asyncio loop with hundreds of clients on the same 2 cores as the
servers and the database; how long it takes to *see* an answer says more about its own loop
than about the server. The probe is a separate process (spawned, so it shares nothing with
the generator) with one thread per server process, each sending a small push every
``interval`` seconds with a plain blocking httpx client on a new connection, as a device
would, and timing the answer. It sends an empty batch (``{"records": []}``): past the sync
budget it is answered 429 like any push (the body is never read); admitted, it stores
nothing, so the burst's set check is untouched.

The server's own view comes from ``field_enroll_shed_answer_seconds`` on ``/metrics`` (time
inside the app to the 429), read by ``server_shed_histogram`` at the end of a run.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import PASSWORD, quantiles

Sample = tuple[int, float, str, float, float]
"""(server index, seconds since the probe's start, status code or error name, ms, and of
those ms, how long the probe's own thread was ready to run but waited for a CPU)."""

BODY = b'{"records": []}'


def _one_server(
    index: int,
    url: str,
    tokens: dict[str, Any],
    username: str,
    interval: float,
    stop: Event,
    out: list[Sample],
) -> None:
    limits = httpx.Limits(max_keepalive_connections=0)  # a new connection each time
    schedstat = Path(f"/proc/self/task/{threading.get_native_id()}/schedstat")
    with httpx.Client(base_url=url, timeout=httpx.Timeout(30), limits=limits) as http:
        started = time.perf_counter()
        next_at = started + interval * index / 2  # the servers' probes are not in step
        while not stop.is_set():
            pause = next_at - time.perf_counter()
            if pause > 0 and stop.wait(pause):
                break
            next_at += interval
            headers = {
                "Authorization": f"Bearer {tokens['access_token']}",
                "Content-Type": "application/json",
            }
            waited0 = _waited_ms(schedstat)
            t0 = time.perf_counter()
            try:
                r = http.post("/api/v1/sync/push", content=BODY, headers=headers)
                status = str(r.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            took = (time.perf_counter() - t0) * 1000
            own = _waited_ms(schedstat) - waited0
            out.append((index, round(t0 - started, 3), status, round(took, 2), round(own, 2)))
            if status == "401":  # the access token expired: the SDK's refresh path
                r = http.post(
                    "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
                )
                again = r.status_code != 200
                tokens = _login(http, username, f"probe-{index}") if again else r.json()
            next_at = max(next_at, time.perf_counter())


def _waited_ms(schedstat: Path) -> float:
    """Milliseconds this thread has spent runnable but not running (0 if not on Linux)."""
    try:
        return int(schedstat.read_text().split()[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return 0.0


def _login(http: httpx.Client, username: str, device: str) -> dict[str, Any]:
    body = {"username": username, "password": PASSWORD, "device_id": device}
    r = http.post("/api/v1/auth/login", json=body)
    r.raise_for_status()
    tokens: dict[str, Any] = r.json()
    return tokens


def _main(
    urls: list[str],
    username: str,
    interval: float,
    ready: Event,
    go: Event,
    stop: Event,
    out: Connection,
) -> None:
    """The probe process: log in (before the burst, while the servers are idle), wait for
    ``go``, probe every server until ``stop``, send the samples back."""
    logins = []
    for i, url in enumerate(urls):
        with httpx.Client(base_url=url, timeout=30) as http:
            logins.append(_login(http, username, f"probe-{i}"))
    ready.set()
    go.wait()
    samples: list[list[Sample]] = [[] for _ in urls]
    threads = [
        threading.Thread(
            target=_one_server,
            args=(i, url, logins[i], username, interval, stop, samples[i]),
        )
        for i, url in enumerate(urls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.send([s for per_server in samples for s in per_server])
    out.close()


class Probe:
    """``with Probe(urls, agent) as probe: probe.go(); …`` then ``probe.samples``."""

    def __init__(self, urls: list[str], username: str, interval: float = 0.2) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._ready = ctx.Event()
        self._go = ctx.Event()
        self._stop = ctx.Event()
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_main,
            args=(urls, username, interval, self._ready, self._go, self._stop, send),
            daemon=True,
        )
        self.samples: list[Sample] = []

    def __enter__(self) -> Probe:
        self._proc.start()
        if not self._ready.wait(120):
            raise RuntimeError("the probe process did not log in")
        return self

    def go(self) -> None:
        self._go.set()

    def __exit__(self, *exc: object) -> None:
        self._go.set()
        self._stop.set()
        if self._recv.poll(60):
            self.samples = list(self._recv.recv())
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.kill()


def summarize(samples: list[Sample]) -> dict[str, Any]:
    """Counts by answer, and the latency of the 429s and of the admitted pushes."""
    shed = [ms for _, _, status, ms, _ in samples if status == "429"]
    # The same, less the time the probe's own thread waited for a CPU during the request:
    # what is left is the servers' (and the network's) part.
    shed_net = [ms - own for _, _, status, ms, own in samples if status == "429"]
    admitted = [ms for _, _, status, ms, _ in samples if status == "200"]
    others: dict[str, int] = {}
    for _, _, status, _, _ in samples:
        if status not in ("200", "429"):
            others[status] = others.get(status, 0) + 1
    return {
        "requests": len(samples),
        "shed_429": len(shed),
        "admitted_200": len(admitted),
        "other": others,
        "shed_ms": quantiles(shed),
        "shed_within_100ms": round(sum(ms <= 100 for ms in shed) / len(shed), 3) if shed else None,
        "shed_ms_less_probe_wait": quantiles(shed_net),
        "shed_within_100ms_less_probe_wait": (
            round(sum(ms <= 100 for ms in shed_net) / len(shed_net), 3) if shed_net else None
        ),
        "admitted_ms": quantiles(admitted),
        # When the slow 429s came (seconds after the probe started): all at the release of
        # the wave (a queue of new connections in front of the loop) or spread out.
        "shed_over_100ms": [
            [at, ms] for _, at, status, ms, _ in samples if status == "429" and ms > 100
        ],
    }


def server_shed_histogram(urls: list[str]) -> dict[str, Any]:
    """``field_enroll_shed_answer_seconds`` of every server process, summed, by route:
    the count, the share within 100 ms, and the bucket bounds holding p50/p95/p99."""
    buckets: dict[str, dict[float, float]] = {}
    for url in urls:
        text = httpx.get(f"{url}/metrics", timeout=30).text
        for line in text.splitlines():
            if not line.startswith("field_enroll_shed_answer_seconds_bucket{"):
                continue
            labels, _, value = line.partition("} ")
            pairs = dict(p.split("=", 1) for p in labels.split("{", 1)[1].split(","))
            route, le = pairs["route"].strip('"'), pairs["le"].strip('"')
            per = buckets.setdefault(route, {})
            bound = float("inf") if le == "+Inf" else float(le)
            per[bound] = per.get(bound, 0.0) + float(value)
    out: dict[str, Any] = {}
    for route, per in sorted(buckets.items()):
        total = per.get(float("inf"), 0.0)
        row: dict[str, Any] = {"count": int(total)}
        if total:
            row["within_100ms"] = round(per.get(0.1, 0.0) / total, 3)
            for p in (50, 95, 99):
                bound = next(b for b in sorted(per) if per[b] >= total * p / 100)
                row[f"p{p}_at_most_ms"] = bound * 1000 if bound != float("inf") else None
        out[route] = row
    return out


def cpu_times(pids: list[int]) -> list[dict[str, float]]:
    """Per server process, from the kernel's scheduler statistics: seconds its main thread
    (the event loop) ran and waited for a CPU and how many times it was put on one, and the
    same summed over all its threads."""
    out = []
    for pid in pids:
        row = dict.fromkeys(("loop_ran_s", "loop_waited_s", "loop_slices"), 0.0)
        row.update(dict.fromkeys(("all_ran_s", "all_waited_s"), 0.0))
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                ran_ns, waited_ns, slices = (task / "schedstat").read_text().split()[:3]
                ran, waited = int(ran_ns) / 1e9, int(waited_ns) / 1e9
                row["all_ran_s"] += ran
                row["all_waited_s"] += waited
                if task.name == str(pid):
                    row["loop_ran_s"], row["loop_waited_s"] = ran, waited
                    row["loop_slices"] = float(slices)
        except OSError:
            pass
        out.append(row)
    return out


def cpu_delta(
    before: list[dict[str, float]], after: list[dict[str, float]]
) -> list[dict[str, float]]:
    return [{k: round(a[k] - b[k], 2) for k in a} for b, a in zip(before, after, strict=True)]
