"""Retention: personal data kept no longer than its purpose needs (docs/privacy.md).

What ``purge`` does, per kind of record (each limit a setting, in days):

- rejected sign-ups, ``retention_rejected_days`` after the decision: the person's
  identifying fields are removed from the sign-up and from every stored revision body
  (name, citizen id, social-insurance code, phone, address, household code, GPS; the
  date of birth is cut to 1 January of its year). Amounts, dates, status and the audit log
  are kept: they are the agency's accounting record, not personal details. A register
  entry that exists only because of such sign-ups (source ``enrollment``, no coverage from
  the agency's list, no other sign-up of the person in the scheme that is not rejected) is
  deleted, and the devices are told with a ``delete`` change for that roster entry; the
  earlier roster changes of that entry keep only its id.
- ended sessions and their refresh tokens, ``retention_sessions_days`` after they ended
  or expired (they record which device was used when);
- spent, revoked or expired provisioning codes, ``retention_provisioning_days`` after;
- login-throttle rows (client addresses) whose window is over.

Every run appends one ``purge`` audit entry with its counts, so the purge itself is on
record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlmodel import Session, col

from server.auth.models import AuthSession, LoginThrottle, RefreshToken
from server.changelog import ChangeLog, record_change
from server.config import Settings
from server.dbtypes import utcnow
from server.enrollments.audit import audit
from server.enrollments.models import Enrollment, EnrollmentRevision
from server.participants.models import Participant
from server.participants.service import ROSTER_ENTITY
from server.provisioning.models import ProvisioningCode

REDACTED = "[đã xoá]"
_PERSON_KEYS = ("full_name", "citizen_id", "si_code", "phone", "address")


@dataclass
class PurgeReport:
    rejected_sign_ups_redacted: int = 0
    revisions_redacted: int = 0
    register_entries_deleted: int = 0
    sessions_deleted: int = 0
    refresh_tokens_deleted: int = 0
    provisioning_codes_deleted: int = 0
    login_throttle_rows_deleted: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _redact_body(body: Any) -> Any:
    """A revision body with the person's identifying fields removed."""
    if not isinstance(body, dict):
        return body
    out = dict(body)
    person = out.get("person")
    if isinstance(person, dict):
        person = dict(person)
        for key in _PERSON_KEYS:
            if person.get(key) is not None:
                person[key] = REDACTED if key in ("full_name", "address") else None
        dob = person.get("date_of_birth")
        if isinstance(dob, str) and len(dob) >= 4:
            person["date_of_birth"] = f"{dob[:4]}-01-01"
        out["person"] = person
    household = out.get("household")
    if isinstance(household, dict):
        out["household"] = {**household, "code": None, "members": []}
    out.pop("gps", None)
    return out


def _is_redacted(row: Enrollment) -> bool:
    return row.full_name == REDACTED


def _drop_register_entry(session: Session, row: Enrollment) -> int:
    """Delete the register entry that only this person's rejected sign-ups created."""
    entry = session.exec(
        select(Participant).where(  # type: ignore[call-overload]
            col(Participant.citizen_id) == row.citizen_id,
            col(Participant.scheme) == row.scheme,
        )
    ).first()
    if entry is None:
        return 0
    (entry,) = entry
    if entry.source != "enrollment" or entry.registered_coverage_end is not None:
        return 0
    others = session.execute(
        select(func.count()).where(
            col(Enrollment.citizen_id) == row.citizen_id,
            col(Enrollment.scheme) == row.scheme,
            col(Enrollment.status) != "rejected",
        )
    ).scalar_one()
    if others:
        return 0
    entity_id = str(entry.id)
    for (change,) in session.exec(
        select(ChangeLog).where(  # type: ignore[call-overload]
            col(ChangeLog.entity) == ROSTER_ENTITY, col(ChangeLog.entity_id) == entity_id
        )
    ).all():
        change.payload = {"id": entry.id}
        session.add(change)
    record_change(
        session,
        entity=ROSTER_ENTITY,
        entity_id=entity_id,
        op="delete",
        payload={"id": entry.id},
        province_code=entry.province_code,
        commune_code=entry.commune_code,
    )
    session.delete(entry)
    return 1


