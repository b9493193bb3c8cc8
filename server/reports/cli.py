"""``enroll-server report``: the progress table in the terminal, or written to CSV/XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session, col, select

from enroll_common.periods import PeriodError, parse_period
from server.auth.models import Role, User
from server.auth.service import load_principal
from server.config import Settings
from server.db import make_engine
from server.errors import DomainError
from server.reports import export, service
from server.reports.schemas import Level
from server.targets.models import TargetKind


def report(
    period: Annotated[str, typer.Option(help="2025-09, 2025-Q3 or 2025.")],
    level: Annotated[Level, typer.Option(help="agent, point, commune or province.")] = Level.POINT,
    scheme: Annotated[
        str | None, typer.Option(help="voluntary_si or household_hi (default: both).")
    ] = None,
    kind: Annotated[TargetKind, typer.Option(help="new, renewal or all.")] = TargetKind.ALL,
    as_user: Annotated[
        str | None,
        typer.Option("--as", help="Report as this user's scope (default: the first admin)."),
    ] = None,
    refresh: Annotated[bool, typer.Option(help="Rebuild the summary first.")] = False,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Also write CSV here.")] = None,
    xlsx_out: Annotated[Path | None, typer.Option("--xlsx", help="Also write XLSX here.")] = None,
) -> None:
    """Print achieved against plan for every unit of a level."""
    console = Console()
    try:
        settings = Settings()
        parsed = parse_period(period)
    except (ValueError, PeriodError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if scheme is not None and scheme not in service.SCHEMES:
        console.print(f"[red]scheme must be one of {', '.join(service.SCHEMES)}[/red]")
        raise typer.Exit(2)
    engine = make_engine(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            stmt = select(User).where(col(User.is_active).is_(True))
            if as_user:
                stmt = stmt.where(User.username == as_user)
            else:
                stmt = stmt.where(User.role == Role.ADMIN.value).order_by(col(User.id))
            user = session.exec(stmt).first()
            if user is None:
                console.print(f"[red]no user {as_user or '(admin)'} to report as[/red]")
                raise typer.Exit(1)
            principal = load_principal(session, user, device_id=None, session_id=None)
            result = service.progress_report(
                session,
                principal=principal,
                period=parsed,
                level=level,
                scheme=scheme,
                kind=kind,
                refresh=refresh,
            )
            session.commit()
    except DomainError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    headers, body = export.terminal_rows(result)
    table = Table(
        title=(
            f"Tiến độ {export.LEVEL_TITLES[level].lower()} — kỳ {result.period} "
            f"(cùng kỳ {result.previous_period}), {kind.value}"
        ),
        title_justify="left",
        caption=f"số liệu đến {result.as_of:%Y-%m-%d %H:%M} UTC",
    )
    for i, header in enumerate(headers):
        if i == 0:
            table.add_column(header, no_wrap=True)
        elif i == 1:
            table.add_column(header, no_wrap=True, overflow="ellipsis", max_width=34)
        else:
            table.add_column(header, justify="left" if i < 3 else "right", overflow="fold")
    n_rows = len(result.rows)
    for i, cells in enumerate(body):
        table.add_row(*cells, end_section=i == n_rows - 1, style="bold" if i >= n_rows else None)
    console.print(table)
    if csv_out:
        csv_out.write_bytes(export.to_csv(result))
        console.print(f"CSV written to {csv_out}")
    if xlsx_out:
        xlsx_out.write_bytes(export.to_xlsx([result]))
        console.print(f"XLSX written to {xlsx_out}")
