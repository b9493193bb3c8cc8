"""Provisioning codes on the dashboard: create one for an agent (QR code and text), revoke."""

from __future__ import annotations

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from server.auth import users as users_service
from server.dbtypes import utcnow
from server.deps import SessionDep, SettingsDep
from server.errors import NotFound
from server.provisioning import service
from server.provisioning.models import ProvisioningCode
from server.provisioning.routes import provision_uri
from server.web.render import WebRoute, render
from server.web.session import CsrfPrincipal, WebPrincipal

router = APIRouter(route_class=WebRoute)


def qr_svg(data: str) -> str:
    """The QR code as inline SVG (pure Python, no image files), dark on light."""
    return str(segno.make(data, error="m").svg_inline(scale=6, border=4, title=data))


def _page(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    agent_id: int,
    created: tuple[ProvisioningCode, str] | None = None,
    status: int = 200,
) -> Response:
    agent = users_service.get_user_or_raise(session, principal=principal, user_id=agent_id)
    now = utcnow()
    codes = [(row, row.state(now)) for row in service.list_for(session, agent_id=agent_id)]
    context: dict[str, object] = {
        "agent": users_service.to_public(session, agent),
        "codes": codes,
        "created": None,
    }
    if created is not None:
        row, code = created
        uri = provision_uri(str(request.base_url), code)
        context["created"] = {"row": row, "code": code, "uri": uri, "svg": qr_svg(uri)}
    return render(request, "provisioning.html", context, status=status)


@router.get("/agents/{agent_id}/provisioning", response_class=HTMLResponse)
def codes_page(
    request: Request, principal: WebPrincipal, session: SessionDep, agent_id: int
) -> Response:
    """This agent's provisioning codes and a button to create one."""
    return _page(request, session, principal, agent_id)


@router.post("/agents/{agent_id}/provisioning", response_class=HTMLResponse)
def create_code(
    request: Request,
    principal: CsrfPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    agent_id: int,
) -> Response:
    """Create a code and show it once, as a QR code and as text (only its hash is kept)."""
    agent = users_service.get_user_or_raise(session, principal=principal, user_id=agent_id)
    row, code = service.create(session, settings, principal=principal, agent=agent)
    session.commit()
    return _page(request, session, principal, agent_id, created=(row, code), status=201)


@router.post("/provisioning-codes/{code_id}/revoke")
def revoke_code(principal: CsrfPrincipal, session: SessionDep, code_id: int) -> Response:
    row = session.get(ProvisioningCode, code_id)
    if row is None:
        raise NotFound("không có mã này (no such provisioning code)")
    users_service.get_user_or_raise(session, principal=principal, user_id=row.user_id)
    service.revoke(session, row=row, by=principal)
    session.commit()
    return RedirectResponse(f"/web/agents/{row.user_id}/provisioning", status_code=303)
