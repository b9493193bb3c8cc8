"""``enroll-server org support-areas``: which communes bring VSI support by place."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from server.cli_support import emit, output_choice, require_schema, settings_or_exit
from server.db import make_engine
from server.errors import DomainError
from server.org import support_areas as service

app = typer.Typer(help="Official commune data (support areas).", no_args_is_help=True)

COLUMNS = [("code", "code"), ("name", "commune"), ("province_code", "province"), ("area", "area")]


@app.command("support-areas")
def support_areas(
    import_file: Annotated[
        Path | None,
        typer.Option(
            "--import",
            exists=True,
            dir_okay=False,
            help="CSV with columns code,support_area (special_zone, island_commune, or "
            "empty to clear); devices pull the changes.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (for spreadsheets).")] = False,
) -> None:
    """List the special zones and island communes, or import marks from a CSV file."""
    output = output_choice(as_json, as_csv)
    settings = settings_or_exit()
    require_schema(settings)
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            if import_file is not None:
                try:
                    changed = service.set_support_areas(session, service.read_csv(import_file))
                except DomainError as exc:
                    typer.echo(f"Lỗi: {exc.detail}", err=True)
                    raise typer.Exit(1) from None
                session.commit()
                typer.echo(f"Đã cập nhật {len(changed)} xã.")
            rows = [
                {
                    "code": c.code,
                    "name": c.name,
                    "province_code": c.province_code,
                    "area": c.support_area,
                }
                for c in service.marked_communes(session)
            ]
    finally:
        engine.dispose()
    emit(rows, COLUMNS, output=output, title="Xã đảo, đặc khu (hỗ trợ BHXH tự nguyện 50 %)")
