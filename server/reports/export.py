"""The progress report as CSV, as a formatted XLSX workbook, and as a terminal table."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from server.reports.schemas import Level, ProgressReport, ProgressRow

LEVEL_TITLES = {
    Level.AGENT: "Nhân viên thu",
    Level.POINT: "Điểm thu",
    Level.COMMUNE: "Xã, phường",
    Level.PROVINCE: "Tỉnh",
}
SCHEME_TITLES = {"voluntary_si": "BHXH tự nguyện", "household_hi": "BHYT hộ gia đình"}

# (Vietnamese header, English key, value getter, kind: int | pct | text)
Column = tuple[str, str, Callable[[ProgressRow], Any], str]
COLUMNS: list[Column] = [
    ("Mã", "unit_code", lambda r: r.unit_code, "text"),
    ("Tên đơn vị", "unit_name", lambda r: r.unit_name, "text"),
    ("Thuộc", "parent", lambda r: r.parent, "text"),
    ("Loại hình", "scheme", lambda r: SCHEME_TITLES.get(r.scheme, r.scheme), "text"),
    ("Kế hoạch (người)", "target", lambda r: r.target, "int"),
    ("Thực hiện (người)", "achieved", lambda r: r.achieved, "int"),
    ("Đã duyệt", "approved", lambda r: r.approved, "int"),
    ("Chờ duyệt", "pending", lambda r: r.pending, "int"),
    ("Tỷ lệ đạt (%)", "percent", lambda r: r.percent, "pct"),
    ("Còn thiếu", "shortfall", lambda r: r.shortfall, "int"),
    ("Vượt", "surplus", lambda r: r.surplus, "int"),
    ("Xếp hạng", "rank", lambda r: r.rank, "int"),
    ("Số tiền thu (đồng)", "amount_vnd", lambda r: r.amount_vnd, "int"),
    ("Kế hoạch thu (đồng)", "target_amount_vnd", lambda r: r.target_amount_vnd, "int"),
    ("Cùng kỳ năm trước", "last_year", lambda r: r.last_year, "int"),
    ("Tăng/giảm", "change", lambda r: r.change, "int"),
    ("Tăng/giảm (%)", "change_percent", lambda r: r.change_percent, "pct"),
    ("Đến hạn tái tục", "due_renewal", lambda r: r.due_renewal, "int"),
    ("Tỷ lệ bao phủ dân số (%)", "coverage_percent", lambda r: r.coverage_percent, "pct"),
    ("Tỷ lệ LLLĐ tham gia (%)", "labour_force_percent", lambda r: r.labour_force_percent, "pct"),
]


def to_csv(report: ProgressReport) -> bytes:
    """UTF-8 with a BOM (Excel opens it right), English keys then Vietnamese headers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "level", "kind", *[c[1] for c in COLUMNS]])
    for row in [*report.rows, *report.totals]:
        writer.writerow(
            [report.period, report.level.value, report.kind]
            + ["" if (v := c[2](row)) is None else v for c in COLUMNS]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(reports: Sequence[ProgressReport]) -> bytes:
    """One sheet per level, a title, bold headers, a totals row, percentages as 0.0%."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for report in reports:
        ws = wb.create_sheet(LEVEL_TITLES[report.level])
        ws.append(
            [
                f"Tiến độ phát triển người tham gia — kỳ {report.period} "
                f"(cùng kỳ {report.previous_period}), số liệu đến "
                f"{report.as_of:%d/%m/%Y %H:%M} UTC"
            ]
        )
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([c[0] for c in COLUMNS])
        for cell in ws[2]:
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in report.rows:
            ws.append([_cell(c, row) for c in COLUMNS])
        for total in report.totals:
            ws.append([_cell(c, total) for c in COLUMNS])
            for cell in ws[ws.max_row]:
                cell.font = bold
        for idx, column in enumerate(COLUMNS, start=1):
            letter = get_column_letter(idx)
            ws.column_dimensions[letter].width = 28 if column[1] == "unit_name" else 14
            fmt = "0.0%" if column[3] == "pct" else "#,##0" if column[3] == "int" else None
            if fmt:
                for (cell,) in ws.iter_rows(min_row=3, min_col=idx, max_col=idx):
                    cell.number_format = fmt
        ws.freeze_panes = "C3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cell(column: Column, row: ProgressRow) -> Any:
    value = column[2](row)
    if column[3] == "pct" and value is not None:
        return value / 100  # Excel shows 0.627 as 62.7%
    return value


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "int":
        return f"{value:,}"
    if kind == "pct":
        return f"{value:.1f}%"
    return str(value)


TERMINAL_KEYS = [
    "unit_code",
    "unit_name",
    "scheme",
    "target",
    "achieved",
    "pending",
    "percent",
    "shortfall",
    "rank",
    "last_year",
    "change",
    "due_renewal",
]


def terminal_rows(report: ProgressReport) -> tuple[list[str], list[list[str]]]:
    """Headers and formatted cells for a narrow terminal table."""
    columns = [c for c in COLUMNS if c[1] in TERMINAL_KEYS]
    body = [[_fmt(c[2](r), c[3]) for c in columns] for r in [*report.rows, *report.totals]]
    return [c[0] for c in columns], body
