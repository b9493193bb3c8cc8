"""``enroll-server backup`` and ``restore``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from server.config import Settings
from server.ops.backup import BackupError
from server.ops.backup import backup as do_backup
from server.ops.backup import restore as do_restore

console = Console()


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        console.print(f"[red]Cấu hình không hợp lệ (invalid settings):[/red] {exc}")
        raise typer.Exit(2) from exc


def backup(
    dest: Annotated[Path, typer.Argument(help="Backup file to write (replaced atomically).")],
) -> None:
    """Take a consistent backup of the live database (the server may keep running)."""
    try:
        result = do_backup(_settings().database_url, dest)
    except BackupError as exc:
        console.print(f"[red]Sao lưu thất bại:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(
        f"Đã sao lưu ({result.kind}) vào {result.path}: "
        f"{result.bytes:,} byte trong {result.seconds:.1f} s."
    )


def restore(
    source: Annotated[Path, typer.Argument(help="Backup file written by `backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the database with a backup. Stop every server process first."""
    settings = _settings()
    if not yes:
        typer.confirm(
            f"Thay toàn bộ dữ liệu của {settings.database_url.split('@')[-1]} bằng {source}?",
            abort=True,
        )
    try:
        result = do_restore(settings.database_url, source)
    except BackupError as exc:
        console.print(f"[red]Khôi phục thất bại:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(
        f"Đã khôi phục ({result.kind}) từ {result.path} trong {result.seconds:.1f} s. "
        "Chạy `enroll-server migrate` nếu bản sao lưu cũ hơn phiên bản này."
    )
