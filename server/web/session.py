"""Browser sessions: a signed cookie naming an auth-domain session, and CSRF tokens.

A dashboard login goes through ``server.auth.service.login`` with a ``web-…`` device, so
throttling, revocation, password changes and device revocation apply to browsers exactly
as to phones. On each request the cookie's session is turned into a principal by minting a
short-lived access token for it and calling the same ``authenticate`` as the API, so no
rule about live sessions is copied here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from server.auth import service as auth_service
from server.auth.models import AuthSession, Role
from server.auth.scope import Principal
from server.auth.service import AuthContext
from server.config import Settings
from server.db import begin_reading
from server.dbtypes import utcnow
from server.deps import AuthDep, SessionDep, authenticated
from server.errors import DomainError, Forbidden, NotAuthenticated
from server.web.settings import WebSettings

SESSION_COOKIE = "fe_session"
LOGIN_CSRF_COOKIE = "fe_login_csrf"
LANG_COOKIE = "fe_lang"
LOGIN_CSRF_SECONDS = 2 * 3600


class CsrfFailed(Forbidden):
    """A form arrived without this session's token: refused, nothing changed."""

    type = "csrf_failed"


def web_settings(request: Request) -> WebSettings:
    """Read from the environment once per app; tests may set ``app.state.web_settings``."""
    found = getattr(request.app.state, "web_settings", None)
    if not isinstance(found, WebSettings):
        found = WebSettings()
        request.app.state.web_settings = found
    return found


WebSettingsDep = Annotated[WebSettings, Depends(web_settings)]


def _key(settings: Settings, purpose: str) -> bytes:
    secret = settings.resolved_secret().encode()
    return hmac.new(secret, f"field-enroll web {purpose}".encode(), hashlib.sha256).digest()


def _mac(key: bytes, text: str) -> str:
    digest = hmac.new(key, text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(settings: Settings, purpose: str, value: str, *, now: float | None = None) -> str:
    """``value.issued.mac``: tamper-evident and dated, readable but not forgeable."""
    issued = str(int(now if now is not None else time.time()))
    body = f"{value}.{issued}"
    return f"{body}.{_mac(_key(settings, purpose), body)}"


def unsign(settings: Settings, purpose: str, token: str, *, max_age: int) -> str | None:
    """The signed value, or None if the token is forged, malformed or older than ``max_age``."""
    try:
        value, issued, mac = token.rsplit(".", 2)
        age = time.time() - int(issued)
    except ValueError:
        return None
    expected = _mac(_key(settings, purpose), f"{value}.{issued}")
    if not hmac.compare_digest(mac, expected) or not 0 <= age <= max_age:
        return None
    return value


def csrf_token(settings: Settings, session_id: str) -> str:
    """The token every form of this session carries; it dies with the session."""
    return _mac(_key(settings, "csrf"), session_id)


def set_cookie(response: Response, ws: WebSettings, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=ws.cookie_secure,
        samesite=ws.same_site,
    )


def clear_cookie(response: Response, ws: WebSettings, name: str) -> None:
    response.delete_cookie(
        name, path="/", httponly=True, secure=ws.cookie_secure, samesite=ws.same_site
    )


# --- logging in and out --------------------------------------------------------------------


def web_login(
    ctx: AuthContext, session: Session, *, username: str, password: str, address: str
) -> Principal:
    """Log in through the auth service on a fresh ``web-…`` device; agents are refused.

    The caller commits in every case (a failure still counts towards the throttle).
    """
    pair = auth_service.login(
        ctx,
        session,
        username=username.strip(),
        password=password,
        device_key=f"web-{secrets.token_hex(8)}",
        device_name="Web browser",
        address=address,
    )
    principal = auth_service.authenticate(ctx, session, access_token=pair.access_token)
    if principal.role is Role.AGENT:
        auth_service.logout(session, principal=principal)
        raise Forbidden("agents use the field app; the dashboard is for coordinators")
    return principal


def start(response: Response, settings: Settings, ws: WebSettings, principal: Principal) -> None:
    """Put the signed session id in an HttpOnly cookie."""
    assert principal.session_id is not None
    value = sign(settings, "session", principal.session_id)
    set_cookie(response, ws, SESSION_COOKIE, value, ws.session_hours * 3600)
    clear_cookie(response, ws, LOGIN_CSRF_COOKIE)


def end(session: Session, response: Response, ws: WebSettings, principal: Principal) -> None:
    """Revoke the auth session (not only the cookie) and drop the cookie."""
    auth_service.logout(session, principal=principal)
    clear_cookie(response, ws, SESSION_COOKIE)


# --- who is asking --------------------------------------------------------------------------


def _session_id(request: Request, settings: Settings, ws: WebSettings) -> str | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return unsign(settings, "session", token, max_age=ws.session_hours * 3600)


def current_principal(
    request: Request, session: SessionDep, ctx: AuthDep, ws: WebSettingsDep
) -> Principal:
    """The logged-in coordinator or admin; NotAuthenticated sends the browser to the login."""
    settings: Settings = request.app.state.settings
    session_id = _session_id(request, settings, ws)
    begin_reading(session)
    auth_session = session.get(AuthSession, session_id) if session_id else None
    if auth_session is None:
        raise NotAuthenticated("log in to continue")
    token, _ = ctx.tokens.encode(
        "access",
        user_id=auth_session.user_id,
        session_id=auth_session.id,
        device_id=auth_session.device_id,
        now=utcnow(),
    )
    try:
        principal, seen = auth_service.identify(ctx, session, access_token=token)
    except DomainError:
        raise NotAuthenticated("your session has ended; log in again") from None
    authenticated(session, principal, seen)
    if principal.role is Role.AGENT:
        raise Forbidden("agents use the field app; the dashboard is for coordinators")
    request.state.web_principal = principal
    request.state.csrf_token = csrf_token(settings, auth_session.id)
    return principal


WebPrincipal = Annotated[Principal, Depends(current_principal)]


def check_csrf(
    request: Request,
    principal: WebPrincipal,
    csrf_token_: Annotated[str, Form(alias="csrf_token")] = "",
) -> Principal:
    """Every state-changing form must carry this session's token (403 otherwise)."""
    expected = getattr(request.state, "csrf_token", "")
    if not csrf_token_ or not hmac.compare_digest(csrf_token_, expected):
        raise CsrfFailed("the form's security token is missing or out of date")
    return principal


CsrfPrincipal = Annotated[Principal, Depends(check_csrf)]


def login_csrf(request: Request, settings: Settings) -> tuple[str, str]:
    """(form token, cookie value) for the login form, which has no session yet."""
    existing = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    value = unsign(settings, "login-csrf", existing, max_age=LOGIN_CSRF_SECONDS)
    if value is None:
        value = secrets.token_urlsafe(24)
        existing = sign(settings, "login-csrf", value)
    return value, existing


def check_login_csrf(request: Request, settings: Settings, form_token: str) -> None:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    value = unsign(settings, "login-csrf", cookie, max_age=LOGIN_CSRF_SECONDS)
    if value is None or not form_token or not hmac.compare_digest(value, form_token):
        raise CsrfFailed("the login form's security token is missing or out of date")
