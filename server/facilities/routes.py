"""The province's facility list: read it, and import it (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse

from server.deps import Admin, CurrentPrincipal, SessionDep
from server.facilities import service
from server.facilities.schemas import FacilityImportReport, FacilityPublic
from server.imports import import_answer

router = APIRouter(prefix="/api/v1/facilities", tags=["facilities"])


@router.get("", response_model=list[FacilityPublic])
def list_facilities(
    principal: CurrentPrincipal,
    session: SessionDep,
    include_inactive: Annotated[bool, Query()] = False,
) -> list[FacilityPublic]:
    """The initial health facilities of the caller's province, by code."""
    return [
        FacilityPublic.model_validate(f, from_attributes=True)
        for f in service.list_facilities(
            session, principal=principal, include_inactive=include_inactive
        )
    ]


@router.post(
    "/import",
    response_model=FacilityImportReport,
    responses={422: {"description": "Some rows are invalid: nothing was applied."}},
)
async def import_facilities(
    principal: Admin,
    session: SessionDep,
    province_code: Annotated[int, Query(ge=1, le=999)],
    file: Annotated[
        UploadFile, File(description="CSV (UTF-8) or XLSX: code, name, kind, level, address")
    ],
    dry_run: Annotated[bool, Query(description="Check only; apply nothing.")] = False,
) -> JSONResponse:
    """Replace the province's list with the file's: every row valid, or nothing applied."""
    report = service.import_facilities(
        session,
        principal=principal,
        province_code=province_code,
        filename=file.filename or "",
        content=await file.read(),
        dry_run=dry_run,
    )
    return import_answer(session, report)
