"""The interactive sign-up form: each answer checked as it is typed, kept as a draft.

Every accepted answer is written to the device's draft at once, so an error, Ctrl-C or a
crash loses nothing: ``enroll-agent record --resume`` asks only what is still missing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import typer

from client_sdk.cli.answers import (
    KIND_CHOICES,
    SEX_CHOICES,
    SUPPORT_CHOICES,
    BadAnswer,
    evidence_choices,
    parse_choice,
    parse_choices,
    parse_citizen_id,
    parse_date,
    parse_household_code,
    parse_int,
    parse_money,
    parse_name,
    parse_required_text,
    scheme_choices,
    supported_group_choices,
)
from client_sdk.cli.common import State, vnd
from client_sdk.client import FieldClient
from client_sdk.errors import ValidationError
from client_sdk.i18n import _
from client_sdk.records import VN_TZ
from enroll_common.calculator import Scheme
from enroll_common.facilities import needs_facility, normalise_code
from enroll_common.schemes import HouseholdUse, rules

DRAFT = "record"
_LISTED_FACILITIES = 30  # a longer list is not printed: the agent types the code


class Form:
    """Collects the answers of one sign-up; ``answers`` is the draft (JSON-friendly)."""

    def __init__(
        self, fc: FieldClient, st: State, answers: dict[str, Any], *, interactive: bool
    ) -> None:
        self.fc = fc
        self.st = st
        self.answers = answers
        self.interactive = interactive

    def say(self, text: str) -> None:
        """Talk to the agent on the terminal; never into ``--json`` output."""
        if not self.st.json:
            self.st.console.print(text)

    # --- one question -------------------------------------------------------------------------

    def ask(
        self,
        key: str,
        label: str,
        parse: Callable[[str], Any],
        *,
        default: Any = None,
        field: str | None = None,
        choices: list[tuple[str, str]] | None = None,
    ) -> Any:
        """Return the kept answer, or ask until ``parse`` accepts one, then keep it."""
        if key in self.answers and self.answers[key] is not None:
            return self._checked(key, self.answers[key], parse, field)
        if not self.interactive:
            if default is None:
                raise ValidationError(
                    _("{label}: an answer is required.").format(label=label),
                    field=field or key,
                )
            return self._checked(key, default, parse, field)
        if choices:
            for i, (_value, text) in enumerate(choices, start=1):
                self.say(f"  {i}. {_(text)}")
        while True:
            shown_default = None if default is None else str(default)
            if choices and default is not None:
                values = [value for value, _text in choices]
                if default in values:
                    shown_default = str(values.index(default) + 1)
            text = typer.prompt(label, default=shown_default, show_default=True)
            try:
                value = parse(str(text))
            except BadAnswer as exc:
                self.say(f"[red]{exc}[/red]")
                continue
            self.answers[key] = value if not isinstance(value, date) else value.isoformat()
            self.fc.store.save_draft(DRAFT, self.answers)
            return value

    def _checked(self, key: str, raw: Any, parse: Callable[[str], Any], field: str | None) -> Any:
        try:
            return parse(str(raw)) if not isinstance(raw, list) else raw
        except BadAnswer as exc:
            if self.interactive:
                self.say(f"[red]{exc}[/red]")
                del self.answers[key]
                return None
            raise ValidationError(str(exc), field=field or key) from exc

    def confirm(self, question: str) -> bool:
        if not self.interactive:
            return True
        return bool(typer.confirm(question, default=False))

    # --- the whole form -----------------------------------------------------------------------

    def collect(self) -> dict[str, Any]:
        """Ask every missing answer and return the record's data for the SDK."""
        a = self._all()
        data: dict[str, Any] = {
            "scheme": a["scheme"],
            "kind": a["kind"],
            "person": {
                "full_name": a["name"],
                "date_of_birth": a["dob"].isoformat(),
                "sex": a["sex"],
                "citizen_id": a["citizen_id"],
                "commune_code": a["commune"],
                "address": a.get("address") or "",
            },
            "months": a["months"],
            "payment_date": a["payment_date"].isoformat(),
        }
        for key in ("si_code", "phone"):
            if self.answers.get(key):
                data["person"][key] = self.answers[key]
        if self.answers.get("point") is not None:
            data["point_id"] = int(self.answers["point"])
        if a.get("facility"):
            data["initial_facility_code"] = a["facility"]
        scheme = rules(a["scheme"])
        if scheme.household is HouseholdUse.RANKED:
            data["household"] = {"code": a["household"], "ordinal": a.get("ordinal")}
        if "monthly_income_vnd" in scheme.required_fields:
            data["monthly_income_vnd"] = a["income"]
        if scheme.support_groups:
            data["support_groups"] = a["groups"]
        if a.get("evidence_kind"):
            data["support_evidence"] = {
                "kind": a["evidence_kind"],
                "reference": a.get("evidence_reference") or "",
                "valid_until": a["evidence_valid_until"].isoformat()
                if a.get("evidence_valid_until")
                else None,
            }
        return data

    def _all(self) -> dict[str, Any]:
        a: dict[str, Any] = {}
        while True:  # a kept answer that no longer parses is asked again
            a["scheme"] = self.ask(
                "scheme",
                _("Scheme"),
                lambda t: parse_choice(t, scheme_choices()),
                default="household_hi",
                choices=scheme_choices(),
            )
            a["kind"] = self.ask(
                "kind",
                _("New or renewal"),
                lambda t: parse_choice(t, KIND_CHOICES),
                default="new",
                choices=KIND_CHOICES,
            )
            a["name"] = self.ask("name", _("Full name"), parse_name, field="person.full_name")
            a["dob"] = self.ask(
                "dob", _("Date of birth (dd/mm/yyyy)"), _birth_date, field="person.date_of_birth"
            )
            a["sex"] = self.ask(
                "sex",
                _("Sex"),
                lambda t: parse_choice(t, SEX_CHOICES),
                default="female",
                choices=SEX_CHOICES,
            )
            a["citizen_id"] = self.ask(
                "citizen_id",
                _("Citizen ID (CCCD, 12 digits)"),
                parse_citizen_id,
                field="person.citizen_id",
            )
            a["commune"] = self.ask(
                "commune",
                _("Commune code"),
                lambda t: parse_int(t, 1, 999_999),
                default=self._default_commune(),
                field="person.commune_code",
            )
            a["address"] = self.ask("address", _("Address"), str.strip, default="")
            a["payment_date"] = self._payment_date()
            a["months"] = self.ask(
                "months",
                _("Months paid"),
                lambda t: parse_int(t, 1, 120),
                default=12,
                field="months",
            )
            scheme = rules(a["scheme"])
            if scheme.household is HouseholdUse.RANKED:
                a["household"] = self._household()
                a["ordinal"] = self._ordinal(a)
            if scheme.scheme is Scheme.SUPPORTED_HI:
                a.update(self._supported())
            elif "monthly_income_vnd" in scheme.required_fields:
                a["income"] = self.ask(
                    "income",
                    _("Chosen monthly income (e.g. 2.000.000 or 2tr)"),
                    parse_money,
                    default="1.500.000",
                    field="monthly_income_vnd",
                )
                a["groups"] = self.ask(
                    "groups",
                    _("Support group (numbers, comma-separated)"),
                    lambda t: parse_choices(t, SUPPORT_CHOICES),
                    default="1",
                    field="support_groups",
                    choices=SUPPORT_CHOICES,
                )
            if needs_facility(a["scheme"]):
                a["facility"] = self._facility(a)
            optional = ("ordinal", "evidence_valid_until", "facility")
            if all(v is not None for k, v in a.items() if k not in optional):
                return a

    def _facility(self, a: dict[str, Any]) -> str | None:
        """The initial health facility, from the province's list pulled to the device; the
        default is the person's facility on file. Without a list (or, unattended, without a
        default) none is sent and the server keeps the one on file."""
        listed = self.fc.facilities()
        if not listed:
            return None
        codes = [str(f["code"]) for f in listed]
        previous = self.fc.previous_facility(a["citizen_id"], a["scheme"])
        default = previous if previous in codes else None
        if "facility" not in self.answers and default is None and not self.interactive:
            return None

        def parse(text: str) -> str:
            raw = text.strip()
            if raw.isdigit() and len(raw) <= 3 and 1 <= int(raw) <= len(codes):
                return codes[int(raw) - 1]
            code = normalise_code(raw)
            if code not in codes:
                raise BadAnswer(
                    _("{code} is not in the province's list of health facilities.").format(code=raw)
                )
            return code

        shown = [(str(f["code"]), f"{f['code']} {f.get('name') or ''}") for f in listed]
        return self.ask(  # type: ignore[no-any-return]
            "facility",
            _("Initial health facility (number or code)"),
            parse,
            default=default,
            field="initial_facility_code",
            choices=shown if len(shown) <= _LISTED_FACILITIES else None,
        )

    def _supported(self) -> dict[str, Any]:
        """The budget-supported group and the document that proves it."""
        groups = supported_group_choices()
        a: dict[str, Any] = {
            "groups": [
                self.ask(
                    "group",
                    _("Budget-supported group"),
                    lambda t: parse_choice(t, groups),
                    field="support_groups",
                    choices=groups,
                )
            ]
        }
        kinds = evidence_choices()
        a["evidence_kind"] = self.ask(
            "evidence_kind",
            _("Evidence document"),
            lambda t: parse_choice(t, kinds),
            field="support_evidence.kind",
            choices=kinds,
        )
        a["evidence_reference"] = self.ask(
            "evidence_reference",
            _("Evidence number"),
            parse_required_text,
            field="support_evidence.reference",
        )
        until = self.ask(
            "evidence_valid_until",
            _("Support ends on (dd/mm/yyyy, blank if no end)"),
            lambda t: parse_date(t) if t.strip() else "",
            default="",
            field="support_evidence.valid_until",
        )
        a["evidence_valid_until"] = until or None
        return a

    def _default_commune(self) -> int | None:
        communes = self.fc.me.get("commune_codes") or []
        return int(communes[0]) if communes else None

    def _payment_date(self) -> date | None:
        today = datetime.now(VN_TZ).date()
        pay = self.ask(
            "payment_date",
            _("Payment date (dd/mm/yyyy)"),
            parse_date,
            default=today.strftime("%d/%m/%Y"),
            field="payment_date",
        )
        if pay is not None and pay > today and not self.answers.get("payment_date_ok"):
            self.say(
                "[yellow]"
                + _("The payment date {day} is in the future.").format(day=f"{pay:%d/%m/%Y}")
                + "[/yellow]"
            )
            if not self.confirm(_("Keep this date?")):
                del self.answers["payment_date"]
                return None
            self.answers["payment_date_ok"] = True
        return pay  # type: ignore[no-any-return]

    def _household(self) -> str | None:
        code = self.ask(
            "household", _("Household code"), parse_household_code, field="household.code"
        )
        if code is None or self.answers.get("household_ok"):
            return code  # type: ignore[no-any-return]
        view = self.fc.household(code)
        if not view.members:
            self.say(
                "[yellow]"
                + _("Household {code} is not known on this device (roster or records).").format(
                    code=code
                )
                + "[/yellow]"
            )
            if not self.confirm(_("Is this a new household?")):
                del self.answers["household"]
                return None
        else:
            names = ", ".join(m.full_name for m in view.members)
            self.say(_("Known members: {names}").format(names=names))
        self.answers["household_ok"] = True
        return code  # type: ignore[no-any-return]

    def _ordinal(self, a: dict[str, Any]) -> int | None:
        if a.get("household") is None or a.get("payment_date") is None:
            return None
        if self.answers.get("ordinal") is not None:
            return int(self.answers["ordinal"])
        view = self.fc.household(a["household"], a["payment_date"])
        suggested = view.next_ordinal
        if a.get("citizen_id") and any(m.citizen_id == a["citizen_id"] for m in view.members):
            suggested = max(1, suggested - 1)
        self.say(
            _("This person is member no. {n} of the household: {amount} for 12 months.").format(
                n=suggested, amount=vnd(view.next_amount_vnd)
            )
        )
        if not self.interactive:
            return None  # computed by the device when saved
        return self.ask(  # type: ignore[no-any-return]
            "ordinal",
            _("Member number in the household"),
            lambda t: parse_int(t, 1, 50),
            default=suggested,
            field="household.ordinal",
        )


def _birth_date(text: str) -> date:
    born = parse_date(text)
    today = datetime.now(VN_TZ).date()
    if born > today:
        raise BadAnswer(_("A date of birth cannot be in the future."))
    if born.year < 1900:
        raise BadAnswer(_("Type a date as dd/mm/yyyy, for example 12/04/1985."))
    return born
