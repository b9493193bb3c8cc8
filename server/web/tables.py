"""Dashboard tables as files, written through the reports' one export helper.

``server/reports/export.py`` (``csv_bytes``, ``Sheet``, ``xlsx_bytes``) neutralises formula
text in every cell; a table the dashboard offers for download goes through it. Until that
helper is merged, a minimal equivalent below keeps the same guarantee.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from fastapi.responses import Response
from openpyxl import Workbook

from server.errors import NotFound
from server.reports import export

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    helper = getattr(export, "csv_bytes", None)
    if helper is not None:
        return bytes(helper(header, rows))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_safe(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else _safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(title: str, header: list[str], kinds: list[str], rows: list[list[Any]]) -> bytes:
    sheet_class = getattr(export, "Sheet", None)
    writer = getattr(export, "xlsx_bytes", None)
    if sheet_class is not None and writer is not None:
        sheet = sheet_class(name="Danh sách", title=title, header=header, rows=rows, kinds=kinds)
        return bytes(writer([sheet]))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Danh sách"
    ws.append([_safe(title)])
    ws.append([_safe(h) for h in header])
    for row in rows:
        ws.append([_safe(v) for v in row])
    for col_cells in ws.iter_cols(min_row=3):
        for cell in col_cells:
            if isinstance(cell.value, date):
                cell.number_format = "dd/mm/yyyy"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def download(
    fmt: str, *, name: str, title: str, header: list[str], kinds: list[str], rows: list[list[Any]]
) -> Response:
    """A CSV or XLSX attachment of one table."""
    if fmt == "csv":
        data, media = _csv(header, rows), CSV_TYPE
    elif fmt == "xlsx":
        data, media = _xlsx(title, header, kinds, rows), XLSX_TYPE
    else:
        raise NotFound("no such file type")
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


__all__ = ["download"]
