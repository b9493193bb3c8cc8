"""``enroll-server report``: the progress table in the terminal, or written to CSV/XLSX."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session, col, select

from enroll_common.periods import PeriodError, parse_period
from enroll_common.schemes import scheme_values
from server.auth.models import Role, User
from server.auth.service import load_principal
from server.cli_support import Output, emit, fail, require_schema, settings_or_exit
from server.db import make_engine
from server.errors import DomainError
from server.reports import export, service
from server.reports.schemas import Level
from server.targets.models import TargetKind


def report(
    period: Annotated[str, typer.Option(help="2025-09, 2025-Q3 or 2025.")],
    level: Annotated[Level, typer.Option(help="agent, point, commune or province.")] = Level.POINT,
    scheme: Annotated[
        str | None, typer.Option(help=f"{' or '.join(scheme_values())} (default: all).")
    ] = None,
    kind: Annotated[TargetKind, typer.Option(help="new, renewal or all.")] = TargetKind.ALL,
    as_user: Annotated[
        str | None,
        typer.Option("--as", help="Report as this user's scope (default: the first admin)."),
    ] = None,
    refresh: Annotated[bool, typer.Option(help="Rebuild the summary first.")] = False,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Write CSV here (- for standard output).")
    ] = None,
    xlsx_out: Annotated[Path | None, typer.Option("--xlsx", help="Also write XLSX here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
) -> None:
    """Print achieved against plan for every unit of a level."""
    try:
        parsed = parse_period(period)
    except PeriodError as exc:
        raise fail(str(exc), 2) from exc
    if scheme is not None and scheme not in service.SCHEMES:
        raise fail(f"scheme must be one of {', '.join(service.SCHEMES)}", 2)
    to_stdout = csv_out == Path("-")
    if as_json and to_stdout:
        raise fail("choose one of --json and --csv -", 2)
    settings = settings_or_exit()
    require_schema(settings)
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
                raise fail(f"no user {as_user or '(admin)'} to report as")
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
        raise fail(exc.detail) from exc
    finally:
        engine.dispose()
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    elif to_stdout:
        sys.stdout.write(export.to_csv(result).decode("utf-8").removeprefix("\ufeff"))
    else:
        headers, body = export.terminal_rows(result)
        title = (
            f"Tiến độ {export.LEVEL_TITLES[level].lower()} — kỳ {result.period} "
            f"(cùng kỳ {result.previous_period}), {kind.value}; "
            f"số liệu đến {result.as_of:%Y-%m-%d %H:%M} UTC"
        )
        columns = [(str(i), h) for i, h in enumerate(headers)]
        rows = [{str(i): cell for i, cell in enumerate(cells)} for cells in body]
        emit(rows, columns, output=Output.TABLE, title=title)
    if csv_out and not to_stdout:
        csv_out.write_bytes(export.to_csv(result))
        typer.echo(f"CSV written to {csv_out}", err=as_json)
    if xlsx_out:
        xlsx_out.write_bytes(export.to_xlsx([result]))
        typer.echo(f"XLSX written to {xlsx_out}", err=as_json or to_stdout)
