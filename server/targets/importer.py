"""Bulk import of targets from CSV or XLSX: all rows valid, or nothing written.

Every row is checked (period, scheme, kind, metric, point, agent, value, scope) before any
is written, and each problem is reported by spreadsheet row number (the header is row 1)
and column, so a coordinator can fix the file in one pass.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from pydantic import BaseModel
from sqlmodel import Session, col, select

from enroll_common.calculator import Scheme
from enroll_common.periods import PeriodError, parse_period
from enroll_common.schemes import scheme_label, scheme_values
from server.auth.models import AgentPoint, Role, User
from server.auth.scope import Principal
from server.dbtypes import utcnow
from server.errors import Forbidden, RuleViolation
from server.org.models import CollectionPoint, Commune
from server.org.service import readable_points
from server.reports.export import csv_bytes, safe
from server.targets.models import Metric, Target, TargetKind, scope_key
from server.targets.schemas import MAX_TARGET_VALUE, TargetKey
from server.targets.service import _write

COLUMNS = ["period", "scheme", "kind", "metric", "point_code", "agent_code", "value", "reason"]
REQUIRED = ["period", "scheme", "point_code", "value"]
MAX_ROWS = 50_000
_THOUSANDS = re.compile(r"^\d{1,3}([.,]\d{3})+$")


class ImportProblem(BaseModel):
    row: int
    column: str
    reason: str


class ImportReport(BaseModel):
    dry_run: bool
    rows: int
    valid: bool
    written: bool
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    errors: list[ImportProblem]


@dataclass
class _Row:
    number: int
    key: TargetKey
    point: CollectionPoint
    province_code: int
    agent_id: int | None
    value: int
    reason: str


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(filename: str, content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (spreadsheet row number, {column: text}) from a CSV or XLSX file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise RuleViolation(f"not a readable XLSX file: {exc}", field="file") from exc
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = [_cell(h).lower() for h in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            cells = [_cell(v) for v in values]
            if any(cells):
                yield number, dict(zip(header, cells, strict=False))
        wb.close()
        return
    if not name.endswith(".csv"):
        raise RuleViolation("upload a .csv or .xlsx file", field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RuleViolation("CSV files must be UTF-8", field="file") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    names = [h.strip().lower() for h in next(reader, [])]
    for number, fields in enumerate(reader, start=2):
        texts = [v.strip() for v in fields]
        if any(texts):
            yield number, dict(zip(names, texts, strict=False))


def _parse_value(text: str) -> int:
    if _THOUSANDS.match(text):
        text = re.sub(r"[.,]", "", text)
    if not text.isdigit():
        raise ValueError("must be a whole number of at least 0")
    value = int(text)
    if value > MAX_TARGET_VALUE:
        raise ValueError(f"must be at most {MAX_TARGET_VALUE}")
    return value


def import_targets(
    session: Session, *, principal: Principal, filename: str, content: bytes, dry_run: bool
) -> ImportReport:
    """Check every row; write them all (unless ``dry_run``) only if none has an error."""
    if principal.role is Role.AGENT:
        raise Forbidden("agents cannot set targets")
    provinces = {c.code: c.province_code for c in session.exec(select(Commune)).all()}
    points = {
        p.code.upper(): (p, provinces[p.commune_code])
        for p in session.exec(readable_points(principal)).all()
        if principal.manages_commune(p.commune_code, provinces[p.commune_code])
    }
    agents_by_code = {
        (u.agent_code or "").upper(): u
        for u in session.exec(
            select(User).where(User.role == Role.AGENT.value, col(User.agent_code).is_not(None))
        ).all()
    }
    links = {(a.user_id, a.point_id) for a in session.exec(select(AgentPoint)).all()}
    errors: list[ImportProblem] = []
    valid: list[_Row] = []
    seen: dict[tuple[str, str, str, str, str], int] = {}
    count = 0
    for number, raw in read_rows(filename, content):
        count += 1
        if count > MAX_ROWS:
            raise RuleViolation(f"at most {MAX_ROWS} rows per file", field="file")
        row_errors: list[ImportProblem] = []

        def bad(
            column: str, reason: str, number: int = number, out: list[ImportProblem] = row_errors
        ) -> None:
            out.append(ImportProblem(row=number, column=column, reason=reason))

        for column in REQUIRED:
            if not raw.get(column):
                bad(column, "required")
        values: dict[str, Any] = {}
        if raw.get("period"):
            try:
                values["period"] = str(parse_period(raw["period"]))
            except PeriodError as exc:
                bad("period", str(exc))
        for column, enum, default in (
            ("scheme", Scheme, None),
            ("kind", TargetKind, TargetKind.ALL),
            ("metric", Metric, Metric.PARTICIPANTS),
        ):
            text = raw.get(column, "").lower()
            if not text:
                values[column] = default
                continue
            try:
                values[column] = enum(text)
            except ValueError:
                allowed = ", ".join(m.value for m in enum)
                bad(column, f"{text!r} is not one of: {allowed}")
        point_entry = None
        if raw.get("point_code"):
            point_entry = points.get(raw["point_code"].upper())
            if point_entry is None:
                bad("point_code", f"no collection point {raw['point_code']!r} in your scope")
        agent_id: int | None = None
        if raw.get("agent_code"):
            agent = agents_by_code.get(raw["agent_code"].upper())
            if agent is None or agent.id is None:
                bad("agent_code", f"no agent {raw['agent_code']!r}")
            elif point_entry is not None and (agent.id, point_entry[0].id) not in links:
                bad("agent_code", f"agent {raw['agent_code']!r} does not work at this point")
            else:
                agent_id = agent.id
        value = 0
        if raw.get("value"):
            try:
                value = _parse_value(raw["value"])
            except ValueError as exc:
                bad("value", str(exc))
        reason = raw.get("reason", "")
        if len(reason) > 300:
            bad("reason", "at most 300 characters")
        if not row_errors and point_entry is not None:
            point, province_code = point_entry
            assert point.id is not None
            dedup = (
                scope_key(point.id, agent_id),
                values["period"],
                values["scheme"],
                values["kind"],
                values["metric"],
            )
            if dedup in seen:
                bad("point_code", f"the same target as row {seen[dedup]}")
            else:
                seen[dedup] = number
                valid.append(
                    _Row(
                        number=number,
                        key=TargetKey(
                            period=values["period"],
                            scheme=values["scheme"],
                            kind=values["kind"],
                            metric=values["metric"],
                        ),
                        point=point,
                        province_code=province_code,
                        agent_id=agent_id,
                        value=value,
                        reason=reason,
                    )
                )
        errors.extend(row_errors)
    if count == 0:
        errors.append(ImportProblem(row=1, column="file", reason="no data rows"))
    report = ImportReport(
        dry_run=dry_run, rows=count, valid=not errors, written=False, errors=errors
    )
    if errors:
        return report
    now = utcnow()
    for row in valid:
        assert row.point.id is not None
        existing = session.exec(
            select(Target.value).where(
                Target.scope_key == scope_key(row.point.id, row.agent_id),
                Target.period == row.key.period,
                Target.scheme == row.key.scheme.value,
                Target.kind == row.key.kind.value,
                Target.metric == row.key.metric.value,
            )
        ).first()
        if existing is None:
            report.created += 1
        elif existing == row.value:
            report.unchanged += 1
        else:
            report.revised += 1
        if not dry_run:
            _write(
                session,
                principal=principal,
                key=row.key,
                point=row.point,
                province_code=row.province_code,
                agent_id=row.agent_id,
                value=row.value,
                reason=row.reason or f"import {filename} row {row.number}",
                source="import",
                now=now,
            )
    report.written = not dry_run
    return report


def template(fmt: Literal["csv", "xlsx"]) -> bytes:
    """An empty import file with the header row (XLSX: plus a sheet explaining the columns)."""
    if fmt == "csv":
        return csv_bytes(COLUMNS, [])
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "targets"
    ws.append([safe(c) for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    help_sheet = wb.create_sheet("Hướng dẫn")
    help_sheet.append([safe("cột (column)"), safe("giá trị (values)")])
    for row in (
        ("period", "2025-09 (tháng), 2025-Q3 (quý) hoặc 2025 (năm)"),
        ("scheme", " hoặc ".join(f"{s} ({scheme_label(s)})" for s in scheme_values())),
        ("kind", "new, renewal hoặc all (mặc định all)"),
        ("metric", "participants (người) hoặc amount_vnd (đồng); mặc định participants"),
        ("point_code", "mã điểm thu, ví dụ EAKAR-01"),
        ("agent_code", "mã nhân viên thu (để trống: chỉ tiêu của điểm thu)"),
        ("value", "số nguyên không âm"),
        ("reason", "ghi chú, ví dụ 'bổ sung chỉ tiêu'"),
    ):
        help_sheet.append([safe(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
