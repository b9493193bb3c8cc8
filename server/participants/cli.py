"""``enroll-server import-register``: load an agency register file, with a progress bar.

The same checks and all-or-nothing write as the API upload, without its row limit: a
province's register of millions of rows is loaded in one transaction, in bulk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlmodel import Session, col, select

from server.auth.models import User
from server.auth.service import load_principal
from server.config import Settings
from server.db import make_engine
from server.errors import DomainError
from server.participants.importer import import_register

_PHASES = {"check": "Checking rows", "write": "Writing the register"}
_SHOWN_ERRORS = 50


def import_register_command(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8) or XLSX, header in row 1.")],
    commune: Annotated[int, typer.Option(help="The commune the list belongs to.")],
    as_user: Annotated[
        str, typer.Option("--as", help="Import as this admin or coordinator (their scope).")
    ],
    dry_run: Annotated[bool, typer.Option(help="Check only; write nothing.")] = False,
) -> None:
    """Load the agency's list of current participants: every row valid, or nothing written."""
    console = Console()
    try:
        content = file.read_bytes()
    except OSError as exc:
        console.print(f"[red]cannot read {file}: {exc}[/red]")
        raise typer.Exit(2) from exc
    engine = make_engine(Settings())
    try:
        with Session(engine, expire_on_commit=False) as session:
            user = session.exec(
                select(User).where(User.username == as_user, col(User.is_active).is_(True))
            ).first()
            if user is None:
                console.print(f"[red]no active user {as_user!r}[/red]")
                raise typer.Exit(2)
            principal = load_principal(session, user, device_id=None, session_id=None)
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            ) as bar:
                tasks: dict[str, object] = {}

                def progress(phase: str, done: int, total: int | None) -> None:
                    if phase not in tasks:
                        tasks[phase] = bar.add_task(_PHASES.get(phase, phase), total=total)
                    bar.update(tasks[phase], completed=done, total=total)  # type: ignore[arg-type]

                try:
                    report = import_register(
                        session,
                        principal=principal,
                        commune_code=commune,
                        filename=file.name,
                        content=content,
                        dry_run=dry_run,
                        max_rows=None,
                        progress=progress,
                    )
                except DomainError as exc:
                    session.rollback()
                    console.print(f"[red]{exc.detail}[/red]")
                    raise typer.Exit(1) from exc
            if not report.written:
                session.rollback()
            else:
                session.commit()
    finally:
        engine.dispose()
    if not report.valid:
        table = Table("row", "column", "problem", title="Nothing written")
        for e in report.errors[:_SHOWN_ERRORS]:
            table.add_row(str(e.row), e.column, e.reason)
        console.print(table)
        more = len(report.errors) - _SHOWN_ERRORS
        if more > 0:
            console.print(f"… and {more} more problem(s)")
        raise typer.Exit(1)
    if dry_run:
        console.print(f"{report.rows} row(s) checked, all valid; nothing written (dry run).")
        return
    console.print(f"{report.rows} row(s) imported: {report.created} new, {report.updated} updated.")
