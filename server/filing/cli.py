"""``enroll-server filing``: build a numbered filing batch and write its workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import select

from enroll_common.periods import PeriodError, parse_period
from server.clihelp import as_user, console
from server.collectors.models import CollectionOrganisation
from server.filing import service

app = typer.Typer(
    help="Filing lists (D05-TS, D03-TS, TK1-TS) for the agency.", no_args_is_help=True
)


@app.command("export")
def export(
    organisation: Annotated[str, typer.Option("--org", help="Organisation code, e.g. BDDL.")],
    period: Annotated[str, typer.Option(help="2025-09, 2025-Q3 or 2025.")],
    out: Annotated[Path, typer.Option(help="Where to write the XLSX.")],
    username: Annotated[
        str | None, typer.Option("--as", help="Act as this user (default: the first admin).")
    ] = None,
) -> None:
    """File the organisation's approved, not yet filed sign-ups of the period as a new batch."""
    try:
        parsed = parse_period(period)
    except PeriodError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    with as_user(username) as (session, principal):
        org = session.exec(
            select(CollectionOrganisation).where(CollectionOrganisation.code == organisation)
        ).first()
        if org is None or org.id is None:
            console.print(f"[red]không có tổ chức dịch vụ thu mã {organisation}[/red]")
            raise typer.Exit(1)
        batch = service.create_batch(
            session, principal=principal, organisation_id=org.id, period=parsed
        )
        content = service.batch_file(session, batch=batch)
        session.commit()
    out.write_bytes(content)
    console.print(
        f"Đợt nộp số {batch.number} ({org.code}, kỳ {batch.period}): "
        f"{batch.vsi_count} BHXH tự nguyện (D05-TS), {batch.hi_count} BHYT hộ gia đình (D03-TS), "
        f"{batch.total_vnd:,} đồng → {out}"
    )
