"""login, logout, status."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from client_sdk.cli.common import handled, state

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
                f"Logged in as [bold]{me['full_name']}[/bold] ({me['role']}), "
                f"device {me['device_id']}."
            )
            st.console.print(
                "Run `enroll-agent sync` to fetch policy tables, targets and receipts."
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
            st.console.print("Logged out.")
            if left:
                st.console.print(f"{left} unsent item(s) kept; they go with the next sync.")


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
            table.add_row("account", str(info["username"]))
            table.add_row("server", str(info["server_url"]))
            table.add_row("logged in", "yes" if info["logged_in"] else "no")
            table.add_row("outbox (unsent)", str(info["outbox"]))
            table.add_row("last sync", str(info["last_sync_at"] or "never"))
            for name, count in sorted(info["records"].items()):
                table.add_row(f"records {name}", str(count))
            table.add_row("need attention", str(info["needs_attention"]))
            st.console.print(table)
