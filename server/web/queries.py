"""Small reads the dashboard needs that no domain service offers (yet).

Each one starts from a record already fetched through a scoped service call (a point, a
device, a sign-up), or from a scoped query builder, so none of them widens what a caller
sees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from server.auth.models import AgentPoint, Device, User
from server.auth.scope import Principal
from server.enrollments.models import Enrollment, EnrollmentRevision, ReceiptBlock, ReceiptUse
from server.org.models import CollectionPoint, Commune
from server.org.service import readable_communes, readable_points


def visible_points(
    session: Session, *, principal: Principal, commune_code: int | None = None
) -> list[CollectionPoint]:
    """The caller's collection points (optionally of one commune), by code."""
    stmt = readable_points(principal)
    if commune_code is not None:
        stmt = stmt.where(CollectionPoint.commune_code == commune_code)
    return list(session.exec(stmt.order_by(col(CollectionPoint.code))).all())


def visible_communes(session: Session, *, principal: Principal) -> list[Commune]:
    return list(session.exec(readable_communes(principal).order_by(col(Commune.name))).all())


def agents_by_point(session: Session, *, point_ids: Sequence[int]) -> dict[int, set[int]]:
    """agent id -> the given points they work at (points already scope-checked)."""
    out: dict[int, set[int]] = defaultdict(set)
    if point_ids:
        rows = session.exec(
            select(AgentPoint.user_id, AgentPoint.point_id).where(
                col(AgentPoint.point_id).in_(sorted(point_ids))
            )
        ).all()
        for user_id, point_id in rows:
            out[user_id].add(point_id)
    return out


def names(session: Session, user_ids: set[int]) -> dict[int, str]:
    """Display names of users already shown through a scoped read."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(User.id, User.full_name).where(col(User.id).in_(sorted(user_ids)))
    ).all()
    return {uid: name for uid, name in rows if uid is not None}


def point_names(session: Session, point_ids: set[int]) -> dict[int, str]:
    if not point_ids:
        return {}
    rows = session.exec(
        select(CollectionPoint.id, CollectionPoint.code).where(
            col(CollectionPoint.id).in_(sorted(point_ids))
        )
    ).all()
    return {pid: code for pid, code in rows if pid is not None}


def current_answer(session: Session, *, enrollment: Enrollment) -> dict[str, Any] | None:
    """The server's answer for the sign-up's current revision (amount lines and all)."""
    row = session.exec(
        select(EnrollmentRevision).where(
            EnrollmentRevision.enrollment_id == enrollment.id,
            EnrollmentRevision.rev == enrollment.rev,
        )
    ).first()
    answer = row.answer if row is not None else None
    return answer if isinstance(answer, dict) else None


def current_support(session: Session, *, enrollment: Enrollment) -> dict[str, Any]:
    """The support group(s) and evidence the current revision claims (for the reviewer)."""
    row = session.exec(
        select(EnrollmentRevision).where(
            EnrollmentRevision.enrollment_id == enrollment.id,
            EnrollmentRevision.rev == enrollment.rev,
        )
    ).first()
    body = row.body if row is not None and isinstance(row.body, dict) else {}
    return {
        "groups": list(body.get("support_groups") or []),
        "evidence": body.get("support_evidence"),
    }


def device_uses(session: Session, *, device: Device) -> list[ReceiptUse]:
    """Numbers spent or voided on a device the caller was allowed to read."""
    return list(
        session.exec(
            select(ReceiptUse)
            .where(ReceiptUse.device_id == device.id)
            .order_by(col(ReceiptUse.receipt_number))
        ).all()
    )


def gaps(block: ReceiptBlock, used: Sequence[int]) -> list[tuple[int, int]]:
    """Runs of unused numbers *below* the highest used one: receipts skipped or lost.

    Numbers after the highest used one are simply not used yet.
    """
    inside = sorted(n for n in used if block.first_number <= n <= block.last_number)
    if not inside:
        return []
    out: list[tuple[int, int]] = []
    expected = block.first_number
    for n in inside:
        if n > expected:
            out.append((expected, n - 1))
        expected = n + 1
    return out
