"""Form errors shown at the field, in the user's language, with the input kept.

A domain error's ``detail`` is English and may name internal ids; on a page it becomes the
catalog's translation when there is one, else a plain message for its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.errors import DomainError
from server.web.i18n import gettext, translations

# Messages for a field when the domain's own sentence is not in the catalog.
_BY_FIELD = {
    "size": "Enter a whole number of receipts between 1 and 1,000.",
    "first_number": "Check the first number: it must be an unused number of this device.",
    "last_number": "Check the last number: it must be in the same block, not below the first.",
    "reason": "Write the reason.",
    "weights": "Enter one whole number per point (for example 3), not words.",
    "period": "Choose a month, a quarter or a year, for example 2026-11.",
    "value": "Enter a whole number of 0 or more.",
    "device_id": "This device can no longer receive receipt blocks.",
    "total": "This point has no target for the period yet: set it first, or enter the total.",
    "agent_ids": "One of these agents no longer works at this point; reload the page.",
    "point_id": "This point has no agents to share the target with.",
    "ids": "Tick at least one sign-up.",
    "from": "Enter a date as day/month/year.",
    "to": "Enter a date as day/month/year.",
}


_DEFAULT = "The value was not accepted; check it and try again."
_BY_STATUS = {
    403: "You may not do this with your account.",
    404: "It does not exist, or it is outside the area you manage.",
    409: "It was changed at the same moment by someone else; reload the page and try again.",
}


def _known(detail: str) -> bool:
    return translations("vi").gettext(detail) != detail


def message(exc: DomainError) -> str:
    """The sentence to show for ``exc``: never its internal ids."""
    if _known(exc.detail):
        return gettext(exc.detail)
    if exc.field in _BY_FIELD:
        return gettext(_BY_FIELD[exc.field])
    return gettext(_BY_STATUS.get(exc.status_code, _DEFAULT))


@dataclass
class FormState:
    """One form's submitted values and its errors by field, to render the page again."""

    name: str
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    ticked: set[str] = field(default_factory=set)

    def fail(self, exc: DomainError, default_field: str) -> FormState:
        self.errors[exc.field or default_field] = message(exc)
        return self


__all__ = ["FormState", "message"]
