"""The reconciliation as a workbook, through the one export helper."""

from __future__ import annotations

from server.cash.schemas import Reconciliation
from server.dbtypes import utcnow
from server.reports.export import Sheet, vn_time, xlsx_bytes

AGENT_COLUMNS = [
    ("Mã nhân viên thu", "agent_code", "text"),
    ("Nhân viên thu", "agent_name", "text"),
    ("Số hồ sơ", "sign_ups", "int"),
    ("Đã thu (đồng)", "collected_vnd", "int"),
    ("Đã hoàn trả (đồng)", "refunds_paid_vnd", "int"),
    ("Còn phải hoàn (đồng)", "refunds_owed_vnd", "int"),
    ("Phải nộp (đồng)", "net_vnd", "int"),
    ("Đã bàn giao (đồng)", "handed_over_vnd", "int"),
    ("Đang giữ (đồng)", "held_vnd", "int"),
    ("Giữ quá hạn (đồng)", "overdue_vnd", "int"),
    ("Giữ từ ngày", "oldest_held", "date"),
]


def reconciliation_file(report: Reconciliation) -> bytes:
    o = report.organisation
    return xlsx_bytes(
        [
            Sheet(
                name="Đối soát",
                title=(
                    f"Đối soát tiền thu kỳ {report.period} đến ngày {report.at:%d/%m/%Y}, "
                    f"lập lúc {vn_time(utcnow())}"
                ),
                notes=[
                    f"Tổ chức: đã nhận {o.handed_over_vnd:,} = đã chuyển {o.transferred_vnd:,} "
                    f"+ đang giữ {o.held_by_org_vnd:,} (quá hạn {o.overdue_vnd:,}) đồng; "
                    f"cân đối: {'có' if report.balanced else 'KHÔNG'}"
                ],
                header=[c[0] for c in AGENT_COLUMNS],
                rows=[[getattr(a, c[1]) for c in AGENT_COLUMNS] for a in report.agents],
                kinds=[c[2] for c in AGENT_COLUMNS],
            )
        ]
    )
