"""New or renewed, decided from the record rather than the agent's choice.

A sign-up renews when the same person (CCCD) already had cover in the same scheme that
ended no more than ``RENEWAL_GAP_DAYS`` before this sign-up's cover starts: an earlier
approved sign-up, or the agency's register (``registered_coverage_end``). Otherwise it is
new ("tăng mới"). The gap is a reporting convention, not law (docs/targets-and-reports.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from sqlmodel import Session, col, select

from server.enrollments.models import Enrollment
from server.participants.models import Participant

RENEWAL_GAP_DAYS = 90
_CHUNK = 500


def renewals(session: Session, sign_ups: Sequence[Enrollment]) -> dict[str, bool]:
    """``{sign-up id: renewed?}`` for the given sign-ups."""
    if not sign_ups:
        return {}
    citizens = sorted({e.citizen_id for e in sign_ups})
    covers: dict[tuple[str, str], list[tuple[date, date, str]]] = defaultdict(list)
    for i in range(0, len(citizens), _CHUNK):
        chunk = citizens[i : i + _CHUNK]
        for e in session.exec(
            select(Enrollment).where(
                col(Enrollment.citizen_id).in_(chunk), col(Enrollment.status) == "approved"
            )
        ).all():
            covers[(e.citizen_id, e.scheme)].append((e.coverage_start, e.coverage_end, e.id))
        for p in session.exec(
            select(Participant).where(col(Participant.citizen_id).in_(chunk))
        ).all():
            if p.registered_coverage_end is not None:
                covers[(p.citizen_id, p.scheme)].append(
                    (date.min, p.registered_coverage_end, "register")
                )
    gap = timedelta(days=RENEWAL_GAP_DAYS)
    return {
        e.id: any(
            other_id != e.id and start < e.coverage_start and end >= e.coverage_start - gap
            for start, end, other_id in covers[(e.citizen_id, e.scheme)]
        )
        for e in sign_ups
    }
