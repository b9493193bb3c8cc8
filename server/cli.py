"""``enroll-server``: operate the server (serve, migrate, seed the demo, create users)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session, select

from server import launcher
from server import migrate as migrations
from server.auth.models import AgentPoint, CoordinatorCommune, Role, User
from server.auth.security import Passwords
from server.cli_support import require_database_file, require_schema
from server.config import Settings
from server.db import make_engine, session_scope
from server.demo import DEMO_PASSWORD, is_seeded, seed_demo
from server.facilities.cli import app as facilities_app
from server.filing.cli import app as filing_app
from server.followup.cli import follow_up_command
from server.ops.cli import backup as backup_command
from server.ops.cli import restore as restore_command
from server.org.cli import app as org_app
from server.org.models import CollectionPoint, Commune
from server.participants.cli import import_register_command
from server.policy.cli import app as policy_app
from server.privacy.cli import person_app
from server.privacy.cli import purge as purge_command
from server.reports.cli import report as report_command

app = typer.Typer(help="Operate the field-enroll server.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
app.add_typer(filing_app, name="filing")
app.add_typer(facilities_app, name="facilities")
app.add_typer(org_app, name="org")
app.command("follow-up")(follow_up_command)
app.command("report")(report_command)
app.command("backup")(backup_command)
app.command("restore")(restore_command)
app.command("purge")(purge_command)
app.add_typer(person_app, name="person")
app.command("import-register")(import_register_command)
console = Console()

HostOpt = Annotated[str, typer.Option(help="Address to listen on.", envvar="FIELD_ENROLL_HOST")]
PortOpt = Annotated[int, typer.Option(help="Port to listen on.", envvar="FIELD_ENROLL_PORT")]


def _settings() -> Settings:
    """Settings validated once; a bad value stops here with one line naming the variable."""
    try:
        return launcher.load_settings()
    except launcher.SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


def _serve(settings: Settings, host: str, port: int, workers: int) -> None:
    try:
        launcher.serve(settings, host=host, port=port, workers=workers)
    except launcher.SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@app.command()
def migrate() -> None:
    """Apply database migrations up to the newest revision."""
    settings = _settings()
    migrations.upgrade(settings.database_url)
    console.print(f"Database at revision [bold]{migrations.head_revision()}[/bold].")


@app.command()
def serve(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes.", envvar="FIELD_ENROLL_WORKERS")
    ] = 1,
) -> None:
    """Serve the API and dashboard (run `migrate` first)."""
    settings = _settings()
    require_database_file(settings)  # a wrong path must not start on a new, empty database
    _serve(settings, host, port, workers)


@app.command()
def demo(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Seed only.")] = False,
) -> None:
    """Migrate, seed the Đắk Lắk demo province (once), print the logins and serve."""
    settings = _settings()
    migrations.upgrade(settings.database_url)
    settings.resolved_secret()
    engine = make_engine(settings)
    with session_scope(engine) as session:
        if is_seeded(session):
            console.print("Demo data already present; keeping it.")
        else:
            with console.status("Seeding the demo province…"):
                seed_demo(session, Passwords(settings), secret=settings.resolved_secret())
            console.print("Seeded the Đắk Lắk demo province.")
        _print_logins(session)
    engine.dispose()
    console.print(f"\nDatabase: {settings.database_url}")
    console.print(f"Server:   [bold]http://{host}:{port}/[/bold]  (API docs at /docs)")
    if not no_serve:
        _serve(settings, host, port, 1)


def _print_logins(session: Session) -> None:
    table = Table(title=f"Demo logins (password for all: {DEMO_PASSWORD})")
    table.add_column("role")
    table.add_column("username")
    table.add_column("scope")
    for user in session.exec(select(User).order_by(User.id)).all():  # type: ignore[arg-type]
        if user.role == Role.ADMIN:
            scope = "whole province"
        elif user.role == Role.COORDINATOR:
            scope = ", ".join(
                c.name
                for c in session.exec(
                    select(Commune)
                    .join(CoordinatorCommune, CoordinatorCommune.commune_code == Commune.code)  # type: ignore[arg-type]
                    .where(CoordinatorCommune.user_id == user.id)
                ).all()
            )
        else:
            scope = ", ".join(
                p.code
                for p in session.exec(
                    select(CollectionPoint)
                    .join(AgentPoint, AgentPoint.point_id == CollectionPoint.id)  # type: ignore[arg-type]
                    .where(AgentPoint.user_id == user.id)
                ).all()
            )
        if user.role == Role.AGENT and not user.username.endswith(".1"):
            continue  # one agent per point is enough on screen
        table.add_row(user.role, user.username, scope)
    console.print(table)


@app.command("create-user")
def create_user(
    username: Annotated[str, typer.Option(help="Login name.")],
    role: Annotated[Role, typer.Option(help="admin, coordinator or agent.")],
    full_name: Annotated[str, typer.Option(help="Full name.")],
    province: Annotated[int, typer.Option(help="Province code.")] = 66,
    commune: Annotated[list[int] | None, typer.Option(help="Commune code (coordinators).")] = None,
    point: Annotated[list[str] | None, typer.Option(help="Collection point code (agents).")] = None,
    agent_code: Annotated[str | None, typer.Option(help="Agent code (agents).")] = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="FIELD_ENROLL_NEW_PASSWORD",
        ),
    ] = "",
) -> None:
    """Create a user from the command line (the first admin, typically)."""
    from enroll_common.text import normalize_name

    settings = _settings()
    require_schema(settings)
    if len(password) < 8:
        console.print("[red]password must be at least 8 characters[/red]")
        raise typer.Exit(2)
    engine = make_engine(settings)
    with session_scope(engine) as session:
        if session.exec(select(User).where(User.username == username)).first():
            console.print(f"[red]username {username!r} is taken[/red]")
            raise typer.Exit(1)
        user = User(
            username=username,
            full_name=normalize_name(full_name),
            role=role.value,
            province_code=province,
            agent_code=agent_code,
            password_hash=Passwords(settings).hash(password),
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        for code in commune or []:
            if session.get(Commune, code) is None:
                console.print(f"[red]unknown commune code {code}[/red]")
                raise typer.Exit(1)
            session.add(CoordinatorCommune(user_id=user.id, commune_code=code))
        for pcode in point or []:
            found = session.exec(
                select(CollectionPoint).where(CollectionPoint.code == pcode)
            ).first()
            if found is None or found.id is None:
                console.print(f"[red]unknown collection point {pcode!r}[/red]")
                raise typer.Exit(1)
            session.add(AgentPoint(user_id=user.id, point_id=found.id))
    engine.dispose()
    console.print(f"Created {role.value} [bold]{username}[/bold].")


if __name__ == "__main__":
    app()
