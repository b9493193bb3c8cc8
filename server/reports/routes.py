"""Progress reports (JSON, CSV, XLSX), commission, population figures and rates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse

from enroll_common.periods import Period, PeriodError, parse_period
from enroll_common.schemes import SCHEME_PATTERN
from enroll_common.wire import Page
from server.auth.models import Role
from server.auth.scope import Principal
from server.deps import Admin, CurrentPrincipal, Manager, PageDep, SessionDep
from server.errors import RuleViolation
from server.reports import export, reference, service
from server.reports.schemas import (
    CommissionRateCreate,
    CommissionRatePublic,
    CommissionReport,
    Level,
    PopulationPublic,
    ProgressReport,
)
from server.targets.models import TargetKind

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

PeriodQuery = Annotated[str, Query(description="2025-09, 2025-Q3 or 2025.")]
LevelQuery = Annotated[Level, Query()]
SchemeQuery = Annotated[str | None, Query(pattern=SCHEME_PATTERN)]
KindQuery = Annotated[TargetKind, Query()]
RefreshQuery = Annotated[bool, Query(description="Rebuild the summary first.")]


def _period(value: str) -> Period:
    try:
        return parse_period(value)
    except PeriodError as exc:
        raise RuleViolation(str(exc), field="period") from exc


@router.get("/progress", response_model=ProgressReport)
def progress(
    principal: CurrentPrincipal,
    session: SessionDep,
    period: PeriodQuery,
    level: LevelQuery = Level.POINT,
    scheme: SchemeQuery = None,
    kind: KindQuery = TargetKind.ALL,
    refresh: RefreshQuery = False,
) -> ProgressReport:
    """Achieved against plan, per unit of ``level`` in the caller's scope."""
    report = service.progress_report(
        session,
        principal=principal,
        period=_period(period),
        level=level,
        scheme=scheme,
        kind=kind,
        refresh=refresh,
    )
    session.commit()  # the summary may have been rebuilt
    return report


@router.get("/progress.csv", response_class=Response)
def progress_csv(
    principal: CurrentPrincipal,
    session: SessionDep,
    period: PeriodQuery,
    level: LevelQuery = Level.POINT,
    scheme: SchemeQuery = None,
    kind: KindQuery = TargetKind.ALL,
) -> Response:
    """The same report as CSV (UTF-8 with BOM)."""
    report = service.progress_report(
        session, principal=principal, period=_period(period), level=level, scheme=scheme, kind=kind
    )
    session.commit()
    name = f"progress-{report.period}-{level.value}.csv"
    return Response(
        export.to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _levels_for(principal: Principal) -> list[Level]:
    if principal.role is Role.AGENT:
        return [Level.AGENT, Level.POINT]
    if principal.role is Role.COORDINATOR:
        return [Level.AGENT, Level.POINT, Level.COMMUNE]
    return list(Level)


@router.get("/progress.xlsx", response_class=Response)
def progress_xlsx(
    principal: CurrentPrincipal,
    session: SessionDep,
    period: PeriodQuery,
    scheme: SchemeQuery = None,
    kind: KindQuery = TargetKind.ALL,
) -> Response:
    """A workbook with one sheet per level the caller may see."""
    parsed = _period(period)
    reports = [
        service.progress_report(
            session, principal=principal, period=parsed, level=lvl, scheme=scheme, kind=kind
        )
        for lvl in _levels_for(principal)
    ]
    session.commit()
    return Response(
        export.to_xlsx(reports),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="progress-{parsed}.xlsx"'},
    )


@router.get("/commission", response_model=CommissionReport)
def commission(
    principal: CurrentPrincipal,
    session: SessionDep,
    period: PeriodQuery,
    refresh: RefreshQuery = False,
) -> CommissionReport:
    """Commission earned per agent for a period (agents: their own)."""
    result = reference.commission_report(
        session, principal=principal, period=_period(period), refresh=refresh
    )
    session.commit()
    return result


@router.get("/commission-rates", response_model=Page[CommissionRatePublic])
def list_rates(
    principal: Manager, session: SessionDep, page: PageDep
) -> Page[CommissionRatePublic]:
    """The province's commission rates, by scheme, kind and date."""
    rows = reference.get_rates(session, principal=principal)
    items = [
        CommissionRatePublic.model_validate(r, from_attributes=True)
        for r in rows[page.offset : page.offset + page.limit]
    ]
    return Page(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.post(
    "/commission-rates", response_model=CommissionRatePublic, status_code=status.HTTP_201_CREATED
)
def create_rate(
    body: CommissionRateCreate, principal: Admin, session: SessionDep
) -> CommissionRatePublic:
    """Add a contract rate (closes the open one of the same scheme and kind)."""
    rate = reference.create_rate(session, principal=principal, data=body)
    session.commit()
    return CommissionRatePublic.model_validate(rate, from_attributes=True)


@router.get("/population", response_model=Page[PopulationPublic])
def list_population(
    principal: Manager,
    session: SessionDep,
    page: PageDep,
    year: Annotated[int | None, Query(ge=1900, le=9999)] = None,
) -> Page[PopulationPublic]:
    """Population figures of the communes in scope."""
    rows = reference.get_population(session, principal=principal, year=year)
    items = [
        PopulationPublic.model_validate(r, from_attributes=True)
        for r in rows[page.offset : page.offset + page.limit]
    ]
    return Page(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.post("/population/import")
async def import_population(
    principal: Admin,
    session: SessionDep,
    file: Annotated[
        UploadFile, File(description="CSV: commune_code,year,population,working_age,source")
    ],
    dry_run: Annotated[bool, Query()] = False,
) -> JSONResponse:
    """Load population and working-age population per commune (all rows or none)."""
    report = reference.import_population(
        session, principal=principal, content=await file.read(), dry_run=dry_run
    )
    if report.errors or dry_run:
        session.rollback()
    else:
        session.commit()
    code = 422 if report.errors and not dry_run else 200
    return JSONResponse(report.model_dump(mode="json"), status_code=code)
