"""The agency's confirmations, imported from its CSV/XLSX: all rows apply, or none.

Columns: ``reference`` (our sign-up id, or the receipt number), ``confirmation_code`` (mã
xác nhận) and ``date``. Vietnamese headers are accepted too. A row that matches no filed
sign-up in the caller's scope, repeats a reference, or conflicts with a code already
recorded makes the whole file fail with every such row reported.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from server.auth.scope import Principal, point_filter
from server.enrollments.audit import audit
from server.enrollments.models import Enrollment
from server.errors import Forbidden
from server.filing.models import FilingBatch, FilingEntry
from server.targets.importer import read_rows

ALIASES = {
    "reference": ("reference", "tham chiếu", "ma_ho_so", "số biên lai", "so_bien_lai", "id"),
    "confirmation_code": ("confirmation_code", "mã xác nhận", "ma_xac_nhan"),
    "date": ("date", "ngày", "ngày xác nhận", "ngay"),
}
_CODE = re.compile(r"^[A-Za-z0-9./_-]{1,40}$")


class ImportProblem(BaseModel):
    row: int
    reference: str
    reason: str


class ConfirmationReport(BaseModel):
    rows: int
    applied: int
    problems: list[ImportProblem]


def _pick(raw: dict[str, str], key: str) -> str:
    for alias in ALIASES[key]:
        if raw.get(alias):
            return raw[alias].strip()
    return ""


def _date(text: str) -> date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    raise ValueError("ngày không hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd)")


def import_confirmations(
    session: Session, *, principal: Principal, filename: str, content: bytes, dry_run: bool
) -> ConfirmationReport:
    if principal.role.value == "agent":
        raise Forbidden("chỉ điều phối xã hoặc quản trị tỉnh được nhập xác nhận")
    parsed: list[tuple[int, str, str, date]] = []
    problems: list[ImportProblem] = []
    total = 0
    for number, raw in read_rows(filename, content):
        total += 1
        ref, code, when_text = (
            _pick(raw, "reference"),
            _pick(raw, "confirmation_code"),
            _pick(raw, "date"),
        )
        if not _CODE.match(code):
            problems.append(
                ImportProblem(row=number, reference=ref, reason="thiếu hoặc sai mã xác nhận")
            )
            continue
        try:
            parsed.append((number, ref, code, _date(when_text)))
        except ValueError as exc:
            problems.append(ImportProblem(row=number, reference=ref, reason=str(exc)))
    ids = [r.lower() for _, r, _, _ in parsed if _is_uuid(r)]
    receipts = [int(r) for _, r, _, _ in parsed if r.isdigit()]
    scope = point_filter(
        principal,
        col(Enrollment.point_id),
        col(Enrollment.commune_code),
        col(Enrollment.province_code),
    )
    found = session.exec(
        select(Enrollment, FilingEntry, FilingBatch)
        .join(FilingEntry, col(FilingEntry.enrollment_id) == col(Enrollment.id))
        .join(FilingBatch, col(FilingBatch.id) == col(FilingEntry.batch_id))
        .where(
            scope,
            col(Enrollment.id).in_(ids) | col(Enrollment.receipt_number).in_(receipts),
        )
        .with_for_update()  # a concurrent withdrawal waits, or its deleted entries vanish here
    ).all()
    by_ref: dict[str, tuple[Enrollment, FilingEntry, FilingBatch]] = {}
    for e, entry, batch in found:
        by_ref[e.id] = by_ref[str(e.receipt_number)] = (e, entry, batch)
    seen: set[str] = set()
    matched: list[tuple[FilingEntry, FilingBatch, str, date]] = []
    for number, ref, code, when in parsed:
        hit = by_ref.get(ref.lower() if _is_uuid(ref) else ref.lstrip("0") or "0")
        if hit is None:
            problems.append(
                ImportProblem(row=number, reference=ref, reason="không khớp hồ sơ nào đã nộp")
            )
            continue
        e, entry, batch = hit
        if e.id in seen:
            problems.append(ImportProblem(row=number, reference=ref, reason="trùng dòng khác"))
            continue
        seen.add(e.id)
        if entry.confirmation_code and entry.confirmation_code != code:
            problems.append(
                ImportProblem(
                    row=number,
                    reference=ref,
                    reason=f"đã có mã xác nhận khác ({entry.confirmation_code})",
                )
            )
            continue
        matched.append((entry, batch, code, when))
    report = ConfirmationReport(
        rows=total, applied=0, problems=sorted(problems, key=lambda p: p.row)
    )
    if problems or dry_run:
        return report
    for entry, batch, code, when in matched:
        entry.confirmation_code, entry.confirmed_on = code, when
        session.add(entry)
        if batch.status == "open":
            batch.status = "confirmed"
            session.add(batch)
        audit(
            session,
            entity="enrollment",
            entity_id=entry.enrollment_id,
            action="agency_confirmed",
            actor_id=principal.user_id,
            device_id=principal.device_id,
            detail={
                "batch_id": batch.id,
                "confirmation_code": code,
                "date": when.isoformat(),
                "file": filename,
            },
        )
    session.flush()
    report.applied = len(matched)
    return report


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
