"""Targets: a point's targets and its agents' shares, split with a preview, history, import."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from enroll_common.calculator import Scheme
from enroll_common.periods import Period
from server.auth.scope import Principal
from server.deps import SessionDep
from server.errors import DomainError, NotFound, RuleViolation
from server.org import service as org_service
from server.org.models import CollectionPoint
from server.targets import importer
from server.targets import service as targets_service
from server.targets.models import Metric, TargetKind
from server.targets.schemas import TargetKey
from server.targets.warnings import target_warnings
from server.web import periods, queries
from server.web.forms import message
from server.web.i18n import ngettext
from server.web.render import WebRoute, render
from server.web.session import CsrfPrincipal, WebPrincipal
from server.web.target_split import (
    PreviewLine,
    SplitForm,
    invalid,
    preview_split,
    split_request,
)

router = APIRouter(route_class=WebRoute)
SCHEMES = tuple(s.value for s in Scheme)


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    point_id: int | None,
    period: Period,
    form: SplitForm | None = None,
    preview: tuple[int, list[PreviewLine]] | None = None,
    import_report: importer.ImportReport | None = None,
    notice: str | None = None,
    status: int = 200,
    set_form: dict[str, dict[str, str]] | None = None,
) -> Response:
    points = queries.visible_points(session, principal=principal)
    point: CollectionPoint | None = None
    if point_id is None and points:
        point_id = points[0].id
    if point_id is not None:
        point = org_service.get_point_or_raise(session, principal=principal, point_id=point_id)
    rows, agents, warnings = [], [], []
    if point is not None and point.id is not None:
        rows = list(
            targets_service.get_targets(
                session,
                principal=principal,
                filters=targets_service.TargetFilters(
                    period=str(period), point_id=point.id, within=True
                ),
                limit=500,
                offset=0,
            )[0]
        )
        agents = targets_service.agents_of_point(session, point_id=point.id)
        warnings = [
            w
            for w in target_warnings(session, principal=principal, period=period)
            if w.point_id == point.id
        ]
    names = {a.id: a.full_name for a in agents}
    form = form or SplitForm(
        period=str(period),
        scheme=SCHEMES[1],
        kind="all",
        metric="participants",
        method="even",
        total=None,
        weights={a.id: "1" for a in agents if a.id is not None},
        reason="",
    )
    return render(
        request,
        "targets.html",
        {
            "points": points,
            "point": point,
            "period": period,
            "period_label": periods.label(period),
            "options": periods.options(period),
            "rows": rows,
            "agents": agents,
            "names": names,
            "warnings": warnings,
            "form": form,
            "preview": preview,
            "report": import_report,
            "schemes": SCHEMES,
            "kinds": [k.value for k in TargetKind],
            "metrics": [m.value for m in Metric],
            "notice": notice,
            "set_form": set_form or {"values": {}, "errors": {}},
        },
        status=status,
    )


@router.get("/targets", response_class=HTMLResponse)
def targets_page(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    point: Annotated[int | None, Query()] = None,
    period: Annotated[str | None, Query(max_length=8)] = None,
    saved: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """A point's targets for a period (and everything inside it), with its agents' shares."""
    chosen = periods.parse(period or str(periods.today().year))
    notice = None
    if saved is not None:
        notice = ngettext("%(n)d target saved.", "%(n)d targets saved.", saved) % {"n": saved}
    return _page(request, session, principal, point_id=point, period=chosen, notice=notice)


def _form(
    period: str,
    scheme: str,
    kind: str,
    metric: str,
    method: str,
    total: str,
    agent_ids: list[int] | None,
    weights: list[str] | None,
    reason: str,
) -> SplitForm:
    agent_list = agent_ids or []
    weight_list = weights or []
    if len(weight_list) != len(agent_list):
        raise RuleViolation("one weight per agent", field="weights")
    total_value: int | None = None
    if total.strip():
        try:
            total_value = int(total.strip().replace(".", "").replace(",", ""))
        except ValueError:
            raise RuleViolation(f"{total!r} is not a whole number", field="total") from None
    return SplitForm(
        period=period,
        scheme=scheme,
        kind=kind,
        metric=metric,
        method="weights" if method == "weights" else "even",
        total=total_value,
        weights=dict(zip(agent_list, weight_list, strict=True)),
        reason=reason,
    )


@router.post("/targets/{point_id}/split", response_class=HTMLResponse)
def split(
    request: Request,
    principal: CsrfPrincipal,
    session: SessionDep,
    point_id: int,
    period: Annotated[str, Form(max_length=8)],
    scheme: Annotated[Scheme, Form()],
    kind: Annotated[Literal["new", "renewal", "all"], Form()] = "all",
    metric: Annotated[Literal["participants", "amount_vnd"], Form()] = "participants",
    method: Annotated[Literal["even", "weights"], Form()] = "even",
    total: Annotated[str, Form(max_length=20)] = "",
    agent_ids: Annotated[list[int] | None, Form()] = None,
    weights: Annotated[list[str] | None, Form()] = None,
    reason: Annotated[str, Form(max_length=300)] = "",
    action: Annotated[Literal["preview", "save"], Form()] = "preview",
) -> Response:
    """Preview (nothing written) or save a split of the point's target among its agents."""
    org_service.get_point_or_raise(session, principal=principal, point_id=point_id)
    try:
        form = _form(period, scheme, kind, metric, method, total, agent_ids, weights, reason)
        data = split_request(point_id, form)
        if action == "save":
            _, parts = targets_service.split_target(session, principal=principal, data=data)
            session.commit()
            return RedirectResponse(
                f"/web/targets?point={point_id}&period={data.period}&saved={len(parts)}",
                status_code=303,
            )
        preview = preview_split(session, principal=principal, data=data)
    except DomainError as exc:
        session.rollback()
        kept = SplitForm(
            period=period,
            scheme=scheme,
            kind=kind,
            metric=metric,
            method="weights" if method == "weights" else "even",
            total=None,
            weights=dict(zip(agent_ids or [], weights or [], strict=False)),
            reason=reason,
            total_text=total,
            errors={exc.field or "period": message(exc)},
        )
        try:
            shown = periods.parse(period)
        except DomainError:
            shown = periods.parse(str(periods.today().year))
        return _page(
            request, session, principal, point_id=point_id, period=shown, form=kept, status=422
        )
    return _page(
        request,
        session,
        principal,
        point_id=point_id,
        period=periods.parse(data.period),
        form=form,
        preview=preview,
    )


