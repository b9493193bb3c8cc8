"""The participants register, its import, and the renewal-due list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse

from enroll_common.sync_wire import SchemeName
from enroll_common.wire import Page
from server.deps import CurrentPrincipal, Manager, PageDep, SessionDep
from server.errors import ValidationErrorBody
from server.imports import import_answer
from server.participants import importer, service
from server.participants.models import Participant
from server.participants.schemas import ParticipantPublic, RenewalDue
from server.policy.service import today_local

router = APIRouter(prefix="/api/v1", tags=["participants"])


def _public(row: Participant) -> ParticipantPublic:
    return ParticipantPublic.model_validate(row, from_attributes=True)


@router.get("/participants", response_model=Page[ParticipantPublic])
def list_participants(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    commune_code: Annotated[int | None, Query(ge=1, le=999_999)] = None,
    household_code: Annotated[str | None, Query(max_length=32)] = None,
    citizen_id: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> Page[ParticipantPublic]:
    """The register of the caller's communes."""
    rows, total = service.get_participants(
        session,
        principal=principal,
        commune_code=commune_code,
        household_code=household_code,
        citizen_id=citizen_id,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=[_public(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/participants/import",
    response_model=importer.RegisterImportReport,
    responses={
        422: {
            "description": "Some rows are invalid (nothing was written), or the input is.",
            "model": importer.RegisterImportInvalid | ValidationErrorBody,
        }
    },
)
async def import_participants(
    principal: Manager,
    session: SessionDep,
    commune_code: Annotated[
        int, Query(ge=1, le=999_999, description="The commune the list belongs to.")
    ],
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or XLSX, header in row 1.")],
    dry_run: Annotated[bool, Query(description="Check only; write nothing.")] = False,
) -> JSONResponse:
    """Load the agency's list of current participants: every row valid, or nothing written."""
    report = importer.import_register(
        session,
        principal=principal,
        commune_code=commune_code,
        filename=file.filename or "",
        content=await file.read(),
        dry_run=dry_run,
    )
    return import_answer(session, report)


@router.get("/renewals", response_model=Page[RenewalDue])
def list_renewals(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    within_days: Annotated[int, Query(ge=0, le=366)] = 30,
    scheme: Annotated[SchemeName | None, Query()] = None,
) -> Page[RenewalDue]:
    """Participants of the caller's communes whose coverage ends within ``within_days``."""
    today = today_local()
    rows, total = service.get_renewals(
        session,
        principal=principal,
        today=today,
        within_days=within_days,
        scheme=scheme.value if scheme else None,
        limit=page.limit,
        offset=page.offset,
    )
    items = [
        RenewalDue(
            **_public(r).model_dump(),
            days_left=(r.coverage_end - today).days if r.coverage_end else 0,
        )
        for r in rows
    ]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
