"""record, list, show, fix."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from client_sdk.cli.common import handled, state, vnd
from client_sdk.client import FieldClient
from client_sdk.models import LocalRecord
from enroll_common import Quote

app = typer.Typer()

Opt = typer.Option


def _ask(
    value: Any, label: str, *, default: Any = None, interactive: bool, type_: Any = str
) -> Any:
    if value is not None:
        return value
    if not interactive:
        return default
    return typer.prompt(label, default=default, type=type_)


def _quote_table(q: Quote, collected: int | None = None) -> Table:
    table = Table(title="Số tiền / Amount", show_header=False)
    for line in q.lines:
        table.add_row(line.label, vnd(line.amount_vnd))
    table.add_row("[bold]Phải thu / to collect[/bold]", f"[bold]{vnd(q.net_vnd)}[/bold]")
    if collected is not None and collected != q.net_vnd:
        table.add_row("Đã thu / collected", vnd(collected))
    table.add_row("Hiệu lực / coverage", f"{q.coverage_start:%d/%m/%Y} – {q.coverage_end:%d/%m/%Y}")
    return table


@app.command()
def record(
    ctx: typer.Context,
    scheme: Annotated[str | None, Opt(help="voluntary_si or household_hi")] = None,
    name: Annotated[str | None, Opt(help="Full name")] = None,
    dob: Annotated[str | None, Opt(help="Date of birth YYYY-MM-DD")] = None,
    sex: Annotated[str | None, Opt(help="male or female")] = None,
    citizen_id: Annotated[str | None, Opt(help="12-digit citizen ID (CCCD)")] = None,
    si_code: Annotated[str | None, Opt(help="10-digit social insurance code")] = None,
    phone: Annotated[str | None, Opt()] = None,
    commune: Annotated[int | None, Opt(help="Commune code of residence")] = None,
    address: Annotated[str | None, Opt()] = None,
    household: Annotated[str | None, Opt(help="Household code (household_hi)")] = None,
    ordinal: Annotated[
        int | None, Opt(help="Member ordinal in the household (default: from roster)")
    ] = None,
    income: Annotated[int | None, Opt(help="Chosen monthly income in VND (voluntary_si)")] = None,
    group: Annotated[
        list[str] | None, Opt(help="Support group (poor, near_poor, ethnic_minority, other)")
    ] = None,
    months: Annotated[int | None, Opt(help="Months paid")] = None,
    payment_date: Annotated[str | None, Opt(help="YYYY-MM-DD (default today)")] = None,
    kind: Annotated[str | None, Opt(help="new or renewal")] = None,
    collected: Annotated[
        int | None, Opt(help="Amount collected (default: the computed amount)")
    ] = None,
    point: Annotated[int | None, Opt(help="Collection point id (if you work at several)")] = None,
    yes: Annotated[bool, Opt("--yes", "-y", help="Save without asking")] = False,
    no_input: Annotated[bool, Opt("--no-input", help="Never prompt (scripts)")] = False,
) -> None:
    """Record a sign-up offline: shows the amount breakdown, then saves and queues it."""
    st = state(ctx)
    interactive = not no_input
    with handled(st), st.client() as fc:
        scheme = _ask(
            scheme,
            "Scheme (voluntary_si/household_hi)",
            default="household_hi",
            interactive=interactive,
        )
        data: dict[str, Any] = {
            "scheme": scheme,
            "kind": _ask(kind, "New or renewal", default="new", interactive=interactive),
            "person": {
                "full_name": _ask(name, "Full name", interactive=interactive),
                "date_of_birth": _ask(dob, "Date of birth (YYYY-MM-DD)", interactive=interactive),
                "sex": _ask(sex, "Sex (male/female)", default="female", interactive=interactive),
                "citizen_id": _ask(citizen_id, "Citizen ID (12 digits)", interactive=interactive),
                "commune_code": _ask(
                    commune,
                    "Commune code",
                    default=_default_commune(fc),
                    interactive=interactive,
                    type_=int,
                ),
                "address": _ask(address, "Address", default="", interactive=interactive),
            },
            "months": _ask(months, "Months", default=12, interactive=interactive, type_=int),
        }
        if si_code:
            data["person"]["si_code"] = si_code
        if phone:
            data["person"]["phone"] = phone
        if payment_date:
            data["payment_date"] = payment_date
        if point is not None:
            data["point_id"] = point
        if scheme == "household_hi":
            code = _ask(household, "Household code", interactive=interactive)
            pay_day = date.fromisoformat(payment_date) if payment_date else date.today()
            suggested = (
                fc.household_ordinal(code, pay_day, data["person"]["citizen_id"]) if code else 1
            )
            data["household"] = {
                "code": code,
                "ordinal": _ask(
                    ordinal, "Member ordinal", default=suggested, interactive=interactive, type_=int
                ),
            }
        else:
            data["monthly_income_vnd"] = _ask(
                income,
                "Monthly income (VND)",
                default=1_500_000,
                interactive=interactive,
                type_=int,
            )
            data["support_groups"] = group or [
                _ask(None, "Support group", default="other", interactive=interactive)
            ]
        draft = fc.build_record(data)
        priced = fc.quote_for(draft)
        if not st.json:
            st.console.print(_quote_table(priced, collected))
        if not yes and not no_input and not typer.confirm("Save this sign-up?", default=True):
            raise typer.Exit(1)
        rec = fc.record(data, collected_vnd=collected)
        if st.json:
            st.emit(_public(rec))
        else:
            st.console.print(
                f"Saved [bold]{rec.id[:8]}[/bold], receipt no. {rec.body['receipt_number']}, "
                f"collect {vnd(rec.body['amount_collected_vnd'])}. Queued for the next sync."
            )


def _default_commune(fc: FieldClient) -> int | None:
    communes = fc.me.get("commune_codes") or []
    return int(communes[0]) if communes else None


def _public(rec: LocalRecord) -> dict[str, Any]:
    return {
        "id": rec.id,
        "rev": rec.rev,
        "state": rec.state,
        "record": rec.body,
        "quote": rec.quote,
        "server": rec.result,
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
    }


@app.command("list")
def list_records(
    ctx: typer.Context,
    status: Annotated[
        str | None, Opt(help="queued, pending, approved, returned, rejected, conflict…")
    ] = None,
) -> None:
    """List the records on this device."""
    st = state(ctx)
    with handled(st), st.client() as fc:
        rows = fc.records(status)
        if st.json:
            st.emit([_public(r) for r in rows])
            return
        table = Table(title=f"{len(rows)} record(s)")
        for col in ("id", "rev", "state", "scheme", "name", "receipt", "amount", "captured"):
            table.add_column(col)
        for r in rows:
            table.add_row(
                r.id[:8],
                str(r.rev),
                r.state,
                r.body["scheme"],
                r.person_name,
                str(r.body["receipt_number"]),
                vnd(r.body["amount_collected_vnd"]),
                str(r.body["captured_at"])[:16],
            )
        st.console.print(table)


@app.command()
def show(
    ctx: typer.Context, record_id: Annotated[str, typer.Argument(help="Id or its first characters")]
) -> None:
    """Show one record, its amount breakdown and the server's answer."""
    st = state(ctx)
    with handled(st), st.client() as fc:
        rec = fc.get(record_id)
        if st.json:
            st.emit(_public(rec))
            return
        st.console.print(f"[bold]{rec.person_name}[/bold]  {rec.id}  rev {rec.rev}  [{rec.state}]")
        q = rec.quote
        table = Table(show_header=False)
        for line in q["lines"]:
            table.add_row(line["label"], vnd(line["amount_vnd"]))
        table.add_row("coverage", f"{q['coverage_start']} – {q['coverage_end']}")
        st.console.print(table)
        if rec.result:
            acc = rec.result.get("accepted") or {}
            if acc:
                st.console.print(
                    f"Server: {vnd(acc.get('amount_vnd'))}, "
                    f"adjustment {vnd(acc.get('adjustment_vnd'))}, "
                    f"code [bold]{acc.get('verification_code')}[/bold], flags {acc.get('flags')}"
                )
            for err in rec.result.get("errors") or []:
                st.console.print(f"[red]{err['field']}[/red]: {err['message']}")
            if rec.result.get("detail"):
                st.console.print(f"Server said: {rec.result['detail']}")
            review = rec.result.get("review")
            if review:
                st.console.print(f"Review: {review.get('status')} — {review.get('reason') or ''}")


@app.command()
def fix(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument()],
    set_: Annotated[
        list[str] | None, Opt("--set", help="field=value, e.g. person.citizen_id=0661… or months=6")
    ] = None,
) -> None:
    """Correct a returned, rejected or conflicting record (a new revision is queued)."""
    st = state(ctx)
    changes: dict[str, Any] = {}
    for item in set_ or []:
        key, _, raw = item.partition("=")
        if not key or not _:
            st.console.print(f"[red]--set wants field=value, got {item!r}[/red]")
            raise typer.Exit(2)
        value: Any = (
            int(raw)
            if raw.isdigit() and not key.endswith(("citizen_id", "si_code", "phone"))
            else raw
        )
        target = changes
        parts = key.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    with handled(st), st.client() as fc:
        rec = fc.fix(record_id, changes)
        if st.json:
            st.emit(_public(rec))
        else:
            st.console.print(
                f"Queued revision {rec.rev} of {rec.id[:8]} "
                f"({vnd(rec.body['amount_collected_vnd'])})."
            )
