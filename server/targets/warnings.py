"""Consistency warnings over the targets a caller can read: parts that do not add up.

Separate from the write path: warnings only read, and the dashboard and the API both show them.
"""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col

from enroll_common.periods import Period, parse_period
from server.auth.scope import Principal
from server.targets.models import Target
from server.targets.schemas import TargetWarning
from server.targets.service import readable_targets


def target_warnings(
    session: Session, *, principal: Principal, period: Period
) -> list[TargetWarning]:
    """Where agents' targets do not add up to their point's, or finer periods' targets do
    not add up to the coarser period's (months to a quarter, quarters to a year)."""
    rows = session.exec(
        readable_targets(principal).where(
            col(Target.period_start) >= period.start, col(Target.period_end) <= period.end
        )
    ).all()
    by_key: dict[tuple[str, str, str, str, int, int | None], int] = {
        (t.period, t.scheme, t.kind, t.metric, t.point_id, t.agent_id): t.value for t in rows
    }
    warnings: list[TargetWarning] = []
    agent_sums: dict[tuple[str, str, str, str, int], int] = defaultdict(int)
    for (per, scheme, kind, metric, point_id, agent_id), value in by_key.items():
        if agent_id is not None:
            agent_sums[(per, scheme, kind, metric, point_id)] += value
    for (per, scheme, kind, metric, point_id), actual in sorted(agent_sums.items()):
        expected = by_key.get((per, scheme, kind, metric, point_id, None))
        if expected is not None and expected != actual:
            warnings.append(
                TargetWarning(
                    type="agents_not_adding_up",
                    detail=(
                        f"agents' {scheme} {kind} {metric} targets for {per} at point "
                        f"{point_id} add up to {actual}, the point's target is {expected}"
                    ),
                    period=per,
                    scheme=scheme,
                    kind=kind,
                    metric=metric,
                    point_id=point_id,
                    expected=expected,
                    actual=actual,
                    difference=actual - expected,
                )
            )
    for (per, scheme, kind, metric, point_id, agent_id), expected in sorted(
        by_key.items(), key=lambda kv: (kv[0][4], kv[0][5] or 0, kv[0][0], kv[0][1:4])
    ):
        children = parse_period(per).children()
        found = [
            by_key[(str(c), scheme, kind, metric, point_id, agent_id)]
            for c in children
            if (str(c), scheme, kind, metric, point_id, agent_id) in by_key
        ]
        if not found or sum(found) == expected:
            continue
        actual = sum(found)
        whose = f"agent {agent_id} at point {point_id}" if agent_id else f"point {point_id}"
        warnings.append(
            TargetWarning(
                type="periods_not_adding_up",
                detail=(
                    f"{len(found)} of {len(children)} sub-period {scheme} {kind} {metric} "
                    f"targets of {whose} add up to {actual}, the {per} target is {expected}"
                ),
                period=per,
                scheme=scheme,
                kind=kind,
                metric=metric,
                point_id=point_id,
                agent_id=agent_id,
                expected=expected,
                actual=actual,
                difference=actual - expected,
            )
        )
    return warnings
