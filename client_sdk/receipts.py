"""Receipt numbers on the device: the blocks it was issued, the next unused number, voids.

The next number is found in O(1): a cursor (the last number handed out) is kept in the
same transaction as the sign-up that used it, and only numbers after it are looked at.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from client_sdk.errors import ReceiptBlockExhausted, ValidationError
from client_sdk.i18n import _
from client_sdk.models import ReceiptSummary
from client_sdk.store import Store

ENTITY_RECEIPT_BLOCK = "receipt_block"
_CURSOR = "receipt_cursor"


class Receipts:
    """This device's receipt blocks, as pulled, and the numbers it has spent."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._blocks: list[dict[str, Any]] | None = None
        self._version = -1

    def blocks(self) -> list[dict[str, Any]]:
        """Blocks issued to this device (not the agent's other phones), lowest first."""
        version = self.store.pulled_version()
        if self._blocks is None or version != self._version:
            device_id = self.store.get_meta("device_id")
            self._blocks = sorted(
                (
                    b
                    for b in self.store.pulled(ENTITY_RECEIPT_BLOCK)
                    if device_id is None or str(b.get("device_id")) == device_id
                ),
                key=lambda b: int(b["first_number"]),
            )
            self._version = version
        return self._blocks

    def next_number(self) -> int:
        """The lowest number after the last one handed out that is neither used nor void."""
        after = int(self.store.get_meta(_CURSOR, "0") or 0)
        for block in self.blocks():
            last = int(block["last_number"])
            number = max(after + 1, int(block["first_number"]))
            while number <= last:
                if not self.store.receipt_used(number):
                    return number
                number += 1
        raise ReceiptBlockExhausted(
            _(
                "No unused receipt number left on this device. Ask your coordinator to issue "
                "a receipt block to this device, then run `enroll-agent sync`."
            ),
            field="receipt_number",
        )

    def has_unused(self) -> bool:
        try:
            self.next_number()
        except ReceiptBlockExhausted:
            return False
        return True

    def use(self, conn: sqlite3.Connection, number: int, record_id: str) -> None:
        self.store.use_receipt(conn, number, record_id=record_id)
        self.store.set_meta(_CURSOR, str(number), conn)

    def void(self, number: int, reason: str) -> None:
        """Record a spoiled receipt offline; the void is sent at the next sync."""
        reason = reason.strip()
        if len(reason) < 3:
            raise ValidationError(_("Give a reason of at least 3 characters."), field="reason")
        if not any(
            int(b["first_number"]) <= number <= int(b["last_number"]) for b in self.blocks()
        ):
            raise ValidationError(
                _("Receipt {number} is not in this device's blocks.").format(number=number),
                field="number",
            )
        if self.store.receipt_used(number):
            raise ValidationError(
                _("Receipt {number} is already used or voided.").format(number=number),
                field="number",
            )
        with self.store.transaction() as conn:
            self.queue_void(conn, number, reason)

    def queue_void(self, conn: sqlite3.Connection, number: int, reason: str) -> None:
        self.store.use_receipt(conn, number, void_reason=reason)
        self.store.enqueue(
            conn, "void", str(number), 0, {"receipt_number": number, "reason": reason}
        )

    def summary(self) -> ReceiptSummary:
        uses = self.store.receipt_uses()
        own = self.blocks()
        total = sum(int(b["last_number"]) - int(b["first_number"]) + 1 for b in own)
        spent = sum(
            self.store.receipt_uses_between(int(b["first_number"]), int(b["last_number"]))
            for b in own
        )
        return ReceiptSummary(
            blocks=own,
            used=[n for n, _rid, reason in uses if reason is None],
            voided=[(n, str(reason)) for n, _rid, reason in uses if reason is not None],
            remaining=max(0, total - spent),
        )
