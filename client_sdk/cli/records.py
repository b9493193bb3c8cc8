"""record, list, show, fix, withdraw, resolve."""

from __future__ import annotations

from typing import Annotated, Any

import click
import typer
from rich.table import Table

from client_sdk.cli.answers import BadAnswer, parse_money
from client_sdk.cli.common import handled, state, vnd
from client_sdk.cli.form import DRAFT, Form
from client_sdk.errors import ValidationError
from client_sdk.i18n import _
from client_sdk.models import LocalRecord
from client_sdk.records import state_label
from enroll_common import Quote

app = typer.Typer()

Opt = typer.Option


def _quote_table(q: Quote, collected: int | None = None) -> Table:
    table = Table(title=_("Amount"), show_header=False)
    for line in q.lines:
        table.add_row(line.label, vnd(line.amount_vnd))
    table.add_row(f"[bold]{_('To collect')}[/bold]", f"[bold]{vnd(q.net_vnd)}[/bold]")
    if collected is not None and collected != q.net_vnd:
        table.add_row(_("Collected"), vnd(collected))
    table.add_row(_("Coverage"), f"{q.coverage_start:%d/%m/%Y} – {q.coverage_end:%d/%m/%Y}")
    return table


@app.command()
def record(
    ctx: typer.Context,
    scheme: Annotated[str | None, Opt(help="household_hi, voluntary_si or supported_hi")] = None,
    name: Annotated[str | None, Opt(help="Full name")] = None,
    dob: Annotated[str | None, Opt(help="Date of birth dd/mm/yyyy or YYYY-MM-DD")] = None,
    sex: Annotated[str | None, Opt(help="male or female")] = None,
    citizen_id: Annotated[str | None, Opt(help="12-digit citizen ID (CCCD)")] = None,
    si_code: Annotated[str | None, Opt(help="10-digit social insurance code")] = None,
    phone: Annotated[str | None, Opt()] = None,
    commune: Annotated[int | None, Opt(help="Commune code of residence")] = None,
    address: Annotated[str | None, Opt()] = None,
    household: Annotated[str | None, Opt(help="Household code (household_hi)")] = None,
    ordinal: Annotated[
        int | None, Opt(help="Member number in the household (default: computed)")
    ] = None,
    income: Annotated[
        str | None, Opt(help="Chosen monthly income (2.000.000, 2tr…) (voluntary_si)")
    ] = None,
    group: Annotated[
        list[str] | None,
        Opt(
            help="Support group: poor, near_poor, ethnic_minority, other (voluntary_si); "
            "near_poor, farm_household, student, ethnic_minority_transition (supported_hi)"
        ),
    ] = None,
    evidence_kind: Annotated[
        str | None, Opt(help="Kind of the document proving the group (supported_hi)")
    ] = None,
    evidence_ref: Annotated[str | None, Opt(help="Number of that document")] = None,
    evidence_until: Annotated[
        str | None, Opt(help="Last day of support on that document, dd/mm/yyyy")
    ] = None,
    months: Annotated[int | None, Opt(help="Months paid")] = None,
    payment_date: Annotated[str | None, Opt(help="dd/mm/yyyy (default today)")] = None,
    kind: Annotated[str | None, Opt(help="new or renewal")] = None,
    collected: Annotated[
        str | None, Opt(help="Amount collected (default: the computed amount)")
    ] = None,
    point: Annotated[int | None, Opt(help="Collection point id (if you work at several)")] = None,
    facility: Annotated[
        str | None, Opt(help="Initial health facility code (HI; default: the one on file)")
    ] = None,
    resume: Annotated[bool, Opt("--resume", help="Continue the unfinished sign-up")] = False,
    yes: Annotated[bool, Opt("--yes", "-y", help="Save without asking")] = False,
    no_input: Annotated[bool, Opt("--no-input", help="Never prompt (scripts)")] = False,
) -> None:
    """Record a sign-up offline: asks each answer, shows the amount, saves and queues it."""
    st = state(ctx)
    interactive = not no_input
    with handled(st), st.client() as fc:
        fc.policy()  # no policy tables or no receipt number: say so before the first question
        fc.next_receipt_number()
        kept = fc.store.load_draft(DRAFT) if resume else None
        if resume and kept is None:
            st.console.print(_("There is no unfinished sign-up to resume."))
        answers: dict[str, Any] = dict(kept or {})
        given = {
            "scheme": scheme,
            "name": name,
            "dob": dob,
            "sex": sex,
            "citizen_id": citizen_id,
            "si_code": si_code,
            "phone": phone,
            "commune": commune,
            "address": address,
            "household": household,
            "ordinal": ordinal,
            "income": income,
            "months": months,
            "payment_date": payment_date,
            "kind": kind,
            "point": point,
            "facility": facility,
            "evidence_kind": evidence_kind,
            "evidence_reference": evidence_ref,
            "evidence_valid_until": evidence_until,
        }
        answers.update({k: v for k, v in given.items() if v is not None})
        if group:
            answers["groups"] = sorted(group)
            answers["group"] = group[0]
        if no_input and "payment_date" in answers:
            answers["payment_date_ok"] = True
        if no_input and household:
            answers["household_ok"] = True
        form = Form(fc, st, answers, interactive=interactive)
        try:
            data = form.collect()
            draft = fc.build_record(data)
            full, priced = fc.price(draft) if ordinal is None else (draft, fc.quote_for(draft))
            paid = parse_money(collected) if collected else None
            if not st.json:
                st.console.print(_quote_table(priced, paid))
            if (
                not yes
                and not no_input
                and not typer.confirm(_("Save this sign-up?"), default=True)
            ):
                st.console.print(
                    _("Not saved; the answers are kept: `enroll-agent record --resume`.")
                )
                raise typer.Exit(1)
        except (KeyboardInterrupt, click.exceptions.Abort, typer.Abort):
            if interactive:
                fc.store.save_draft(DRAFT, form.answers)
            st.console.print(
                "\n" + _("Stopped. Your answers are kept: `enroll-agent record --resume`.")
            )
            raise typer.Exit(130) from None
        except (ValidationError, BadAnswer):
            if interactive:
                fc.store.save_draft(DRAFT, form.answers)
                st.console.print(_("Your answers are kept: `enroll-agent record --resume`."))
            raise
        if full.household is not None and ordinal is None:
            data["household"]["ordinal"] = None  # the device computes the place when saving
        rec = fc.record(data, collected_vnd=paid)
        fc.store.delete_draft(DRAFT)
        if st.json:
            st.emit(_public(rec))
        else:
            st.console.print(
                _(
                    "Saved {id}, receipt no. {number}: collect {amount}. Queued for the next sync."
                ).format(
                    id=f"[bold]{rec.id[:8]}[/bold]",
                    number=rec.body["receipt_number"],
                    amount=vnd(rec.body["amount_collected_vnd"]),
                )
            )


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
    """List the records on this device (the server's amount once it answered)."""
    st = state(ctx)
    with handled(st), st.client() as fc:
        rows = fc.records(status)
        if st.json:
            st.emit([_public(r) for r in rows])
            return
        table = Table(title=_("{n} record(s)").format(n=len(rows)))
        for col in (
            _("Id"),
            _("Rev"),
            _("Status"),
            _("Name"),
            _("Receipt"),
            _("Amount"),
            _("Captured"),
        ):
            table.add_column(col)
        for r in rows:
            table.add_row(
                r.id[:8],
                str(r.rev),
                state_label(r.state),
                r.person_name,
                str(r.body["receipt_number"]),
                vnd(r.amount_vnd),
                str(r.body["captured_at"])[:16].replace("T", " "),
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
        st.console.print(
            f"[bold]{rec.person_name}[/bold]  {rec.id}  rev {rec.rev}  [{state_label(rec.state)}]"
        )
        q = rec.quote
        table = Table(show_header=False)
        for line in q["lines"]:
            table.add_row(line["label"], vnd(line["amount_vnd"]))
        table.add_row(_("Coverage"), f"{q['coverage_start']} – {q['coverage_end']}")
        st.console.print(table)
        result = rec.result or {}
        acc = result.get("accepted") or {}
        if acc:
            st.console.print(
                _("Server: {amount}, verification code {code}").format(
                    amount=vnd(acc.get("amount_vnd")),
                    code=f"[bold]{acc.get('verification_code')}[/bold]",
                )
            )
            adjustment = int(acc.get("adjustment_vnd") or 0)
            if adjustment:
                st.console.print(money_change(adjustment))
        for err in result.get("errors") or []:
            st.console.print(f"[red]{err['field']}[/red]: {err['message']}")
        if result.get("detail"):
            st.console.print(_("Server said: {detail}").format(detail=result["detail"]))
        review = result.get("review")
        if review:
            st.console.print(
                _("Review: {status} — {reason}").format(
                    status=state_label(str(review.get("status"))), reason=review.get("reason") or ""
                )
            )
        version = result.get("server_version")
        if rec.state == "conflict" and version:
            st.console.print(
                _("The server holds revision {rev} ({status}).").format(
                    rev=version.get("rev"), status=state_label(str(version.get("record_status")))
                )
            )
            st.console.print(
                _(
                    "Choose: `enroll-agent resolve {id} --take-server` or "
                    "`enroll-agent resolve {id} --send-mine`."
                ).format(id=rec.id[:8])
            )


def _changes(items: list[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not key or not sep:
            raise ValidationError(
                _("--set wants field=value, got {item}").format(item=item), field="set"
            )
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
    return changes


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
    with handled(st), st.client() as fc:
        rec = fc.fix(record_id, _changes(set_ or []))
        if st.json:
            st.emit(_public(rec))
        else:
            st.console.print(
                _("Queued revision {rev} of {id} ({amount}).").format(
                    rev=rec.rev, id=rec.id[:8], amount=vnd(rec.body["amount_collected_vnd"])
                )
            )


@app.command()
def withdraw(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument()],
    reason: Annotated[str, Opt(help="Why")] = "",
) -> None:
    """Take back an unsent, rejected or conflicting sign-up (an unsent one's receipt is voided)."""
    st = state(ctx)
    with handled(st), st.client() as fc:
        rec = fc.withdraw(record_id, reason)
        if st.json:
            st.emit(_public(rec))
        else:
            st.console.print(_("{id} withdrawn.").format(id=rec.id[:8]))


@app.command()
def resolve(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument()],
    take_server: Annotated[bool, Opt("--take-server", help="Keep the server's version")] = False,
    send_mine: Annotated[bool, Opt("--send-mine", help="Send mine as a correction")] = False,
) -> None:
    """A record in conflict: take the server's version, or send mine as a new revision."""
    st = state(ctx)
    with handled(st), st.client() as fc:
        if take_server == send_mine:
            raise ValidationError(_("Choose one: --take-server or --send-mine."), field="resolve")
        rec = fc.take_server_version(record_id) if take_server else fc.fix(record_id, {})
        if st.json:
            st.emit(_public(rec))
        else:
            st.console.print(
                _("{id}: {status}.").format(id=rec.id[:8], status=state_label(rec.state))
            )


def money_change(adjustment_vnd: int) -> str:
    """The server's amount minus what was collected, in words the agent can act on."""
    if adjustment_vnd > 0:
        return _("collect {amount} more").format(amount=vnd(adjustment_vnd))
    if adjustment_vnd < 0:
        return _("refund {amount}").format(amount=vnd(-adjustment_vnd))
    return ""
