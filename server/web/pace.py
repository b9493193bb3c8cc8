"""Overview rows that answer "are we on track": span figures, pace by today, last year.

The reports service gives calendar periods; this module re-figures its rows for the span the
user picked (year to date, an ISO week, a range), adds the participants expected by today
from the month targets and the gap to them, and knows when last year is simply not loaded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from server.auth.scope import Principal
from server.reports.schemas import Level, ProgressRow
from server.reports.service import percent
from server.web import progress
from server.web.periods import Choice, today
from server.web.progress import Span, Tally


class OverviewRow(ProgressRow):
    """A report row plus the pace: expected by today and achieved minus expected."""

    expected: int | None = None
    gap: int | None = None
    last_year_known: bool = True


@dataclass
class Context:
    """What every row of one page shares: who asks, what span, which points they see."""

    session: Session
    principal: Principal
    choice: Choice
    point_ids: set[int]
    last_year_known: bool


def context(
    session: Session, *, principal: Principal, choice: Choice, point_ids: set[int]
) -> Context:
    known = progress.any_sign_ups(
        session, principal=principal, span=choice.last_year_span, point_ids=point_ids
    )
    return Context(session, principal, choice, point_ids, known)


def _set_figures(row: OverviewRow, now: Tally, target: int | None) -> None:
    row.target = target
    row.achieved, row.approved, row.pending = now.achieved, now.approved, now.pending
    row.amount_vnd, row.sign_ups = now.amount_vnd, now.sign_ups
    row.percent = percent(now.achieved, target)
    row.shortfall = None if target is None else max(0, target - now.achieved)
    row.surplus = None if target is None else max(0, now.achieved - target)


def _set_last_year(row: OverviewRow, before: int, known: bool) -> None:
    row.last_year_known = known
    row.last_year = before
    row.change = row.achieved - before
    row.change_percent = percent(row.achieved - before, before) if known else None


def enrich(ctx: Context, level: Level, rows: list[ProgressRow]) -> list[OverviewRow]:
    """The rows of one level, re-figured for the chosen span, with pace and last year."""
    out = [OverviewRow(**r.model_dump()) for r in rows]
    if not out:
        return out
    args: dict[str, Any] = {"principal": ctx.principal, "level": level, "point_ids": ctx.point_ids}
    choice = ctx.choice
    to_date = choice.span.until(today())
    spans: list[Span] = [choice.span] + ([to_date] if to_date else [])
    plans = progress.planned(ctx.session, spans=spans, **args)
    if choice.kind == "ytd":
        # This year from the summary (the year so far is the year: nothing is paid ahead);
        # last year up to the same day from the sign-ups themselves.
        before = progress.tallies(ctx.session, span=choice.last_year_span, **args)
        for row in out:
            key = (row.unit_id, row.scheme)
            _set_last_year(row, before.get(key, Tally()).achieved, ctx.last_year_known)
    elif not choice.standard:
        now = progress.tallies(ctx.session, span=choice.span, **args)
        before = progress.tallies(ctx.session, span=choice.last_year_span, **args)
        for row in out:
            key = (row.unit_id, row.scheme)
            plan = plans[0].get(key)
            _set_figures(row, now.get(key, Tally()), None if plan is None else round(plan))
            _set_last_year(row, before.get(key, Tally()).achieved, ctx.last_year_known)
    else:
        for row in out:
            _set_last_year(row, row.last_year, ctx.last_year_known)
    # last year counts as loaded for a unit that had sign-ups then (any scheme)
    loaded = {r.unit_id for r in out if r.last_year > 0}
    for row in out:
        if row.unit_id not in loaded:
            row.last_year_known = False
            row.change_percent = None
    if to_date is not None:
        for row in out:
            plan = plans[1].get((row.unit_id, row.scheme))
            if plan is None and row.target is not None:
                plan = row.target * to_date.days / choice.span.days  # no month targets: even
            if plan is not None:
                row.expected = round(plan)
                row.gap = row.achieved - row.expected
    rank(out)
    return out


def rank(rows: list[OverviewRow]) -> None:
    """Competition ranking within a scheme: percent of target, then achieved."""
    by_scheme: dict[str, list[OverviewRow]] = defaultdict(list)
    for row in rows:
        by_scheme[row.scheme].append(row)
    for peers in by_scheme.values():
        ordered = sorted(peers, key=_rank_key)
        for i, row in enumerate(ordered):
            same = i and _rank_key(ordered[i - 1]) == _rank_key(row)
            row.rank = ordered[i - 1].rank if same else i + 1


def _rank_key(r: ProgressRow) -> tuple[float, int]:
    return (-(r.percent if r.percent is not None else -1.0), -r.achieved)


ORDERS = ("shortfall", "best", "worst")


def _order_key(order: str, r: OverviewRow) -> tuple[object, ...]:
    if order == "best":
        return (r.scheme, r.percent is None, *_rank_key(r), r.unit_code)
    if order == "worst":
        return (r.scheme, r.percent is None, r.percent or 0.0, r.achieved, r.unit_code)
    return (r.shortfall is None, -(r.shortfall or 0), r.scheme, r.unit_code)


def ordered(rows: list[OverviewRow], order: str) -> list[OverviewRow]:
    """Largest shortfall first (default), best first or worst first; no target last."""
    return sorted(rows, key=lambda r: _order_key(order, r))


def totals(rows: list[OverviewRow], known: bool) -> list[OverviewRow]:
    """One row per scheme adding up ``rows`` (participants count once per unit and span)."""
    out: list[OverviewRow] = []
    for scheme in dict.fromkeys(r.scheme for r in rows):
        peers = [r for r in rows if r.scheme == scheme]
        first = peers[0]
        targets = [r.target for r in peers if r.target is not None]
        expected = [r.expected for r in peers if r.expected is not None]
        total = OverviewRow(**first.model_dump())
        total.unit_id, total.unit_code, total.unit_name, total.rank = 0, "", "Tổng cộng", None
        now = Tally(
            achieved=sum(r.achieved for r in peers),
            approved=sum(r.approved for r in peers),
            pending=sum(r.pending for r in peers),
            amount_vnd=sum(r.amount_vnd for r in peers),
            sign_ups=sum(r.sign_ups for r in peers),
        )
        _set_figures(total, now, sum(targets) if targets else None)
        total.due_renewal = sum(r.due_renewal for r in peers)
        _set_last_year(
            total, sum(r.last_year for r in peers), known and all(r.last_year_known for r in peers)
        )
        total.expected = sum(expected) if expected else None
        total.gap = None if total.expected is None else total.achieved - total.expected
        out.append(total)
    return out
