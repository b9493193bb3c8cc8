"""targets, renewals, receipts (and receipts void)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from client_sdk.cli.common import handled, state, vnd
from client_sdk.client import VN_TZ, FieldClient
from client_sdk.i18n import _, current_language
from enroll_common.glossary import term
from enroll_common.periods import parse_period

app = typer.Typer()
receipts_app = typer.Typer(
    help="My receipt blocks, used and voided numbers.", invoke_without_command=True
)


def local_time(stamp: str) -> str:
    """A stored UTC timestamp as the agent reads it: Vietnam time, ``HH:MM dd/mm/yyyy``."""
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")


def target_rows(fc: FieldClient, today: date) -> list[dict[str, Any]]:
    """My targets and my point's for the periods running today, with the server's count
    (fetched at the last sync), what is still waiting on this device, and the pace."""
    me = fc.me
    progress = fc.progress()
    queued = fc.records("queued")
    rows = []
    for t in fc.targets():
        period = parse_period(str(t["period"]))
        if not period.contains(today):
            continue
        mine = t.get("agent_id") is not None
        if mine and t.get("agent_id") != me.get("id"):
            continue
        level = "agent" if mine else "point"
        unit = me.get("id") if mine else t.get("point_id")
        found = next(
            (
                p
                for p in progress["rows"]
                if p.get("level") == level
                and p.get("unit_id") == unit
                and p.get("period") == str(t["period"])
                and p.get("scheme") == t.get("scheme")
                and p.get("kind") == (t.get("kind") or "all")
            ),
            None,
        )
        money = t.get("metric") == "amount_vnd"
        achieved = None
        if found is not None:
            achieved = int(found["amount_vnd"] if money else found["achieved"])
        waiting = sum(
            (int(r.body["amount_collected_vnd"]) if money else 1)
            for r in queued
            if r.body["scheme"] == t.get("scheme")
            and period.contains(date.fromisoformat(r.body["payment_date"]))
            and (mine or r.body.get("point_id") == t.get("point_id"))
        )
        value = int(t["value"])
        elapsed = (today - period.start).days + 1
        length = (period.end - period.start).days  # end is exclusive
        expected = value * elapsed // length
        rows.append(
            {
                **t,
                "whose": "mine" if mine else "point",
                "achieved": achieved,
                "waiting_on_device": waiting,
                "expected_by_today": expected,
                "ahead_of_pace": None if achieved is None else achieved - expected,
                "as_of": progress.get("as_of"),
            }
        )
    return sorted(rows, key=lambda r: (str(r["period"]), r["whose"] != "mine", r["scheme"]))


@app.command()
def targets(ctx: typer.Context) -> None:
    """My targets and my point's for this month, quarter and year, counted as the server
    counts them (at the last sync), with the pace."""
    st = state(ctx)
    with handled(st), st.client() as fc:
        rows = target_rows(fc, datetime.now(VN_TZ).date())
        if st.json:
            st.emit(rows)
            return
        table = Table(title=_("Targets"))
        for col in ("Period", "Whose", "Scheme", "Target", "Achieved", "Not sent", "Pace"):
            table.add_column(_(col))
        for r in rows:
            money = r.get("metric") == "amount_vnd"

            def fmt(n: int | None, money: bool = money) -> str:
                if n is None:
                    return "—"
                return vnd(n) if money else f"{n:,}".replace(",", ".")

            ahead = r["ahead_of_pace"]
            if ahead is None:
                pace = _("sync to see")
            elif ahead >= 0:
                pace = _("on pace (+{n})").format(n=fmt(ahead))
            else:
                pace = _("behind by {n}").format(n=fmt(-ahead))
            table.add_row(
                str(r["period"]),
                _("Mine") if r["whose"] == "mine" else _("My point"),
                term("scheme", str(r["scheme"]), current_language()),
                fmt(int(r["value"])),
                fmt(r["achieved"]),
                fmt(r["waiting_on_device"]),
                pace,
            )
        st.console.print(table)
        if rows and rows[0]["as_of"]:
            st.console.print(
                _("Counted by the server at {when}.").format(when=local_time(rows[0]["as_of"]))
            )
        if not rows:
            st.console.print(
                _("No targets for the current period on this device; sync to fetch them.")
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
        table = Table(
            title=_("Due for renewal within {days} days: {n}").format(days=within, n=len(due))
        )
        for col in ("Name", "Citizen ID", "Scheme", "Household", "Cover until"):
            table.add_column(_(col))
        for p in due:
            table.add_row(
                str(p.get("full_name")),
                str(p.get("citizen_id")),
                term("scheme", str(p.get("scheme")), current_language()),
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
        table = Table(title=_("Receipt blocks"))
        for col in ("Block", "From", "To"):
            table.add_column(_(col))
        for b in summary.blocks:
            table.add_row(str(b["id"]), str(b["first_number"]), str(b["last_number"]))
        st.console.print(table)
        st.console.print(
            _("Used: {used}  Voided: {voided}  Remaining: {left}").format(
                used=len(summary.used), voided=len(summary.voided), left=summary.remaining
            )
        )
        for number, reason in summary.voided:
            st.console.print(
                "  " + _("void {number}: {reason}").format(number=number, reason=reason)
            )


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
            st.console.print(
                _("Receipt {number} voided; the server learns at the next sync.").format(
                    number=number
                )
            )
