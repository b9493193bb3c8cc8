"""File exports people open in Excel (sign-up list, commission) and the province report."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from enroll_common.periods import Period, PeriodError, parse_period
from enroll_common.schemes import SCHEME_PATTERN
from server.deps import CurrentPrincipal, SessionDep
from server.errors import RuleViolation
from server.reports import lists, province, province_export
from server.reports.export import CSV_TYPE, XLSX_TYPE
from server.reports.schemas import Level

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

PeriodQuery = Annotated[str, Query(description="2025-09, 2025-Q3 or 2025.")]
FormatQuery = Annotated[str, Query(pattern="^(csv|xlsx)$")]


def _period(value: str) -> Period:
    try:
        return parse_period(value)
    except PeriodError as exc:
        raise RuleViolation(str(exc), field="period") from exc


def file_response(content: bytes, fmt: str, name: str) -> Response:
    """A download with the right media type and file name."""
    return Response(
        content,
        media_type=CSV_TYPE if fmt == "csv" else XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@router.get("/sign-ups/export", response_class=Response)
def sign_ups_export(
    principal: CurrentPrincipal,
    session: SessionDep,
    period: PeriodQuery,
    format: FormatQuery = "xlsx",
    point_id: Annotated[int | None, Query()] = None,
    agent_id: Annotated[int | None, Query()] = None,
    scheme: Annotated[str | None, Query(pattern=SCHEME_PATTERN)] = None,
    status: Annotated[str | None, Query(pattern="^(approved|pending|rejected|returned)$")] = None,
    flag: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The sign-ups paid in a period, filtered, in the caller's scope (CSV or XLSX)."""
    parsed = _period(period)
    flt = lists.SignUpFilter(
        period=parsed, point_id=point_id, agent_id=agent_id, scheme=scheme, status=status, flag=flag
    )
    content = lists.sign_ups_file(session, principal=principal, flt=flt, fmt=format)
    return file_response(content, format, f"sign-ups-{parsed}")


@router.get("/commission/export", response_class=Response)
def commission_export(
    principal: CurrentPrincipal,
    session: SessionDep,
    period: PeriodQuery,
    format: FormatQuery = "xlsx",
) -> Response:
    """Commission per agent for a period (agents: their own), CSV or XLSX."""
    parsed = _period(period)
    content = lists.commission_file(session, principal=principal, period=parsed, fmt=format)
    session.commit()  # the summary may have been rebuilt
    return file_response(content, format, f"commission-{parsed}")


ReportFormat = Annotated[str, Query(pattern="^(json|csv|xlsx)$")]


@router.get("/province", response_model=province.ProvinceReport)
def province_report(
    principal: CurrentPrincipal,
    session: SessionDep,
    at: Annotated[date, Query(description="The date of the stock (participants in force).")],
    level: Annotated[Level, Query()] = Level.COMMUNE,
    format: ReportFormat = "json",
) -> Response | province.ProvinceReport:
    """In force at a date, increase since the end of last year, new vs renewed, revenue
    against plan and population coverage, per unit of ``level`` in the caller's scope."""
    report = province.province_report(session, principal=principal, at=at, level=level)
    session.commit()  # the revenue plan may have refreshed the summary
    if format == "json":
        return report
    content = province_export.to_csv(report) if format == "csv" else province_export.to_xlsx(report)
    return file_response(content, format, f"province-{at.isoformat()}-{level.value}")
