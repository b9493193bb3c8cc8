"""The review queue: pending and flagged sign-ups, decided one at a time or in bulk."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from enroll_common.sync_wire import EnrollmentStatus, Flag
from server.auth.scope import Principal
from server.deps import SessionDep
from server.enrollments import service as enrollments
from server.enrollments.schemas import ReviewRequest
from server.errors import DomainError, RuleViolation
from server.privacy.views import record_view
from server.web import queries
from server.web.i18n import gettext as _
from server.web.i18n import ngettext
from server.web.render import WebRoute, render
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


@router.get("/review", response_class=HTMLResponse)
def queue(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    status: Annotated[str, Query(pattern="^(pending|approved|rejected|returned|all)$")] = "pending",
    flag: Annotated[Flag | None, Query()] = None,
    agent_id: Annotated[int | None, Query()] = None,
    point_id: Annotated[int | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    done: Annotated[str | None, Query(max_length=10)] = None,
    ok: Annotated[int, Query(ge=0)] = 0,
    failed: Annotated[int, Query(ge=0)] = 0,
    errors: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> Response:
    """Sign-ups waiting for a decision (or any status), newest first, in the caller's scope."""
    rows, total = enrollments.get_enrollments(
        session,
        principal=principal,
        status=None if status == "all" else EnrollmentStatus(status),
        flag=flag.value if flag else None,
        agent_id=agent_id,
        point_id=point_id,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    agents = queries.names(session, {r.agent_id for r in rows})
    points = queries.point_names(session, {r.point_id for r in rows})
    base = {
        k: v
        for k, v in {
            "status": status,
            "flag": flag.value if flag else None,
            "agent_id": agent_id,
            "point_id": point_id,
        }.items()
        if v is not None
    }
    return render(
        request,
        "review.html",
        {
            "rows": rows,
            "total": total,
            "agents": agents,
            "points": points,
            "status": status,
            "flag": flag.value if flag else None,
            "flags": [f.value for f in Flag],
            "agent_id": agent_id,
            "point_id": point_id,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "query": urlencode(base),
            "notice": _notice(done, ok, failed),
            "errors": errors or [],
        },
    )


@router.post("/review/bulk")
def decide_many(
    principal: CsrfPrincipal,
    session: SessionDep,
    decision: Annotated[Decision, Form()],
    ids: Annotated[list[str] | None, Form(max_length=MAX_BULK)] = None,
    reason: Annotated[str, Form(max_length=500)] = "",
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Decide the ticked sign-ups; each one succeeds or fails on its own."""
    if not ids:
        raise RuleViolation(_("tick at least one sign-up"), field="ids")
    body = _request(decision, reason, None)
    ok, problems = 0, []
    for enrollment_id in ids:
        try:
            with session.begin_nested():
                _decide(session, principal, enrollment_id, body)
            ok += 1
        except DomainError as exc:
            problems.append(f"{enrollment_id[:8]}: {exc.detail}")
    session.commit()
    query = {"done": decision, "ok": ok, "failed": len(problems), "errors": problems}
    target = back if back.startswith("/web/review") else "/web/review"
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}{urlencode(query, doseq=True)}", status_code=303)


@router.post("/review/{enrollment_id}")
def decide_one(
    principal: CsrfPrincipal,
    session: SessionDep,
    enrollment_id: str,
    decision: Annotated[Decision, Form()],
    reason: Annotated[str, Form(max_length=500)] = "",
    rev: Annotated[int | None, Form(ge=1)] = None,
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Approve, reject or return one sign-up (the rev guards against a newer correction)."""
    _decide(session, principal, enrollment_id, _request(decision, reason, rev))
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
            "names": queries.names(session, people),
            "point": queries.point_names(session, {row.point_id}).get(row.point_id, ""),
            "notice": _notice(done, ok, 0),
        },
    )
