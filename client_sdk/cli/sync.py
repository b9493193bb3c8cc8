"""sync: push the outbox, pull changes, show what happened."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from client_sdk.cli.common import EXIT_INCOMPLETE, EXIT_NETWORK, handled, state, vnd
from client_sdk.models import SyncProgress, SyncReport

app = typer.Typer()


@app.command()
def sync(
    ctx: typer.Context,
    batch_size: Annotated[int, typer.Option(min=1, max=500, help="Records per request.")] = 100,
) -> None:
    """Upload everything recorded offline, then download policy, targets, roster, decisions."""
    st = state(ctx)
    with handled(st), st.client() as fc:
        if st.json:
            report = fc.sync(batch_size=batch_size)
        else:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=st.console,
            ) as bars:
                push = bars.add_task("Gửi / push", total=None)
                pull = bars.add_task("Nhận / pull", total=None)

                def on_start(n: int) -> None:
                    bars.update(push, total=n)

                def on_batch(n: int) -> None:
                    bars.advance(push, n)

                def on_page(n: int, more: bool) -> None:
                    bars.advance(pull, n)
                    if not more:
                        done = bars.tasks[pull].completed
                        bars.update(pull, total=done)

                def on_retry(attempt: int, delay: float, why: str) -> None:
                    st.console.print(f"[yellow]{why}: retry {attempt} in {delay:.1f}s[/yellow]")

                report = fc.sync(
                    SyncProgress(on_start, on_batch, on_page, on_retry), batch_size=batch_size
                )
        _show(st, report)
    if report.stopped_reason:
        raise typer.Exit(EXIT_NETWORK)
    if report.counts.get("conflict") or report.counts.get("rejected"):
        raise typer.Exit(EXIT_INCOMPLETE)


def _show(st: object, report: SyncReport) -> None:
    from client_sdk.cli.common import State

    assert isinstance(st, State)
    if st.json:
        st.emit(
            {
                "pushed": report.pushed,
                "counts": report.counts,
                "pulled": report.pulled,
                "voids_sent": report.voids_sent,
                "left_in_outbox": report.left_in_outbox,
                "stopped_reason": report.stopped_reason,
                "results": report.results,
            }
        )
        return
    table = Table(title="Kết quả / results")
    for col in ("record", "status", "amount", "adjustment", "code / reason"):
        table.add_column(col)
    for r in report.results:
        acc = r.get("accepted") or {}
        reason = acc.get("verification_code") or r.get("reason") or ""
        if r.get("errors"):
            reason = "; ".join(f"{e['field']}: {e['message']}" for e in r["errors"])
        table.add_row(
            str(r.get("id") or "")[:8],
            r["status"],
            vnd(acc.get("amount_vnd")) if acc else "",
            vnd(acc.get("adjustment_vnd")) if acc and acc.get("adjustment_vnd") else "",
            str(reason),
        )
    if report.results:
        st.console.print(table)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items())) or "nothing to send"
    st.console.print(f"Pushed {report.pushed} ({summary}); pulled {report.pulled} change(s).")
    if report.stopped_reason:
        st.console.print(f"[red]Stopped:[/red] {report.stopped_reason}")
        st.console.print(f"{report.left_in_outbox} item(s) kept in the outbox for the next sync.")
