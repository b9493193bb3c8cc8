"""Request and response bodies of the targets API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from enroll_common.calculator import Scheme
from enroll_common.periods import PeriodError, parse_period
from enroll_common.wire import Inbound
from server.targets.models import Metric, TargetKind

MAX_TARGET_VALUE = 10**15  # beyond any province's plan in đồng


def _canonical_period(value: str) -> str:
    try:
        return str(parse_period(value))
    except PeriodError as exc:
        raise ValueError(str(exc)) from exc


class TargetKey(Inbound):
    """What a target is for: period, scheme, kind and metric."""

    period: str = Field(description="2025-09, 2025-Q3 or 2025.", examples=["2025"])
    scheme: Scheme
    kind: TargetKind = TargetKind.ALL
    metric: Metric = Metric.PARTICIPANTS

    _period = field_validator("period")(_canonical_period)


class TargetSet(TargetKey):
    """Set a point's (no ``agent_id``) or an agent's target; an existing one is revised."""

    point_id: int = Field(ge=1)
    agent_id: int | None = Field(default=None, ge=1)
    value: int = Field(ge=0, le=MAX_TARGET_VALUE)
    reason: str = Field(default="", max_length=300)


class TargetRevise(Inbound):
    value: int = Field(ge=0, le=MAX_TARGET_VALUE)
    reason: str = Field(min_length=1, max_length=300, examples=["supplemented target"])


class SplitRequest(TargetKey):
    """Split a point's target among its agents, evenly or by weights (agent id -> weight)."""

    point_id: int = Field(ge=1)
    method: Literal["even", "weights"] = "even"
    agent_ids: list[int] | None = Field(
        default=None, description="Agents to split among (default: all agents of the point)."
    )
    weights: dict[int, Decimal] | None = None
    total: int | None = Field(
        default=None, ge=0, le=MAX_TARGET_VALUE, description="Default: the point's target."
    )
    reason: str = Field(default="", max_length=300)


class TargetPublic(BaseModel):
    id: int
    period: str
    period_kind: str
    scheme: str
    kind: str
    metric: str
    scope: str
    point_id: int
    agent_id: int | None
    commune_code: int
    value: int
    revision: int
    set_by: int
    set_at: datetime


class TargetRevisionPublic(BaseModel):
    revision: int
    value: int
    previous_value: int | None
    reason: str
    source: str
    set_by: int
    set_at: datetime


class TargetDetail(TargetPublic):
    revisions: list[TargetRevisionPublic]


class SplitResult(BaseModel):
    point_id: int
    total: int
    parts: list[TargetPublic]


class TargetWarning(BaseModel):
    """A set of targets that should add up to another and does not."""

    type: Literal["agents_not_adding_up", "periods_not_adding_up"]
    detail: str
    period: str
    scheme: str
    kind: str
    metric: str
    point_id: int
    agent_id: int | None = None
    expected: int
    actual: int
    difference: int
