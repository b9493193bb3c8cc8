"""Policy versions: read the table, price with it, and append new versions safely.

Rules kept here (see docs/policy-rules.md §7–8):

* A version used by a sign-up (``first_used_at`` set) is never changed again, not even its
  dates: stored quotes name it as what was charged.
* A new version closes (``effective_to`` = its start − 1 day) the older *unused* versions of
  the same parameter that it cuts into and outlasts; used ones are left as they are. Under
  the "latest effective_from wins" lookup this never changes a price, it only keeps the
  table readable, so leaving used rows open is always safe.
* Pricing and editing exclude each other (a shared / exclusive lock on PostgreSQL; SQLite
  runs one writer at a time anyway), so a version cannot be edited between the moment a
  sign-up is priced with it and the moment ``mark_used`` records that.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, text, update
from sqlmodel import Session, col, select

from enroll_common import PARAMETERS, PolicyError, PolicyRow, PolicySet
from enroll_common.policy import pull_entity
from server.auth.scope import Principal
from server.changelog import record_change
from server.dbtypes import utcnow
from server.errors import Conflict, NotFound
from server.org.models import Province
from server.policy.models import PolicyVersion
from server.policy.schemas import PolicyVersionCreate, PolicyVersionUpdate

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
"""Policy dates are Vietnamese calendar days."""

# Any constant distinct from the change log's; see _lock.
_POLICY_LOCK = 7_300_002
_EDITABLE = ("value", "effective_from", "effective_to", "source")


def today_local() -> date:
    """Today's date in Việt Nam, the day a policy table "in force today" refers to."""
    return datetime.now(LOCAL_TZ).date()


def _lock(session: Session, *, exclusive: bool) -> None:
    """Pricing takes the lock shared, writing versions exclusive, until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        session.execute(text(f"SELECT {fn}(:k)"), {"k": _POLICY_LOCK})


def to_row(version: PolicyVersion) -> PolicyRow:
    """The shared calculator's view of a stored version."""
    assert version.id is not None
    return PolicyRow(
        id=version.id,
        parameter=version.parameter,
        value=version.value,
        effective_from=version.effective_from,
        effective_to=version.effective_to,
        source=version.source,
        province_code=version.province_code,
    )


def change_payload(version: PolicyVersion) -> dict[str, Any]:
    """What devices pull: exactly ``PolicyRow.to_dict()``, so ``from_dict`` reads it back."""
    return to_row(version).to_dict()


def _all_versions(session: Session) -> Sequence[PolicyVersion]:
    return session.exec(select(PolicyVersion).order_by(col(PolicyVersion.id))).all()


def load_policy_set(session: Session) -> PolicySet:
    """All versions as the calculator's ``PolicySet``, for pricing in this transaction.

    Loads every row (a few dozen; cheaper than any cache check). Call it before writing
    anything in the transaction that stores the priced sign-up, then ``mark_used`` the ids
    of ``Quote.policy_versions`` in that same transaction: the shared lock taken here keeps
    admins from editing the rows until it commits.
    """
    _lock(session, exclusive=False)
    return PolicySet(to_row(v) for v in _all_versions(session))


def mark_used(session: Session, version_ids: Iterable[int]) -> None:
    """Record that a stored sign-up was priced with these versions (they become read-only)."""
    ids = sorted(set(version_ids))
    if not ids:
        return
    session.exec(
        update(PolicyVersion)
        .where(col(PolicyVersion.id).in_(ids), col(PolicyVersion.first_used_at).is_(None))
        .values(first_used_at=utcnow())
    )


def get_versions(session: Session, *, on: date | None, include_future: bool) -> list[PolicyVersion]:
    """Every version (``on`` None), or the one in force per parameter on ``on`` (by the
    calculator's own lookup) followed, if asked, by those starting after ``on``."""
    versions = _all_versions(session)
    if on is None:
        return list(versions)
    policy = PolicySet(to_row(v) for v in versions)
    by_id = {v.id: v for v in versions}
    chosen: list[PolicyVersion] = []
    provinces = sorted({v.province_code for v in versions if v.province_code is not None})
    for parameter in PARAMETERS:
        try:
            chosen.append(by_id[policy.in_force(parameter, on).id])
        except PolicyError:
            continue  # nothing in force; see missing_parameters
    for province in provinces:  # each province's own rows in force, after the national ones
        for parameter in PARAMETERS:
            try:
                row = policy.in_force(parameter, on, province)
            except PolicyError:
                continue
            if row.province_code is not None:
                chosen.append(by_id[row.id])
    if include_future:
        chosen.extend(
            sorted(
                (v for v in versions if v.effective_from > on),
                key=lambda v: (v.parameter, v.effective_from, v.id or 0),
            )
        )
    return chosen


@dataclass
class PolicyTable:
    on: date
    in_force: list[PolicyVersion]
    future: list[PolicyVersion]
    missing: list[str]


def get_policy_table(session: Session, *, on: date) -> PolicyTable:
    """What ``GET /policy`` and ``policy show`` print: in force, entered for later, gaps."""
    rows = get_versions(session, on=on, include_future=True)
    in_force = [v for v in rows if v.effective_from <= on]
    present = {v.parameter for v in in_force}
    return PolicyTable(
        on=on,
        in_force=in_force,
        future=[v for v in rows if v.effective_from > on],
        missing=[p for p in PARAMETERS if p not in present],
    )


