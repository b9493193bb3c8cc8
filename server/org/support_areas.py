"""Communes whose residents get VSI support by place: special zones and island communes.

The mark lives on ``commune.support_area`` (official data, migration 0010) and reaches every
device as a ``commune_support`` change (national scope: a participant may live anywhere), so
the offline quote and the server price the same commune the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from enroll_common.policy import RESIDENCE_AREAS
from server.changelog import record_change
from server.errors import NotFound, RuleViolation
from server.org.models import Commune

ENTITY = "commune_support"


def support_areas(session: Session, codes: Iterable[int]) -> dict[int, str]:
    """The marked communes among ``codes``: commune code → special_zone / island_commune."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.exec(
        select(Commune).where(col(Commune.code).in_(wanted), col(Commune.support_area).is_not(None))
    ).all()
    return {c.code: c.support_area for c in rows if c.support_area is not None}


def marked_communes(session: Session) -> list[Commune]:
    """Every marked commune, by province then code."""
    return list(
        session.exec(
            select(Commune)
            .where(col(Commune.support_area).is_not(None))
            .order_by(col(Commune.province_code), col(Commune.code))
        ).all()
    )


def payload(commune: Commune) -> dict[str, object]:
    """What devices pull: enough to price (code, mark) and to show the commune's name."""
    return {
        "code": commune.code,
        "name": commune.name,
        "province_code": commune.province_code,
        "support_area": commune.support_area,
    }


@dataclass
class Change:
    code: int
    name: str
    before: str | None
    after: str | None


def set_support_areas(session: Session, marks: dict[int, str | None]) -> list[Change]:
    """Set (or clear, with None) the mark of each commune; publish what changed."""
    changes: list[Change] = []
    for code, area in sorted(marks.items()):
        if area is not None and area not in RESIDENCE_AREAS:
            raise RuleViolation(
                f"xã {code}: vùng {area!r} không hợp lệ (special_zone, island_commune)",
                field="support_area",
            )
        commune = session.get(Commune, code)
        if commune is None:
            raise NotFound(f"không có xã mã {code}", field="commune_code")
        if commune.support_area == area:
            continue
        changes.append(Change(code, commune.name, commune.support_area, area))
        commune.support_area = area
        session.add(commune)
        session.flush()
        record_change(session, entity=ENTITY, entity_id=code, payload=payload(commune))
    return changes


def read_csv(path: Path) -> dict[int, str | None]:
    """``code,support_area`` rows (header required); an empty area clears the mark."""
    marks: dict[int, str | None] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"code", "support_area"} <= set(reader.fieldnames):
            raise RuleViolation("tệp cần hai cột: code, support_area", field="file")
        for line, row in enumerate(reader, start=2):
            try:
                code = int((row["code"] or "").strip())
            except ValueError:
                raise RuleViolation(
                    f"dòng {line}: mã xã {row['code']!r} không phải số", field="code"
                ) from None
            marks[code] = (row["support_area"] or "").strip() or None
    return marks
