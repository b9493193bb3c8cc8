"""Payment deadlines of voluntary social insurance, by payment method, as dated data.

Law 41/2024/QH15 Art 36 cl.3 (in force 1 Jul 2025), as summarised in
/work/shared/research/rules-and-field-practice.md §3: monthly — within the month; every 3
months — within the 3-month period; every 6 months — within the first 4 months; every 12
months — within the first 7 months; paying ahead for several years — at registration. A
later rule is a new ``DeadlineRule`` with its own ``effective_from``, never an edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DeadlineRule:
    effective_from: date
    source: str
    months_to_pay: dict[int, int]  # method (months per payment) -> months allowed to pay


RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule(
        effective_from=date(2025, 7, 1),
        source="Luật BHXH 41/2024/QH15, Điều 36 khoản 3",
        months_to_pay={1: 1, 3: 3, 6: 4, 12: 7},
    ),
)


def months_to_pay(method: int, on: date) -> int:
    """Months from the start of the unpaid period within which payment keeps the cover going
    (0 for payments of several years ahead: the deadline is the period's start)."""
    in_force = [r for r in RULES if r.effective_from <= on] or [RULES[0]]
    return max(in_force, key=lambda r: r.effective_from).months_to_pay.get(method, 0)
