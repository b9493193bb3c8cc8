"""The split form of the targets page: what the coordinator typed, parsed into the API's own
split body, and a preview that runs the real split and rolls it back."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import ValidationError
from sqlmodel import Session

from server.auth.scope import Principal
from server.errors import RuleViolation
from server.targets import service as targets_service
from server.targets.models import Metric, TargetKind
from server.targets.schemas import SplitRequest


@dataclass
class SplitForm:
    """What the coordinator typed into the split form, kept to redisplay it."""

    period: str
    scheme: str
    kind: str
    metric: str
    method: Literal["even", "weights"]
    total: int | None
    weights: dict[int, str]
    reason: str
    total_text: str = ""
    errors: dict[str, str] | None = None


@dataclass
class PreviewLine:
    agent_id: int
    name: str
    current: int | None
    new: int


def invalid(exc: ValidationError, default: str) -> RuleViolation:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or default
    return RuleViolation(str(first["msg"]).removeprefix("Value error, "), field=field)


def split_request(point_id: int, form: SplitForm) -> SplitRequest:
    """The API's own split body, so its validation applies unchanged."""
    weights: dict[int, Decimal] | None = None
    if form.method == "weights":
        weights = {}
        for agent_id, text in form.weights.items():
            try:
                weights[agent_id] = Decimal(text.strip().replace(",", ".") or "0")
            except InvalidOperation:
                raise RuleViolation(f"weight {text!r} is not a number", field="weights") from None
    try:
        return SplitRequest(
            period=form.period,
            scheme=form.scheme,
            kind=TargetKind(form.kind),
            metric=Metric(form.metric),
            point_id=point_id,
            method=form.method,
            weights=weights,
            total=form.total,
            reason=form.reason,
        )
    except (ValidationError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise invalid(exc, "period") from None
        raise RuleViolation(str(exc), field="kind") from None


def preview_split(
    session: Session, *, principal: Principal, data: SplitRequest
) -> tuple[int, list[PreviewLine]]:
    """Run the real split and roll it back: the preview is exactly what saving will do."""
    agents = targets_service.agents_of_point(session, point_id=data.point_id)
    before = {
        t.agent_id: t.value
        for t in targets_service.get_targets(
            session,
            principal=principal,
            filters=targets_service.TargetFilters(
                period=data.period,
                scheme=data.scheme.value,
                kind=data.kind.value,
                metric=data.metric.value,
                point_id=data.point_id,
                scope="agent",
            ),
            limit=1000,
            offset=0,
        )[0]
    }
    names = {a.id: a.full_name for a in agents}
    try:
        total, parts = targets_service.split_target(session, principal=principal, data=data)
        lines = [
            PreviewLine(p.agent_id or 0, names.get(p.agent_id, ""), before.get(p.agent_id), p.value)
            for p in parts
        ]
    finally:
        session.rollback()
    return total, lines
