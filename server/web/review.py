"""The review queue: pending and flagged sign-ups, decided one at a time or in bulk."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from enroll_common.facilities import FACILITY_MISSING
from enroll_common.sync_wire import Flag
from server.auth import users as users_service
from server.auth.models import Role
from server.auth.scope import Principal
from server.deps import SessionDep
from server.enrollments import service as enrollments
from server.enrollments.schemas import ReviewRequest
from server.errors import DomainError, RuleViolation
from server.privacy.views import record_view
from server.web import audit_words, queries, search
from server.web.chart import SCHEMES
from server.web.forms import FormState, message
from server.web.i18n import gettext as _
from server.web.i18n import ngettext
from server.web.render import WebRoute, render
from server.web.search import STATUSES, Filters
from server.web.session import CsrfPrincipal, WebPrincipal

router = APIRouter(route_class=WebRoute)
PAGE_SIZE = 50
Decision = Literal["approve", "reject", "return"]
MAX_BULK = 200


def _request(decision: str, reason: str, rev: int | None) -> ReviewRequest:
    """The API's own review body, so the same rules (reason required...) apply."""
    try:
        return ReviewRequest(decision=decision, reason=reason.strip() or None, rev=rev)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "reason"
        raise RuleViolation(first["msg"].removeprefix("Value error, "), field=field) from None


def _decide(
    session: Session, principal: Principal, enrollment_id: str, body: ReviewRequest
) -> None:
    enrollments.review(session, principal=principal, enrollment_id=enrollment_id, data=body)


def _notice(done: str | None, ok: int, failed: int) -> str | None:
    if not done:
        return None
    verbs = {"approve": _("approved"), "reject": _("rejected"), "return": _("returned")}
    text = ngettext("%(n)d sign-up %(verb)s.", "%(n)d sign-ups %(verb)s.", ok) % {
        "n": ok,
        "verb": verbs.get(done, done),
    }
    if failed:
        text += " " + ngettext(
            "%(n)d could not be decided (see below).",
            "%(n)d could not be decided (see below).",
            failed,
        ) % {"n": failed}
    return text


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RuleViolation(f"{value!r} is not a date", field=name) from None


REVIEW_FLAGS = [*(f.value for f in Flag), FACILITY_MISSING]
"""The wire's flags and the server-side one (no facility), each a queue filter."""


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def filters_from(params: Mapping[str, str]) -> Filters:
    """The queue's filters from a query string (the URL is the filter's memory)."""
    status = params.get("status") or "pending"
    flag = params.get("flag") or None
    scheme = params.get("scheme") or None
    return Filters(
        status=status if status in STATUSES else "pending",
        q=(params.get("q") or "")[:100],
        flag=flag if flag in REVIEW_FLAGS else None,
        scheme=scheme if scheme in SCHEMES else None,
        point_id=_int(params.get("point_id")),
        agent_id=_int(params.get("agent_id")),
        date_from=_date(params.get("from"), "from"),
        date_to=_date(params.get("to"), "to"),
    )


