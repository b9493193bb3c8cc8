"""File exports people open in Excel: the sign-up list and the commission table."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from enroll_common.periods import Period, PeriodError, parse_period
from server.deps import CurrentPrincipal, SessionDep
from server.errors import RuleViolation
from server.reports import lists
from server.reports.export import CSV_TYPE, XLSX_TYPE

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
    scheme: Annotated[str | None, Query(pattern="^(voluntary_si|household_hi)$")] = None,
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
