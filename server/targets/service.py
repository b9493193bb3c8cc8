"""Setting, revising, splitting and checking targets, always within the caller's scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, false, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from enroll_common.periods import Period, parse_period
from server.auth.models import AgentPoint, Role, User
from server.auth.scope import Principal
from server.changelog import record_change
from server.dbtypes import utcnow
from server.errors import Forbidden, NotFound, RuleViolation
from server.org import service as org_service
from server.org.models import CollectionPoint, Commune
from server.targets.models import Target, TargetRevision, TargetScope, scope_key
from server.targets.schemas import SplitRequest, TargetKey, TargetPublic
from server.targets.split import split_largest_remainder

# --- scope -------------------------------------------------------------------------------


def target_filter(principal: Principal) -> ColumnElement[bool]:
    """The targets a caller may read: admins their province, coordinators their communes,
    agents their own targets and their points' targets (not their colleagues')."""
    if principal.is_admin:
        return col(Target.province_code) == principal.province_code
    if principal.role is Role.COORDINATOR:
        if not principal.commune_codes:
            return false()
        return col(Target.commune_code).in_(sorted(principal.commune_codes))
    own = col(Target.agent_id) == principal.user_id
    if not principal.point_ids:
        return own
    points = and_(
        col(Target.agent_id).is_(None), col(Target.point_id).in_(sorted(principal.point_ids))
    )
    return or_(own, points)


def readable_targets(principal: Principal) -> SelectOfScalar[Target]:
    """The one query every read of targets starts from."""
    return select(Target).where(target_filter(principal))


def get_target_or_raise(session: Session, *, principal: Principal, target_id: int) -> Target:
    target = session.exec(readable_targets(principal).where(Target.id == target_id)).first()
    if target is None:
        raise NotFound(f"no target {target_id}")
    return target


@dataclass(frozen=True)
class TargetFilters:
    period: str | None = None
    scheme: str | None = None
    kind: str | None = None
    metric: str | None = None
    point_id: int | None = None
    agent_id: int | None = None
    scope: str | None = None
    within: bool = False  # period: every target inside it (months of a quarter...), not equal


def get_targets(
    session: Session, *, principal: Principal, filters: TargetFilters, limit: int, offset: int
) -> tuple[Sequence[Target], int]:
    stmt = readable_targets(principal)
    if filters.period is not None:
        period = parse_period(filters.period)
        if filters.within:
            stmt = stmt.where(
                col(Target.period_start) >= period.start, col(Target.period_end) <= period.end
            )
        else:
            stmt = stmt.where(Target.period == str(period))
    for column, value in (
        (Target.scheme, filters.scheme),
        (Target.kind, filters.kind),
        (Target.metric, filters.metric),
        (Target.point_id, filters.point_id),
        (Target.agent_id, filters.agent_id),
        (Target.scope, filters.scope),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(
            col(Target.period_start),
            col(Target.period_end).desc(),
            col(Target.point_id),
            col(Target.agent_id).is_not(None),
            col(Target.agent_id),
            col(Target.scheme),
            col(Target.kind),
            col(Target.metric),
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return rows, total


def get_revisions(session: Session, *, target: Target) -> Sequence[TargetRevision]:
    return session.exec(
        select(TargetRevision)
        .where(TargetRevision.target_id == target.id)
        .order_by(col(TargetRevision.revision))
    ).all()


# --- writing -----------------------------------------------------------------------------


def _point_for_writing(
    session: Session, principal: Principal, point_id: int
) -> tuple[CollectionPoint, Commune]:
    """Out-of-scope points are 404; agents may read their point but never write targets."""
    point = org_service.get_point_or_raise(session, principal=principal, point_id=point_id)
    if principal.role is Role.AGENT:
        raise Forbidden("agents cannot set targets")
    commune = org_service.get_commune_or_raise(session, point.commune_code)
    if not principal.manages_commune(commune.code, commune.province_code):
        raise NotFound(f"no collection point {point_id}")
    return point, commune


def agents_of_point(session: Session, *, point_id: int) -> list[User]:
    """Active agents working at a point, by id."""
    return list(
        session.exec(
            select(User)
            .join(AgentPoint, col(AgentPoint.user_id) == col(User.id))
            .where(
                AgentPoint.point_id == point_id,
                User.role == Role.AGENT.value,
                col(User.is_active).is_(True),
            )
            .order_by(col(User.id))
        ).all()
    )


def _check_agent_at_point(session: Session, *, point_id: int, agent_id: int) -> None:
    link = session.get(AgentPoint, (agent_id, point_id))
    user = session.get(User, agent_id)
    if link is None or user is None or user.role != Role.AGENT.value:
        raise NotFound(f"no agent {agent_id} at collection point {point_id}", field="agent_id")


def target_payload(target: Target) -> dict[str, object]:
    """What clients pull from the change log and what the API returns."""
    return TargetPublic.model_validate(target, from_attributes=True).model_dump(mode="json")


def _find(session: Session, key: TargetKey, point_id: int, agent_id: int | None) -> Target | None:
    return session.exec(
        select(Target).where(
            Target.scope_key == scope_key(point_id, agent_id),
            Target.period == key.period,
            Target.scheme == key.scheme.value,
            Target.kind == key.kind.value,
            Target.metric == key.metric.value,
        )
    ).first()


def _write(
    session: Session,
    *,
    principal: Principal,
    key: TargetKey,
    point: CollectionPoint,
    province_code: int,
    agent_id: int | None,
    value: int,
    reason: str,
    source: str,
    now: datetime,
) -> tuple[Target, bool]:
    """Create or revise one target, log the revision and the pullable change.

    Returns the target and whether anything changed (setting the same value again is a
    no-op, so repeated imports do not grow the history).
    """
    assert point.id is not None
    target = _find(session, key, point.id, agent_id)
    previous: int | None = None
    if target is None:
        period: Period = parse_period(key.period)
        target = Target(
            period=str(period),
            period_kind=period.kind.value,
            period_start=period.start,
            period_end=period.end,
            scheme=key.scheme.value,
            kind=key.kind.value,
            metric=key.metric.value,
            scope=(TargetScope.POINT if agent_id is None else TargetScope.AGENT).value,
            scope_key=scope_key(point.id, agent_id),
            point_id=point.id,
            agent_id=agent_id,
            commune_code=point.commune_code,
            province_code=province_code,
            value=value,
            revision=1,
            set_by=principal.user_id,
            set_at=now,
        )
    else:
        if target.value == value:
            return target, False
        previous = target.value
        target.value = value
        target.revision += 1
        target.set_by = principal.user_id
        target.set_at = now
    session.add(target)
    session.flush()
    assert target.id is not None
    session.add(
        TargetRevision(
            target_id=target.id,
            revision=target.revision,
            value=value,
            previous_value=previous,
            reason=reason,
            source=source,
            set_by=principal.user_id,
            set_at=now,
        )
    )
    record_change(
        session,
        entity="target",
        entity_id=target.id,
        payload=target_payload(target),
        province_code=province_code,
        commune_code=point.commune_code,
        point_id=point.id,
        user_id=agent_id,
    )
    return target, True


def set_target(
    session: Session,
    *,
    principal: Principal,
    key: TargetKey,
    point_id: int,
    agent_id: int | None,
    value: int,
    reason: str = "",
    source: str = "api",
) -> tuple[Target, bool]:
    """Set (create or revise) a point's or an agent's target. Returns (target, created)."""
    point, commune = _point_for_writing(session, principal, point_id)
    if agent_id is not None:
        _check_agent_at_point(session, point_id=point_id, agent_id=agent_id)
    existed = _find(session, key, point_id, agent_id) is not None
    target, _ = _write(
        session,
        principal=principal,
        key=key,
        point=point,
        province_code=commune.province_code,
        agent_id=agent_id,
        value=value,
        reason=reason,
        source=source,
        now=utcnow(),
    )
    return target, not existed


def revise_target(
    session: Session, *, principal: Principal, target: Target, value: int, reason: str
) -> Target:
    """Give a target a new value (a supplemented or corrected plan), keeping the history."""
    point, commune = _point_for_writing(session, principal, target.point_id)
    key = TargetKey(
        period=target.period, scheme=target.scheme, kind=target.kind, metric=target.metric
    )
    revised, _ = _write(
        session,
        principal=principal,
        key=key,
        point=point,
        province_code=commune.province_code,
        agent_id=target.agent_id,
        value=value,
        reason=reason,
        source="api",
        now=utcnow(),
    )
    return revised


def split_target(
    session: Session, *, principal: Principal, data: SplitRequest
) -> tuple[int, list[Target]]:
    """Split a point's target among its agents; the parts add up to the whole exactly."""
    point, commune = _point_for_writing(session, principal, data.point_id)
    assert point.id is not None
    agents = {a.id: a for a in agents_of_point(session, point_id=point.id)}
    if data.agent_ids is not None:
        chosen = list(dict.fromkeys(data.agent_ids))
    elif data.method == "weights" and data.weights:
        chosen = sorted(data.weights)
    else:
        chosen = sorted(a for a in agents if a is not None)
    for agent_id in chosen:
        if agent_id not in agents:
            raise NotFound(f"no agent {agent_id} at collection point {point.id}", field="agent_ids")
    if not chosen:
        raise RuleViolation(f"collection point {point.id} has no agents", field="point_id")
    if data.total is not None:
        total = data.total
    else:
        whole = _find(session, data, point.id, None)
        if whole is None:
            raise RuleViolation(
                f"collection point {point.id} has no {data.period} target to split; "
                "set it first or give a total",
                field="total",
            )
        total = whole.value
    if data.method == "weights":
        if not data.weights:
            raise RuleViolation("weights are required for a weighted split", field="weights")
        missing = [a for a in chosen if a not in data.weights]
        if missing:
            raise RuleViolation(f"no weight for agent {missing[0]}", field="weights")
        weights: list[Decimal] = [data.weights[a] for a in chosen]
    else:
        weights = [Decimal(1)] * len(chosen)
    try:
        parts = split_largest_remainder(total, weights)
    except ValueError as exc:
        raise RuleViolation(str(exc), field="weights") from exc
    now = utcnow()
    out: list[Target] = []
    for agent_id, part in zip(chosen, parts, strict=True):
        target, _ = _write(
            session,
            principal=principal,
            key=data,
            point=point,
            province_code=commune.province_code,
            agent_id=agent_id,
            value=part,
            reason=data.reason or f"split of {total} ({data.method})",
            source="split",
            now=now,
        )
        out.append(target)
    return total, out
