"""The overview: progress against plan per point and agent (admins: province drill-down)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
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
from server.web import chart, pace, periods, queries
from server.web.i18n import gettext as _
from server.web.pace import OverviewRow
from server.web.periods import Choice
from server.web.render import WebRoute, render
from server.web.session import WebPrincipal

router = APIRouter(route_class=WebRoute)


@dataclass
class Table:
    """One table of the page: rows of one level, in the order the user chose."""

    level: Level
    title: str
    rows: list[OverviewRow]
    totals: list[OverviewRow]
    drill: str | None  # query parameter a row's link sets, e.g. "point"


@dataclass
class Page:
    tables: list[Table]
    totals: list[OverviewRow]
    heading: str
    chart_level: Level
    chart_unit: int | None  # None: the totals of the level


def _report(session: Session, principal: Principal, period: Period, level: Level) -> ProgressReport:
    return reports_service.progress_report(session, principal=principal, period=period, level=level)


def _keep(report: ProgressReport, unit_ids: set[int]) -> list[ProgressRow]:
    return [r for r in report.rows if r.unit_id in unit_ids]


def build_tables(
    session: Session,
    *,
    principal: Principal,
    choice: Choice,
    commune: int | None,
    point: int | None,
    order: str = "shortfall",
) -> Page:
    """The tables for the requested drill-down step, the overall totals and a heading."""
    period = choice.period
    point_ids = {p.id for p in queries.visible_points(session, principal=principal) if p.id}
    ctx = pace.context(session, principal=principal, choice=choice, point_ids=point_ids)

    def rows(level: Level, report_rows: list[ProgressRow]) -> list[OverviewRow]:
        return pace.ordered(pace.enrich(ctx, level, report_rows), order)

    if point is not None:
        p = org_service.get_point_or_raise(session, principal=principal, point_id=point)
        agents = queries.agents_by_point(session, point_ids=[point])
        agent_rows = rows(
            Level.AGENT, _keep(_report(session, principal, period, Level.AGENT), set(agents))
        )
        point_rows = rows(
            Level.POINT, _keep(_report(session, principal, period, Level.POINT), {point})
        )
        tables = [Table(Level.AGENT, _("Agents"), agent_rows, [], None)]
        return Page(tables, point_rows, f"{p.code} · {p.name}", Level.POINT, point)
    if commune is not None:
        communes = {c.code: c for c in queries.visible_communes(session, principal=principal)}
        if commune not in communes:
            raise NotFound("no such commune", field="commune")
        pts = queries.visible_points(session, principal=principal, commune_code=commune)
        ids = {p.id for p in pts if p.id is not None}
        agents = queries.agents_by_point(session, point_ids=sorted(ids))
        point_rows = rows(Level.POINT, _keep(_report(session, principal, period, Level.POINT), ids))
        agent_rows = rows(
            Level.AGENT, _keep(_report(session, principal, period, Level.AGENT), set(agents))
        )
        commune_rows = rows(
            Level.COMMUNE, _keep(_report(session, principal, period, Level.COMMUNE), {commune})
        )
        tables = [
            Table(Level.POINT, _("Collection points"), point_rows, [], "point"),
            Table(Level.AGENT, _("Agents"), agent_rows, [], None),
        ]
        return Page(tables, commune_rows, communes[commune].name, Level.COMMUNE, commune)
    if principal.is_admin:
        province = _report(session, principal, period, Level.PROVINCE)
        commune_rows = rows(Level.COMMUNE, _report(session, principal, period, Level.COMMUNE).rows)
        commune_totals = pace.totals(commune_rows, ctx.last_year_known)
        tables = [Table(Level.COMMUNE, _("Communes"), commune_rows, commune_totals, "commune")]
        name = province.rows[0].unit_name if province.rows else ""
        return Page(tables, commune_totals, name, Level.PROVINCE, None)
    point_rows = rows(Level.POINT, _report(session, principal, period, Level.POINT).rows)
    agent_rows = rows(Level.AGENT, _report(session, principal, period, Level.AGENT).rows)
    point_totals = pace.totals(point_rows, ctx.last_year_known)
    tables = [
        Table(Level.POINT, _("Collection points"), point_rows, point_totals, "point"),
        Table(
            Level.AGENT, _("Agents"), agent_rows, pace.totals(agent_rows, ctx.last_year_known), None
        ),
    ]
    heading = ", ".join(c.name for c in queries.visible_communes(session, principal=principal))
    return Page(tables, point_totals, heading, Level.COMMUNE, None)


@router.get("/overview", response_class=HTMLResponse)
def overview(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    period: Annotated[str | None, Query(max_length=10)] = None,
    commune: Annotated[int | None, Query()] = None,
    point: Annotated[int | None, Query()] = None,
    order: Annotated[str, Query(pattern="^(shortfall|best|worst)$")] = "shortfall",
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> Response:
    """Achieved against target for the caller's units, with the pace by today."""
    choice = periods.choose(period, start, end)
    page = build_tables(
        session, principal=principal, choice=choice, commune=commune, point=point, order=order
    )
    svg = chart.year_chart(
        session,
        principal=principal,
        year=choice.period.year,
        level=page.chart_level,
        unit=page.chart_unit,
        span=choice.span,
    )
    session.commit()  # the report summary may have been rebuilt
    keep = {"commune": commune, "point": point, "order": order if order != "shortfall" else None}
    if choice.kind == "range":
        keep |= {
            "from": choice.span.start.isoformat(),
            "to": (choice.span.end - timedelta(days=1)).isoformat(),
        }
    else:
        keep["period"] = choice.value
    return render(
        request,
        "overview.html",
        {
            "choice": choice,
            "period": choice.value,
            "export_period": choice.period,
            "period_label": choice.label,
            "options": periods.choice_options(choice),
            "tables": page.tables,
            "totals": page.totals,
            "heading": page.heading,
            "commune": commune,
            "point": point,
            "order": order,
            "query": {k: v for k, v in keep.items() if v is not None},
            "chart": svg,
            "is_admin": principal.is_admin,
            "today": periods.today(),
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
