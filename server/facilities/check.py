"""The push's facility rule, decided in memory like the rest of a batch (``ingest.decide``).

A sign-up of a scheme that needs a facility stores the code it sent, if that code is in the
active list of its point's province; without one, the participant's facility on file in the
register (any HI scheme: their previous sign-up's or the agency's list); with none on file it
is stored empty and flagged ``facility_missing`` for the coordinator. A code on a scheme
that needs none is refused. Messages are Vietnamese and name ``initial_facility_code``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from enroll_common.facilities import (
    FACILITY_MISSING,
    NEEDS_FACILITY,
    is_facility_code,
    needs_facility,
)
from enroll_common.sync_wire import EnrollmentRecord, FieldProblem

FIELD = "initial_facility_code"


@dataclass(frozen=True)
class FacilityBook:
    """The facility codes a batch names that are active, per province (read once per batch)."""

    active: Mapping[int, frozenset[str]] = field(default_factory=dict)

    def has(self, province_code: int, code: str) -> bool:
        return code in self.active.get(province_code, frozenset())


@dataclass(frozen=True)
class FacilityChoice:
    """What a sign-up stores: the code (or None) and any server-side review flag."""

    code: str | None = None
    flags: tuple[str, ...] = ()
    problems: tuple[FieldProblem, ...] = ()


def choose(
    book: FacilityBook,
    record: EnrollmentRecord,
    province_code: int | None,
    on_file: Callable[[str], str | None],
) -> FacilityChoice:
    """``on_file(scheme)`` is the register's facility of this person in that scheme."""
    sent = record.initial_facility_code
    scheme = record.scheme.value
    if not needs_facility(scheme):
        if sent is None:
            return FacilityChoice()
        message = "chỉ ghi nơi đăng ký KCB ban đầu cho đăng ký BHYT"
        return FacilityChoice(problems=(FieldProblem(field=FIELD, message=message),))
    if sent is not None:
        if not is_facility_code(sent):
            message = f"mã nơi KCB ban đầu {sent!r} không hợp lệ: phải gồm đúng 5 chữ số"
        elif province_code is not None and not book.has(province_code, sent):
            message = f"mã {sent} không có trong danh mục cơ sở KCB của tỉnh"
        else:
            return FacilityChoice(code=sent)
        return FacilityChoice(problems=(FieldProblem(field=FIELD, message=message),))
    # The same scheme's register entry first, then any other HI scheme's.
    for candidate in (scheme, *sorted(NEEDS_FACILITY - {scheme})):
        previous = on_file(candidate)
        if previous:
            return FacilityChoice(code=previous)
    return FacilityChoice(flags=(FACILITY_MISSING,))
