"""Targets: set, list, revise, split, check; bulk import and its template."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from enroll_common.periods import PeriodError, parse_period
from enroll_common.wire import Page
from server.deps import CurrentPrincipal, Manager, PageDep, SessionDep
from server.errors import RuleViolation
from server.imports import import_answer
from server.targets import importer, service
from server.targets.models import Target
from server.targets.schemas import (
    SplitRequest,
    SplitResult,
    TargetDetail,
    TargetPublic,
    TargetRevise,
    TargetRevisionPublic,
    TargetSet,
    TargetWarning,
)
from server.targets.warnings import target_warnings

router = APIRouter(prefix="/api/v1/targets", tags=["targets"])


def _public(target: Target) -> TargetPublic:
    return TargetPublic.model_validate(target, from_attributes=True)


def _period_or_422(value: str, field: str = "period") -> str:
    try:
        return str(parse_period(value))
    except PeriodError as exc:
        raise RuleViolation(str(exc), field=field) from exc


@router.get("", response_model=Page[TargetPublic])
def list_targets(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    period: Annotated[str | None, Query(description="2025-09, 2025-Q3 or 2025.")] = None,
    within: Annotated[
        bool, Query(description="Every target inside `period`, not only equal to it.")
    ] = False,
    scheme: Annotated[str | None, Query()] = None,
    kind: Annotated[str | None, Query()] = None,
    metric: Annotated[str | None, Query()] = None,
    point_id: Annotated[int | None, Query()] = None,
    agent_id: Annotated[int | None, Query()] = None,
    scope: Annotated[str | None, Query(pattern="^(point|agent)$")] = None,
) -> Page[TargetPublic]:
    """Targets in the caller's scope (agents: their own and their points')."""
    filters = service.TargetFilters(
        period=_period_or_422(period) if period else None,
        scheme=scheme,
        kind=kind,
        metric=metric,
        point_id=point_id,
        agent_id=agent_id,
        scope=scope,
        within=within,
    )
    rows, total = service.get_targets(
        session, principal=principal, filters=filters, limit=page.limit, offset=page.offset
    )
    return Page(items=[_public(t) for t in rows], total=total, limit=page.limit, offset=page.offset)


@router.post("", response_model=TargetPublic, status_code=status.HTTP_201_CREATED)
def set_target(
    body: TargetSet, principal: Manager, session: SessionDep, response: Response
) -> TargetPublic:
    """Set a point's or agent's target; if it exists this is a revision (200)."""
    target, created = service.set_target(
        session,
        principal=principal,
        key=body,
        point_id=body.point_id,
        agent_id=body.agent_id,
        value=body.value,
        reason=body.reason,
    )
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return _public(target)


@router.get("/warnings", response_model=list[TargetWarning])
def list_warnings(
    principal: Manager,
    session: SessionDep,
    period: Annotated[str, Query(description="Check every target inside this period.")],
) -> list[TargetWarning]:
    """Agents' targets not adding up to their point's, months not adding up to quarters."""
    return target_warnings(
        session, principal=principal, period=parse_period(_period_or_422(period))
    )


@router.post("/split", response_model=SplitResult)
def split_target(body: SplitRequest, principal: Manager, session: SessionDep) -> SplitResult:
    """Split a point's target among its agents, evenly or by weights, summing exactly."""
    total, parts = service.split_target(session, principal=principal, data=body)
    session.commit()
    return SplitResult(point_id=body.point_id, total=total, parts=[_public(t) for t in parts])


@router.post(
    "/import",
    response_model=importer.ImportReport,
    responses={422: {"description": "Some rows are invalid; nothing was written."}},
)
async def import_targets(
    principal: Manager,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or XLSX, header in row 1.")],
    dry_run: Annotated[bool, Query(description="Check only; write nothing.")] = False,
) -> Response:
    """Bulk set targets from a file: every row valid, or nothing is written."""
    content = await file.read()
    report = importer.import_targets(
        session,
        principal=principal,
        filename=file.filename or "",
        content=content,
        dry_run=dry_run,
    )
    return import_answer(session, report, ok=report.valid or dry_run)


@router.get("/import/template", response_class=Response)
def import_template(
    _: Manager, format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx"
) -> Response:
    """An empty import file with the expected columns."""
    if format == "csv":
        return Response(
            importer.template("csv"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="targets-template.csv"'},
        )
    return Response(
        importer.template("xlsx"),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="targets-template.xlsx"'},
    )


@router.get("/{target_id}", response_model=TargetDetail)
def get_target(target_id: int, principal: CurrentPrincipal, session: SessionDep) -> TargetDetail:
    """One target with its revision history."""
    target = service.get_target_or_raise(session, principal=principal, target_id=target_id)
    revisions = service.get_revisions(session, target=target)
    return TargetDetail(
        **_public(target).model_dump(),
        revisions=[TargetRevisionPublic.model_validate(r, from_attributes=True) for r in revisions],
    )


@router.patch("/{target_id}", response_model=TargetPublic)
def revise_target(
    target_id: int, body: TargetRevise, principal: Manager, session: SessionDep
) -> TargetPublic:
    """Give a target a new value with a reason ("supplemented target")."""
    target = service.get_target_or_raise(session, principal=principal, target_id=target_id)
    service.revise_target(
        session, principal=principal, target=target, value=body.value, reason=body.reason
    )
    session.commit()
    return _public(target)
