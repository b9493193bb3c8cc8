"""Agents' devices (revocable) and the receipt blocks issued to them: used, voided, gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from server.auth import service as auth_service
from server.auth import users as users_service
from server.auth.models import Device, Role
from server.auth.scope import Principal
from server.deps import SessionDep
from server.enrollments import receipts
from server.enrollments.models import ReceiptBlock, ReceiptUse
from server.errors import DomainError, RuleViolation
from server.web import fmt, queries
from server.web.forms import FormState, message
from server.web.i18n import gettext
from server.web.render import WebRoute, render
from server.web.session import CsrfPrincipal, WebPrincipal

router = APIRouter(route_class=WebRoute)
PAGE_SIZE = 100
DEFAULT_BLOCK_SIZE = 50
MAX_BLOCK_SIZE = 1_000


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
    last_sync: datetime | None
    outbox_lag: timedelta | None

    @property
    def lag_text(self) -> str:
        return fmt.duration(self.outbox_lag)


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


def _device_views(session: Session, *, principal: Principal, agent_id: int) -> list[DeviceView]:
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
        last_sync, lag = receipts.device_activity(session, device=device)
        views.append(DeviceView(device, block_views, last_sync, lag))
    return views


def _agent_page(
    request: Request,
    session: Session,
    principal: Principal,
    agent_id: int,
    *,
    notice: str | None = None,
    form: FormState | None = None,
    device_id: int | None = None,
) -> Response:
    agent = users_service.get_user_or_raise(session, principal=principal, user_id=agent_id)
    views = _device_views(session, principal=principal, agent_id=agent_id)
    return render(
        request,
        "agent.html",
        {
            "agent": users_service.to_public(session, agent),
            "devices": views,
            "notice": notice,
            "form": form,
            "form_device": device_id,
            "default_size": DEFAULT_BLOCK_SIZE,
        },
        status=422 if form and form.errors else 200,
    )


@router.get("/agents/{agent_id}", response_class=HTMLResponse)
def agent_devices(
    request: Request,
    principal: WebPrincipal,
    session: SessionDep,
    agent_id: int,
    revoked: Annotated[int | None, Query()] = None,
    issued: Annotated[str | None, Query(max_length=40)] = None,
    voided: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """One agent's devices: last upload, outbox lag, receipt blocks, what became of them."""
    notice = None
    if revoked is not None:
        notice = gettext("The device was revoked; its sessions have ended.")
    elif issued:
        notice = gettext("Receipt block %(range)s issued; the device gets it at its next sync.") % {
            "range": issued
        }
    elif voided is not None:
        notice = gettext("%(count)s unused numbers voided.") % {"count": fmt.number(voided)}
    return _agent_page(request, session, principal, agent_id, notice=notice)


@router.post("/devices/{device_id}/blocks", response_class=HTMLResponse)
def issue_block(
    request: Request,
    principal: CsrfPrincipal,
    session: SessionDep,
    device_id: int,
    size: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Issue the next free range of receipt numbers to a device (audited by the service)."""
    device = users_service.get_device_or_raise(session, principal=principal, device_id=device_id)
    form = FormState("issue", {"size": size})
    try:
        count = int(size.strip())
        if not 1 <= count <= MAX_BLOCK_SIZE:
            raise ValueError(size)
        block = receipts.issue_block(session, principal=principal, device=device, size=count)
    except ValueError:
        form.errors["size"] = message(RuleViolation("bad size", field="size"))
    except DomainError as exc:
        form.fail(exc, "size")
    if form.errors:
        session.rollback()
        return _agent_page(
            request, session, principal, device.user_id, form=form, device_id=device_id
        )
    session.commit()
    span = f"{block.first_number}–{block.last_number}"
    return RedirectResponse(
        f"/web/agents/{device.user_id}?issued={quote(span)}#d{device_id}", status_code=303
    )


@router.post("/devices/{device_id}/void", response_class=HTMLResponse)
def void_numbers(
    request: Request,
    principal: CsrfPrincipal,
    session: SessionDep,
    device_id: int,
    first_number: Annotated[str, Form(max_length=20)] = "",
    last_number: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Void a device's unused numbers (lost or returned receipts); each number is audited."""
    device = users_service.get_device_or_raise(session, principal=principal, device_id=device_id)
    values = {"first_number": first_number, "last_number": last_number or first_number}
    values["reason"] = reason
    form = FormState("void", values)
    numbers: dict[str, int] = {}
    for name in ("first_number", "last_number"):
        try:
            numbers[name] = int(values[name].strip())
        except ValueError:
            form.errors[name] = message(RuleViolation("bad number", field=name))
    voided: list[int] = []
    if not form.errors:
        try:
            voided = receipts.void_unused(
                session,
                principal=principal,
                device=device,
                first=numbers["first_number"],
                last=numbers["last_number"],
                reason=reason,
            )
        except DomainError as exc:
            form.fail(exc, "first_number")
    if form.errors:
        session.rollback()
        return _agent_page(
            request, session, principal, device.user_id, form=form, device_id=device_id
        )
    session.commit()
    return RedirectResponse(
        f"/web/agents/{device.user_id}?voided={len(voided)}#d{device_id}", status_code=303
    )


@router.post("/devices/{device_id}/revoke")
def revoke(
    principal: CsrfPrincipal,
    session: SessionDep,
    device_id: int,
) -> Response:
    """Revoke a lost or stolen device through the auth service; its next call gets 401."""
    device = users_service.get_device_or_raise(session, principal=principal, device_id=device_id)
    was_active = device.revoked_at is None
    auth_service.revoke_device(session, device=device, by=principal)
    if was_active:
        receipts.audit_device_revoked(session, principal=principal, device=device)
    session.commit()
    return RedirectResponse(f"/web/agents/{device.user_id}?revoked={device_id}", status_code=303)
