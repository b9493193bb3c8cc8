"""``enroll-server policy``: show the policy table as the server will apply it."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from server.config import Settings
from server.db import make_engine
from server.policy import service
from server.policy.models import PolicyVersion

app = typer.Typer(help="Policy tables (rates, base salary, support levels).", no_args_is_help=True)


def _table(title: str, versions: list[PolicyVersion]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("parameter", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("from", no_wrap=True)
    table.add_column("to", no_wrap=True)
    table.add_column("source", overflow="fold")
    table.add_column("version id", justify="right", no_wrap=True)
    for v in versions:
        table.add_row(
            v.parameter,
            json.dumps(v.value, ensure_ascii=False, separators=(",", ":")),
            v.effective_from.isoformat(),
            v.effective_to.isoformat() if v.effective_to else "–",
            v.source,
            str(v.id) + (" (used)" if v.first_used_at else ""),
        )
    return table


@app.command()
def show(
    on: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Day (YYYY-MM-DD); default today in Việt Nam."),
    ] = None,
) -> None:
    """Print the versions in force on a day, the ones entered for later, and any gaps."""
    console = Console()
    try:
        settings = Settings()
    except ValueError as exc:
        console.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc
    day: date = on.date() if on else service.today_local()
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            table = service.get_policy_table(session, on=day)
    finally:
        engine.dispose()
    console.print(_table(f"Policy in force on {day.isoformat()}", table.in_force))
    if table.future:
        console.print(_table("Entered for later dates", table.future))
    if table.missing:
        console.print(
            f"[yellow]No version in force on {day.isoformat()} for:[/yellow] "
            + ", ".join(table.missing)
        )
