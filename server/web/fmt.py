"""Vietnamese number, money and date formats through Babel (1.234.567 ₫, 85,3 %, 22/11/2026).

Pages, exports and the CLI show figures the Vietnamese way whatever the page language, so a
number copied from the English page still reads right in a Vietnamese report.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

VN_TZ = timezone(timedelta(hours=7), "ICT")  # Vietnam keeps no daylight saving time
LOCALE = "vi_VN"


def number(value: int | float | None) -> str:
    """1234567 -> '1.234.567' (dot thousands, as written in Vietnam)."""
    if value is None:
        return "–"
    return format_decimal(int(round(value)), format="#,##0", locale=LOCALE)


def vnd(value: int | None) -> str:
    """1234567 -> '1.234.567 ₫' (the non-breaking space keeps the symbol with its number)."""
    if value is None:
        return "–"
    return format_currency(value, "VND", format="#,##0\u00a0¤", locale=LOCALE)


def percent(value: float | None, digits: int = 1) -> str:
    """0.853 -> '85,3 %' (comma decimals)."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "\u00a0%"
    return format_percent(value, format=pattern, locale=LOCALE)


def day(value: date | datetime | str | None) -> str:
    """A date as dd/mm/yyyy; a datetime is shown in Vietnam time first."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(VN_TZ).date()
    return format_date(value, "dd/MM/yyyy", locale=LOCALE)


def moment(value: datetime | str | None) -> str:
    """A timestamp as dd/mm/yyyy HH:MM in Vietnam time."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value.astimezone(VN_TZ), "dd/MM/yyyy HH:mm", locale=LOCALE)


def duration(value: timedelta | None) -> str:
    """A wait as '3 ngày 4 giờ', '2 giờ 5 phút' or '12 phút' (the largest two units)."""
    if value is None:
        return "–"
    minutes = max(0, int(value.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{number(days)} ngày {hours} giờ"
    if hours:
        return f"{hours} giờ {mins} phút"
    return f"{mins} phút"


__all__ = ["VN_TZ", "day", "duration", "moment", "number", "percent", "vnd"]
