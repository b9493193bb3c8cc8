"""The province's facility list: import (all rows or none), read, publish to devices.

An import is the province's whole list: rows are created or updated by code, and a
facility the file no longer lists is deactivated (kept, since sign-ups store its code).
Every change is appended to the change log for the province, so devices pull the list
with the rest of their reference data (docs/sync-protocol.md §4).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from enroll_common.facilities import ENTITY_FACILITY, is_facility_code, normalise_code
from enroll_common.text import normalize_name
from server.auth.scope import Principal
from server.changelog import ChangeLog, record_changes
from server.dbtypes import member_of, utcnow
from server.errors import Forbidden, NotFound, RuleViolation
from server.facilities.check import FacilityBook
from server.facilities.models import HealthFacility
from server.facilities.schemas import FacilityImportReport, FacilityProblem
from server.org.models import Province
from server.targets.importer import read_rows

ALIASES = {
    "code": ("code", "mã", "mã cskcb", "ma_cskcb", "mã cơ sở", "ma_benh_vien", "mabenhvien"),
    "name": ("name", "tên", "tên cơ sở", "ten_cskcb", "tenbenhvien"),
    "kind": ("kind", "loại hình", "loại", "loai_hinh"),
    "level": ("level", "tuyến", "tuyen", "hạng", "cấp"),
    "address": ("address", "địa chỉ", "dia_chi"),
}
LIMITS = {"name": 200, "kind": 60, "level": 40, "address": 300}
MAX_ROWS = 5_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class FacilityRow:
    """One checked line of an import (or of the demo seed)."""

    code: str
    name: str
    kind: str = ""
    level: str = ""
    address: str = ""


def payload(f: HealthFacility) -> dict[str, Any]:
    """What a device keeps of a facility (entity ``health_facility``)."""
    return {
        "id": f.id,
        "province_code": f.province_code,
        "code": f.code,
        "name": f.name,
        "kind": f.kind,
        "level": f.level,
    }


def _pick(cells: dict[str, str], key: str) -> str:
    for alias in ALIASES[key]:
        if cells.get(alias):
            return cells[alias].strip()
    return ""


def check_rows(filename: str, content: bytes) -> tuple[list[FacilityRow], list[FacilityProblem]]:
    """Every row checked, each problem named by spreadsheet row and column (in Vietnamese)."""
    rows: list[FacilityRow] = []
    problems: list[FacilityProblem] = []
    seen: dict[str, int] = {}
    count = 0
    for number, cells in read_rows(filename, content):
        count += 1
        if count > MAX_ROWS:
            raise RuleViolation(f"tối đa {MAX_ROWS} dòng mỗi tệp", field="file")
        if count == 1 and not any(a in cells for a in ALIASES["code"]):
            raise RuleViolation("tệp thiếu cột mã cơ sở (code / mã cskcb)", field="file")

        def bad(column: str, reason: str, row: int = number) -> None:
            problems.append(FacilityProblem(row=row, column=column, reason=reason))

        before = len(problems)
        code = normalise_code(_pick(cells, "code"))
        if not is_facility_code(code):
            bad("code", "mã cơ sở KCB phải gồm đúng 5 chữ số (ví dụ 66001)")
        elif code in seen:
            bad("code", f"mã {code} trùng với dòng {seen[code]}")
        else:
            seen[code] = number
        values = {k: normalize_name(_pick(cells, k)) for k in LIMITS}
        if not values["name"]:
            bad("name", "thiếu tên cơ sở")
        for key, limit in LIMITS.items():
            if len(values[key]) > limit:
                bad(key, f"dài quá {limit} ký tự")
            elif _CONTROL.search(values[key]):
                bad(key, "có ký tự điều khiển")
        if len(problems) == before:
            rows.append(FacilityRow(code=code, **values))
    if count == 0:
        raise RuleViolation("tệp không có dòng dữ liệu nào", field="file")
    return rows, problems


def import_facilities(
    session: Session,
    *,
    principal: Principal,
    province_code: int,
    filename: str,
    content: bytes,
    dry_run: bool,
) -> FacilityImportReport:
    """Check the whole file; apply it (unless ``dry_run``) only when no row has a problem.
    Everything is in the caller's transaction: the caller commits only a written report."""
    _require_admin_of(session, principal, province_code)
    rows, problems = check_rows(filename, content)
    report = FacilityImportReport(
        province_code=province_code,
        dry_run=dry_run,
        rows=len(rows) + len({p.row for p in problems}),
        valid=not problems,
        written=False,
        errors=sorted(problems, key=lambda p: p.row),
    )
    if problems or dry_run:
        return report
    report.created, report.updated, report.unchanged, report.deactivated = replace_list(
        session, province_code=province_code, rows=rows
    )
    report.written = True
    return report


