"""The overview: progress against plan per point and agent (admins: province drill-down)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from enroll_common.periods import Period
from server.auth import users as users_service
from server.auth.scope import Principal
from server.deps import SessionDep
from server.errors import Forbidden, NotFound
from server.org import service as org_service
from server.reports import export
from server.reports import service as reports_service
from server.reports.schemas import Level, ProgressReport, ProgressRow
from server.web import chart, periods, queries
from server.web.i18n import gettext as _
from server.web.render import WebRoute, render
from server.web.session import WebPrincipal

router = APIRouter(route_class=WebRoute)


@dataclass
class Table:
    """One table of the page: rows of one level, sorted by shortfall (largest first)."""

    level: Level
    title: str
    rows: list[ProgressRow]
    totals: list[ProgressRow]
    drill: str | None  # query parameter a row's link sets, e.g. "point"


def by_shortfall(rows: list[ProgressRow]) -> list[ProgressRow]:
    """Largest shortfall first; units without a target last; then by code."""
    return sorted(
        rows,
        key=lambda r: (r.shortfall is None, -(r.shortfall or 0), r.scheme, r.unit_code),
    )


def _report(session: Session, principal: Principal, period: Period, level: Level) -> ProgressReport:
    return reports_service.progress_report(session, principal=principal, period=period, level=level)


def _keep(report: ProgressReport, unit_ids: set[int]) -> list[ProgressRow]:
    return [r for r in report.rows if r.unit_id in unit_ids]


def _totals(rows: list[ProgressRow], report: ProgressReport) -> list[ProgressRow]:
    """The report's totals when the table shows all its rows; else none (a subset)."""
    return report.totals if len(rows) == len(report.rows) else []


def build_tables(
    session: Session,
    *,
    principal: Principal,
    period: Period,
    commune: int | None,
    point: int | None,
) -> tuple[list[Table], list[ProgressRow], str]:
    """The tables for the requested drill-down step, the overall totals and a heading."""
    tables: list[Table] = []
    if point is not None:
        p = org_service.get_point_or_raise(session, principal=principal, point_id=point)
        agents = queries.agents_by_point(session, point_ids=[point])
        agent_report = _report(session, principal, period, Level.AGENT)
        rows = _keep(agent_report, set(agents))
        point_report = _report(session, principal, period, Level.POINT)
        point_rows = _keep(point_report, {point})
        tables.append(Table(Level.AGENT, _("Agents"), by_shortfall(rows), [], None))
        return tables, point_rows, f"{p.code} · {p.name}"
    if commune is not None:
        communes = {c.code: c for c in queries.visible_communes(session, principal=principal)}
        if commune not in communes:
            raise NotFound(f"no commune {commune}", field="commune")
        pts = queries.visible_points(session, principal=principal, commune_code=commune)
        ids = {p.id for p in pts if p.id is not None}
        point_report = _report(session, principal, period, Level.POINT)
        agent_report = _report(session, principal, period, Level.AGENT)
        agents = queries.agents_by_point(session, point_ids=sorted(ids))
        commune_report = _report(session, principal, period, Level.COMMUNE)
        tables.append(
            Table(
                Level.POINT,
                _("Collection points"),
                by_shortfall(_keep(point_report, ids)),
                [],
                "point",
            )
        )
        tables.append(
            Table(
                Level.AGENT, _("Agents"), by_shortfall(_keep(agent_report, set(agents))), [], None
            )
        )
        return tables, _keep(commune_report, {commune}), communes[commune].name
    if principal.is_admin:
        province = _report(session, principal, period, Level.PROVINCE)
        communes_report = _report(session, principal, period, Level.COMMUNE)
        tables.append(
            Table(
                Level.COMMUNE,
                _("Communes"),
                by_shortfall(communes_report.rows),
                communes_report.totals,
                "commune",
            )
        )
        name = province.rows[0].unit_name if province.rows else ""
        return tables, province.totals, name
    point_report = _report(session, principal, period, Level.POINT)
    agent_report = _report(session, principal, period, Level.AGENT)
    tables.append(
        Table(
            Level.POINT,
            _("Collection points"),
            by_shortfall(point_report.rows),
            point_report.totals,
            "point",
        )
    )
    tables.append(
        Table(Level.AGENT, _("Agents"), by_shortfall(agent_report.rows), agent_report.totals, None)
    )
    return (
        tables,
        point_report.totals,
        ", ".join(c.name for c in queries.visible_communes(session, principal=principal)),
    )


@router.get("/overview", response_class=HTMLResponse)
def overview(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    period: Annotated[str | None, Query(max_length=8)] = None,
    commune: Annotated[int | None, Query()] = None,
    point: Annotated[int | None, Query()] = None,
) -> Response:
    """Achieved against target for the caller's units, sorted by shortfall."""
    chosen = periods.parse(period)
    tables, totals, heading = build_tables(
        session, principal=principal, period=chosen, commune=commune, point=point
    )
    svg = chart.year_chart(session, principal=principal, year=chosen.year)
    session.commit()  # the report summary may have been rebuilt
    return render(
        request,
        "overview.html",
        {
            "period": chosen,
            "period_label": periods.label(chosen),
            "options": periods.options(chosen),
            "tables": tables,
            "totals": totals,
            "heading": heading,
            "commune": commune,
            "point": point,
            "chart": svg,
            "is_admin": principal.is_admin,
        },
    )


@router.get("/agents/{agent_id}/sign-ups")
def agent_sign_ups(principal: WebPrincipal, session: SessionDep, agent_id: int) -> Response:
    """The last drill-down step: an agent's sign-ups, in the review list's form."""
    users_service.get_user_or_raise(session, principal=principal, user_id=agent_id)
    return RedirectResponse(f"/web/review?status=all&agent_id={agent_id}", status_code=303)


def _export_period(period: str | None) -> Period:
    return periods.parse(period)


@router.get("/exports/progress.csv")
def export_csv(
    principal: WebPrincipal,
    session: SessionDep,
    period: Annotated[str | None, Query(max_length=8)] = None,
    level: Annotated[Level, Query()] = Level.POINT,
) -> Response:
    """The reports API's CSV, for a browser session."""
    report = _report(session, principal, _export_period(period), level)
    session.commit()
    name = f"progress-{report.period}-{level.value}.csv"
    return Response(
        export.to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/exports/progress.xlsx")
def export_xlsx(
    principal: WebPrincipal,
    session: SessionDep,
    period: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """One sheet per level the reports service lets the caller see."""
    chosen = _export_period(period)
    reports = []
    for level in Level:
        try:
            reports.append(_report(session, principal, chosen, level))
        except Forbidden:
            continue  # the reports service decides which levels a role may see
    session.commit()
    return Response(
        export.to_xlsx(reports),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="progress-{chosen}.xlsx"'},
    )
