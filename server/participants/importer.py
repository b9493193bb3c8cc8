"""Import the agency's list of current participants of one commune: all rows valid, or none.

Columns (header row, any order, case-insensitive): citizen_id, si_code, full_name,
date_of_birth, household_code, scheme, coverage_end, and optionally initial_facility_code
(the initial health facility on file), national_household_code and support_months_used
(VSI months of State support the person has already used, per the agency: the 120-month
cap counts them). Dates as YYYY-MM-DD or DD/MM/YYYY.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from pydantic import BaseModel
from sqlmodel import Session

from enroll_common.facilities import is_facility_code, normalise_code
from enroll_common.schemes import rules
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
from server.participants import bulk
from server.targets.importer import read_rows

COLUMNS = [
    "citizen_id",
    "si_code",
    "full_name",
    "date_of_birth",
    "household_code",
    "scheme",
    "coverage_end",
    "initial_facility_code",
    "national_household_code",
    "support_months_used",
]
REQUIRED = ["citizen_id", "full_name", "date_of_birth", "scheme", "coverage_end"]
MAX_SUPPORT_MONTHS = 120  # Decree 159/2025 Art 5: support for at most 10 years
MAX_ROWS = 100_000  # per upload through the API; the command line has no limit
_SCHEMES = frozenset(s.value for s in SchemeName)
_CITIZEN = re.compile(CITIZEN_ID_PATTERN)
_SI_CODE = re.compile(SI_CODE_PATTERN)
_HOUSEHOLD = re.compile(HOUSEHOLD_CODE_PATTERN)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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


class RegisterImportInvalid(RegisterImportReport):
    """The 422 answer when rows are invalid: the report plus the shared error fields."""

    type: str
    detail: str
    field: str | None = None
    request_id: str | None = None


def _date(text: str) -> date:
    digits = text[:4] + text[5:7] + text[8:]
    if len(text) == 10 and text[4] == text[7] == "-" and digits.isascii() and digits.isdigit():
        # the usual form, without the cost of strptime
        try:
            return date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def _months(text: str, scheme: str, bad: Callable[[str, str], None]) -> int | None:
    """The support months used: empty keeps what the register had (0 for a new entry)."""
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or int(text) > MAX_SUPPORT_MONTHS:
        bad("support_months_used", f"must be a whole number of months, 0 to {MAX_SUPPORT_MONTHS}")
        return None
    if int(text) and not (scheme in _SCHEMES and rules(scheme).counts_support_months):
        bad("support_months_used", "is only for voluntary_si rows (leave it empty or 0)")
        return None
    return int(text)


def _estimate_rows(filename: str, content: bytes) -> int | None:
    """Roughly how many data rows a file has, for a progress bar (CSV only)."""
    if filename.lower().endswith(".csv"):
        return max(content.count(b"\n") - 1, 0) or None
    return None


def import_register(
    session: Session,
    *,
    principal: Principal,
    commune_code: int,
    filename: str,
    content: bytes,
    dry_run: bool,
    max_rows: int | None = MAX_ROWS,
    progress: bulk.Progress | None = None,
) -> RegisterImportReport:
    """Check every row, then (unless ``dry_run`` or any problem) upsert them all in bulk.

    Rows are checked one by one (so each problem names its row and column) and staged in
    chunks; repeats are found in the staging table; the register and the change log are
    then written set-wise. Everything happens in the caller's transaction: on any problem
    or error nothing is applied. ``progress(phase, done, total)`` is told how far it got.
    """
    commune = session.get(Commune, commune_code)
    if commune is None:
        raise RuleViolation(f"no commune with code {commune_code}", field="commune_code")
    if not principal.manages_commune(commune.code, commune.province_code):
        raise Forbidden(f"commune {commune_code} is outside your scope", field="commune_code")
    step = progress or (lambda _phase, _done, _total: None)
    estimate = _estimate_rows(filename, content)
    errors: list[RowProblem] = []
    chunk: list[bulk.StagedRow] = []
    schemes_text = ", ".join(s.value for s in SchemeName)
    rows = 0
    bulk.create_staging(session)
    for number, cells in read_rows(filename, content):
        rows += 1
        if max_rows is not None and rows > max_rows:
            raise RuleViolation(f"at most {max_rows} rows per file", field="file")
        if rows == 1:
            missing = [c for c in REQUIRED if c not in cells]
            if missing:
                raise RuleViolation(
                    f"missing column(s): {', '.join(missing)}; expected {', '.join(COLUMNS)}",
                    field="file",
                )

        def bad(column: str, reason: str, row: int = number) -> None:
            errors.append(RowProblem(row=row, column=column, reason=reason))

        problems_before = len(errors)
        citizen = cells.get("citizen_id", "")
        if not _CITIZEN.fullmatch(citizen):
            bad("citizen_id", "must be 12 digits")
        si_code = cells.get("si_code", "") or None
        if si_code is not None and not _SI_CODE.fullmatch(si_code):
            bad("si_code", "must be 10 digits or empty")
        name = normalize_name(cells.get("full_name", ""))
        if not name or len(name) > 200:
            bad("full_name", "is required (at most 200 characters)")
        elif _CONTROL.search(name):  # PostgreSQL refuses NUL; none belongs in a name
            bad("full_name", "must not contain control characters")
        household = cells.get("household_code", "") or None
        if household is not None and not _HOUSEHOLD.fullmatch(household):
            bad("household_code", "letters, digits, '.', '_' or '-', at most 32")
        national = cells.get("national_household_code", "") or None
        if national is not None and not _HOUSEHOLD.fullmatch(national):
            bad("national_household_code", "letters, digits, '.', '_' or '-', at most 32")
        scheme = cells.get("scheme", "")
        if scheme not in _SCHEMES:
            bad("scheme", f"must be one of {schemes_text}")
        months_used = _months(cells.get("support_months_used", ""), scheme, bad)
        dob = end = None
        try:
            dob = _date(cells.get("date_of_birth", ""))
        except ValueError as exc:
            bad("date_of_birth", str(exc))
        try:
            end = _date(cells.get("coverage_end", ""))
        except ValueError as exc:
            bad("coverage_end", str(exc))
        facility = normalise_code(cells.get("initial_facility_code", "")) or None
        if facility is not None and not is_facility_code(facility):
            bad("initial_facility_code", "must be 5 digits (e.g. 66001) or empty")
        staged: bulk.StagedRow = (
            number,
            citizen,
            scheme,
            si_code,
            name,
            dob,
            household,
            end,
            facility,
            national,
            months_used,
        )
        if len(errors) > problems_before:  # never written; only staged to find repeats
            staged = bulk.storable(staged)
        chunk.append(staged)
        if len(chunk) >= bulk.CHUNK:
            bulk.stage(session, chunk)
            chunk.clear()
            step("check", rows, estimate)
    bulk.stage(session, chunk)
    step("check", rows, rows)
    repeats = [
        RowProblem(row=row, column="citizen_id", reason=f"repeats row {prev} for the same scheme")
        for row, prev in bulk.repeated_rows(session)
    ]
    if repeats:
        errors = sorted(errors + repeats, key=lambda e: e.row)  # stable: a row's own first
    report = RegisterImportReport(
        commune_code=commune_code,
        dry_run=dry_run,
        rows=rows,
        valid=not errors,
        written=False,
        errors=errors,
    )
    if not errors and not dry_run:
        report.created, report.updated = bulk.apply(
            session,
            commune_code=commune.code,
            province_code=commune.province_code,
            progress=progress,
        )
        report.written = True
    bulk.drop_staging(session)
    return report
