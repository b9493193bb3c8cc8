"""The batch pipeline answers a batch exactly as records pushed one per request would be.

One scenario (new records, in-batch duplicates, corrections, every rejection and conflict
kind) runs twice in one database under two namespaces (other people, households and
receipt numbers): once as a single batch, once one record per request. Answers and stored
rows must be the same.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, col, select

from server.enrollments.models import Enrollment, EnrollmentAudit, EnrollmentRevision, ReceiptUse
from tests.enrollments.helpers import Ctx, hi_record, ready, vsi_record


def _scenario(ctx: Ctx, ns: str, first_receipt: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Setup pushes (one approved, one of agent2), then the records of the scenario."""
    receipts = iter(range(first_receipt, first_receipt + 40))
    cid = {k: f"0660900{ns}{k:04d}" for k in range(1, 9)}
    hh = f"HH-{ns}"

    def hi(k: int, **kw: Any) -> dict[str, Any]:
        kw.setdefault("household", hh)
        kw.setdefault("receipt", next(receipts))
        return hi_record(ctx, citizen_id=cid[k], **kw)

    approved = hi(7, household=f"HH-{ns}-X")
    ctx.push_one(approved)
    r = ctx.client.post(
        f"/api/v1/enrollments/{approved['id']}/review",
        json={"decision": "approve"},
        headers=ctx.coord,
    )
    assert r.status_code == 200, r.text
    theirs = hi_record(
        ctx, citizen_id=cid[8], household=f"HH-{ns}-Y", receipt=ctx.receipt2(), point="p2"
    )
    assert ctx.push_one(theirs, headers=ctx.agent2)["status"] == "accepted"

    m1 = hi(1)
    m2 = hi(2, ordinal=1, name="Trần Thị Bình")
    late = hi(4, rev=3)
    records = [
        m1,
        m2,
        m1,  # the same content again: a duplicate
        {**m2, "rev": 2, "months": 6, "amount_collected_vnd": 442_260},  # keeps place 2
        {**m1, "person": {**m1["person"], "address": "Thôn 9"}},  # same rev, other content
        hi(3, receipt=m1["receipt_number"]),  # receipt already used
        hi(3, receipt=10**9),  # not in this device's blocks
        {**hi(3), "person": {**hi(3)["person"], "citizen_id": "123"}},  # schema
        vsi_record(ctx, citizen_id=cid[5], receipt=next(receipts)),
        vsi_record(ctx, citizen_id=cid[5], receipt=next(receipts)),  # the next period
        hi(6, point="p2"),  # not one of my points
        late,
        {**late, "rev": 2},  # older than the stored rev 3
        {**approved, "rev": 2, "months": 6},  # frozen by review
        {**theirs, "receipt_number": next(receipts)},  # another agent's id
        hi(3, ordinal=4),  # the household's 4th member, after m1, m2 and late
    ]
    return records, [str(r["id"]) for r in records]


def _answer(result: dict[str, Any]) -> dict[str, Any]:
    acc = result.get("accepted") or {}
    sv = result.get("server_version") or {}
    return {
        "status": result["status"],
        "reason": result.get("reason"),
        "rev": result.get("rev"),
        "errors": sorted(e["field"] for e in result.get("errors") or []),
        "accepted": {
            k: acc.get(k)
            for k in (
                "rev",
                "record_status",
                "amount_vnd",
                "adjustment_vnd",
                "household_ordinal",
                "coverage_start",
                "coverage_end",
                "lines",
                "flags",
            )
        },
        "server_version": (sv.get("rev"), sv.get("record_status")),
    }


