"""A few facilities for the demo province. The codes are ILLUSTRATIVE: they follow the
format of Decision 384/QĐ-BYT (province prefix + 3-digit sequence) but are not the real
codes of these facilities; import the province's real list before going live."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from server.facilities.service import FacilityRow, replace_list
from server.org.models import Commune

_CENTRAL = [
    ("001", "Bệnh viện Đa khoa vùng Tây Nguyên", "Bệnh viện", "tỉnh"),
    ("002", "Bệnh viện Đa khoa thành phố Buôn Ma Thuột", "Bệnh viện", "huyện"),
    ("015", "Trung tâm Y tế khu vực Ea Kar", "Trung tâm y tế", "huyện"),
    ("016", "Trung tâm Y tế khu vực Krông Pắc", "Trung tâm y tế", "huyện"),
]


def seed_facilities(
    session: Session, *, province_code: int, communes: Iterable[int]
) -> dict[int, str]:
    """The demo list (hospitals, then one commune health station per demo commune);
    returns commune code → its station's code. Idempotent."""
    prefix = f"{province_code:02d}"[-2:]
    rows = [FacilityRow(f"{prefix}{n}", name, kind, level) for n, name, kind, level in _CENTRAL]
    by_commune: dict[int, str] = {}
    named = session.exec(select(Commune).where(col(Commune.code).in_(sorted(set(communes))))).all()
    for i, commune in enumerate(sorted(named, key=lambda c: c.code), start=101):
        code = f"{prefix}{i:03d}"
        station = commune.name.replace("Xã ", "xã ").replace("Phường ", "phường ")
        rows.append(FacilityRow(code, f"Trạm Y tế {station}", "Trạm y tế", "xã"))
        by_commune[commune.code] = code
    replace_list(session, province_code=province_code, rows=rows, deactivate=False)
    return by_commune