def _queue_page(
    request: Request,
    session: Session,
    principal: Principal,
    filters: Filters,
    *,
    page: int = 1,
    notice: str | None = None,
    errors: list[str] | None = None,
    form: FormState | None = None,
) -> Response:
    rows, total = search.find(
        session,
        principal=principal,
        filters=filters,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    points = queries.visible_points(session, principal=principal)
    agent_rows, _n = users_service.get_users(
        session, principal=principal, role=Role.AGENT, limit=500, offset=0
    )
    return render(
        request,
        "review.html",
        {
            "rows": rows,
            "total": total,
            "agents": queries.names(session, {r.agent_id for r in rows}),
            "points": queries.point_names(session, {r.point_id for r in rows}),
            "point_choices": points,
            "agent_choices": agent_rows,
            "f": filters,
            "status": filters.status,
            "flag": filters.flag,
            "flags": REVIEW_FLAGS,
            "schemes": SCHEMES,
            "statuses": STATUSES,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "query": urlencode(filters.query()),
            "notice": notice,
            "errors": errors or [],
            "form": form,
        },
        status=422 if form and form.errors else 200,
    )


@router.get("/review", response_class=HTMLResponse)
def queue(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    done: Annotated[str | None, Query(max_length=10)] = None,
    ok: Annotated[int, Query(ge=0)] = 0,
    failed: Annotated[int, Query(ge=0)] = 0,
    errors: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> Response:
    """Sign-ups waiting for a decision (or found by the search box), newest first, in scope."""
    filters = filters_from(request.query_params)
    return _queue_page(
        request,
        session,
        principal,
        filters,
        page=page,
        notice=_notice(done, ok, failed),
        errors=errors,
    )


def _back_filters(back: str) -> Filters:
    parts = urlsplit(back)
    return filters_from(dict(parse_qsl(parts.query)))


@router.post("/review/bulk", response_class=HTMLResponse)
def decide_many(
    request: Request,
    principal: CsrfPrincipal,
    session: SessionDep,
    decision: Annotated[Decision, Form()],
    ids: Annotated[list[str] | None, Form(max_length=MAX_BULK)] = None,
    reason: Annotated[str, Form(max_length=500)] = "",
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Decide the ticked sign-ups; each one succeeds or fails on its own."""
    form = FormState("bulk", {"reason": reason, "decision": decision})
    form.ticked = set(ids or [])
    try:
        if not ids:
            raise RuleViolation(_("tick at least one sign-up"), field="ids")
        body = _request(decision, reason, None)
    except DomainError as exc:
        form.fail(exc, "reason")
        return _queue_page(request, session, principal, _back_filters(back), form=form)
    ok, problems = 0, []
    for enrollment_id in ids:
        try:
            with session.begin_nested():
                _decide(session, principal, enrollment_id, body)
            ok += 1
        except DomainError as exc:
            problems.append(f"{_who(session, principal, enrollment_id)}: {message(exc)}")
    session.commit()
    query = {"done": decision, "ok": ok, "failed": len(problems), "errors": problems}
    target = back if back.startswith("/web/review") else "/web/review"
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}{urlencode(query, doseq=True)}", status_code=303)


def _who(session: Session, principal: Principal, enrollment_id: str) -> str:
    """A sign-up named by its person, not by its internal id."""
    try:
        row = enrollments.get_enrollment_or_raise(
            session, principal=principal, enrollment_id=enrollment_id
        )
    except DomainError:
        return _("a sign-up")
    return f"{row.full_name} ({_('receipt')} {row.receipt_number})"


@router.post("/review/{enrollment_id}", response_class=HTMLResponse)
def decide_one(
    request: Request,
    principal: CsrfPrincipal,
    session: SessionDep,
    enrollment_id: str,
    decision: Annotated[Decision, Form()],
    reason: Annotated[str, Form(max_length=500)] = "",
    rev: Annotated[int | None, Form(ge=1)] = None,
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Approve, reject or return one sign-up (the rev guards against a newer correction)."""
    try:
        _decide(session, principal, enrollment_id, _request(decision, reason, rev))
    except DomainError as exc:
        session.rollback()
        form = FormState("decide", {"reason": reason, "decision": decision}).fail(exc, "reason")
        if back.startswith("/web/review"):
            return _queue_page(request, session, principal, _back_filters(back), form=form)
        return _detail_page(request, session, principal, enrollment_id, form=form)
    session.commit()
    query = urlencode({"done": decision, "ok": 1})
    target = back if back.startswith("/web/") else "/web/review"
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}{query}", status_code=303)


@router.get("/sign-ups/{enrollment_id}", response_class=HTMLResponse)
def detail(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    enrollment_id: str,
    done: Annotated[str | None, Query(max_length=10)] = None,
    ok: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """One sign-up: the amount breakdown, its revisions and its audit trail."""
    return _detail_page(request, session, principal, enrollment_id, notice=_notice(done, ok, 0))


def _detail_page(
    request: Request,
    session: Session,
    principal: Principal,
    enrollment_id: str,
    *,
    notice: str | None = None,
    form: FormState | None = None,
) -> Response:
    row = enrollments.get_enrollment_or_raise(
        session, principal=principal, enrollment_id=enrollment_id
    )
    full = enrollments.to_detail(session, row)
    record_view(session, principal=principal, enrollment_id=row.id, via="dashboard")
    session.commit()
    answer = queries.current_answer(session, enrollment=row)
    people = {row.agent_id} | {a.actor_id for a in full.audit if a.actor_id is not None}
    if row.reviewed_by is not None:
        people.add(row.reviewed_by)
    return render(
        request,
        "sign_up.html",
        {
            "e": full,
            "answer": answer,
            "support": queries.current_support(session, enrollment=row),
            "names": queries.names(session, people),
            "point": queries.point_names(session, {row.point_id}).get(row.point_id, ""),
            "notice": notice,
            "form": form,
            "audit": [audit_words.describe(a) for a in full.audit],
        },
        status=422 if form and form.errors else 200,
    )
