"""Progress reports (JSON, CSV, XLSX), commission, population figures and rates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from enroll_common.periods import Period, PeriodError, parse_period
from server.auth.models import Role
from server.auth.scope import Principal
from server.deps import CurrentPrincipal, SessionDep
from server.errors import RuleViolation
from server.reports import export, service
from server.reports.schemas import Level, ProgressReport
from server.targets.models import TargetKind

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

PeriodQuery = Annotated[str, Query(description="2025-09, 2025-Q3 or 2025.")]
LevelQuery = Annotated[Level, Query()]
SchemeQuery = Annotated[str | None, Query(pattern="^(voluntary_si|household_hi)$")]
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
