"""Achieved against target over the months of a year, per scheme, as inline SVG (no JS).

The chart is drawn for the unit on screen (province, commune or point), and the months of
the chosen period are drawn stronger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape
from sqlmodel import Session

from enroll_common.calculator import Scheme
from enroll_common.glossary import term
from enroll_common.periods import Period, PeriodKind
from server.auth.scope import Principal
from server.reports import service as reports_service
from server.reports.schemas import Level
from server.web import fmt
from server.web.i18n import current_language
from server.web.progress import Span

SCHEMES = tuple(s.value for s in Scheme)
WIDTH, HEIGHT = 420, 190
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 26


@dataclass(frozen=True)
class Month:
    month: int
    achieved: int
    target: int | None


def monthly(
    session: Session, *, principal: Principal, year: int, level: Level, unit: int | None
) -> dict[str, list[Month]]:
    """Per scheme, each month's achieved and target for one unit (or the level's totals)."""
    out: dict[str, list[Month]] = {s: [] for s in SCHEMES}
    for m in range(1, 13):
        report = reports_service.progress_report(
            session, principal=principal, period=Period(year, PeriodKind.MONTH, m), level=level
        )
        rows = report.totals if unit is None else [r for r in report.rows if r.unit_id == unit]
        for row in rows:
            if row.scheme in out:
                out[row.scheme].append(Month(m, row.achieved, row.target))
    return out


def scheme_name(scheme: str) -> str:
    """The glossary's name for the scheme, in the page's language."""
    return term("scheme", scheme, current_language())


def _svg(scheme: str, months: list[Month], year: int, span: Span | None) -> str:
    top = max([1] + [m.achieved for m in months] + [m.target or 0 for m in months])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / 12

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / top

    title = f"{scheme_name(scheme)} · {year}"
    described = "; ".join(
        f"{m.month:02d}: {fmt.number(m.achieved)}/{fmt.number(m.target)}" for m in months
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}: {escape(described)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_h}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">'
        f"{escape(fmt.number(top))}</text>",
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for m in months:
        x = LEFT + step * (m.month - 1)
        bar_y = y(m.achieved)
        tip = f"{m.month:02d}/{year}: {fmt.number(m.achieved)} / {fmt.number(m.target)}"
        inside = span is not None and span.overlap(*_month_days(year, m.month)) > 0
        cls = "achieved chosen" if inside else "achieved"
        parts.append(
            f'<rect class="{cls}" x="{x + step * 0.18:.1f}" y="{bar_y:.1f}" '
            f'width="{step * 0.64:.1f}" height="{TOP + plot_h - bar_y:.1f}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        if m.target is not None:
            ty = y(m.target)
            parts.append(
                f'<line class="target" x1="{x + step * 0.06:.1f}" y1="{ty:.1f}" '
                f'x2="{x + step * 0.94:.1f}" y2="{ty:.1f}"/>'
            )
        parts.append(
            f'<text class="tick" x="{x + step / 2:.1f}" y="{HEIGHT - 8}" '
            f'text-anchor="middle">{m.month}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _month_days(year: int, month: int) -> tuple[date, date]:
    period = Period(year, PeriodKind.MONTH, month)
    return period.start, period.end


def year_chart(
    session: Session,
    *,
    principal: Principal,
    year: int,
    level: Level,
    unit: int | None,
    span: Span | None = None,
) -> list[tuple[str, Markup]]:
    """(scheme title, SVG) per scheme for the unit on screen; the chosen months stand out."""
    data = monthly(session, principal=principal, year=year, level=level, unit=unit)
    return [(scheme_name(s), Markup(_svg(s, data[s], year, span))) for s in SCHEMES if data[s]]
