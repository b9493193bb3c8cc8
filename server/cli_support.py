"""What every ``enroll-server`` command shares: settings checked in one line, a database
that must exist and be migrated, and output that reads well at 80 columns, piped, or as
JSON/CSV for scripts.

A table is printed as aligned columns when it fits the terminal (``COLUMNS``, 80 when piped);
otherwise each row becomes a block of ``field: value`` lines, so nothing is squeezed to one
character per column.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
import textwrap
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from server import launcher
from server.config import Settings
from server.db import make_engine
from server.migrate import head_revision

Column = tuple[str, str]
"""(key in each row, header shown)."""


class Output(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one line on stderr and return the exit to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return launcher.load_settings()
    except launcher.SettingsError as exc:
        raise fail(str(exc), 2) from exc


def output_choice(as_json: bool, as_csv: bool) -> Output:
    if as_json and as_csv:
        raise fail("choose one of --json and --csv", 2)
    return Output.JSON if as_json else Output.CSV if as_csv else Output.TABLE


HINT = "run `enroll-server migrate` first"


def require_database_file(settings: Settings) -> None:
    """A SQLite path that does not exist is a typo or a missing migrate, never a wish for an
    empty database: stop instead of creating one."""
    if settings.is_sqlite:
        path = make_url(settings.database_url).database
        if path and path != ":memory:" and not Path(path).exists():
            raise fail(f"no database file at {path}; {HINT} (it creates the file)")


def require_schema(settings: Settings) -> None:
    """Stop with one line (and the command to run) when the database is missing, not
    migrated or behind this code; a newer schema is fine (expand-first migrations)."""
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    hint = HINT
    require_database_file(settings)
    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                raise fail(f"the database {where} is not migrated (no tables); {hint}")
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[-1]
        if "does not exist" in reason:
            raise fail(f"the database {where} does not exist; create it, then {hint}") from exc
        raise fail(f"cannot open the database {where}: {reason}") from exc
    finally:
        engine.dispose()
    expected = head_revision()
    if current is None:
        raise fail(f"the database {where} is not migrated (no revision); {hint}")
    if current != expected and current in _known():
        raise fail(
            f"the database {where} is at revision {current}, this code needs {expected}; {hint}"
        )


def _known() -> frozenset[str]:
    from server.health import known_revisions

    return known_revisions()


def emit(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    *,
    output: Output,
    title: str | None = None,
) -> None:
    """Print ``rows`` as a table (fitted to the terminal), JSON or CSV on stdout."""
    if output is Output.JSON:
        typer.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
        return
    if output is Output.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([key for key, _ in columns])
        for row in rows:
            writer.writerow([_cell(row.get(key)) for key, _ in columns])
        sys.stdout.write(buffer.getvalue())
        return
    typer.echo(render_table(rows, columns, title=title))


def width() -> int:
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def render_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[Column], *, title: str | None = None
) -> str:
    """Aligned columns if they fit ``width()``, else one block of lines per row."""
    limit = width()
    cells = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    headers = [header for _, header in columns]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = [*textwrap.wrap(title, limit), ""] if title else []
    if sum(widths) + 2 * (len(widths) - 1) <= limit:
        numeric = [bool(cells) and all(_numeric(r[i]) for r in cells) for i in range(len(headers))]

        def aligned(line: list[str]) -> str:
            parts = [
                c.rjust(w) if numeric[i] else c.ljust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            ]
            return "  ".join(parts).rstrip()

        lines.append(aligned(headers))
        lines.append("  ".join("-" * w for w in widths))
        lines.extend(aligned(line) for line in cells)
    else:
        label = max(len(h) for h in headers)
        for n, line in enumerate(cells):
            if n:
                lines.append("")
            for header, cell in zip(headers, line, strict=True):
                wrapped = textwrap.wrap(cell, max(20, limit - label - 2)) or [""]
                lines.append(f"{header.rjust(label)}: {wrapped[0]}")
                lines.extend(" " * (label + 2) + more for more in wrapped[1:])
    if not cells:
        lines.append("(none)")
    return "\n".join(lines)


def _numeric(value: str) -> bool:
    return value.replace(",", "").replace(".", "").replace("%", "").lstrip("-").isdigit()


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)
