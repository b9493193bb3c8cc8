"""Dashboard tables as files, written through the reports' one export helper.

``server/reports/export.py`` (``csv_bytes``, ``Sheet``, ``xlsx_bytes``) neutralises formula
text in every cell and lays the workbook out for print; every table the dashboard offers for
download goes through it.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from server.errors import NotFound
from server.reports.export import Sheet, csv_bytes, xlsx_bytes

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def _xlsx(title: str, header: list[str], kinds: list[str], rows: list[list[Any]]) -> bytes:
    return xlsx_bytes([Sheet(name="Danh sách", title=title, header=header, rows=rows, kinds=kinds)])


def download(
    fmt: str, *, name: str, title: str, header: list[str], kinds: list[str], rows: list[list[Any]]
) -> Response:
    """A CSV or XLSX attachment of one table."""
    if fmt == "csv":
        data, media = csv_bytes(header, rows), CSV_TYPE
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
