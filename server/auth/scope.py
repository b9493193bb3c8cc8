"""Who is asking, and the one place that turns that into SQL filters.

Every read of scoped data goes through these builders, so a route cannot forget a rule.
Admins see their province, coordinators their communes, agents their collection points
(and, for reference data such as rosters, the communes of those points).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false

from server.auth.models import Role, User


@dataclass(frozen=True)
class Principal:
    """The authenticated caller with their scope resolved once per request."""

    user: User
    role: Role
    province_code: int
    device_id: int | None
    session_id: str | None
    commune_codes: frozenset[int]  # coordinators: their communes; agents: their points' communes
    point_ids: frozenset[int]  # agents: their points

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def sees_commune(self, commune_code: int, commune_province: int) -> bool:
        if self.is_admin:
            return commune_province == self.province_code
        return commune_code in self.commune_codes

    def manages_commune(self, commune_code: int, commune_province: int) -> bool:
        """Admins manage their province, coordinators their communes, agents nothing."""
        if self.role is Role.AGENT:
            return False
        return self.sees_commune(commune_code, commune_province)


def commune_filter(
    principal: Principal, commune_code: Any, province_code: Any
) -> ColumnElement[bool]:
    """Rows whose commune the caller may see (``province_code`` is the row's province column)."""
    if principal.is_admin:
        return province_code == principal.province_code  # type: ignore[no-any-return]
    if not principal.commune_codes:
        return false()
    return commune_code.in_(sorted(principal.commune_codes))  # type: ignore[no-any-return]


def point_filter(
    principal: Principal, point_id: Any, commune_code: Any, province_code: Any
) -> ColumnElement[bool]:
    """Rows tied to a collection point the caller may see."""
    if principal.role is Role.AGENT:
        if not principal.point_ids:
            return false()
        return point_id.in_(sorted(principal.point_ids))  # type: ignore[no-any-return]
    return commune_filter(principal, commune_code, province_code)


__all__ = ["Principal", "commune_filter", "point_filter"]
