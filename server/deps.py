"""FastAPI dependencies: the database session, the caller, and role gates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from server.auth import service as auth_service
from server.auth.models import Role
from server.auth.scope import Principal
from server.auth.service import AuthContext
from server.config import Settings
from server.db import begin_reading
from server.errors import Forbidden, NotAuthenticated, RuleViolation
from server.observability import annotate
from server.replica import session_for

_bearer = HTTPBearer(auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; routes commit explicitly before they answer."""
    with session_for(request) as session:  # report GETs may read from a replica
        yield session


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_auth(request: Request) -> AuthContext:
    ctx: AuthContext = request.app.state.auth
    return ctx


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
AuthDep = Annotated[AuthContext, Depends(get_auth)]


def get_principal(
    session: SessionDep,
    ctx: AuthDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    # Authentication only reads, in its own transaction, ended before the route runs: on
    # SQLite it then neither waits behind the writer of the moment nor holds the write lock
    # while a push's body arrives and is parsed; on PostgreSQL the pool connection goes back
    # meanwhile. The route's statements begin a new transaction.
    begin_reading(session)
    principal, seen = auth_service.identify(ctx, session, access_token=credentials.credentials)
    return authenticated(session, principal, seen)


def authenticated(session: Session, principal: Principal, seen: datetime | None) -> Principal:
    """End authentication's read transaction, note who is asking on every log line, and
    record the device's last use when it is due (``auth_service.identify``)."""
    session.commit()
    annotate(user=principal.user.username, device=principal.device_id)
    if seen is not None:  # at most every few minutes per device
        auth_service.mark_seen(session, principal, seen)
        session.commit()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting only the given roles."""
    allowed = frozenset(roles)

    def _check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"this action needs one of the roles: {names}")
        return principal

    return _check


Manager = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.COORDINATOR))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


class PageParams:
    """``limit`` and ``offset`` with the server's page-size cap."""

    def __init__(
        self,
        request: Request,
        limit: Annotated[int, Query(ge=1, description="Page size.")] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> None:
        cap: int = request.app.state.settings.max_page_size
        if limit > cap:
            raise RuleViolation(f"limit must be at most {cap}", field="limit")
        self.limit = limit
        self.offset = offset


PageDep = Annotated[PageParams, Depends()]
