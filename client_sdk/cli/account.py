"""login, logout, status."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from client_sdk.cli.common import handled, state
from client_sdk.i18n import _
from client_sdk.records import state_label

app = typer.Typer()


@app.command()
def login(
    ctx: typer.Context,
    username: Annotated[str | None, typer.Option(envvar="FIELD_ENROLL_USERNAME")] = None,
    password: Annotated[str | None, typer.Option(envvar="FIELD_ENROLL_PASSWORD")] = None,
    code: Annotated[
        str | None,
        typer.Option(help="One-time provisioning code from your coordinator (no password)."),
    ] = None,
) -> None:
    """Log in on this device (needs the network), with a password or a provisioning code."""
    st = state(ctx)
    if not code:
        username = username or typer.prompt("Username")
        password = password or typer.prompt("Password", hide_input=True)
    with handled(st), st.client() as fc:
        me = fc.login_with_code(code) if code else fc.login(username or "", password or "")
        if st.json:
            st.emit(me)
        else:
            st.console.print(
                _("Logged in as {name}, device {device}.").format(
                    name=f"[bold]{me['full_name']}[/bold]", device=me["device_id"]
                )
            )
            st.console.print(
                _("Run `enroll-agent sync` to fetch policy tables, targets and receipts.")
            )


@app.command()
def logout(ctx: typer.Context) -> None:
    """End the session. Records on this device are kept and sent after the next login."""
    st = state(ctx)
    with handled(st), st.client() as fc:
        left = fc.store.outbox_size() if fc.username else 0
        fc.logout()
        if st.json:
            st.emit({"logged_out": True, "outbox": left})
        else:
            st.console.print(_("Logged out."))
            if left:
                st.console.print(
                    _("{n} item(s) are kept on this device and go with the next sync.").format(
                        n=left
                    )
                )


@app.command()
def status(ctx: typer.Context) -> None:
    """Outbox size, last sync, records needing attention."""
    st = state(ctx)
    with handled(st), st.client() as fc:
        info = fc.status()
        if st.json:
            st.emit(info)
        else:
            table = Table(show_header=False)
            table.add_row(_("Account"), str(info["username"]))
            table.add_row(_("Server"), str(info["server_url"]))
            table.add_row(_("Logged in"), _("yes") if info["logged_in"] else _("no"))
            table.add_row(_("Waiting to be sent"), str(info["outbox"]))
            table.add_row(_("Last sync"), str(info["last_sync_at"] or _("never")))
            for name, count in sorted(info["records"].items()):
                table.add_row(_("Records: {state}").format(state=state_label(name)), str(count))
            table.add_row(_("Need attention"), str(info["needs_attention"]))
            st.console.print(table)
