"""How every all-or-nothing file import answers (targets, the register, health facilities).

The importer has already checked every row; the route commits what it wrote or rolls back,
and a refused file is a 422 ``import_invalid`` whose detail names the first bad row, with
the whole row report in the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from fastapi import status
from fastapi.responses import JSONResponse
from sqlmodel import Session


class _Problem(Protocol):
    row: int
    column: str
    reason: str


class ImportReport(Protocol):
    @property
    def valid(self) -> bool: ...
    @property
    def written(self) -> bool: ...
    @property
    def errors(self) -> Sequence[_Problem]: ...
    def model_dump(self, *, mode: str) -> dict[str, Any]: ...


def import_answer(
    session: Session, report: ImportReport, *, ok: bool | None = None
) -> JSONResponse:
    """Commit or roll back, then answer: 200 with the report when ``ok`` (default: the file
    was valid), else 422 ``import_invalid``."""
    if report.written:
        session.commit()
    else:
        session.rollback()
    body = report.model_dump(mode="json")
    if report.valid if ok is None else ok:
        return JSONResponse(body)
    first = report.errors[0]
    body.update(
        type="import_invalid",
        detail=f"{len(report.errors)} dòng lỗi, chưa ghi gì; dòng {first.row}, "
        f"{first.column}: {first.reason}",
        field="file",
    )
    return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
