"""Organisations and contracts, read through the caller's scope.

Admins see their province's organisations; coordinators and agents see the organisations
that own a collection point they can read (``readable_points``), nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, select

from server.auth.scope import Principal
from server.collectors.models import CollectionContract, CollectionOrganisation
from server.collectors.schemas import ContractCreate, OrganisationCreate
from server.enrollments.audit import audit
from server.errors import Conflict, Forbidden, NotFound, RuleViolation
from server.org.models import CollectionPoint
from server.org.service import readable_points


def _readable_ids(session: Session, principal: Principal) -> set[int] | None:
    """None for an admin (the whole province), else the organisations of readable points."""
    if principal.is_admin:
        return None
    return {
        p.organisation_id
        for p in session.exec(readable_points(principal)).all()
        if p.organisation_id is not None
    }


def list_organisations(
    session: Session, *, principal: Principal
) -> Sequence[CollectionOrganisation]:
    stmt = select(CollectionOrganisation).where(
        CollectionOrganisation.province_code == principal.province_code
    )
    ids = _readable_ids(session, principal)
    if ids is not None:
        stmt = stmt.where(col(CollectionOrganisation.id).in_(sorted(ids)))
    return session.exec(stmt.order_by(col(CollectionOrganisation.code))).all()


def get_organisation(
    session: Session, *, principal: Principal, organisation_id: int
) -> CollectionOrganisation:
    org = session.get(CollectionOrganisation, organisation_id)
    ids = _readable_ids(session, principal)
    if (
        org is None
        or org.province_code != principal.province_code
        or (ids is not None and organisation_id not in ids)
    ):
        raise NotFound("không có tổ chức dịch vụ thu này", field="organisation_id")
    return org


def create_organisation(
    session: Session, *, principal: Principal, data: OrganisationCreate
) -> CollectionOrganisation:
    if not principal.is_admin:
        raise Forbidden("chỉ quản trị tỉnh được đăng ký tổ chức dịch vụ thu")
    if session.exec(
        select(CollectionOrganisation).where(CollectionOrganisation.code == data.code)
    ).first():
        raise Conflict(f"đã có tổ chức dịch vụ thu mã {data.code}", field="code")
    org = CollectionOrganisation(province_code=principal.province_code, **data.model_dump())
    session.add(org)
    session.flush()
    _audit(session, principal, "organisation", str(org.id), "create", data.model_dump())
    return org


def contracts(session: Session, *, organisation_id: int) -> Sequence[CollectionContract]:
    return session.exec(
        select(CollectionContract)
        .where(CollectionContract.organisation_id == organisation_id)
        .order_by(col(CollectionContract.starts_on))
    ).all()


def contract_on(session: Session, *, organisation_id: int, day: date) -> CollectionContract | None:
    """The contract in force on ``day`` (the latest started one)."""
    for contract in reversed(contracts(session, organisation_id=organisation_id)):
        if contract.starts_on <= day and (contract.ends_on is None or day <= contract.ends_on):
            return contract
    return None


def create_contract(
    session: Session, *, principal: Principal, org: CollectionOrganisation, data: ContractCreate
) -> CollectionContract:
    if not principal.is_admin:
        raise Forbidden("chỉ quản trị tỉnh được ghi hợp đồng")
    for other in contracts(session, organisation_id=org.id or 0):
        other_end = other.ends_on or date.max
        end = data.ends_on or date.max
        if other.starts_on <= end and data.starts_on <= other_end:
            raise RuleViolation(
                f"trùng thời gian với hợp đồng {other.contract_no} "
                f"({other.starts_on}–{other.ends_on or '…'})",
                field="starts_on",
            )
    contract = CollectionContract(
        organisation_id=org.id or 0, created_by=principal.user_id, **data.model_dump()
    )
    session.add(contract)
    session.flush()
    _audit(session, principal, "contract", str(contract.id), "create", data.model_dump(mode="json"))
    return contract


def assign_point(
    session: Session, *, principal: Principal, org: CollectionOrganisation, point_id: int
) -> CollectionPoint:
    """Attach a collection point of the admin's province to the organisation."""
    if not principal.is_admin:
        raise Forbidden("chỉ quản trị tỉnh được gắn điểm thu vào tổ chức")
    point = session.exec(
        readable_points(principal).where(col(CollectionPoint.id) == point_id)
    ).first()
    if point is None:
        raise NotFound(f"no collection point {point_id}", field="point_id")
    before = point.organisation_id
    point.organisation_id = org.id
    session.add(point)
    _audit(
        session,
        principal,
        "point",
        str(point_id),
        "organisation",
        {"from": before, "to": org.id},
    )
    return point


def _audit(
    session: Session,
    principal: Principal,
    entity: str,
    entity_id: str,
    action: str,
    detail: dict[str, object],
) -> None:
    audit(
        session,
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor_id=principal.user_id,
        device_id=principal.device_id,
        detail=detail,
    )
