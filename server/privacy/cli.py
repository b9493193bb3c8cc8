"""``enroll-server purge`` and ``enroll-server person export|correct``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from server.config import Settings
from server.db import make_engine, session_scope
from server.errors import DomainError
from server.privacy import person
from server.privacy.retention import purge as run_purge

console = Console()
person_app = typer.Typer(help="A person's data: export it, correct it.", no_args_is_help=True)


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        console.print(f"[red]Cấu hình không hợp lệ (invalid settings):[/red] {exc}")
        raise typer.Exit(2) from exc


def purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count only; change nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Apply the retention limits (see docs/privacy.md) and report what was removed."""
    settings = _settings()
    engine = make_engine(settings)
    try:
        with session_scope(engine) as session:
            report = run_purge(session, settings, dry_run=dry_run)
            if dry_run:
                session.rollback()
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    labels = {
        "rejected_sign_ups_redacted": "Hồ sơ bị từ chối đã xoá thông tin cá nhân",
        "revisions_redacted": "Bản gửi đã xoá thông tin cá nhân",
        "sessions_deleted": "Phiên đăng nhập đã xoá",
        "refresh_tokens_deleted": "Mã làm mới đã xoá",
        "provisioning_codes_deleted": "Mã cấp thiết bị đã xoá",
        "login_throttle_rows_deleted": "Bản ghi chặn đăng nhập (địa chỉ IP) đã xoá",
    }
    title = "Thử (không thay đổi gì)" if dry_run else "Đã áp dụng thời hạn lưu trữ"
    console.print(f"[bold]{title}[/bold]")
    for key, label in labels.items():
        console.print(f"  {label}: {getattr(report, key)}")


@person_app.command("export")
def export(
    citizen_id: Annotated[str, typer.Option(help="The person's 12-digit citizen id.")],
    out: Annotated[
        Path, typer.Option(help="Output path without extension; .json and .xlsx are written.")
    ] = Path("person-export"),
) -> None:
    """Everything held about one person, as JSON and XLSX (a data-subject request)."""
    if not (citizen_id.isdigit() and len(citizen_id) == 12):
        console.print("[red]Số định danh phải có 12 chữ số (citizen id: 12 digits).[/red]")
        raise typer.Exit(2)
    settings = _settings()
    engine = make_engine(settings)
    try:
        with session_scope(engine) as session:
            data = person.person_data(session, citizen_id=citizen_id)
    finally:
        engine.dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    json_path, xlsx_path = out.with_suffix(".json"), out.with_suffix(".xlsx")
    json_path.write_bytes(person.to_json(data))
    xlsx_path.write_bytes(person.to_xlsx(data))
    counts = ", ".join(f"{len(data[k])} {k}" for k in person.SHEETS)
    console.print(f"Đã xuất ({counts}) vào {json_path} và {xlsx_path}.")


@person_app.command("correct")
def correct(
    enrollment_id: Annotated[str, typer.Option(help="The sign-up to correct.")],
    field: Annotated[str, typer.Option(help="phone or address.")],
    value: Annotated[str, typer.Option(help="The corrected value.")],
    reason: Annotated[str, typer.Option(help="Why (e.g. the person's request of <date>).")],
) -> None:
    """Correct a contact detail at the person's request (audited)."""
    settings = _settings()
    engine = make_engine(settings)
    try:
        with session_scope(engine) as session:
            person.correct(
                session, enrollment_id=enrollment_id, field=field, value=value, reason=reason
            )
    except DomainError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    console.print(f"Đã sửa {field} của hồ sơ {enrollment_id}.")
