"""Time the collection reports on a scratch SQLite database: ``python -m benchmarks.bench_collect``.

Builds the test world, inserts N approved sign-ups at one point (half VSI, half household HI,
paid over a year), then times the province report (commune level), the follow-up list, the
sign-up list as XLSX and one filing batch with its workbook. Short by design (shared machine).
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from server.config import Settings
from server.main import create_app
from server.migrate import upgrade
from tests.collect.helpers import make_organisation
from tests.factories import EA_KAR, auth, build_world
from tests.reports.data import SignUp, insert_sign_ups


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sign-ups", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        settings = Settings(
            database_url=url,
            secret_key=secrets.token_urlsafe(32),
            secret_file=Path(tmp) / "s",
            argon2_time_cost=1,
            argon2_memory_kib=1024,
            argon2_parallelism=1,
        )
        app = create_app(settings)
        with TestClient(app) as client:
            w = build_world(app.state.engine, settings)
            org = make_organisation(client, w)
            start = date(2025, 1, 1)
            insert_sign_ups(
                app.state.engine,
                [
                    SignUp(
                        n,
                        "voluntary_si" if n % 2 else "household_hi",
                        start + timedelta(days=n % 365),
                        w["agent1"],
                        w["p1"],
                        EA_KAR,
                        months=3 if n % 2 else 12,
                    )
                    for n in range(args.sign_ups)
                ],
            )
            admin = auth(client, "admin")
            for label, call in (
                (
                    "province report, commune level",
                    lambda: client.get(
                        "/api/v1/reports/province",
                        params={"at": "2025-12-31", "level": "commune"},
                        headers=admin,
                    ),
                ),
                (
                    "follow-up list",
                    lambda: client.get(
                        "/api/v1/follow-up", params={"at": "2026-01-15"}, headers=admin
                    ),
                ),
                (
                    "sign-up list XLSX (year)",
                    lambda: client.get(
                        "/api/v1/reports/sign-ups/export",
                        params={"period": "2025", "format": "xlsx"},
                        headers=admin,
                    ),
                ),
                (
                    "filing batch (one month)",
                    lambda: client.post(
                        "/api/v1/filing/batches",
                        json={"organisation_id": org, "period": "2025-03"},
                        headers=admin,
                    ),
                ),
                (
                    "filing workbook",
                    lambda: client.get("/api/v1/filing/batches/1/file", headers=admin),
                ),
            ):
                began = time.perf_counter()
                r = call()
                took = time.perf_counter() - began
                assert r.status_code in (200, 201), r.text[:300]
                print(f"{label:34s} {took * 1000:8.0f} ms  ({len(r.content):,} bytes)")


if __name__ == "__main__":
    main()