def replace_list(
    session: Session, *, province_code: int, rows: Sequence[FacilityRow], deactivate: bool = True
) -> tuple[int, int, int, int]:
    """Make the province's list these rows; (created, updated, unchanged, deactivated).

    Only what changed is published; a deactivated facility is published as a delete."""
    existing = {
        f.code: f
        for f in session.exec(
            select(HealthFacility).where(HealthFacility.province_code == province_code)
        ).all()
    }
    now = utcnow()
    changed: list[HealthFacility] = []
    created = unchanged = 0
    for row in rows:
        f = existing.pop(row.code, None)
        if f is None:
            f = HealthFacility(province_code=province_code, code=row.code, name=row.name)
            created += 1
        elif (f.name, f.kind, f.level, f.address, f.active) == (
            row.name,
            row.kind,
            row.level,
            row.address,
            True,
        ):
            unchanged += 1
            continue
        f.name, f.kind, f.level, f.address, f.active = (
            row.name,
            row.kind,
            row.level,
            row.address,
            True,
        )
        f.updated_at = now
        session.add(f)
        changed.append(f)
    dropped = [f for f in existing.values() if f.active] if deactivate else []
    for f in dropped:
        f.active = False
        f.updated_at = now
        session.add(f)
    session.flush()
    record_changes(
        session,
        [
            ChangeLog(
                entity=ENTITY_FACILITY,
                entity_id=str(f.id),
                op="upsert" if f.active else "delete",
                payload=payload(f) if f.active else {"id": f.id, "code": f.code},
                province_code=province_code,
            )
            for f in sorted(changed + dropped, key=lambda f: f.code)
        ],
    )
    return created, len(changed) - created, unchanged, len(dropped)


def _require_admin_of(session: Session, principal: Principal, province_code: int) -> None:
    if session.get(Province, province_code) is None:
        raise NotFound(f"không có tỉnh mã {province_code}", field="province_code")
    if not principal.is_admin or principal.province_code != province_code:
        raise Forbidden(
            "chỉ quản trị của tỉnh được nhập danh mục cơ sở KCB của tỉnh", field="province_code"
        )


def list_facilities(
    session: Session, *, principal: Principal, include_inactive: bool = False
) -> Sequence[HealthFacility]:
    """The caller's province's list, by code (everyone reads their own province's list)."""
    stmt = select(HealthFacility).where(HealthFacility.province_code == principal.province_code)
    if not include_inactive:
        stmt = stmt.where(col(HealthFacility.active).is_(True))
    return session.exec(stmt.order_by(col(HealthFacility.code))).all()


def known_codes(
    session: Session, *, province_codes: Iterable[int], codes: Iterable[str]
) -> dict[int, frozenset[str]]:
    """Which of ``codes`` are active in each province's list (what a push names, only)."""
    provinces, wanted = sorted(set(province_codes)), sorted(set(codes))
    found: dict[int, set[str]] = {p: set() for p in provinces}
    if provinces and wanted:
        for province, code in session.exec(
            select(HealthFacility.province_code, HealthFacility.code).where(
                member_of(session, col(HealthFacility.province_code), provinces),
                member_of(session, col(HealthFacility.code), wanted),
                col(HealthFacility.active).is_(True),
            )
        ):
            found[province].add(code)
    return {p: frozenset(c) for p, c in found.items()}


def names_by_code(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Facility names for printing (any province, active or not: the code is what was filed)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.exec(
        select(HealthFacility.code, HealthFacility.name, HealthFacility.active).where(
            member_of(session, col(HealthFacility.code), wanted)
        )
    ).all()
    names: dict[str, str] = {}
    for code, name, _active in sorted(rows, key=lambda r: r[2]):  # active last: it wins
        names[code] = name
    return names


def facility_book(
    session: Session, province_codes: Iterable[int], records: Iterable[Any]
) -> FacilityBook:
    """What a push batch checks its facility codes against: only the codes it sends."""
    codes = {r.initial_facility_code for r in records if r.initial_facility_code}
    if not codes:
        return FacilityBook()
    return FacilityBook(known_codes(session, province_codes=province_codes, codes=codes))
