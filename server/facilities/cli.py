"""``enroll-server facilities``: import and list a province's initial health facilities."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from server.clihelp import as_user, console
from server.facilities import service

app = typer.Typer(
    help="Initial registered health facilities (nơi đăng ký KCB ban đầu) per province.",
    no_args_is_help=True,
)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8) or XLSX, header in row 1.")],
    province: Annotated[int, typer.Option("--province", help="Province code, e.g. 66.")],
    dry_run: Annotated[bool, typer.Option(help="Check only; apply nothing.")] = False,
    username: Annotated[
        str | None, typer.Option("--as", help="Act as this admin (default: the first admin).")
    ] = None,
) -> None:
    """Replace the province's facility list with the file's: every row valid, or nothing."""
    try:
        content = file.read_bytes()
    except OSError as exc:
        console.print(f"[red]không đọc được {file}: {exc}[/red]")
        raise typer.Exit(2) from exc
    with as_user(username) as (session, principal):
        report = service.import_facilities(
            session,
            principal=principal,
            province_code=province,
            filename=file.name,
            content=content,
            dry_run=dry_run,
        )
        if report.written:
            session.commit()
        else:
            session.rollback()
    if not report.valid:
        table = Table("dòng", "cột", "lỗi", title="Chưa áp dụng gì")
        for e in report.errors:
            table.add_row(str(e.row), e.column, e.reason)
        console.print(table)
        raise typer.Exit(1)
    if dry_run:
        console.print(f"{report.rows} dòng hợp lệ; chưa áp dụng (chạy thử).")
        return
    console.print(
        f"Tỉnh {province}: {report.created} cơ sở mới, {report.updated} cập nhật, "
        f"{report.unchanged} không đổi, {report.deactivated} ngừng dùng."
    )


@app.command("list")
def list_command(
    username: Annotated[
        str | None, typer.Option("--as", help="Act as this user (default: the first admin).")
    ] = None,
) -> None:
    """The active facilities of the user's province."""
    with as_user(username) as (session, principal):
        rows = service.list_facilities(session, principal=principal)
        table = Table("mã", "tên", "loại hình", "tuyến", title=f"Tỉnh {principal.province_code}")
        for f in rows:
            table.add_row(f.code, f.name, f.kind, f.level)
    console.print(table)