def get_version_page(
    session: Session, *, parameter: str | None, limit: int, offset: int
) -> tuple[Sequence[PolicyVersion], int]:
    """The full history, oldest first (policy is national: everyone may read it)."""
    stmt = select(PolicyVersion)
    if parameter is not None:
        stmt = stmt.where(PolicyVersion.parameter == parameter)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(PolicyVersion.id)).limit(limit).offset(offset)).all()
    return rows, total


def get_version_or_raise(session: Session, *, version_id: int) -> PolicyVersion:
    version = session.get(PolicyVersion, version_id)
    if version is None:
        raise NotFound(f"no policy version {version_id}", field="version_id")
    return version


def _validated(data: dict[str, Any], *, version_id: int) -> PolicyRow:
    """Refuse what the calculator would refuse (PolicyError → 422 naming the field)."""
    return PolicyRow.from_dict({**data, "id": version_id})


@dataclass
class CreatedVersion:
    version: PolicyVersion
    closed: list[PolicyVersion] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)


def create_version(
    session: Session, *, principal: Principal, data: PolicyVersionCreate
) -> CreatedVersion:
    """Append a version; close older unused versions it replaces; publish to devices."""
    _lock(session, exclusive=True)
    # Any positive id validates; the real one is assigned on insert.
    row = _validated(data.model_dump(), version_id=1)
    if row.province_code is not None and session.get(Province, row.province_code) is None:
        raise NotFound(f"không có tỉnh mã {row.province_code}", field="province_code")
    siblings = session.exec(
        select(PolicyVersion)
        .where(
            PolicyVersion.parameter == row.parameter,
            # a province's rows and the national rows are separate histories
            col(PolicyVersion.province_code).is_(None)
            if row.province_code is None
            else col(PolicyVersion.province_code) == row.province_code,
        )
        .order_by(col(PolicyVersion.id))
    ).all()
    for other in siblings:
        if (
            other.effective_from == row.effective_from
            and other.effective_to == row.effective_to
            and other.value == row.value
        ):
            raise Conflict(
                f"policy version {other.id} already has this {row.parameter} value for "
                f"{row.period()}; nothing was added",
                field="effective_from",
                extra={"existing_id": other.id},
            )
    version = PolicyVersion(
        parameter=row.parameter,
        value=row.value,
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        source=row.source,
        province_code=row.province_code,
        created_by=principal.user_id,
    )
    session.add(version)
    session.flush()
    result = CreatedVersion(version=version)
    for other in siblings:
        other_row = to_row(other)
        if not other_row.covers(row.effective_from):
            continue
        outlasted = row.effective_to is None or (
            other.effective_to is not None and row.effective_to >= other.effective_to
        )
        if other.first_used_at is None and other.effective_from < row.effective_from and outlasted:
            other.effective_to = row.effective_from - timedelta(days=1)
            session.add(other)
            result.closed.append(other)
        else:
            assert other.id is not None
            result.superseded.append(other.id)
    session.flush()
    for changed in (version, *result.closed):
        _publish(session, changed)
    return result


def update_version(
    session: Session, *, principal: Principal, version: PolicyVersion, data: PolicyVersionUpdate
) -> PolicyVersion:
    """Correct a version no sign-up has used yet; a used one is read-only (409)."""
    del principal  # any admin may; kept for the uniform service signature
    _lock(session, exclusive=True)
    session.refresh(version)  # first_used_at as of now that pricing is locked out
    if version.first_used_at is not None:
        raise Conflict(
            f"policy version {version.id} ({version.parameter}, {to_row(version).period()}) "
            f"was used by a sign-up on {version.first_used_at.astimezone(LOCAL_TZ):%Y-%m-%d} "
            "and is read-only; add a new version instead",
            field="version_id",
            extra={"first_used_at": version.first_used_at.isoformat()},
        )
    changes = {name: getattr(data, name) for name in _EDITABLE if name in data.model_fields_set}
    if not changes:
        return version
    current = change_payload(version)
    entity_before = pull_entity(to_row(version))
    assert version.id is not None
    row = _validated({**current, **changes}, version_id=version.id)
    if row.to_dict() == current:
        return version
    version.value = row.value
    version.effective_from = row.effective_from
    version.effective_to = row.effective_to
    version.source = row.source
    session.add(version)
    session.flush()
    _publish(session, version)
    if pull_entity(to_row(version)) != entity_before:  # devices drop the copy they hold
        record_change(
            session,
            entity=entity_before,
            entity_id=version.id,
            op="delete",
            payload={"id": version.id},
            province_code=version.province_code,
        )
    return version


def _publish(session: Session, version: PolicyVersion) -> None:
    """A national row reaches every device; a province's row only that province's."""
    assert version.id is not None
    row = to_row(version)
    record_change(
        session,
        entity=pull_entity(row),
        entity_id=version.id,
        payload=change_payload(version),
        province_code=version.province_code,
    )
