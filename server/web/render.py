"""Rendering pages, and turning domain errors into pages instead of JSON.

``WebRoute`` wraps every dashboard handler: NotAuthenticated becomes a redirect to the
login page, other domain errors an error page with the same status code the API would give.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from enroll_common.glossary import term, verification_code
from server.errors import DomainError, NotAuthenticated, RuleViolation
from server.web import fmt
from server.web.forms import message
from server.web.i18n import LANGUAGES, activate, current_language, gettext, ngettext
from server.web.session import LANG_COOKIE, CsrfFailed, web_settings

log = logging.getLogger("field_enroll.web")
TEMPLATES = Path(__file__).parent / "templates"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "svg"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
env.filters.update(
    vnd=fmt.vnd, number=fmt.number, percent=fmt.percent, day=fmt.day, moment=fmt.moment
)
env.globals["term"] = lambda group, code: term(group, str(code), current_language())
env.filters["code"] = verification_code
env.filters.update(
    dropkeys=lambda d, *keys: {k: v for k, v in d.items() if k not in keys},
    dropnone=lambda d: {k: v for k, v in d.items() if v is not None},
    combine=lambda d, extra: {**d, **extra},
    prev_day=lambda d: d - timedelta(days=1),
)


def language(request: Request) -> str:
    """The cookie's language, else the operator's default (Vietnamese)."""
    chosen = request.cookies.get(LANG_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return web_settings(request).default_language


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render a page in the request's language, with the user and CSRF token at hand."""
    lang = language(request)
    activate(lang)
    page = env.get_template(template).render(
        request=request,
        lang=lang,
        user=getattr(request.state, "web_principal", None),
        csrf_token=getattr(request.state, "csrf_token", ""),
        path=request.url.path,
        **(context or {}),
    )
    return HTMLResponse(page, status_code=status)


def _back(request: Request) -> str | None:
    """The page the user came from, when it is one of ours (to go back to the form)."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.url.netloc:
        return None
    if not parts.path.startswith("/web/") or parts.path.startswith("/web/login"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _error_page(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, NotAuthenticated):
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        if request.method != "GET":
            target = "/web/overview"
        return RedirectResponse(f"/web/login?next={quote(target)}", status_code=303)
    activate(language(request))
    titles = {
        403: gettext("Not allowed"),
        404: gettext("Not found"),
        409: gettext("Conflict"),
        422: gettext("Check the input"),
        429: gettext("Too many attempts"),
    }
    return render(
        request,
        "error.html",
        {
            "status": exc.status_code,
            "title": titles.get(exc.status_code, gettext("Error")),
            "detail": message(exc),
            "back": _back(request),
            "csrf_failed": isinstance(exc, CsrfFailed),
        },
        status=exc.status_code,
    )


class WebRoute(APIRoute):
    """An APIRoute whose errors are pages, not JSON bodies."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def _handler(request: Request) -> Response:
            activate(language(request))
            try:
                return await handler(request)
            except DomainError as exc:
                return _error_page(request, exc)
            except RequestValidationError as exc:
                errors = exc.errors()
                first = errors[0] if errors else {}
                loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
                err = RuleViolation(str(first.get("msg", "invalid")), field=".".join(loc) or None)
                return _error_page(request, err)

        return _handler
