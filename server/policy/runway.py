"""How long the entered policy lasts: the days until a parameter has no national version in
force, so operators are warned before a sale stops for want of one (docs/policy-rules.md §7:
the rural poverty line ends on 2026-12-31 and must be entered by an admin first)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from enroll_common.policy import PARAMETERS

Span = tuple[str, date, date | None]
"""(parameter, effective_from, effective_to or None for open-ended)"""


def days_left(spans: Iterable[Span], today: date) -> dict[str, int]:
    """For each parameter whose versions end: the days from ``today`` to the first day no
    version covers (0: none in force today). Versions back to back count as one stretch;
    a parameter with an open-ended version in force from today on never runs out and is
    left out."""
    by_parameter: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
    for parameter, start, end in spans:
        by_parameter[parameter].append((start, end))
    left: dict[str, int] = {}
    for parameter in PARAMETERS:
        versions = by_parameter.get(parameter, [])
        day = today
        while True:
            ends = [end for start, end in versions if start <= day and (end is None or day <= end)]
            if not ends:
                left[parameter] = (day - today).days
                break
            if any(end is None for end in ends):
                break
            day = max(e for e in ends if e is not None) + timedelta(days=1)
    return left
