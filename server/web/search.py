"""One search box and the review queue's filters, over the sign-ups the caller may read.

The box takes a name (with or without diacritics), a CCCD, a household code, a receipt
number or a verification code. Names are matched without a folded column: the vowels and
"d" of the query become single-character wildcards in SQL (both databases), and the few
candidates are then compared folded in Python.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from server.auth.scope import Principal
from server.enrollments.models import Enrollment, EnrollmentRevision
from server.enrollments.service import readable_enrollments

STATUSES = ("pending", "approved", "rejected", "returned", "all")
_CODE = re.compile(r"^[0-9A-Z]{10}$")
_WILD = set("aeiouyd")
NAME_CANDIDATES = 2_000


def fold(text: str) -> str:
    """'Nguyễn Thị Đào' -> 'nguyen thi dao' (no marks, đ as d, lower case)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


@dataclass
class Filters:
    """The queue's filters as they appear in the URL."""

    status: str = "pending"
    q: str = ""
    flag: str | None = None
    scheme: str | None = None
    point_id: int | None = None
    agent_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def query(self) -> dict[str, str]:
        out = {
            "status": self.status,
            "q": self.q,
            "flag": self.flag,
            "scheme": self.scheme,
            "point_id": self.point_id,
            "agent_id": self.agent_id,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        return {k: str(v) for k, v in out.items() if v not in (None, "")}


def _like_name(q: str) -> str:
    letters = "".join("_" if fold(c) in _WILD else c for c in fold(q))
    return "%" + letters.replace(" ", "%") + "%"


def _matches(
    stmt: SelectOfScalar[Enrollment], q: str, name_ok: bool = True
) -> tuple[SelectOfScalar[Enrollment], str]:
    """Narrow by what ``q`` looks like; returns the statement and the name to check after."""
    raw = q.strip()
    compact = raw.replace("-", "").replace(" ", "").upper()
    if raw.isdigit():
        conditions: list[Any] = [col(Enrollment.citizen_id).startswith(raw)]
        if len(raw) <= 18:
            conditions.append(col(Enrollment.receipt_number) == int(raw))
        return stmt.where(or_(*conditions)), ""
    if _CODE.match(compact) and (any(c.isdigit() for c in compact) or "-" in raw or not name_ok):
        codes = select(EnrollmentRevision.enrollment_id).where(
            EnrollmentRevision.verification_code == compact
        )
        household = func.upper(col(Enrollment.household_code)) == raw.upper()
        return stmt.where(or_(col(Enrollment.id).in_(codes), household)), ""
    household_like = any(c.isdigit() for c in raw) or "-" in raw or "/" in raw
    if household_like and " " not in raw:
        return stmt.where(func.upper(col(Enrollment.household_code)).contains(raw.upper())), ""
    pattern = _like_name(raw)
    return stmt.where(col(Enrollment.full_name).ilike(pattern)), fold(raw)


def find(
    session: Session, *, principal: Principal, filters: Filters, limit: int, offset: int
) -> tuple[Sequence[Enrollment], int]:
    """Sign-ups matching the filters, newest first, in the caller's scope."""
    stmt = readable_enrollments(principal)
    if filters.status != "all":
        stmt = stmt.where(Enrollment.status == filters.status)
    if filters.flag:
        stmt = stmt.where(col(Enrollment.flags).contains(f",{filters.flag},", autoescape=True))
    if filters.scheme:
        stmt = stmt.where(Enrollment.scheme == filters.scheme)
    if filters.point_id is not None:
        stmt = stmt.where(Enrollment.point_id == filters.point_id)
    if filters.agent_id is not None:
        stmt = stmt.where(Enrollment.agent_id == filters.agent_id)
    if filters.date_from:
        stmt = stmt.where(col(Enrollment.payment_date) >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(col(Enrollment.payment_date) <= filters.date_to)
    name = ""
    if filters.q.strip():
        compact = filters.q.strip().replace("-", "").upper()
        if _CODE.match(compact) and not any(c.isdigit() for c in compact):
            # ten letters: a verification code, or else a name written without spaces
            code_stmt, _ = _matches(stmt, filters.q, name_ok=False)
            if session.exec(code_stmt.limit(1)).first() is not None:
                stmt = code_stmt
            else:
                stmt, name = _matches(stmt, filters.q)
        else:
            stmt, name = _matches(stmt, filters.q)
    ordered = stmt.order_by(col(Enrollment.received_at).desc(), col(Enrollment.id))
    if name:
        words = name.split()
        candidates = session.exec(ordered.limit(NAME_CANDIDATES)).all()
        hits = [e for e in candidates if all(w in fold(e.full_name).split() for w in words)]
        if not hits:  # a partial word ("nguy") still finds by folded substring
            hits = [e for e in candidates if name in fold(e.full_name)]
        return hits[offset : offset + limit], len(hits)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    return session.exec(ordered.limit(limit).offset(offset)).all(), total


__all__ = ["STATUSES", "Filters", "find", "fold"]
