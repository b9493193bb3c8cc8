"""Import the agency's list of current participants of one commune: all rows valid, or none.

Columns (header row, any order, case-insensitive): citizen_id, si_code, full_name,
date_of_birth, household_code, scheme, coverage_end. Dates as YYYY-MM-DD or DD/MM/YYYY.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import BaseModel
from sqlmodel import Session, select

from enroll_common.sync_wire import (
    CITIZEN_ID_PATTERN,
    HOUSEHOLD_CODE_PATTERN,
    SI_CODE_PATTERN,
    SchemeName,
)
from enroll_common.text import normalize_name
from server.auth.scope import Principal
from server.errors import Forbidden, RuleViolation
from server.org.models import Commune
from server.participants.models import Participant
from server.participants.service import publish_participants, refresh_participant
from server.targets.importer import read_rows

COLUMNS = [
    "citizen_id",
    "si_code",
    "full_name",
    "date_of_birth",
    "household_code",
    "scheme",
    "coverage_end",
]
REQUIRED = ["citizen_id", "full_name", "date_of_birth", "scheme", "coverage_end"]
MAX_ROWS = 100_000


class RowProblem(BaseModel):
    row: int
    column: str
    reason: str


class RegisterImportReport(BaseModel):
    commune_code: int
    dry_run: bool
    rows: int
    valid: bool
    written: bool
    created: int = 0
    updated: int = 0
    errors: list[RowProblem]


def _date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def import_register(
    session: Session,
    *,
    principal: Principal,
    commune_code: int,
    filename: str,
    content: bytes,
    dry_run: bool,
) -> RegisterImportReport:
    """Check every row, then (unless ``dry_run`` or any problem) upsert them all."""
    commune = session.get(Commune, commune_code)
    if commune is None:
        raise RuleViolation(f"no commune with code {commune_code}", field="commune_code")
    if not principal.manages_commune(commune.code, commune.province_code):
        raise Forbidden(f"commune {commune_code} is outside your scope", field="commune_code")
    errors: list[RowProblem] = []
    parsed: list[dict[str, object]] = []
    seen: dict[tuple[str, str], int] = {}
    rows = 0
    for number, cells in read_rows(filename, content):
        rows += 1
        if rows > MAX_ROWS:
            raise RuleViolation(f"at most {MAX_ROWS} rows per file", field="file")
        if rows == 1:
            missing = [c for c in REQUIRED if c not in cells]
            if missing:
                raise RuleViolation(
                    f"missing column(s): {', '.join(missing)}; expected {', '.join(COLUMNS)}",
                    field="file",
                )

        def bad(column: str, reason: str, row: int = number) -> None:
            errors.append(RowProblem(row=row, column=column, reason=reason))

        citizen = cells.get("citizen_id", "")
        if not re.fullmatch(CITIZEN_ID_PATTERN, citizen):
            bad("citizen_id", "must be 12 digits")
        si_code = cells.get("si_code", "") or None
        if si_code is not None and not re.fullmatch(SI_CODE_PATTERN, si_code):
            bad("si_code", "must be 10 digits or empty")
        name = normalize_name(cells.get("full_name", ""))
        if not name or len(name) > 200:
            bad("full_name", "is required (at most 200 characters)")
        household = cells.get("household_code", "") or None
        if household is not None and not re.fullmatch(HOUSEHOLD_CODE_PATTERN, household):
            bad("household_code", "letters, digits, '.', '_' or '-', at most 32")
        scheme = cells.get("scheme", "")
        if scheme not in {s.value for s in SchemeName}:
            bad("scheme", f"must be one of {', '.join(s.value for s in SchemeName)}")
        dob = end = None
        try:
            dob = _date(cells.get("date_of_birth", ""))
        except ValueError as exc:
            bad("date_of_birth", str(exc))
        try:
            end = _date(cells.get("coverage_end", ""))
        except ValueError as exc:
            bad("coverage_end", str(exc))
        key = (citizen, scheme)
        if key in seen:
            bad("citizen_id", f"repeats row {seen[key]} for the same scheme")
        seen[key] = number
        parsed.append(
            {
                "citizen_id": citizen,
                "si_code": si_code,
                "full_name": name,
                "date_of_birth": dob,
                "household_code": household,
                "scheme": scheme,
                "coverage_end": end,
            }
        )
    report = RegisterImportReport(
        commune_code=commune_code,
        dry_run=dry_run,
        rows=rows,
        valid=not errors,
        written=False,
        errors=errors,
    )
    if errors or dry_run:
        return report
    touched: list[int] = []
    for data in parsed:
        row = session.exec(
            select(Participant).where(
                Participant.citizen_id == data["citizen_id"], Participant.scheme == data["scheme"]
            )
        ).first()
        if row is None:
            row = Participant(
                citizen_id=str(data["citizen_id"]),
                scheme=str(data["scheme"]),
                full_name=str(data["full_name"]),
                date_of_birth=data["date_of_birth"],  # type: ignore[arg-type]
                commune_code=commune.code,
                province_code=commune.province_code,
                source="import",
            )
            report.created += 1
        else:
            report.updated += 1
        row.full_name = str(data["full_name"])
        row.date_of_birth = data["date_of_birth"]  # type: ignore[assignment]
        row.si_code = data["si_code"] or row.si_code  # type: ignore[assignment]
        row.household_code = data["household_code"] or row.household_code  # type: ignore[assignment]
        row.commune_code = commune.code
        row.province_code = commune.province_code
        row.registered_coverage_end = data["coverage_end"]  # type: ignore[assignment]
        session.add(row)
        session.flush()
        touched.append(refresh_participant(session, citizen_id=row.citizen_id, scheme=row.scheme))
    publish_participants(session, touched)
    report.written = True
    return report
