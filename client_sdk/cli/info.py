"""targets, renewals, receipts (and receipts void)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from client_sdk.cli.common import handled, state, vnd
from client_sdk.client import VN_TZ
from enroll_common.periods import Period, parse_period

app = typer.Typer()
receipts_app = typer.Typer(
    help="My receipt blocks, used and voided numbers.", invoke_without_command=True
)


def _achieved(records: list[Any], period: Period, t: dict[str, Any]) -> int:
    total = 0
    seen: set[str] = set()
    for r in records:
        if r.state not in ("pending", "approved"):
            continue
        body = r.body
        if body["scheme"] != t.get("scheme"):
            continue
        if t.get("kind") not in (None, "all") and body.get("kind") != t.get("kind"):
            continue
        if not period.contains(date.fromisoformat(body["payment_date"])):
            continue
        if t.get("metric") == "amount_vnd":
            total += int(body["amount_collected_vnd"])
        elif body["person"]["citizen_id"] not in seen:
            seen.add(body["person"]["citizen_id"])
            total += 1
    return total


@app.command()
def targets(ctx: typer.Context) -> None:
    """My progress against my targets this month, quarter and year (from synced data)."""
    st = state(ctx)
    with handled(st), st.client() as fc:
        today = datetime.now(VN_TZ).date()
        mine = [t for t in fc.targets() if t.get("user_id") in (None, fc.me.get("id"))]
        records = fc.records()
        rows = []
        for t in mine:
            period = parse_period(str(t["period"]))
            if not period.contains(today):
                continue
            achieved = _achieved(records, period, t)
            value = int(t["value"])
            rows.append(
                {
                    **t,
                    "achieved": achieved,
                    "percent": round(100 * achieved / value, 1) if value else None,
                    "shortfall": max(0, value - achieved),
                }
            )
        if st.json:
            st.emit(rows)
            return
        table = Table(title="Chỉ tiêu / my targets")
        for col in ("period", "scheme", "kind", "metric", "target", "achieved", "%", "short"):
            table.add_column(col)
        for r in rows:
            money = r.get("metric") == "amount_vnd"
            table.add_row(
                str(r["period"]),
                str(r["scheme"]),
                str(r.get("kind", "all")),
                str(r.get("metric")),
                vnd(r["value"]) if money else f"{r['value']:,}",
                vnd(r["achieved"]) if money else f"{r['achieved']:,}",
                f"{r['percent']}%" if r["percent"] is not None else "—",
                vnd(r["shortfall"]) if money else f"{r['shortfall']:,}",
            )
        st.console.print(table)
        if not rows:
            st.console.print(
                "No targets for the current period on this device; sync to fetch them."
            )


@app.command()
def renewals(
    ctx: typer.Context,
    within: Annotated[int, typer.Option("--within", min=1, max=366, help="Days ahead.")] = 30,
) -> None:
    """People in my area whose coverage ends within N days."""
    st = state(ctx)
    with handled(st), st.client() as fc:
        due = fc.renewals(within)
        if st.json:
            st.emit(due)
            return
        table = Table(title=f"Đến hạn gia hạn / due within {within} days: {len(due)}")
        for col in ("name", "citizen id", "scheme", "household", "coverage end"):
            table.add_column(col)
        for p in due:
            table.add_row(
                str(p.get("full_name")),
                str(p.get("citizen_id")),
                str(p.get("scheme")),
                str(p.get("household_code") or ""),
                str(p.get("coverage_end")),
            )
        st.console.print(table)


@receipts_app.callback()
def receipts(ctx: typer.Context) -> None:
    """Show my blocks, used and voided numbers."""
    if ctx.invoked_subcommand:
        return
    st = state(ctx)
    with handled(st), st.client() as fc:
        summary = fc.receipts()
        if st.json:
            st.emit(
                {
                    "blocks": summary.blocks,
                    "used": summary.used,
                    "voided": summary.voided,
                    "remaining": summary.remaining,
                }
            )
            return
        table = Table(title="Quyển biên lai / receipt blocks")
        for col in ("block", "from", "to"):
            table.add_column(col)
        for b in summary.blocks:
            table.add_row(str(b["id"]), str(b["first_number"]), str(b["last_number"]))
        st.console.print(table)
        st.console.print(
            f"Used: {len(summary.used)}  Voided: {len(summary.voided)}  "
            f"Remaining: {summary.remaining}"
        )
        for number, reason in summary.voided:
            st.console.print(f"  void {number}: {reason}")


@receipts_app.command("void")
def void(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(help="The spoiled receipt number")],
    reason: Annotated[str, typer.Option(help="Why it is void (torn, misprinted…)")],
) -> None:
    """Void a spoiled receipt (sent at the next sync)."""
    st = state(ctx)
    with handled(st), st.client() as fc:
        fc.void_receipt(number, reason)
        if st.json:
            st.emit({"voided": number, "reason": reason})
        else:
            st.console.print(f"Receipt {number} voided; the server learns at the next sync.")
