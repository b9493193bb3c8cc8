"""``enroll-server follow-up``: the participants an agent should visit, in the terminal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer
from rich.table import Table

from server.clihelp import as_user, console
from server.dbtypes import utcnow
from server.followup.service import STATUS_TITLES, FollowUpStatus, follow_up
from server.reports.export import VN_TZ


def follow_up_command(
    username: Annotated[
        str | None, typer.Option("--as", help="Whose list (an agent) or scope (default: admin).")
    ] = None,
    at: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="As of (default: today).")
    ] = None,
    status: Annotated[FollowUpStatus | None, typer.Option(help="due, overdue or lapsed.")] = None,
) -> None:
    """Voluntary SI participants due, overdue or lapsed, with phone and address."""
    day: date = at.date() if at else utcnow().astimezone(VN_TZ).date()
    with as_user(username) as (session, principal):
        result = follow_up(session, principal=principal, at=day, status=status)
    table = Table(title=f"Cần vận động đóng tiếp — ngày {day:%d/%m/%Y}", title_justify="left")
    for header in ("NV thu", "Tình trạng", "Họ và tên", "Điện thoại", "Địa chỉ", "Hạn", "Trễ"):
        table.add_column(header, overflow="fold")
    for r in result.rows:
        table.add_row(
            r.agent_code,
            STATUS_TITLES[r.status.value],
            r.full_name,
            r.phone or "–",
            ", ".join(p for p in (r.address, r.commune) if p),
            f"{r.due_date:%d/%m/%Y}",
            str(r.days_late),
        )
    console.print(table)
    console.print(f"{len(result.rows)} người")
