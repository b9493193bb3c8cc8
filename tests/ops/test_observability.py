"""Structured logs and metrics, read from a real server process and a real scrape."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session

from server.policy.models import PolicyVersion
from server.policy.runway import days_left
from server.policy.service import today_local
from tests.enrollments.helpers import hi_record, ready
from tests.factories import PASSWORD, build_world
from tests.ops.logs import wait_for
from tests.servers import ServerProcess


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_every_line_of_a_request_carries_its_id_user_and_device(settings, engine, tmp_path):
    build_world(engine, settings)
    log = tmp_path / "server.log"
    server = ServerProcess(settings, log_path=log).start()
    try:
        login = httpx.post(
            f"{server.url}/api/v1/auth/login",
            json={"username": "agent.eakar", "password": PASSWORD, "device_id": "phone-7"},
        )
        assert login.status_code == 200
        token = login.json()["access_token"]
        r = httpx.get(
            f"{server.url}/api/v1/users/999999",
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "field-trace-42"},
        )
        assert r.status_code in (403, 404)
        assert r.json()["request_id"] == "field-trace-42" == r.headers["x-request-id"]
        line = wait_for(log, {"request_id": "field-trace-42", "event": "request"})
        assert line["user"] == "agent.eakar" and isinstance(line["device"], int)
        assert line["status"] == r.status_code and line["route"] == "/api/v1/users/{user_id}"
        assert line["client"] == "127.0.0.1" and line["level"] == "info"
        # A made-up id is replaced, and the one the server chose is in body, header and log.
        bad = httpx.get(f"{server.url}/api/v1/nowhere", headers={"X-Request-ID": "x" * 200})
        rid = bad.json()["request_id"]
        assert rid and rid == bad.headers["x-request-id"] and rid != "x" * 200
        assert wait_for(log, {"request_id": rid})["route"] == "unmatched"
    finally:
        server.stop()


def test_metrics_count_requests_logins_pushes_and_devices(client, engine, settings):
    before = _samples(client.get("/metrics").text)
    ctx = ready(client, engine, settings)  # logs in an agent
    bad = client.post(
        "/api/v1/auth/login",
        json={"username": "nobody", "password": "wrong password", "device_id": "d"},
    )
    assert bad.status_code == 401
    body = ctx.push(hi_record(ctx))
    assert body["accepted"] == 1
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    after = _samples(r.text)

    def grew(name: str, by: float = 1, **labels: str) -> bool:
        return _value(after, name, **labels) - _value(before, name, **labels) == by

    assert grew("field_enroll_logins_total", outcome="failed")
    assert _value(after, "field_enroll_logins_total", outcome="ok") > _value(
        before, "field_enroll_logins_total", outcome="ok"
    )
    assert grew("field_enroll_push_records_total", status="accepted")
    assert grew("field_enroll_push_batch_records_count")
    assert grew("field_enroll_push_batch_records_sum")  # one record in that batch
    assert grew(
        "field_enroll_http_requests_total",
        method="POST",
        route="/api/v1/sync/push",
        status="200",
    )
    assert _value(after, "field_enroll_devices_by_last_contact", age="1h") >= 1
    assert ("field_enroll_db_pool_connections_in_use", ()) in after


def test_shed_pushes_are_counted(client):
    from server.observability import observe_push_shed

    before = _samples(client.get("/metrics").text)
    observe_push_shed()  # what admission control calls when it refuses a push
    after = _samples(client.get("/metrics").text)
    name = "field_enroll_shed_requests_total"
    labels = {"reason": "push_in_flight", "route": "push"}
    assert _value(after, name, **labels) - _value(before, name, **labels) == 1


def test_throttled_logins_are_counted(client, engine, settings):
    build_world(engine, settings)
    before = _samples(client.get("/metrics").text)
    for _ in range(settings.login_max_failures_per_account + 1):
        last = client.post(
            "/api/v1/auth/login",
            json={"username": "agent.eakar", "password": "not it at all", "device_id": "d"},
        )
    assert last.status_code == 429
    after = _samples(client.get("/metrics").text)
    throttled = _value(after, "field_enroll_logins_total", outcome="throttled") - _value(
        before, "field_enroll_logins_total", outcome="throttled"
    )
    assert throttled == 1


def test_policy_running_out_is_a_metric_before_sales_stop(client, engine):
    """The shipped rural poverty line ends on 2026-12-31 (docs/policy-rules.md §7): the
    scrape counts the days left, and they grow when an admin enters the next version."""
    today = today_local()
    shipped_end = date(2026, 12, 31)

    def days(parameter: str) -> float | None:
        found = _samples(client.get("/metrics").text)
        key = ("field_enroll_policy_days_left", (("parameter", parameter),))
        return found.get(key)

    assert days("vsi_income_floor") == max(0, (shipped_end - today).days + 1)
    assert days("base_salary") is None  # open-ended: never runs out
    with Session(engine) as s:
        s.add(
            PolicyVersion(
                parameter="vsi_income_floor",
                value=2_200_000,
                effective_from=max(today, shipped_end + timedelta(days=1)),
                effective_to=date(2030, 12, 31),
                source="test",
            )
        )
        s.commit()
    assert days("vsi_income_floor") == (date(2031, 1, 1) - today).days


def test_days_left_follows_back_to_back_versions_and_stops_at_a_gap():
    today = date(2026, 12, 1)
    spans = [
        ("base_salary", date(2024, 7, 1), date(2025, 6, 30)),
        ("base_salary", date(2025, 7, 1), None),
        ("vsi_income_floor", date(2022, 1, 1), date(2026, 12, 31)),
        ("vsi_income_floor", date(2027, 1, 1), date(2027, 3, 31)),
        ("vsi_income_floor", date(2027, 5, 1), None),  # after a gap: does not count
        ("vsi_rate", date(2027, 1, 1), None),  # starts later: none in force today
    ]
    left = days_left(spans, today)
    assert "base_salary" not in left
    assert left["vsi_income_floor"] == (date(2027, 4, 1) - today).days == 121
    assert left["vsi_rate"] == 0
    assert left["hi_household_rate"] == 0  # no version at all