def purge(
    session: Session, settings: Settings, *, now: datetime | None = None, dry_run: bool = False
) -> PurgeReport:
    """Apply every retention limit once; the caller commits (or rolls back a dry run)."""
    now = now or utcnow()
    report = PurgeReport(dry_run=dry_run)

    rejected_before = now - timedelta(days=settings.retention_rejected_days)
    rows = session.exec(
        select(Enrollment)  # type: ignore[call-overload]
        .where(
            col(Enrollment.status) == "rejected",
            func.coalesce(col(Enrollment.reviewed_at), col(Enrollment.updated_at))
            < rejected_before,
            col(Enrollment.full_name) != REDACTED,
        )
        .with_for_update()
    ).all()
    for (row,) in rows:
        if _is_redacted(row):
            continue
        report.rejected_sign_ups_redacted += 1
        report.register_entries_deleted += _drop_register_entry(session, row)
        row.full_name = REDACTED
        row.citizen_id = ""
        row.si_code = None
        row.phone = None
        row.address = ""
        row.household_code = None
        row.date_of_birth = date(row.date_of_birth.year, 1, 1)
        row.gps_lat = row.gps_lon = None
        session.add(row)
        revisions = session.exec(
            select(EnrollmentRevision).where(  # type: ignore[call-overload]
                col(EnrollmentRevision.enrollment_id) == row.id
            )
        ).all()
        for (rev,) in revisions:
            rev.body = _redact_body(rev.body)
            session.add(rev)
            report.revisions_redacted += 1
        audit(
            session,
            entity="enrollment",
            entity_id=row.id,
            action="purge_personal",
            actor_id=None,
            device_id=None,
            detail={"retention_days": settings.retention_rejected_days},
        )

    sessions_before = now - timedelta(days=settings.retention_sessions_days)
    ended = select(AuthSession.id).where(  # type: ignore[call-overload]
        col(AuthSession.revoked_at).is_not(None), col(AuthSession.revoked_at) < sessions_before
    )
    expired_tokens = (
        session.execute(
            delete(RefreshToken).where(
                or_(
                    col(RefreshToken.expires_at) < sessions_before,
                    col(RefreshToken.session_id).in_(ended),
                )
            )
        ).rowcount  # type: ignore[attr-defined]
        or 0
    )
    report.refresh_tokens_deleted = int(expired_tokens)
    # A session with no token left that ended (or whose last token expired) long ago.
    live_tokens = select(RefreshToken.session_id).distinct()  # type: ignore[call-overload]
    stale = or_(
        col(AuthSession.id).in_(ended),
        (col(AuthSession.created_at) < sessions_before) & col(AuthSession.id).not_in(live_tokens),
    )
    report.sessions_deleted = int(
        session.execute(delete(AuthSession).where(stale)).rowcount or 0  # type: ignore[attr-defined]
    )

    codes_before = now - timedelta(days=settings.retention_provisioning_days)
    report.provisioning_codes_deleted = int(
        session.execute(
            delete(ProvisioningCode).where(
                or_(
                    col(ProvisioningCode.used_at) < codes_before,
                    col(ProvisioningCode.revoked_at) < codes_before,
                    col(ProvisioningCode.expires_at) < codes_before,
                )
            )
        ).rowcount  # type: ignore[attr-defined]
        or 0
    )

    throttle_before = now - timedelta(seconds=settings.login_failure_window_seconds)
    report.login_throttle_rows_deleted = int(
        session.execute(
            delete(LoginThrottle).where(
                col(LoginThrottle.window_started_at) < throttle_before,
                or_(
                    col(LoginThrottle.locked_until).is_(None), col(LoginThrottle.locked_until) < now
                ),
            )
        ).rowcount  # type: ignore[attr-defined]
        or 0
    )
    audit(
        session,
        entity="purge",
        entity_id=now.date().isoformat(),
        action="purge",
        actor_id=None,
        device_id=None,
        detail=report.as_dict(),
    )
    return report


__all__ = ["REDACTED", "PurgeReport", "purge"]
