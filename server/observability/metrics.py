"""Prometheus metrics (prometheus-client) and the ``/metrics`` route.

Counters and histograms are updated where things happen (the middleware, the push route,
admission control). Figures that live in the database (summary freshness, devices by time since
their last contact) are read when Prometheus scrapes, by ``DatabaseCollector``, so every
process reports the same truth. With several workers (``serve --workers N``) the launcher sets
``PROMETHEUS_MULTIPROC_DIR`` and each scrape sums the workers' files.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from enroll_common.sync_wire import PushResponse
from server.auth.models import Device
from server.observability import context
from server.policy.models import PolicyVersion
from server.policy.runway import days_left
from server.policy.service import today_local
from server.reports.models import ProgressRefresh

PREFIX = "field_enroll"
disable_created_metrics()  # type: ignore[no-untyped-call] # no *_created series: they double the output and nobody graphs them

REQUESTS = Counter(
    f"{PREFIX}_http_requests_total",
    "Requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time to answer a request, by route template.",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PUSH_RECORDS = Counter(
    f"{PREFIX}_push_records_total",
    "Records received by push, by outcome (accepted, duplicate, conflict, rejected).",
    ["status"],
)
PUSH_BATCH = Histogram(
    f"{PREFIX}_push_batch_records",
    "Records per push request.",
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000),
)
PUSH_SECONDS = Histogram(
    f"{PREFIX}_push_duration_seconds",
    "Time to store one push batch.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SHED = Counter(
    f"{PREFIX}_shed_requests_total",
    "Requests refused to protect the server (429/503 + Retry-After), by reason and route "
    "(push_in_flight: a push past the sync budget; sync_in_flight: a pull or void past it).",
    ["reason", "route"],
)
SHED_SECONDS = Histogram(
    f"{PREFIX}_shed_answer_seconds",
    "Time from a sync request entering the app (the request-context middleware) to its 429 "
    "being handed to the server, by route. It excludes the time before the app is called "
    "(the socket queue, uvicorn's parsing), so it is a lower bound of what a client waits; "
    "the burst benchmark's probe measures the rest.",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)
LOGINS = Counter(
    f"{PREFIX}_logins_total",
    "Login attempts (API and dashboard) by outcome: ok, failed, throttled.",
    ["outcome"],
)
POOL_IN_USE = Gauge(
    f"{PREFIX}_db_pool_connections_in_use",
    "Database connections checked out of the pool (summed over workers).",
    multiprocess_mode="livesum",
)

DEVICE_AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("1h", 3600),
    ("1d", 86400),
    ("7d", 7 * 86400),
    ("30d", 30 * 86400),
)
"""Upper bounds of the "time since a device was last heard from" groups; older is "older"."""


def observe_push(response: PushResponse, seconds: float | None = None) -> None:
    """Count one push batch: records per outcome, batch size and time taken (by default,
    since the request started)."""
    if seconds is None:
        started = context.current().get("started")
        seconds = time.perf_counter() - started if isinstance(started, float) else 0.0
    PUSH_BATCH.observe(len(response.results))
    PUSH_SECONDS.observe(seconds)
    for result in response.results:
        PUSH_RECORDS.labels(status=str(result.status)).inc()


def observe_push_shed(route: str = "push", seconds: float | None = None) -> None:
    """Count a sync request refused by admission control (the in-flight budget is full).

    Pushes keep the reason ``push_in_flight`` they always had, so existing alerts still count
    them; pulls and voids, which share the budget since issue 14, are ``sync_in_flight``.
    ``seconds``, when given, is how long the 429 took inside the app (``SHED_SECONDS``).
    """
    reason = "push_in_flight" if route == "push" else "sync_in_flight"
    SHED.labels(reason=reason, route=route).inc()
    if seconds is not None:
        SHED_SECONDS.labels(route=route).observe(seconds)


def observe_login(status_code: int) -> None:
    outcome = {200: "ok", 303: "ok", 429: "throttled"}.get(status_code, "failed")
    LOGINS.labels(outcome=outcome).inc()


def track_pool(engine: Engine) -> None:
    """Keep ``POOL_IN_USE`` in step with the engine's checkouts and checkins."""

    @event.listens_for(engine, "checkout")
    def _out(*_args: object) -> None:
        POOL_IN_USE.inc()

    @event.listens_for(engine, "checkin")
    def _in(*_args: object) -> None:
        POOL_IN_USE.dec()


def device_age_bucket(last_seen: datetime | None, now: datetime) -> str:
    if last_seen is None:
        return "never"
    if last_seen.tzinfo is None:
        last_seen = last_seen.replace(tzinfo=UTC)
    age = (now - last_seen).total_seconds()
    for name, bound in DEVICE_AGE_BUCKETS:
        if age <= bound:
            return name
    return "older"


class DatabaseCollector(Collector):
    """Figures read from the database at scrape time (shared by every process)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = datetime.now(UTC)
        devices = GaugeMetricFamily(
            f"{PREFIX}_devices_by_last_contact",
            "Active devices by time since their last authenticated call (sync or other): "
            "le 1h, 1d, 7d, 30d, older.",
            labels=["age"],
        )
        freshness = GaugeMetricFamily(
            f"{PREFIX}_summary_rebuild_age_seconds",
            "Seconds since this year's report summary was last built from scratch (the oldest "
            "province-year). It is maintained with every write in between, so this is not "
            "staleness: absent means this year's summary was never built (the first report "
            "will build it).",
        )
        try:
            with self.engine.connect() as conn:
                counts = dict.fromkeys([b for b, _ in DEVICE_AGE_BUCKETS] + ["older"], 0)
                seen = conn.execute(
                    select(col(Device.last_seen_at)).where(col(Device.revoked_at).is_(None))
                ).scalars()
                for last in seen:
                    counts[device_age_bucket(last, now)] += 1
                oldest = conn.execute(
                    select(func.min(col(ProgressRefresh.refreshed_at))).where(
                        col(ProgressRefresh.year) == now.year
                    )
                ).scalar()
                national = (
                    conn.execute(
                        select(
                            col(PolicyVersion.parameter),
                            col(PolicyVersion.effective_from),
                            col(PolicyVersion.effective_to),
                        ).where(col(PolicyVersion.province_code).is_(None))
                    )
                    .tuples()
                    .all()
                )
        except Exception:  # a scrape must answer even when the database does not
            return
        for name, value in counts.items():
            devices.add_metric([name], value)
        yield devices
        runway = GaugeMetricFamily(
            f"{PREFIX}_policy_days_left",
            "Days (Vietnam time) until a policy parameter has no national version in force; "
            "0: none today, so what needs it is refused. Open-ended parameters are absent.",
            labels=["parameter"],
        )
        for parameter, days in days_left(national, today_local()).items():
            runway.add_metric([parameter], days)
        yield runway
        if oldest is not None:
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=UTC)
            freshness.add_metric([], (now - oldest).total_seconds())
            yield freshness


router = APIRouter(tags=["system"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text format; scrape it from the internal network only (docs/deployment.md)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        workers = CollectorRegistry()
        MultiProcessCollector(workers)  # type: ignore[no-untyped-call]
        parts = [generate_latest(workers)]
    else:
        parts = [generate_latest(REGISTRY)]
    shared = CollectorRegistry()
    shared.register(DatabaseCollector(request.app.state.engine))
    parts.append(generate_latest(shared))
    return Response(b"".join(parts), media_type=CONTENT_TYPE_LATEST)
