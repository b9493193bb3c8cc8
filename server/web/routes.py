"""The dashboard's pages: login and logout, language, and the page routers of each area."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from server.config import Settings
from server.deps import AuthDep, SessionDep
from server.errors import NotAuthenticated, NotFound, TooManyRequests
from server.web import collection, devices, overview, renewals, review, session, targets, weekly
from server.web import provisioning as provisioning_pages
from server.web.i18n import LANGUAGES, gettext
from server.web.render import WebRoute, render
from server.web.session import WebPrincipal, WebSettingsDep

STATIC = Path(__file__).parent / "static"
router = APIRouter(prefix="/web", route_class=WebRoute, include_in_schema=False)


def _safe_next(value: str) -> str:
    """Only same-site paths under /web (no open redirect)."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/web/") or value.startswith("//"):
        return "/web/overview"
    return value


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/web/overview") -> Response:
    """The login form, with its own CSRF token (there is no session yet)."""
    settings: Settings = request.app.state.settings
    token, cookie = session.login_csrf(request, settings)
    response = render(
        request, "login.html", {"login_csrf": token, "next": _safe_next(next), "username": ""}
    )
    session.set_cookie(
        response, session.web_settings(request), session.LOGIN_CSRF_COOKIE, cookie, 7200
    )
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: SessionDep,
    ctx: AuthDep,
    ws: WebSettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/web/overview",
) -> Response:
    """Check the password through the auth service and start a cookie session."""
    settings: Settings = request.app.state.settings
    session.check_login_csrf(request, settings, csrf_token)
    address = request.client.host if request.client else "unknown"
    try:
        principal = session.web_login(
            ctx, db, username=username, password=password, address=address
        )
    except (NotAuthenticated, TooManyRequests) as exc:
        db.commit()  # keep the failure count
        token, _ = session.login_csrf(request, settings)
        message = (
            gettext("Wrong username or password.")
            if isinstance(exc, NotAuthenticated)
            else exc.detail
        )
        status = 401 if isinstance(exc, NotAuthenticated) else 429
        return render(
            request,
            "login.html",
            {"login_csrf": token, "next": _safe_next(next), "username": username, "error": message},
            status=status,
        )
    except Exception:
        db.commit()
        raise
    db.commit()
    response = RedirectResponse(_safe_next(next), status_code=303)
    session.start(response, settings, ws, principal)
    return response


@router.post("/logout")
def logout(principal: session.CsrfPrincipal, db: SessionDep, ws: WebSettingsDep) -> Response:
    """End the session on the server, not only in the browser."""
    response = RedirectResponse("/web/login", status_code=303)
    session.end(db, response, ws, principal)
    db.commit()
    return response


@router.get("/lang/{code}")
def choose_language(
    request: Request, code: str, ws: WebSettingsDep, next: str = "/web/overview"
) -> Response:
    """Remember the chosen language in a cookie (Vietnamese by default)."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    if code in LANGUAGES:
        session.set_cookie(response, ws, session.LANG_COOKIE, code, 365 * 24 * 3600)
    return response


@router.get("", response_class=HTMLResponse)
def home(_: WebPrincipal) -> Response:
    return RedirectResponse("/web/overview", status_code=303)


for sub in (
    overview.router,
    review.router,
    targets.router,
    devices.router,
    renewals.router,
    weekly.router,
):
    router.include_router(sub)
router.include_router(provisioning_pages.router)
router.include_router(collection.router)


@router.get("/{rest:path}", response_class=HTMLResponse)
def not_found(rest: str) -> Response:
    """Unknown dashboard paths get the dashboard's 404 page, not a JSON body."""
    raise NotFound(f"no page /web/{rest}")


def install_web(app: FastAPI) -> None:
    """Mount the dashboard: its pages, its static files, and ``/`` leading to it."""
    app.mount("/web/static", StaticFiles(directory=STATIC), name="web-static")  # before the 404
    app.include_router(router)

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse("/web/overview", status_code=303)