@router.post("/targets/{point_id}/set", response_class=HTMLResponse)
def set_point_target(
    request: Request,
    principal: CsrfPrincipal,
    session: SessionDep,
    point_id: int,
    period: Annotated[str, Form(max_length=8)],
    scheme: Annotated[Scheme, Form()],
    value: Annotated[str, Form(max_length=20)] = "",
    kind: Annotated[Literal["new", "renewal", "all"], Form()] = "all",
    metric: Annotated[Literal["participants", "amount_vnd"], Form()] = "participants",
    agent_id: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Set or revise one target of the point (or of one of its agents)."""
    org_service.get_point_or_raise(session, principal=principal, point_id=point_id)
    kept = {
        "period": period,
        "scheme": scheme.value,
        "kind": kind,
        "metric": metric,
        "agent_id": agent_id,
        "value": value,
        "reason": reason,
    }
    try:
        try:
            amount = int(value.strip().replace(".", "").replace(",", ""))
        except ValueError:
            raise RuleViolation("not a whole number", field="value") from None
        if not 0 <= amount <= 10**15:
            raise RuleViolation("out of range", field="value")
        try:
            key = TargetKey(
                period=period, scheme=scheme, kind=TargetKind(kind), metric=Metric(metric)
            )
        except ValidationError as exc:
            raise invalid(exc, "period") from None
        targets_service.set_target(
            session,
            principal=principal,
            key=key,
            point_id=point_id,
            agent_id=int(agent_id) if agent_id.isdigit() else None,
            value=amount,
            reason=reason,
            source="web",
        )
    except DomainError as exc:
        session.rollback()
        set_form = {"values": kept, "errors": {exc.field or "value": message(exc)}}
        try:
            shown = periods.parse(period)
        except DomainError:
            shown = periods.parse(str(periods.today().year))
        return _page(
            request,
            session,
            principal,
            point_id=point_id,
            period=shown,
            set_form=set_form,
            status=422,
        )
    session.commit()
    return RedirectResponse(
        f"/web/targets?point={point_id}&period={key.period}&saved=1", status_code=303
    )


@router.get("/targets/history/{target_id}", response_class=HTMLResponse)
def history(
    request: Request, principal: WebPrincipal, session: SessionDep, target_id: int
) -> Response:
    """Every value a target has had, who set it and why."""
    target = targets_service.get_target_or_raise(session, principal=principal, target_id=target_id)
    revisions = targets_service.get_revisions(session, target=target)
    people = {r.set_by for r in revisions} | ({target.agent_id} if target.agent_id else set())
    return render(
        request,
        "target_history.html",
        {
            "t": target,
            "revisions": revisions,
            "names": queries.names(session, people),
            "point": queries.point_names(session, {target.point_id}).get(target.point_id, ""),
        },
    )


@router.post("/targets/import", response_class=HTMLResponse)
def import_file(
    request: Request,
    principal: CsrfPrincipal,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = False,
    point: Annotated[int | None, Form()] = None,
) -> Response:
    """Import a CSV/XLSX through the API's importer; row errors are shown, nothing written."""
    content = file.file.read()
    report = importer.import_targets(
        session,
        principal=principal,
        filename=file.filename or "",
        content=content,
        dry_run=dry_run,
    )
    if report.written:
        session.commit()
    else:
        session.rollback()
    return _page(
        request,
        session,
        principal,
        point_id=point,
        period=periods.parse(str(periods.today().year)),
        import_report=report,
        status=200 if report.valid else 422,
    )


@router.get("/targets/template.{fmt}")
def import_template(_: WebPrincipal, fmt: str) -> Response:
    """The import template for a browser session (the API's needs a bearer token)."""
    kinds: dict[str, Literal["csv", "xlsx"]] = {"csv": "csv", "xlsx": "xlsx"}
    if fmt not in kinds:
        raise NotFound("no such template")
    media = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[fmt]
    return Response(
        importer.template(kinds[fmt]),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="targets-template.{fmt}"'},
    )
