"""The sign-up list and the commission table as files people open in Excel.

Both read through the caller's scope (``point_filter``), so an agent exports their own
points' sign-ups and a coordinator their communes', exactly like the JSON reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from enroll_common.glossary import TERMS
from enroll_common.periods import Period
from server.auth.models import Role, User
from server.auth.scope import Principal, point_filter
from server.dbtypes import utcnow
from server.enrollments.models import Enrollment
from server.filing.models import FilingBatch, FilingEntry
from server.org.models import CollectionPoint, Commune
from server.reports import reference
from server.reports.export import SCHEME_TITLES, Sheet, csv_bytes, vn_time, xlsx_bytes

# The glossary's words, capitalised as a cell starts (the same words as the pages and CLI).
STATUS_TITLES = {code: word.capitalize() for code, (word, _) in TERMS["status"].items()}
KIND_TITLES = {code: word.capitalize() for code, (word, _) in TERMS["kind"].items()}
SEX_TITLES = {"male": "Nam", "female": "Nữ"}
MAX_EXPORT_ROWS = 200_000


@dataclass(frozen=True)
class SignUpFilter:
    period: Period
    point_id: int | None = None
    agent_id: int | None = None
    scheme: str | None = None
    status: str | None = None
    flag: str | None = None


# (Vietnamese header, English key, kind)
SIGN_UP_COLUMNS: list[tuple[str, str, str]] = [
    ("Ngày nộp", "payment_date", "date"),
    ("Số biên lai", "receipt_number", "int"),
    ("Họ và tên", "full_name", "text"),
    ("Số CCCD", "citizen_id", "text"),
    ("Mã số BHXH", "si_code", "text"),
    ("Ngày sinh", "date_of_birth", "date"),
    ("Giới tính", "sex", "text"),
    ("Điện thoại", "phone", "text"),
    ("Địa chỉ", "address", "text"),
    ("Mã hộ gia đình", "household_code", "text"),
    ("Loại hình", "scheme", "text"),
    ("Tham gia mới/gia hạn", "kind", "text"),
    ("Số tháng", "months", "int"),
    ("Số tiền thu (đồng)", "amount_vnd", "int"),
    ("Điều chỉnh (đồng)", "adjustment_vnd", "int"),
    ("Từ ngày", "coverage_start", "date"),
    ("Đến ngày", "coverage_end", "date"),
    ("Trạng thái", "status", "text"),
    ("Cờ", "flags", "text"),
    ("Mã điểm thu", "point_code", "text"),
    ("Điểm thu", "point_name", "text"),
    ("Mã nhân viên thu", "agent_code", "text"),
    ("Nhân viên thu", "agent_name", "text"),
    ("Xã, phường", "commune", "text"),
    ("Đợt nộp số", "filing_batch", "int"),
    ("Mã xác nhận BHXH", "confirmation_code", "text"),
]


def sign_up_rows(
    session: Session, *, principal: Principal, flt: SignUpFilter
) -> list[dict[str, object]]:
    """The sign-ups paid in the period that match the filters, in the caller's scope."""
    stmt = (
        select(Enrollment, CollectionPoint, User, Commune)
        .join(CollectionPoint, col(CollectionPoint.id) == col(Enrollment.point_id))
        .join(User, col(User.id) == col(Enrollment.agent_id))
        .join(Commune, col(Commune.code) == col(Enrollment.commune_code))
        .where(
            point_filter(
                principal,
                col(Enrollment.point_id),
                col(Enrollment.commune_code),
                col(Enrollment.province_code),
            ),
            col(Enrollment.payment_date) >= flt.period.start,
            col(Enrollment.payment_date) <= flt.period.end,
        )
    )
    if principal.role is Role.AGENT:
        stmt = stmt.where(col(Enrollment.agent_id) == principal.user_id)
    if flt.point_id is not None:
        stmt = stmt.where(col(Enrollment.point_id) == flt.point_id)
    if flt.agent_id is not None:
        stmt = stmt.where(col(Enrollment.agent_id) == flt.agent_id)
    if flt.scheme is not None:
        stmt = stmt.where(col(Enrollment.scheme) == flt.scheme)
    if flt.status is not None:
        stmt = stmt.where(col(Enrollment.status) == flt.status)
    if flt.flag is not None:
        stmt = stmt.where(col(Enrollment.flags).contains(f",{flt.flag},"))
    stmt = stmt.order_by(col(Enrollment.payment_date), col(Enrollment.receipt_number))
    found = session.exec(stmt.limit(MAX_EXPORT_ROWS)).all()
    filed = _filed(session, [row[0].id for row in found])
    rows: list[dict[str, object]] = []
    for e, point, agent, commune in found:
        batch_number, confirmation = filed.get(e.id, (None, None))
        rows.append(
            {
                **e.model_dump(),
                "sex": SEX_TITLES.get(e.sex, e.sex),
                "scheme": SCHEME_TITLES.get(e.scheme, e.scheme),
                "kind": KIND_TITLES.get(e.kind, e.kind),
                "status": STATUS_TITLES.get(e.status, e.status),
                "flags": ", ".join(e.flag_list()),
                "point_code": point.code,
                "point_name": point.name,
                "agent_code": agent.agent_code or agent.username,
                "agent_name": agent.full_name,
                "commune": commune.name,
                "filing_batch": batch_number,
                "confirmation_code": confirmation,
            }
        )
    return rows


