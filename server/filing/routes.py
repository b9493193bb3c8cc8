"""Filing batches for the agency and the agency's confirmations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse

from enroll_common.periods import PeriodError, parse_period
from server.deps import CurrentPrincipal, Manager, SessionDep
from server.errors import RuleViolation
from server.filing import confirmations, service
from server.filing.models import FilingBatch
from server.filing.schemas import BatchCreate, BatchPublic
from server.reports.export import XLSX_TYPE

router = APIRouter(prefix="/api/v1/filing", tags=["filing"])


def _public(batch: FilingBatch) -> BatchPublic:
    return BatchPublic.model_validate(batch, from_attributes=True)


@router.post("/batches", response_model=BatchPublic, status_code=status.HTTP_201_CREATED)
def create_batch(body: BatchCreate, principal: Manager, session: SessionDep) -> BatchPublic:
    """Number a batch of the organisation's approved, not yet filed sign-ups of the period."""
    try:
        period = parse_period(body.period)
    except PeriodError as exc:
        raise RuleViolation(str(exc), field="period") from exc
    batch = service.create_batch(
        session, principal=principal, organisation_id=body.organisation_id, period=period
    )
    session.commit()
    return _public(batch)


@router.get("/batches", response_model=list[BatchPublic])
def list_batches(
    principal: CurrentPrincipal,
    session: SessionDep,
    organisation_id: Annotated[int, Query(ge=1)],
) -> list[BatchPublic]:
    return [
        _public(b)
        for b in service.list_batches(session, principal=principal, organisation_id=organisation_id)
    ]


@router.get("/batches/{batch_id}", response_model=BatchPublic)
def get_batch(batch_id: int, principal: CurrentPrincipal, session: SessionDep) -> BatchPublic:
    return _public(service.get_batch(session, principal=principal, batch_id=batch_id))


@router.get("/batches/{batch_id}/file", response_class=Response)
def batch_file(batch_id: int, principal: Manager, session: SessionDep) -> Response:
    """The D05-TS / D03-TS / TK1-TS / appendix workbook of the batch."""
    batch = service.get_batch(session, principal=principal, batch_id=batch_id)
    return Response(
        service.batch_file(session, batch=batch),
        media_type=XLSX_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="filing-{batch.period}-'
            f'{batch.number:04d}.xlsx"'
        },
    )


@router.post("/batches/{batch_id}/withdraw", response_model=BatchPublic)
def withdraw(batch_id: int, principal: Manager, session: SessionDep) -> BatchPublic:
    """Withdraw a batch not yet confirmed: its sign-ups may be filed again."""
    batch = service.get_batch(session, principal=principal, batch_id=batch_id)
    service.withdraw(session, principal=principal, batch=batch)
    session.commit()
    return _public(batch)


@router.post("/confirmations/import")
async def import_confirmations(
    principal: Manager,
    session: SessionDep,
    file: Annotated[
        UploadFile, File(description="CSV or XLSX: reference, confirmation_code, date")
    ],
    dry_run: Annotated[bool, Query()] = False,
) -> JSONResponse:
    """Record the agency's confirmation codes; any unmatched row and nothing is applied."""
    report = confirmations.import_confirmations(
        session,
        principal=principal,
        filename=file.filename or "",
        content=await file.read(),
        dry_run=dry_run,
    )
    if report.problems or dry_run:
        session.rollback()
    else:
        session.commit()
    code = 422 if report.problems else 200
    return JSONResponse(report.model_dump(mode="json"), status_code=code)
