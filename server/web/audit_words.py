"""Audit trail entries in words: "Số tiền phải thu: 1.263.600 ₫", not ``amount_vnd: 1263600``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from enroll_common.glossary import term
from server.enrollments.schemas import AuditPublic
from server.web import fmt
from server.web.i18n import current_language

_HIDDEN = {"content_hash", "block_id", "device_id", "user_id"}


@dataclass
class AuditLine:
    entry: AuditPublic
    action: str
    details: list[str]


def _value(key: str, value: Any, lang: str) -> str:
    if key.endswith("_vnd") and isinstance(value, int):
        return fmt.vnd(value)
    if key == "flags" and isinstance(value, list):
        return ", ".join(term("flag", str(f), lang) for f in value)
    if key == "status":
        return term("status", str(value), lang)
    if key == "possible_duplicate_of":
        return ""  # an internal id: the sentence says it all
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return fmt.number(value) if key != "rev" else str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def describe(entry: AuditPublic) -> AuditLine:
    """The action and each detail as a short phrase in the page's language."""
    lang = current_language()
    details = []
    for key, value in entry.detail.items():
        if key in _HIDDEN or value in (None, "", []):
            continue
        label = term("field", key, lang)
        shown = _value(key, value, lang)
        details.append(f"{label[:1].upper()}{label[1:]}" + (f": {shown}" if shown else ""))
    return AuditLine(entry, term("action", entry.action, lang), details)


__all__ = ["AuditLine", "describe"]
