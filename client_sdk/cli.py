"""``enroll-agent``: the field agent's command line (grows with the client issue)."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Record sign-ups offline and sync them (field agents).", no_args_is_help=True
)


@app.command()
def version() -> None:
    """Print the client version."""
    from importlib.metadata import version as pkg_version

    typer.echo(pkg_version("field-enroll"))


if __name__ == "__main__":
    app()
