"""The printable weekly report: one A4 landscape page per collection point of a commune.

Each page shows the week's sign-ups against the week's share of the plan and the year to
date against the year's plan, per agent, with the pace by today; the header names the
period and when it was printed, in Vietnam time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from server.auth.scope import Principal
from server.deps import SessionDep
from server.errors import NotFound
from server.org.models import CollectionPoint
from server.reports import service as reports_service
from server.reports.schemas import Level
from server.web import pace, periods, queries
from server.web.fmt import VN_TZ
from server.web.pace import OverviewRow
from server.web.periods import Choice
from server.web.render import WebRoute, render
from server.web.session import WebPrincipal

router = APIRouter(route_class=WebRoute)


@dataclass
class PointPage:
    point: CollectionPoint
    week: list[OverviewRow]  # the point's row per scheme
    year: list[OverviewRow]
    agents_week: list[OverviewRow]
    agents_year: list[OverviewRow]


def _rows(
    session: Session, principal: Principal, choice: Choice, level: Level, ids: set[int]
) -> list[OverviewRow]:
    report = reports_service.progress_report(
        session, principal=principal, period=choice.period, level=level
    )
    points = {p.id for p in queries.visible_points(session, principal=principal) if p.id}
    ctx = pace.context(session, principal=principal, choice=choice, point_ids=points)
    rows = pace.enrich(ctx, level, [r for r in report.rows if r.unit_id in ids])
    return sorted(rows, key=lambda r: (r.scheme, r.unit_name))


def _this_week() -> str:
    monday = periods.today() - timedelta(days=periods.today().weekday())
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


@router.get("/weekly", response_class=HTMLResponse)
def weekly(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    commune: Annotated[int | None, Query()] = None,
    week: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """One page per point of the commune, laid out for A4 landscape printing."""
    communes = {c.code: c for c in queries.visible_communes(session, principal=principal)}
    if not communes:
        raise NotFound("no commune to report on", field="commune")
    code = commune if commune is not None else next(iter(sorted(communes)))
    if code not in communes:
        raise NotFound("no such commune", field="commune")
    week_choice = periods.choose(week or _this_week())
    week_end = week_choice.span.end - timedelta(days=1)
    year_choice = periods.year_to(min(week_end, periods.today()))
    pages: list[PointPage] = []
    for point in queries.visible_points(session, principal=principal, commune_code=code):
        assert point.id is not None
        agents = set(queries.agents_by_point(session, point_ids=[point.id]))
        pages.append(
            PointPage(
                point=point,
                week=_rows(session, principal, week_choice, Level.POINT, {point.id}),
                year=_rows(session, principal, year_choice, Level.POINT, {point.id}),
                agents_week=_rows(session, principal, week_choice, Level.AGENT, agents),
                agents_year=_rows(session, principal, year_choice, Level.AGENT, agents),
            )
        )
    session.commit()  # the report summary may have been rebuilt
    return render(
        request,
        "weekly.html",
        {
            "commune": communes[code],
            "communes": list(communes.values()),
            "week": week_choice,
            "year": year_choice,
            "pages": pages,
            "printed_at": datetime.now(VN_TZ),
            "weeks": periods.choice_options(week_choice)["week"],
        },
    )
