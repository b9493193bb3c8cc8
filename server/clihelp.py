"""Shared by the server-side commands of the collection domains: act as one user's scope."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlmodel import Session, col, select

from server.auth.models import Role, User
from server.auth.scope import Principal
from server.auth.service import load_principal
from server.config import Settings
from server.db import make_engine
from server.errors import DomainError

console = Console()


@contextmanager
def as_user(username: str | None) -> Iterator[tuple[Session, Principal]]:
    """A session and the principal of ``username`` (default: the first active admin).
    Domain errors print in red and exit 1; nothing is committed unless the body commits."""
    try:
        settings = Settings()
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    engine = make_engine(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            stmt = select(User).where(col(User.is_active).is_(True))
            if username:
                stmt = stmt.where(User.username == username)
            else:
                stmt = stmt.where(User.role == Role.ADMIN.value).order_by(col(User.id))
            user = session.exec(stmt).first()
            if user is None:
                console.print(f"[red]không có người dùng {username or '(quản trị)'}[/red]")
                raise typer.Exit(1)
            yield session, load_principal(session, user, device_id=None, session_id=None)
    except DomainError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
