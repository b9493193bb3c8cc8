"""A data-subject request: everything held about one person, and correcting their details.

Found by citizen id: sign-ups (current state), every revision body the device sent, the
audit entries of those sign-ups (who created, reviewed, viewed or corrected them), and the
register rows (participants). Users' own accounts are not keyed by citizen id and are
answered from the user list.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from sqlmodel import Session, col, select

from server.dbtypes import utcnow
from server.enrollments.audit import audit
from server.enrollments.models import Enrollment, EnrollmentAudit, EnrollmentRevision
from server.errors import NotFound, RuleViolation
from server.participants.models import Participant

# Contact details a person may have corrected at the office without a new sign-up revision:
# they change no amount, coverage or eligibility. Anything else is corrected the way every
# sign-up is: the coordinator returns it, the agent sends a corrected revision.
CORRECTABLE = {"phone": 20, "address": 300}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(model: Any, exclude: set[str] | None = None) -> dict[str, Any]:
    return {k: _plain(v) for k, v in model.model_dump(exclude=exclude or set()).items()}


def person_data(session: Session, *, citizen_id: str) -> dict[str, Any]:
    """Everything held about one person, as plain JSON-ready data."""
    sign_ups = session.exec(
        select(Enrollment).where(Enrollment.citizen_id == citizen_id).order_by(col(Enrollment.id))
    ).all()
    ids = [e.id for e in sign_ups]
    revisions = (
        session.exec(
            select(EnrollmentRevision)
            .where(col(EnrollmentRevision.enrollment_id).in_(ids))
            .order_by(col(EnrollmentRevision.enrollment_id), col(EnrollmentRevision.rev))
        ).all()
        if ids
        else []
    )
    audits = (
        session.exec(
            select(EnrollmentAudit)
            .where(EnrollmentAudit.entity == "enrollment", col(EnrollmentAudit.entity_id).in_(ids))
            .order_by(col(EnrollmentAudit.id))
        ).all()
        if ids
        else []
    )
    register = session.exec(
        select(Participant)
        .where(Participant.citizen_id == citizen_id)
        .order_by(col(Participant.id))
    ).all()
    return {
        "citizen_id": citizen_id,
        "exported_at": utcnow().isoformat(),
        "sign_ups": [_row(e) for e in sign_ups],
        "revisions": [_row(r) for r in revisions],
        "audit": [_row(a) for a in audits],
        "register": [_row(p) for p in register],
    }


def to_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


SHEETS = {
    "sign_ups": "Đăng ký",
    "revisions": "Các lần gửi",
    "audit": "Nhật ký",
    "register": "Danh sách tham gia",
}


def to_xlsx(data: dict[str, Any]) -> bytes:
    """One sheet per kind of record, one row per record, every field a column."""
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "Thông tin"
    about.append(["Số định danh (citizen id)", data["citizen_id"]])
    about.append(["Xuất lúc (exported at, UTC)", data["exported_at"]])
    for key, title in SHEETS.items():
        sheet = book.create_sheet(title)
        rows: list[dict[str, Any]] = data[key]
        about.append([title, len(rows)])
        columns = sorted({c for r in rows for c in r})
        sheet.append(columns)
        for r in rows:
            sheet.append([_cell(r.get(c)) for c in columns])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def correct(
    session: Session, *, enrollment_id: str, field: str, value: str, reason: str
) -> Enrollment:
    """Correct one contact detail at the person's request; the change is audited."""
    if field not in CORRECTABLE:
        raise RuleViolation(
            f"chỉ sửa được {', '.join(sorted(CORRECTABLE))} ở đây; trường khác: điều phối "
            "viên trả lại hồ sơ để cộng tác viên gửi bản sửa (only contact details here)",
            field="field",
        )
    if len(value) > CORRECTABLE[field]:
        raise RuleViolation(f"tối đa {CORRECTABLE[field]} ký tự", field="value")
    if not reason.strip():
        raise RuleViolation("cần ghi lý do (a reason is required)", field="reason")
    row = session.get(Enrollment, enrollment_id, with_for_update=True)
    if row is None:
        raise NotFound(f"không có hồ sơ {enrollment_id} (no such sign-up)")
    old = getattr(row, field)
    setattr(row, field, value or None if field == "phone" else value)
    row.updated_at = utcnow()
    session.add(row)
    audit(
        session,
        entity="enrollment",
        entity_id=row.id,
        action="correct_personal",
        actor_id=None,
        device_id=None,
        detail={"field": field, "old": old, "new": getattr(row, field), "reason": reason},
    )
    return row