def _stored(engine: Any, ids: list[str]) -> list[Any]:
    with Session(engine) as s:
        rows = {e.id: e for e in s.exec(select(Enrollment).where(col(Enrollment.id).in_(ids)))}
        out = []
        for i in ids:
            e = rows.get(i)
            if e is None:
                out.append(None)
                continue
            revs = s.exec(
                select(EnrollmentRevision.rev).where(EnrollmentRevision.enrollment_id == i)
            ).all()
            uses = s.exec(select(ReceiptUse.kind).where(ReceiptUse.enrollment_id == i)).all()
            audits = s.exec(
                select(EnrollmentAudit.action).where(EnrollmentAudit.entity_id == i)
            ).all()
            out.append(
                (
                    e.rev,
                    e.status,
                    e.amount_vnd,
                    e.adjustment_vnd,
                    e.household_ordinal,
                    e.coverage_start,
                    e.coverage_end,
                    e.flag_list(),
                    sorted(revs),
                    sorted(uses),
                    sorted(audits),
                )
            )
        return out


def test_batch_answers_and_rows_equal_one_record_per_request(client, engine, settings):
    ctx = ready(client, engine, settings)
    first = int(ctx.block["first_number"])
    batch_records, batch_ids = _scenario(ctx, "1", first + 20)
    single_records, single_ids = _scenario(ctx, "2", first + 60)

    batch = ctx.push(*batch_records)
    singles = [ctx.push_one(r) for r in single_records]

    assert [r["index"] for r in batch["results"]] == list(range(len(batch_records)))
    for k, (b, s) in enumerate(zip(batch["results"], singles, strict=True)):
        assert _answer(b) == _answer(s), f"record {k}"
    statuses = [r["status"] for r in batch["results"]]
    assert statuses == [
        "accepted",
        "accepted",
        "duplicate",
        "accepted",
        "conflict",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
        "accepted",  # the same person's next VSI period
        "rejected",
        "accepted",
        "conflict",
        "conflict",
        "conflict",
        "accepted",
    ]
    assert batch["results"][1]["accepted"]["household_ordinal"] == 2
    assert batch["results"][3]["accepted"]["household_ordinal"] == 2  # the correction
    assert batch["results"][11]["accepted"]["household_ordinal"] == 3
    assert batch["results"][15]["accepted"]["household_ordinal"] == 4
    # The same person's second VSI payment continues the cycle: the next 3 months.
    second = batch["results"][9]["accepted"]
    assert (second["coverage_start"], second["coverage_end"]) == ("2025-12-01", "2026-02-28")
    # Paid on the same day as the first, it may be the same payment keyed twice: flagged.
    assert "possible_duplicate" in second["flags"]
    reasons = [r.get("reason") for r in batch["results"] if r["status"] == "conflict"]
    assert reasons == ["same_rev_other_content", "stale_rev", "frozen", "not_yours"]
    # The in-batch duplicate carries the very answer (and code) given to the original.
    assert batch["results"][2]["accepted"] == batch["results"][0]["accepted"]
    assert (batch["accepted"], batch["duplicate"], batch["conflict"], batch["rejected"]) == (
        7,
        1,
        4,
        4,
    )
    assert _stored(engine, batch_ids) == _stored(engine, single_ids)

    # Replaying the whole batch stores nothing more and answers duplicates for the stored.
    again = ctx.push(*batch_records)
    assert again["accepted"] == 0
    assert _stored(engine, batch_ids) == _stored(engine, single_ids)


def test_batch_with_new_id_then_its_correction_stores_the_correction(client, engine, settings):
    ctx = ready(client, engine, settings)
    rec = hi_record(ctx, record_id=str(uuid.uuid4()))
    body = ctx.push(rec, {**rec, "rev": 2, "months": 6, "amount_collected_vnd": 631_800})
    assert [r["status"] for r in body["results"]] == ["accepted", "accepted"]
    codes = {r["accepted"]["verification_code"] for r in body["results"]}
    assert len(codes) == 2
    with Session(engine) as s:
        row = s.get(Enrollment, rec["id"])
        assert row is not None and row.rev == 2 and row.months == 6 and row.amount_vnd == 631_800
        stored_codes = s.exec(
            select(EnrollmentRevision.verification_code).where(
                EnrollmentRevision.enrollment_id == rec["id"]
            )
        ).all()
    assert {c[:5] + "-" + c[5:] for c in stored_codes if c} == codes
