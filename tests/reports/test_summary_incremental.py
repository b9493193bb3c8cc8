"""The summary maintained by pushes and reviews equals a full rebuild, whatever happened."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import Session

from server.reports.models import ProgressSummary
from server.reports.summary import COUNTS, KEY, rebuild
from tests.enrollments.helpers import ready, vsi_record

_push = st.tuples(
    st.just("push"),
    st.integers(0, 5),  # person
    st.integers(0, 2),  # household
    st.sampled_from([3, 6, 12]),
    st.sampled_from(["new", "renewal"]),
    st.sampled_from([date(2025, 1, 20), date(2025, 3, 31), date(2025, 12, 30), date(2026, 2, 1)]),
    st.booleans(),  # health insurance or voluntary
)
_batch = st.tuples(st.just("batch"), st.lists(_push, min_size=2, max_size=4))
"""Several sign-ups in one push: the push computes their share in memory, together."""
_correct = st.tuples(st.just("correct"), st.integers(0, 30), st.sampled_from([3, 6, 12]))
_move = st.tuples(st.just("move"), st.integers(0, 30), st.integers(0, 5))
"""A correction that moves a sign-up to another person (the first one's share shrinks)."""
_review = st.tuples(
    st.just("review"), st.integers(0, 30), st.sampled_from(["approve", "reject", "return"])
)


def _summary(engine: Any) -> set[tuple[Any, ...]]:
    t = ProgressSummary.__table__  # type: ignore[attr-defined]
    with Session(engine) as s:
        rows = s.execute(select(*[t.c[c] for c in KEY + COUNTS])).all()
    return {tuple(r) for r in rows if any(r[len(KEY) :])}


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(st.one_of(_push, _batch, _correct, _move, _review), min_size=1, max_size=14))
def test_incremental_summary_equals_full_rebuild(client, engine, settings, ops):
    if not hasattr(engine, "_fe_ctx"):
        engine._fe_ctx = ready(client, engine, settings)
        engine._fe_records = []
    ctx = engine._fe_ctx
    records: list[dict[str, Any]] = engine._fe_records

    def record(op: tuple[Any, ...]) -> dict[str, Any]:
        _, person, household, months, kind, paid, hi = op
        rec = vsi_record(
            ctx, citizen_id=f"06609{person:07d}", payment_date=paid, months=months, kind=kind
        )
        if hi:
            rec = {
                **rec,
                "scheme": "household_hi",
                "monthly_income_vnd": None,
                "household": {"code": f"HH-P-{household}", "ordinal": 1, "members": []},
                "months": 12 if months == 12 else 6,
            }
        return rec

    for op in ops:
        if op[0] in ("push", "batch"):
            batch = [record(one) for one in (op[1] if op[0] == "batch" else [op])]
            if len(records) + len(batch) > 90:
                continue  # the device's block holds 100 receipts
            answers = ctx.push(*batch)["results"]
            records += [r for r, a in zip(batch, answers, strict=True) if a["status"] == "accepted"]
        elif op[0] == "correct" and records:
            rec = records[op[1] % len(records)]
            months = rec["months"] if rec.get("household") else op[2]
            fixed = {**rec, "rev": rec["rev"] + 1, "months": months}
            if ctx.push_one(fixed)["status"] == "accepted":
                records[records.index(rec)] = fixed
        elif op[0] == "move" and records:
            rec = records[op[1] % len(records)]
            moved = {
                **rec,
                "rev": rec["rev"] + 1,
                "person": {**rec["person"], "citizen_id": f"06609{op[2]:07d}"},
            }
            if ctx.push_one(moved)["status"] == "accepted":
                records[records.index(rec)] = moved
        elif op[0] == "review" and records:
            rec = records[op[1] % len(records)]
            ctx.client.post(
                f"/api/v1/enrollments/{rec['id']}/review",
                json={"decision": op[2], "reason": "kiểm tra"},
                headers=ctx.coord,
            )
    maintained = _summary(engine)
    years = {(r[0], r[1]) for r in maintained} | {(66, y) for y in (2025, 2026, 2027)}
    with Session(engine) as s:
        for province, year in sorted(years):
            rebuild(s, province_code=province, year=year)
        s.commit()
    assert _summary(engine) == maintained
