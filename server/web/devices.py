"""Agents' devices (revocable) and the receipt blocks issued to them: used, voided, gaps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from server.auth import service as auth_service
from server.auth import users as users_service
from server.auth.models import Device, Role
from server.deps import SessionDep
from server.enrollments import receipts
from server.enrollments.models import ReceiptBlock, ReceiptUse
from server.web import queries
from server.web.i18n import gettext
from server.web.render import WebRoute, render
from server.web.session import CsrfPrincipal, WebPrincipal

router = APIRouter(route_class=WebRoute)
PAGE_SIZE = 100


@dataclass
class BlockView:
    block: ReceiptBlock
    used: list[ReceiptUse]
    voided: list[ReceiptUse]
    gaps: list[tuple[int, int]]

    @property
    def size(self) -> int:
        return self.block.last_number - self.block.first_number + 1

    @property
    def left(self) -> int:
        return self.size - len(self.used) - len(self.voided)


@dataclass
class DeviceView:
    device: Device
    blocks: list[BlockView]


@router.get("/agents", response_class=HTMLResponse)
def agents(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """The agents the caller manages, to open their devices and receipts."""
    rows, total = users_service.get_users(
        session,
        principal=principal,
        role=Role.AGENT,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    public = [users_service.to_public(session, u) for u in rows]
    return render(
        request,
        "agents.html",
        {
            "agents": public,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "points": queries.point_names(session, {p for u in public for p in u.point_ids}),
        },
    )


@router.get("/agents/{agent_id}", response_class=HTMLResponse)
def agent_devices(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    agent_id: int,
    revoked: Annotated[int | None, Query()] = None,
) -> Response:
    """One agent's devices, each with its receipt blocks and what became of their numbers."""
    agent = users_service.get_user_or_raise(session, principal=principal, user_id=agent_id)
    devices, _ = users_service.get_devices(
        session, principal=principal, user_id=agent_id, limit=100, offset=0
    )
    views: list[DeviceView] = []
    for device in devices:
        blocks, _ = receipts.get_blocks(session, device=device, limit=100, offset=0)
        uses = queries.device_uses(session, device=device)
        block_views = []
        for block in blocks:
            inside = [u for u in uses if u.block_id == block.id]
            block_views.append(
                BlockView(
                    block=block,
                    used=[u for u in inside if u.kind != "void"],
                    voided=[u for u in inside if u.kind == "void"],
                    gaps=queries.gaps(block, [u.receipt_number for u in inside]),
                )
            )
        views.append(DeviceView(device=device, blocks=block_views))
    notice = None
    if revoked is not None:
        notice = gettext("The device was revoked; its sessions have ended.")
    return render(
        request,
        "agent.html",
        {"agent": users_service.to_public(session, agent), "devices": views, "notice": notice},
    )


@router.post("/devices/{device_id}/revoke")
def revoke(
    principal: CsrfPrincipal,
    session: SessionDep,
    device_id: int,
) -> Response:
    """Revoke a lost or stolen device through the auth service; its next call gets 401."""
    device = users_service.get_device_or_raise(session, principal=principal, device_id=device_id)
    auth_service.revoke_device(session, device=device, by=principal)
    session.commit()
    return RedirectResponse(f"/web/agents/{device.user_id}?revoked={device_id}", status_code=303)