def _filed(session: Session, ids: list[str]) -> dict[str, tuple[int, str | None]]:
    """Sign-up id -> (batch number, agency confirmation code) for those in a live batch."""
    out: dict[str, tuple[int, str | None]] = {}
    for i in range(0, len(ids), 500):
        for entry, batch in session.exec(
            select(FilingEntry, FilingBatch)
            .join(FilingBatch, col(FilingBatch.id) == col(FilingEntry.batch_id))
            .where(col(FilingEntry.enrollment_id).in_(ids[i : i + 500]))
        ).all():
            out[entry.enrollment_id] = (batch.number, entry.confirmation_code)
    return out


def sign_ups_file(
    session: Session,
    *,
    principal: Principal,
    flt: SignUpFilter,
    fmt: str,
    now: datetime | None = None,
) -> bytes:
    rows = sign_up_rows(session, principal=principal, flt=flt)
    if fmt == "csv":
        return csv_bytes(
            [c[1] for c in SIGN_UP_COLUMNS], ([r[c[1]] for c in SIGN_UP_COLUMNS] for r in rows)
        )
    filters = [
        f"{label}: {value}"
        for label, value in (
            ("điểm thu", flt.point_id),
            ("nhân viên", flt.agent_id),
            ("loại hình", SCHEME_TITLES.get(flt.scheme or "", flt.scheme)),
            ("trạng thái", STATUS_TITLES.get(flt.status or "", flt.status)),
            ("cờ", flt.flag),
        )
        if value is not None
    ]
    title = f"Danh sách người tham gia — kỳ {flt.period}, lập lúc {vn_time(now or utcnow())}"
    return xlsx_bytes(
        [
            Sheet(
                name="Danh sách",
                title=title,
                notes=[f"Lọc theo {'; '.join(filters)}"] if filters else [],
                header=[c[0] for c in SIGN_UP_COLUMNS],
                rows=[[r[c[1]] for c in SIGN_UP_COLUMNS] for r in rows],
                kinds=[c[2] for c in SIGN_UP_COLUMNS],
                totals=[
                    ["Tổng cộng", len(rows)]
                    + [None] * 11
                    + [sum(int(str(r["amount_vnd"])) for r in rows)]
                ],
            )
        ]
    )


COMMISSION_COLUMNS: list[tuple[str, str, str]] = [
    ("Mã nhân viên thu", "agent_code", "text"),
    ("Nhân viên thu", "agent_name", "text"),
    ("Loại hình", "scheme", "text"),
    ("Tham gia mới/gia hạn", "kind", "text"),
    ("Số hồ sơ", "sign_ups", "int"),
    ("Số tiền thu (đồng)", "amount_vnd", "int"),
    ("Thù lao (đồng)", "commission_vnd", "int"),
]


def commission_file(session: Session, *, principal: Principal, period: Period, fmt: str) -> bytes:
    """Commission per agent, scheme and kind for a period (agents: their own)."""
    report = reference.commission_report(session, principal=principal, period=period)
    rows = [
        {
            **r.model_dump(),
            "scheme": SCHEME_TITLES.get(r.scheme, r.scheme),
            "kind": KIND_TITLES.get(r.kind, r.kind),
        }
        for r in report.rows
    ]
    if fmt == "csv":
        return csv_bytes(
            ["period", *[c[1] for c in COMMISSION_COLUMNS]],
            ([report.period, *[r[c[1]] for c in COMMISSION_COLUMNS]] for r in rows),
        )
    return xlsx_bytes(
        [
            Sheet(
                name="Thù lao",
                title=(
                    f"Thù lao nhân viên thu — kỳ {report.period}, "
                    f"số liệu đến {vn_time(report.as_of)}"
                ),
                header=[c[0] for c in COMMISSION_COLUMNS],
                rows=[[r[c[1]] for c in COMMISSION_COLUMNS] for r in rows],
                kinds=[c[2] for c in COMMISSION_COLUMNS],
                totals=[
                    ["Tổng cộng", None, None, None]
                    + [sum(r.sign_ups for r in report.rows), sum(r.amount_vnd for r in report.rows)]
                    + [report.total_commission_vnd]
                ],
            )
        ]
    )
