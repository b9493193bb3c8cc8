"""``enroll-server policy``: show the policy table as the server will apply it."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

import typer
from sqlmodel import Session

from server.cli_support import Output, emit, output_choice, require_schema, settings_or_exit
from server.db import make_engine
from server.policy import service
from server.policy.models import PolicyVersion

app = typer.Typer(help="Policy tables (rates, base salary, support levels).", no_args_is_help=True)

COLUMNS = [
    ("parameter", "parameter"),
    ("value", "value"),
    ("effective_from", "from"),
    ("effective_to", "to"),
    ("source", "source"),
    ("version", "version id"),
]


def _row(v: PolicyVersion, section: str) -> dict[str, Any]:
    return {
        "section": section,
        "parameter": v.parameter,
        "value": v.value,
        "effective_from": v.effective_from.isoformat(),
        "effective_to": v.effective_to.isoformat() if v.effective_to else None,
        "source": v.source,
        "version": f"{v.id} (used)" if v.first_used_at else str(v.id),
        "id": v.id,
        "used": v.first_used_at is not None,
    }


@app.command()
def show(
    on: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Day (YYYY-MM-DD); default today in Việt Nam."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (for spreadsheets).")] = False,
) -> None:
    """Print the versions in force on a day, the ones entered for later, and any gaps."""
    output = output_choice(as_json, as_csv)
    settings = settings_or_exit()
    require_schema(settings)
    day: date = on.date() if on else service.today_local()
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            table = service.get_policy_table(session, on=day)
    finally:
        engine.dispose()
    in_force = [_row(v, "in_force") for v in table.in_force]
    future = [_row(v, "future") for v in table.future]
    if output is Output.JSON:
        body = {"on": day.isoformat(), "in_force": in_force, "future": future}
        typer.echo(json.dumps({**body, "missing": table.missing}, ensure_ascii=False, indent=2))
        return
    if output is Output.CSV:
        emit(
            in_force + future, [("section", "section"), *COLUMNS[:-1], ("id", "id")], output=output
        )
        return
    emit(in_force, COLUMNS, output=output, title=f"Policy in force on {day.isoformat()}")
    if future:
        typer.echo("")
        emit(future, COLUMNS, output=output, title="Entered for later dates")
    if table.missing:
        typer.echo(f"\nNo version in force on {day.isoformat()} for: " + ", ".join(table.missing))
