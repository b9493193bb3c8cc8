"""Refunds, hand-overs, transfers and the reconciliation report."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from enroll_common.periods import PeriodError, parse_period
from server.cash import reports, service
from server.cash.export import reconciliation_file
from server.cash.schemas import (
    HandoverCreate,
    HandoverPublic,
    MovementPublic,
    Reconciliation,
    RefundCreate,
    TransferCreate,
)
from server.dbtypes import utcnow
from server.deps import CurrentPrincipal, SessionDep
from server.errors import RuleViolation
from server.reports.export import VN_TZ, XLSX_TYPE

router = APIRouter(prefix="/api/v1/cash", tags=["cash"])


@router.post("/refunds", response_model=MovementPublic, status_code=status.HTTP_201_CREATED)
def refund(body: RefundCreate, principal: CurrentPrincipal, session: SessionDep) -> MovementPublic:
    """Money handed back to a participant after the server lowered the amount."""
    row = service.record_refund(session, principal=principal, data=body)
    session.commit()
    return MovementPublic(id=row.id or 0, amount_vnd=row.amount_vnd)


@router.post("/handovers", response_model=MovementPublic, status_code=status.HTTP_201_CREATED)
def handover(
    body: HandoverCreate, principal: CurrentPrincipal, session: SessionDep
) -> MovementPublic:
    """Cash an agent hands to the organisation, for the sign-ups listed (each once)."""
    row = service.record_handover(session, principal=principal, data=body)
    session.commit()
    return MovementPublic(id=row.id or 0, amount_vnd=row.amount_vnd)


@router.get("/handovers", response_model=list[HandoverPublic])
def list_handovers(
    principal: CurrentPrincipal,
    session: SessionDep,
    organisation_id: Annotated[int, Query(ge=1)],
    untransferred: Annotated[bool, Query(description="Only those not yet transferred.")] = False,
) -> list[HandoverPublic]:
    """The organisation's hand-overs, to pick the ones a transfer covers."""
    return reports.list_handovers(
        session, principal=principal, organisation_id=organisation_id, untransferred=untransferred
    )


@router.post("/transfers", response_model=MovementPublic, status_code=status.HTTP_201_CREATED)
def transfer(
    body: TransferCreate, principal: CurrentPrincipal, session: SessionDep
) -> MovementPublic:
    """The organisation's transfer to the agency's account, for the hand-overs listed."""
    row = service.record_transfer(session, principal=principal, data=body)
    session.commit()
    return MovementPublic(id=row.id or 0, amount_vnd=row.amount_vnd)


@router.get("/reconciliation", response_model=Reconciliation)
def reconciliation(
    principal: CurrentPrincipal,
    session: SessionDep,
    organisation_id: Annotated[int, Query(ge=1)],
    period: Annotated[str, Query(description="2025-09, 2025-Q3 or 2025.")],
    at: Annotated[date | None, Query(description="Overdue as of (default: today).")] = None,
    format: Annotated[str, Query(pattern="^(json|xlsx)$")] = "json",
) -> Response | Reconciliation:
    """collected = handed over + held; handed over = transferred + held by the organisation."""
    try:
        parsed = parse_period(period)
    except PeriodError as exc:
        raise RuleViolation(str(exc), field="period") from exc
    report = reports.reconcile(
        session,
        principal=principal,
        organisation_id=organisation_id,
        period=parsed,
        at=at or utcnow().astimezone(VN_TZ).date(),
    )
    if format == "json":
        return report
    return Response(
        reconciliation_file(report),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="cash-{parsed}.xlsx"'},
    )
