"""The province report as CSV and XLSX, through the one export helper."""

from __future__ import annotations

from server.reports.export import LEVEL_TITLES, SCHEME_TITLES, Sheet, csv_bytes, vn_time, xlsx_bytes
from server.reports.province import ProvinceReport, ProvinceRow

# (Vietnamese header, key, kind)
COLUMNS: list[tuple[str, str, str]] = [
    ("Mã", "unit_code", "text"),
    ("Tên đơn vị", "unit_name", "text"),
    ("Loại hình", "scheme", "text"),
    ("Đang tham gia tại ngày", "in_force", "int"),
    ("Đang tham gia cuối năm trước", "in_force_year_start", "int"),
    ("Tăng/giảm so với cuối năm trước", "increase", "int"),
    ("Tăng mới (từ đầu năm)", "new", "int"),
    ("Gia hạn (từ đầu năm)", "renewed", "int"),
    ("Số thu từ đầu năm (đồng)", "revenue_vnd", "int"),
    ("Kế hoạch thu năm (đồng)", "revenue_plan_vnd", "int"),
    ("Tỷ lệ đạt kế hoạch thu (%)", "revenue_percent", "pct"),
    ("Dân số", "population", "int"),
    ("Tỷ lệ bao phủ BHYT (%)", "coverage_percent", "pct"),
]


def _value(row: ProvinceRow, key: str, kind: str, *, ratio: bool) -> object:
    value = getattr(row, key)
    if key == "scheme":
        return SCHEME_TITLES.get(value, value)
    if kind == "pct" and value is not None and ratio:
        return value / 100
    return value


def to_csv(report: ProvinceReport) -> bytes:
    return csv_bytes(
        ["at", "level", *[c[1] for c in COLUMNS]],
        (
            [report.at.isoformat(), report.level.value] + [getattr(r, c[1]) for c in COLUMNS]
            for r in [*report.rows, *report.totals]
        ),
    )


def to_xlsx(report: ProvinceReport) -> bytes:
    return xlsx_bytes(
        [
            Sheet(
                name=LEVEL_TITLES[report.level],
                title=(
                    f"Kết quả phát triển người tham gia đến ngày {report.at:%d/%m/%Y} "
                    f"(so với {report.year_start:%d/%m/%Y}), lập lúc {vn_time(report.as_of)}"
                ),
                notes=[report.coverage_label],
                header=[c[0] for c in COLUMNS],
                rows=[[_value(r, c[1], c[2], ratio=True) for c in COLUMNS] for r in report.rows],
                totals=[
                    [_value(r, c[1], c[2], ratio=True) for c in COLUMNS] for r in report.totals
                ],
                kinds=[c[2] for c in COLUMNS],
            )
        ]
    )
