"""The pull side of sync: the change log read through the caller's scope, page by page."""

from __future__ import annotations

import hashlib

from sqlalchemy import ColumnElement, and_, func, or_, true
from sqlmodel import Session, col, select

from enroll_common.sync_wire import MAX_PULL_LIMIT, Change, PullPage
from server.auth.models import Role
from server.auth.scope import Principal
from server.changelog import ChangeLog
from server.errors import DomainError
from server.org.models import CollectionPoint, Commune


class CursorInvalid(DomainError):
    status_code = 410
    type = "cursor_invalid"


def visible_changes(principal: Principal) -> ColumnElement[bool]:
    """The one rule for who sees which change: a NULL scope column does not restrict."""
    province = or_(
        col(ChangeLog.province_code).is_(None),
        col(ChangeLog.province_code) == principal.province_code,
    )
    user = or_(col(ChangeLog.user_id).is_(None), col(ChangeLog.user_id) == principal.user_id)
    if principal.is_admin:
        communes = select(Commune.code).where(Commune.province_code == principal.province_code)
        commune_ok: ColumnElement[bool] = col(ChangeLog.commune_code).in_(communes)
        points = (
            select(CollectionPoint.id)
            .join(Commune, col(Commune.code) == col(CollectionPoint.commune_code))
            .where(Commune.province_code == principal.province_code)
        )
        point_ok: ColumnElement[bool] = col(ChangeLog.point_id).in_(points)
    else:
        codes = sorted(principal.commune_codes)
        commune_ok = col(ChangeLog.commune_code).in_(codes) if codes else ~true()
        if principal.role is Role.AGENT:
            ids = sorted(principal.point_ids)
            point_ok = col(ChangeLog.point_id).in_(ids) if ids else ~true()
        else:
            point_ok = col(ChangeLog.point_id).in_(
                select(CollectionPoint.id).where(col(CollectionPoint.commune_code).in_(codes))
            )
    return and_(
        province,
        user,
        or_(col(ChangeLog.commune_code).is_(None), commune_ok),
        or_(col(ChangeLog.point_id).is_(None), point_ok),
    )


def parse_cursor(cursor: str) -> int:
    if not cursor.isdigit() or len(cursor) > 19:
        raise CursorInvalid(
            f"cursor {cursor!r} is not one this server issued; start again from cursor 0",
            field="cursor",
        )
    return int(cursor)


def scope_fingerprint(principal: Principal) -> str:
    """A short stable digest of the caller's area: it changes when their points change."""
    area = "|".join(
        [
            principal.role.value,
            str(principal.province_code),
            ",".join(str(c) for c in sorted(principal.commune_codes)),
            ",".join(str(p) for p in sorted(principal.point_ids)),
        ]
    )
    return hashlib.sha256(area.encode()).hexdigest()[:16]


def pull(session: Session, *, principal: Principal, cursor: str, limit: int) -> PullPage:
    """Changes after ``cursor`` the caller may see, oldest first, at most ``limit``."""
    after = parse_cursor(cursor)
    limit = max(1, min(limit, MAX_PULL_LIMIT))
    # Read the high-water mark first: every seq up to it is committed (writers take the
    # change-log lock until commit), so a page ending there skips nothing.
    high = int(session.exec(select(func.coalesce(func.max(ChangeLog.seq), 0))).one() or 0)
    if after > high:
        raise CursorInvalid(
            f"cursor {after} is ahead of this server (latest change is {high}); "
            "the server's data was reset: start again from cursor 0",
            field="cursor",
        )
    rows = session.exec(
        select(ChangeLog)
        .where(col(ChangeLog.seq) > after, col(ChangeLog.seq) <= high)
        .where(visible_changes(principal))
        .order_by(col(ChangeLog.seq))
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = rows[-1].seq if has_more and rows else high
    return PullPage(
        changes=[
            Change(
                seq=r.seq or 0,
                entity=r.entity,
                entity_id=r.entity_id,
                op=r.op,
                payload=r.payload,
                created_at=r.created_at,
            )
            for r in rows
        ],
        next_cursor=str(next_cursor),
        has_more=has_more,
        scope=scope_fingerprint(principal),
    )
