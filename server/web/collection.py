"""Dashboard pages of the collection domains: filing and cash per organisation, the
follow-up list, and the province report, with their downloads for a browser session."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from server.cash import reports as cash
from server.cash.export import reconciliation_file
from server.collectors import service as organisations
from server.deps import SessionDep
from server.errors import Forbidden
from server.filing import service as filing
from server.followup import export as followup_export
from server.followup.service import STATUS_TITLES, FollowUpStatus, follow_up
from server.policy.service import today_local
from server.reports import lists, province, province_export
from server.reports.export import CSV_TYPE, XLSX_TYPE
from server.reports.schemas import Level
from server.web import periods
from server.web.render import WebRoute, render
from server.web.session import CsrfPrincipal, WebPrincipal

router = APIRouter(route_class=WebRoute)


def _download(content: bytes, fmt: str, name: str) -> Response:
    return Response(
        content,
        media_type=CSV_TYPE if fmt == "csv" else XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@router.get("/collection", response_class=HTMLResponse)
def collection(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    organisation_id: Annotated[int | None, Query(ge=1)] = None,
    period: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """One organisation's filing batches and the period's cash, overdue cash highlighted."""
    chosen = periods.parse(period)
    orgs = organisations.list_organisations(session, principal=principal)
    org = next((o for o in orgs if o.id == organisation_id), orgs[0] if orgs else None)
    context: dict[str, object] = {
        "orgs": orgs,
        "org": org,
        "period": str(chosen),
        "batches": [],
        "rec": None,
    }
    if org is not None and org.id is not None:
        context["batches"] = filing.list_batches(
            session, principal=principal, organisation_id=org.id
        )
        context["rec"] = cash.reconcile(
            session, principal=principal, organisation_id=org.id, period=chosen, at=today_local()
        )
    return render(request, "collection.html", context)


@router.post("/collection/filing")
def create_filing(
    principal: CsrfPrincipal,
    session: SessionDep,
    organisation_id: Annotated[int, Form(ge=1)],
    period: Annotated[str, Form(max_length=8)],
) -> Response:
    """The dashboard's "file these sign-ups" button: a new numbered batch."""
    batch = filing.create_batch(
        session, principal=principal, organisation_id=organisation_id, period=periods.parse(period)
    )
    session.commit()
    query = urlencode({"organisation_id": organisation_id, "period": period})
    return RedirectResponse(f"/web/collection?{query}&created={batch.id}", status_code=303)


@router.post("/collection/filing/{batch_id}/withdraw")
def withdraw_filing(batch_id: int, principal: CsrfPrincipal, session: SessionDep) -> Response:
    batch = filing.get_batch(session, principal=principal, batch_id=batch_id)
    filing.withdraw(session, principal=principal, batch=batch)
    session.commit()
    query = urlencode({"organisation_id": batch.organisation_id, "period": batch.period})
    return RedirectResponse(f"/web/collection?{query}", status_code=303)


@router.get("/collection/filing/{batch_id}/file")
def filing_file(batch_id: int, principal: WebPrincipal, session: SessionDep) -> Response:
    if principal.role.value == "agent":
        raise Forbidden("danh sách nộp dành cho điều phối xã và quản trị tỉnh")
    batch = filing.get_batch(session, principal=principal, batch_id=batch_id)
    name = f"filing-{batch.period}-{batch.number:04d}"
    return _download(filing.batch_file(session, batch=batch), "xlsx", name)


@router.get("/collection/cash.xlsx")
def cash_file(
    principal: WebPrincipal,
    session: SessionDep,
    organisation_id: Annotated[int, Query(ge=1)],
    period: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    chosen = periods.parse(period)
    rec = cash.reconcile(
        session,
        principal=principal,
        organisation_id=organisation_id,
        period=chosen,
        at=today_local(),
    )
    return _download(reconciliation_file(rec), "xlsx", f"cash-{chosen}")


@router.get("/exports/sign-ups")
def sign_ups_file(
    principal: WebPrincipal,
    session: SessionDep,
    period: Annotated[str | None, Query(max_length=8)] = None,
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx",
) -> Response:
    chosen = periods.parse(period)
    flt = lists.SignUpFilter(period=chosen)
    content = lists.sign_ups_file(session, principal=principal, flt=flt, fmt=format)
    return _download(content, format, f"sign-ups-{chosen}")


@router.get("/exports/commission")
def commission_file(
    principal: WebPrincipal,
    session: SessionDep,
    period: Annotated[str | None, Query(max_length=8)] = None,
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx",
) -> Response:
    chosen = periods.parse(period)
    content = lists.commission_file(session, principal=principal, period=chosen, fmt=format)
    session.commit()
    return _download(content, format, f"commission-{chosen}")


@router.get("/follow-up", response_class=HTMLResponse)
def follow_up_page(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    status: Annotated[FollowUpStatus | None, Query()] = None,
    format: Annotated[str, Query(pattern="^(html|csv|xlsx)$")] = "html",
) -> Response:
    """Voluntary SI participants to visit, per agent, next to the renewals list."""
    result = follow_up(session, principal=principal, at=today_local(), status=status)
    if format == "csv":
        return _download(followup_export.to_csv(result), "csv", f"follow-up-{result.at}")
    if format == "xlsx":
        return _download(followup_export.to_xlsx(result), "xlsx", f"follow-up-{result.at}")
    return render(
        request,
        "follow_up.html",
        {"result": result, "status": status.value if status else "", "titles": STATUS_TITLES},
    )


@router.get("/province", response_class=HTMLResponse)
def province_page(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    at: Annotated[date | None, Query()] = None,
    level: Annotated[Level | None, Query()] = None,
    format: Annotated[str, Query(pattern="^(html|csv|xlsx)$")] = "html",
) -> Response:
    """The figures the province publishes, at a date, per unit."""
    default = Level.AGENT if principal.role.value == "agent" else Level.COMMUNE
    chosen_level = level or default
    day = at or today_local()
    report = province.province_report(session, principal=principal, at=day, level=chosen_level)
    session.commit()
    name = f"province-{day}-{chosen_level.value}"
    if format == "csv":
        return _download(province_export.to_csv(report), "csv", name)
    if format == "xlsx":
        return _download(province_export.to_xlsx(report), "xlsx", name)
    return render(request, "province.html", {"report": report, "level": chosen_level.value})
