"""sync: push the outbox, pull changes, show what happened."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from client_sdk.cli.common import EXIT_INCOMPLETE, EXIT_NETWORK, State, handled, state, vnd
from client_sdk.cli.records import money_change
from client_sdk.i18n import _
from client_sdk.models import SyncProgress, SyncReport
from client_sdk.records import state_label

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
                push = bars.add_task(_("Sending"), total=None)
                pull = bars.add_task(_("Receiving"), total=None)

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
                    st.console.print(
                        "[yellow]"
                        + _("No answer yet; trying again ({attempt}) in {delay:.0f}s").format(
                            attempt=attempt, delay=delay
                        )
                        + "[/yellow]"
                    )

                report = fc.sync(
                    SyncProgress(on_start, on_batch, on_page, on_retry), batch_size=batch_size
                )
        _show(st, report)
    if report.stopped_reason:
        raise typer.Exit(EXIT_NETWORK)
    if report.counts.get("conflict") or report.counts.get("rejected"):
        raise typer.Exit(EXIT_INCOMPLETE)


def _show(st: State, report: SyncReport) -> None:
    if st.json:
        st.emit(
            {
                "pushed": report.pushed,
                "counts": report.counts,
                "pulled": report.pulled,
                "voids_sent": report.voids_sent,
                "left_in_outbox": report.left_in_outbox,
                "stopped_reason": report.stopped_reason,
                "unreachable": report.unreachable,
                "scope_changed": report.scope_changed,
                "results": report.results,
            }
        )
        return
    table = Table(title=_("Results"))
    for col in ("Name", "Status", "Amount", "Money", "Code / reason"):
        table.add_column(_(col))
    for r in report.results:
        acc = r.get("accepted") or {}
        reason = acc.get("verification_code") or r.get("detail") or ""
        if r.get("errors"):
            reason = "; ".join(f"{e['field']}: {e['message']}" for e in r["errors"])
        status = str(acc.get("record_status") or r["status"])
        if r["status"] == "conflict":
            status = "conflict"
        table.add_row(
            str(r.get("full_name") or str(r.get("id") or "")[:8]),
            state_label(status),
            vnd(acc.get("amount_vnd")) if acc else "",
            money_change(int(acc.get("adjustment_vnd") or 0)) if acc else "",
            str(reason),
        )
    if report.results:
        st.console.print(table)
    if report.scope_changed:
        st.console.print(_("Your area changed: its roster and targets were downloaded again."))
    st.console.print(
        _("Sent {pushed} sign-up(s), received {pulled} update(s).").format(
            pushed=report.pushed, pulled=report.pulled
        )
    )
    if report.stopped_reason:
        if report.unreachable:
            st.console.print(f"[red]{_('The server could not be reached.')}[/red]")
        else:
            st.console.print(f"[red]{_('The server did not finish the sync.')}[/red]")
        st.console.print(
            _("{n} item(s) are kept on this device and go with the next sync.").format(
                n=report.left_in_outbox
            )
        )
