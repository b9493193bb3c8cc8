"""The follow-up list as CSV and XLSX (through the one export helper)."""

from __future__ import annotations

from server.dbtypes import utcnow
from server.followup.service import STATUS_TITLES, FollowUpList
from server.reports.export import Sheet, csv_bytes, vn_time, xlsx_bytes

COLUMNS = [
    ("Mã nhân viên thu", "agent_code", "text"),
    ("Tình trạng", "status", "text"),
    ("Họ và tên", "full_name", "text"),
    ("Điện thoại", "phone", "text"),
    ("Địa chỉ", "address", "text"),
    ("Xã, phường", "commune", "text"),
    ("Số CCCD", "citizen_id", "text"),
    ("Phương thức (tháng)", "method_months", "int"),
    ("Đóng đến ngày", "coverage_end", "date"),
    ("Hạn đóng kỳ tiếp", "due_date", "date"),
    ("Hạn cuối", "deadline", "date"),
    ("Số ngày trễ", "days_late", "int"),
    ("Mã điểm thu", "point_code", "text"),
]


def to_csv(result: FollowUpList) -> bytes:
    return csv_bytes(
        [c[1] for c in COLUMNS],
        ([getattr(r, c[1]) for c in COLUMNS] for r in result.rows),
    )


def to_xlsx(result: FollowUpList) -> bytes:
    def value(row: object, key: str) -> object:
        v = getattr(row, key)
        return STATUS_TITLES.get(v, v) if key == "status" else v

    return xlsx_bytes(
        [
            Sheet(
                name="Cần vận động",
                title=(
                    f"Người tham gia BHXH tự nguyện đến hạn, quá hạn, dừng đóng — ngày "
                    f"{result.at:%d/%m/%Y}, lập lúc {vn_time(utcnow())}"
                ),
                header=[c[0] for c in COLUMNS],
                rows=[[value(r, c[1]) for c in COLUMNS] for r in result.rows],
                kinds=[c[2] for c in COLUMNS],
            )
        ]
    )
