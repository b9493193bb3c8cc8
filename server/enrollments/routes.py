"""Sign-ups for coordinators (list, detail, review) and receipt blocks, voids, verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from enroll_common.sync_wire import (
    MAX_ID,
    EnrollmentStatus,
    Flag,
    ReceiptBlockOut,
    ReceiptBlockRequest,
    SchemeName,
    VoidOut,
    VoidRequest,
)
from enroll_common.wire import Page
from server.auth import users
from server.deps import CurrentPrincipal, Manager, PageDep, SessionDep
from server.enrollments import receipts, service
from server.enrollments.schemas import EnrollmentDetail, EnrollmentPublic, ReviewRequest
from server.filing.schemas import AgencyVerification
from server.filing.verify import with_agency
from server.privacy.ratelimit import ReceiptCheckLimit
from server.privacy.views import record_view

router = APIRouter(prefix="/api/v1", tags=["enrollments"])
DeviceId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/enrollments", response_model=Page[EnrollmentPublic])
def list_enrollments(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    status_: Annotated[EnrollmentStatus | None, Query(alias="status")] = None,
    scheme: Annotated[SchemeName | None, Query()] = None,
    commune_code: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    point_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    agent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    period: Annotated[str | None, Query(description="2025-09, 2025-Q3 or 2025.")] = None,
    flag: Annotated[Flag | None, Query()] = None,
) -> Page[EnrollmentPublic]:
    """Sign-ups in the caller's scope, newest first (agents: their own)."""
    rows, total = service.get_enrollments(
        session,
        principal=principal,
        status=status_,
        scheme=scheme.value if scheme else None,
        commune_code=commune_code,
        point_id=point_id,
        agent_id=agent_id,
        period=period,
        flag=flag.value if flag else None,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(
        items=[service.to_public(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/enrollments/{enrollment_id}", response_model=EnrollmentDetail)
def get_enrollment(
    enrollment_id: str, principal: CurrentPrincipal, session: SessionDep
) -> EnrollmentDetail:
    """One sign-up with its revisions and audit trail."""
    row = service.get_enrollment_or_raise(session, principal=principal, enrollment_id=enrollment_id)
    detail = service.to_detail(session, row)
    record_view(session, principal=principal, enrollment_id=row.id, via="api")
    session.commit()
    return detail


@router.post("/enrollments/{enrollment_id}/review", response_model=EnrollmentPublic)
def review_enrollment(
    enrollment_id: str, body: ReviewRequest, principal: Manager, session: SessionDep
) -> EnrollmentPublic:
    """Approve, reject or return (for correction) a pending sign-up."""
    row = service.review(session, principal=principal, enrollment_id=enrollment_id, data=body)
    session.commit()
    return service.to_public(row)


@router.post(
    "/devices/{device_id}/receipt-blocks",
    response_model=ReceiptBlockOut,
    status_code=status.HTTP_201_CREATED,
)
def issue_receipt_block(
    device_id: DeviceId, body: ReceiptBlockRequest, principal: Manager, session: SessionDep
) -> ReceiptBlockOut:
    """Issue the next block of receipt numbers to an agent's device."""
    device = users.get_device_or_raise(session, principal=principal, device_id=device_id)
    block = receipts.issue_block(session, principal=principal, device=device, size=body.size)
    session.commit()
    return receipts.block_out(block)


@router.get("/devices/{device_id}/receipt-blocks", response_model=Page[ReceiptBlockOut])
def list_receipt_blocks(
    device_id: DeviceId, principal: CurrentPrincipal, session: SessionDep, page: PageDep
) -> Page[ReceiptBlockOut]:
    """Blocks issued to a device the caller may see."""
    device = users.get_device_or_raise(session, principal=principal, device_id=device_id)
    rows, total = receipts.get_blocks(session, device=device, limit=page.limit, offset=page.offset)
    return Page(
        items=[receipts.block_out(b) for b in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/receipts/void", response_model=VoidOut, status_code=status.HTTP_201_CREATED)
def void_receipt(body: VoidRequest, principal: CurrentPrincipal, session: SessionDep) -> VoidOut:
    """Record a spoiled receipt (with the reason) so its number is never used."""
    use = receipts.void_receipt(session, principal=principal, data=body)
    session.commit()
    return receipts.void_out(use)


@router.get("/receipts/verify", response_model=AgencyVerification)
def verify_receipt(
    session: SessionDep,
    code: Annotated[str, Query(min_length=10, max_length=12)],
    _limit: ReceiptCheckLimit,
) -> AgencyVerification:
    """Public: confirm a receipt's verification code (no login; participants use it), with
    the agency's confirmation code once the filing was confirmed.

    Rate-limited per client address (``receipt_verify_per_minute``): 429 with Retry-After.
    """
    return with_agency(session, receipts.verify(session, code=code))
