"""Managing users and devices within the caller's scope. No HTTP here."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, exists, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from server.auth.models import AgentPoint, CoordinatorCommune, Device, Role, User
from server.auth.schemas import UserCreate, UserPublic, UserUpdate
from server.auth.scope import Principal
from server.auth.security import Passwords
from server.auth.service import change_password
from server.errors import Conflict, Forbidden, NotFound, RuleViolation
from server.org.models import CollectionPoint, Commune


def readable_users(principal: Principal) -> SelectOfScalar[User]:
    """Admins: their province. Coordinators: themselves and agents of their communes' points.
    Agents: themselves."""
    stmt = select(User)
    if principal.is_admin:
        return stmt.where(User.province_code == principal.province_code)
    if principal.role is Role.COORDINATOR and principal.commune_codes:
        agent_in_scope = exists().where(
            col(AgentPoint.user_id) == col(User.id),
            col(AgentPoint.point_id) == col(CollectionPoint.id),
            col(CollectionPoint.commune_code).in_(sorted(principal.commune_codes)),
        )
        return stmt.where(
            or_(col(User.id) == principal.user_id, (col(User.role) == Role.AGENT) & agent_in_scope)
        )
    return stmt.where(col(User.id) == principal.user_id)


def get_users(
    session: Session, *, principal: Principal, role: Role | None, limit: int, offset: int
) -> tuple[Sequence[User], int]:
    stmt = readable_users(principal)
    if role is not None:
        stmt = stmt.where(User.role == role)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(User.username)).limit(limit).offset(offset)).all()
    return rows, total


def get_user_or_raise(session: Session, *, principal: Principal, user_id: int) -> User:
    user = session.exec(readable_users(principal).where(User.id == user_id)).first()
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def to_public(session: Session, user: User) -> UserPublic:
    communes = session.exec(
        select(CoordinatorCommune.commune_code).where(CoordinatorCommune.user_id == user.id)
    ).all()
    points = session.exec(select(AgentPoint.point_id).where(AgentPoint.user_id == user.id)).all()
    assert user.id is not None
    return UserPublic(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        phone=user.phone,
        agent_code=user.agent_code,
        province_code=user.province_code,
        is_active=user.is_active,
        commune_codes=sorted(communes),
        point_ids=sorted(points),
    )


def _check_can_manage(principal: Principal, role: Role) -> None:
    if principal.is_admin:
        return
    if principal.role is Role.COORDINATOR and role is Role.AGENT:
        return
    raise Forbidden(f"you cannot manage {role.value} accounts")


def _checked_communes(session: Session, principal: Principal, codes: list[int]) -> list[int]:
    for code in codes:
        commune = session.get(Commune, code)
        if commune is None or not principal.manages_commune(code, commune.province_code):
            raise RuleViolation(
                f"commune {code} is unknown or outside your scope", field="commune_codes"
            )
    return sorted(set(codes))


def _checked_points(session: Session, principal: Principal, ids: list[int]) -> list[int]:
    for point_id in ids:
        point = session.get(CollectionPoint, point_id)
        commune = session.get(Commune, point.commune_code) if point else None
        if (
            point is None
            or commune is None
            or not principal.manages_commune(commune.code, commune.province_code)
        ):
            raise RuleViolation(
                f"collection point {point_id} is unknown or outside your scope", field="point_ids"
            )
    return sorted(set(ids))


def _set_links(
    session: Session, user: User, *, communes: list[int] | None, points: list[int] | None
) -> None:
    assert user.id is not None
    if communes is not None:
        session.execute(
            delete(CoordinatorCommune).where(col(CoordinatorCommune.user_id) == user.id)
        )
        session.add_all(CoordinatorCommune(user_id=user.id, commune_code=c) for c in communes)
    if points is not None:
        session.execute(delete(AgentPoint).where(col(AgentPoint.user_id) == user.id))
        session.add_all(AgentPoint(user_id=user.id, point_id=p) for p in points)


def create_user(
    session: Session, passwords: Passwords, *, principal: Principal, data: UserCreate
) -> User:
    _check_can_manage(principal, data.role)
    if session.exec(select(User).where(User.username == data.username)).first():
        raise Conflict(f"username {data.username!r} is taken", field="username")
    if (
        data.agent_code
        and session.exec(select(User).where(User.agent_code == data.agent_code)).first()
    ):
        raise Conflict(f"agent code {data.agent_code!r} is taken", field="agent_code")
    communes = points = None
    if data.role is Role.COORDINATOR:
        if not data.commune_codes:
            raise RuleViolation("a coordinator needs at least one commune", field="commune_codes")
        communes = _checked_communes(session, principal, data.commune_codes)
    elif data.role is Role.AGENT:
        if not data.point_ids:
            raise RuleViolation("an agent needs at least one collection point", field="point_ids")
        points = _checked_points(session, principal, data.point_ids)
    user = User(
        username=data.username,
        full_name=data.full_name,
        role=data.role.value,
        phone=data.phone,
        agent_code=data.agent_code,
        province_code=principal.province_code,
        password_hash=passwords.hash(data.password),
    )
    session.add(user)
    session.flush()
    _set_links(session, user, communes=communes, points=points)
    return user


def update_user(
    session: Session,
    passwords: Passwords,
    *,
    principal: Principal,
    user: User,
    data: UserUpdate,
) -> User:
    role = Role(user.role)
    if user.id != principal.user_id:
        _check_can_manage(principal, role)
    elif set(data.model_fields_set) - {"full_name", "phone", "password"}:
        raise Forbidden("you cannot change your own role links or status")
    if data.full_name is not None:
        user.full_name = data.full_name
    if data.phone is not None:
        user.phone = data.phone
    if data.is_active is not None:
        user.is_active = data.is_active
    communes = points = None
    if data.commune_codes is not None:
        if role is not Role.COORDINATOR:
            raise RuleViolation("only coordinators have communes", field="commune_codes")
        communes = _checked_communes(session, principal, data.commune_codes)
    if data.point_ids is not None:
        if role is not Role.AGENT:
            raise RuleViolation("only agents have collection points", field="point_ids")
        points = _checked_points(session, principal, data.point_ids)
    session.add(user)
    _set_links(session, user, communes=communes, points=points)
    if data.password is not None:
        change_password(
            session, passwords, user=user, new_password=data.password, keep_session=None
        )
    return user


def readable_devices(principal: Principal) -> SelectOfScalar[Device]:
    """Devices of the users the caller may see."""
    users = readable_users(principal).with_only_columns(col(User.id)).subquery()
    return select(Device).where(col(Device.user_id).in_(select(users.c.id)))


def get_devices(
    session: Session, *, principal: Principal, user_id: int | None, limit: int, offset: int
) -> tuple[Sequence[Device], int]:
    stmt = readable_devices(principal)
    if user_id is not None:
        stmt = stmt.where(Device.user_id == user_id)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(Device.id)).limit(limit).offset(offset)).all()
    return rows, total


def get_device_or_raise(session: Session, *, principal: Principal, device_id: int) -> Device:
    device = session.exec(readable_devices(principal).where(Device.id == device_id)).first()
    if device is None:
        raise NotFound(f"no device {device_id}")
    return device
