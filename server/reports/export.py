"""Every CSV and XLSX the server writes goes through this module.

Two jobs: (1) neutralise text that a spreadsheet would run as a formula (a point named
``=HYPERLINK(…)`` must stay text), in one helper, ``safe``, that every writer calls; (2) lay
workbooks out for people who open and print them: columns sized to their content, frozen
header, landscape, fit to the page width, header repeated on every printed page, and titles
in Vietnam time. The progress report's own renderings follow the generic writers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from enroll_common.glossary import TERMS
from server.reports.schemas import Level, ProgressReport, ProgressRow

VN_TZ = timezone(timedelta(hours=7), "ICT")  # Vietnam keeps no daylight saving time
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MAX_WIDTH = 60


def safe(value: Any) -> Any:
    """A text cell a spreadsheet would read as a formula gets a leading apostrophe.

    Numbers are left alone (a negative number is data, not a formula); only ``str`` values
    starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return are touched (OWASP's
    CSV-injection advice). Excel and LibreOffice show the apostrophe-prefixed text as is.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def vn_time(at: datetime) -> str:
    """'30/11/2026 14:05 (giờ Việt Nam)' for a title: coordinators read Vietnam time."""
    return f"{at.astimezone(VN_TZ):%d/%m/%Y %H:%M} (giờ Việt Nam)"


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM (Excel then reads Vietnamese right); every cell through ``safe``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass
class Sheet:
    """One table on one worksheet: a title line, a header row, rows, optional totals.

    ``kinds`` per column: ``text``, ``int`` (#,##0), ``pct`` (a ratio shown as 0.0%),
    ``date`` (dd/mm/yyyy); default text.
    """

    name: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    kinds: list[str] = field(default_factory=list)
    totals: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


_FORMATS = {"int": "#,##0", "pct": "0.0%", "date": "dd/mm/yyyy"}
_BOLD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="DDEBF7")


def _shown_length(value: Any, kind: str) -> int:
    if value is None:
        return 0
    if kind == "int" and isinstance(value, int):
        return len(f"{value:,}")
    if kind == "pct" and isinstance(value, (int, float)):
        return 6
    if kind == "date":
        return 10
    return max((len(part) for part in str(value).split("\n")), default=0)


def write_sheet(ws: Worksheet, sheet: Sheet) -> None:
    """Fill ``ws`` with ``sheet`` laid out for screen and print."""
    kinds = sheet.kinds or ["text"] * len(sheet.header)
    ws.append([safe(sheet.title)])
    ws["A1"].font = Font(bold=True, size=13)
    for note in sheet.notes:
        ws.append([safe(note)])
    header_row = ws.max_row + 1
    ws.append([safe(h) for h in sheet.header])
    for cell in ws[header_row]:
        cell.font = _BOLD
        cell.fill = _FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in sheet.rows:
        ws.append([safe(v) for v in row])
    for row in sheet.totals:
        ws.append([safe(v) for v in row])
        for cell in ws[ws.max_row]:
            cell.font = _BOLD
    widths = [max(8, min(_MAX_WIDTH, len(h) // 2 + 2)) for h in sheet.header]
    for row in [*sheet.rows, *sheet.totals]:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], min(_MAX_WIDTH, _shown_length(value, kinds[i]) + 2))
    for idx, width in enumerate(widths, start=1):
        letter = get_column_letter(idx)
        ws.column_dimensions[letter].width = width
        fmt = _FORMATS.get(kinds[idx - 1])
        if fmt:
            for (cell,) in ws.iter_rows(min_row=header_row + 1, min_col=idx, max_col=idx):
                cell.number_format = fmt
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one laid-out worksheet per ``Sheet``."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for sheet in sheets:
        write_sheet(wb.create_sheet(sheet.name[:31]), sheet)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


LEVEL_TITLES = {
    Level.AGENT: "Nhân viên thu",
    Level.POINT: "Điểm thu",
    Level.COMMUNE: "Xã, phường",
    Level.PROVINCE: "Tỉnh",
}
SCHEME_TITLES = {code: word for code, (word, _) in TERMS["scheme"].items()}

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
    ("Đến hạn gia hạn", "due_renewal", lambda r: r.due_renewal, "int"),
    ("Tỷ lệ bao phủ dân số (%)", "coverage_percent", lambda r: r.coverage_percent, "pct"),
    ("Tỷ lệ LLLĐ tham gia (%)", "labour_force_percent", lambda r: r.labour_force_percent, "pct"),
]


def to_csv(report: ProgressReport) -> bytes:
    """English keys as the header row (scripts read them); Vietnamese titles in the XLSX."""
    return csv_bytes(
        ["period", "level", "kind", *[c[1] for c in COLUMNS]],
        (
            [report.period, report.level.value, report.kind, *[c[2](row) for c in COLUMNS]]
            for row in [*report.rows, *report.totals]
        ),
    )


def progress_sheet(report: ProgressReport) -> Sheet:
    title = (
        f"Tiến độ phát triển người tham gia — kỳ {report.period} "
        f"(cùng kỳ {report.previous_period}), số liệu đến {vn_time(report.as_of)}"
    )
    return Sheet(
        name=LEVEL_TITLES[report.level],
        title=title,
        header=[c[0] for c in COLUMNS],
        rows=[[_cell(c, row) for c in COLUMNS] for row in report.rows],
        totals=[[_cell(c, row) for c in COLUMNS] for row in report.totals],
        kinds=[c[3] for c in COLUMNS],
    )


def to_xlsx(reports: Sequence[ProgressReport]) -> bytes:
    """One sheet per level: a title, bold headers, a totals row, percentages as 0.0%."""
    return xlsx_bytes([progress_sheet(r) for r in reports])


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
