"""``enroll-agent``: the field agent's command line.

Exit codes: 0 ok; 1 error; 2 invalid input; 3 login needed or not allowed; 4 server
unreachable (everything is kept; sync later); 5 conflict; 6 sync finished with records
needing attention (conflict or rejected).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from client_sdk.cli import account, household, info, records, sync
from client_sdk.cli.common import DEFAULT_DATA_DIR, DEFAULT_SERVER, State
from client_sdk.i18n import activate

app = typer.Typer(
    help="Record sign-ups offline and sync them (field agents).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    server: Annotated[
        str, typer.Option(envvar="FIELD_ENROLL_SERVER", help="Server URL.")
    ] = DEFAULT_SERVER,
    data_dir: Annotated[
        Path, typer.Option(envvar="FIELD_ENROLL_DATA_DIR", help="Where this device keeps its data.")
    ] = DEFAULT_DATA_DIR,
    json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    retries: Annotated[
        int,
        typer.Option(
            min=1,
            max=20,
            envvar="FIELD_ENROLL_RETRIES",
            help="Attempts per request on a bad network.",
        ),
    ] = 6,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="vi (default) or en; else from FIELD_ENROLL_LANG or LANG."),
    ] = None,
) -> None:
    activate(lang)
    ctx.obj = State(
        server=server,
        data_dir=data_dir.expanduser(),
        json=json,
        console=Console(highlight=False),
        retries=retries,
    )


for group in (account.app, records.app, household.app, sync.app, info.app):
    app.registered_commands.extend(group.registered_commands)
app.add_typer(info.receipts_app, name="receipts")

__all__ = ["app"]
