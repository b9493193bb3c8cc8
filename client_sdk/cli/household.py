"""household: a household's members as this device knows them, and the next member's price."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from client_sdk.cli.common import handled, state, vnd
from client_sdk.i18n import _
from client_sdk.records import state_label

app = typer.Typer()


@app.command("household")
def household_cmd(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Household code")],
) -> None:
    """A household's known members (roster and this device), their cover, the next amount."""
    st = state(ctx)
    with handled(st), st.client() as fc:
        view = fc.household(code)
        if st.json:
            st.emit(
                {
                    "code": view.code,
                    "members": [m.__dict__ for m in view.members],
                    "next_ordinal": view.next_ordinal,
                    "next_amount_vnd": view.next_amount_vnd,
                }
            )
            return
        table = Table(title=_("Household {code}").format(code=code))
        for col in (_("Name"), _("Citizen ID"), _("Cover until"), _("Source")):
            table.add_column(col)
        for m in view.members:
            until = _dmy(m.coverage_end)
            table.add_row(
                m.full_name,
                m.citizen_id,
                until,
                state_label(m.source) if m.source != "roster" else _("roster"),
            )
        st.console.print(table)
        st.console.print(
            _("Next member: no. {n}, {amount} for 12 months.").format(
                n=view.next_ordinal, amount=vnd(view.next_amount_vnd)
            )
        )


def _dmy(iso: str | None) -> str:
    return "—" if not iso else f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"
